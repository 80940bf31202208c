/**
 * A child process of redis-listen-key.test.ts: one bot of a futures account, streaming user
 * data with the RedisCoordinator's listenKey lease. Protocol over stdio (JSON lines):
 * stdout `{"live":true, restGranted, dials}` once streaming (REST calls and dials that went through Redis), `{"order":<orderId>}` per orderUpdate, `{"stopped":true}`;
 * stdin `stop` → unsubscribe (the lease decides the DELETE), close, exit 0.
 * argv: redisPort baseUrl restBaseUrl apiKey
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { BinanceStreamClient, ConstantBackoff } from '../../../src/index';
import { RedisCoordinator } from '../../../src/redis/index';

const [port, baseUrl, restBaseUrl, apiKey] = process.argv.slice(2) as [string, string, string, string];
const redis = new Redis({ port: Number(port), host: '127.0.0.1' });
const coord = new RedisCoordinator({ redis, heartbeatMs: 200, leaseTtlMs: 600 });
const client = new BinanceStreamClient({
  market: 'usdm',
  baseUrl,
  restBaseUrl,
  apiKey,
  // The IP's connection and REST weight budgets and the account's listenKey lease, all through Redis.
  ...coord.clientOptions(restBaseUrl),
  retryPolicy: new ConstantBackoff({ delayMs: 100 }),
});
const say = (m: object): void => void process.stdout.write(JSON.stringify(m) + '\n');
client.on('orderUpdate', (e) => say({ order: (e as { o?: { i?: number } }).o?.i }));
await client.subscribeUserData();
say({ live: true, restGranted: coord.restWeightBudget(restBaseUrl).state().granted, dials: coord.connectionBudget().state().granted });
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  void (async () => {
    await client.unsubscribeUserData();
    await client.stop();
    await coord.close();
    redis.disconnect();
    say({ stopped: true });
    process.exit(0);
  })();
});
