/**
 * Many bots, one set of Binance connections: a gateway holds the streams once and republishes
 * them into Redis Streams; consumers read them with the client's own event API. Here the
 * gateway and two consumers run in one process against the local emulator (in production each
 * is its own process: run this file with `--role gateway` once and `--role consumer --name a`
 * as often as you like).
 *
 *   npx tsx examples/10-gateway.ts --redis redis://127.0.0.1:6379 [--duration 5] [--role all|gateway|consumer] [--name a]
 *
 * What it prints: messages the gateway's client received per stream, what each consumer got
 * (and whether it is exactly the same sequence), and the added latency (Binance frame
 * received by the gateway → consumer listener), median and p99.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { BinanceStreamClient, consoleLogger } from 'binance-stream-client';
import type { AggTradeEvent, StreamMessage } from 'binance-stream-client';
import { createGateway, RedisCoordinator, RedisStreamSource } from 'binance-stream-client/redis';
import { FakeBinance } from 'binance-stream-client/testing';

const { values: args } = parseArgs({
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    duration: { type: 'string', default: '5' },
    role: { type: 'string', default: 'all' },
    name: { type: 'string', default: 'a' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npx tsx examples/10-gateway.ts --redis redis://host:6379 [--duration s] [--role all|gateway|consumer] [--name a]');
  process.exit(0);
}

const STREAMS = ['btcusdt@aggTrade', 'ethusdt@aggTrade', 'btcusdt@bookTicker'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = consoleLogger('warn');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) : NaN;
}

/** A consumer: the same events as the client (`aggTrade`, `message`, `gap`…), read from Redis. */
function consumer(name: string, url: string) {
  const redis = new Redis(url);
  const source = new RedisStreamSource({ redis, streams: STREAMS, consumer: name, from: 'latest', logger });
  const trades: Record<string, number[]> = {};
  const lagMs: number[] = [];
  source.on('aggTrade', (t: AggTradeEvent, m: StreamMessage) => {
    (trades[m.stream] ??= []).push(t.a);
    lagMs.push(Date.now() - m.receivedAt);
  });
  source.on('gap', (g) => console.log(`[${name}] gap`, g));
  return {
    name,
    source,
    trades,
    lagMs,
    async close() {
      await source.close();
      redis.disconnect();
    },
  };
}

/** The gateway: one client (its connection and REST budgets shared through Redis), republished. */
async function gateway(url: string, baseOptions: ConstructorParameters<typeof BinanceStreamClient>[0]) {
  const redis = new Redis(url);
  const coord = new RedisCoordinator({ redis, logger });
  const client = new BinanceStreamClient({ ...baseOptions, logger, ...coord.clientOptions(baseOptions?.restBaseUrl ?? 'https://api.binance.com') });
  const gw = createGateway({ client, redis, maxLen: 100_000, logger });
  const direct: Record<string, number[]> = {};
  client.on('aggTrade', (t, m) => (direct[m.stream] ??= []).push(t.a));
  client.subscribe(STREAMS);
  await client.start();
  return {
    direct,
    gw,
    async close() {
      await client.stop();
      await gw.close();
      await coord.close();
      redis.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const seconds = Math.max(2, Number(args.duration));
  const url = String(args.redis);
  if (args.role === 'consumer') {
    const c = consumer(String(args.name), url);
    await c.source.start();
    await sleep(seconds * 1000);
    await c.close();
    for (const [s, ids] of Object.entries(c.trades)) console.log(`[${c.name}] ${s}: ${ids.length} trades`);
    return;
  }
  const fake = await FakeBinance.start({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], rates: { aggTrade: 100, bookTicker: 20 } });
  const consumers = args.role === 'all' ? [consumer('a', url), consumer('b', url)] : [];
  await Promise.all(consumers.map((c) => c.source.start()));
  const g = await gateway(url, fake.clientOptions());
  await sleep(seconds * 1000);
  await g.close(); // stop the feed first, then let the consumers read the rest
  await sleep(500);
  await Promise.all(consumers.map((c) => c.close()));
  await fake.close();

  let ok = true;
  for (const s of STREAMS.filter((x) => x.endsWith('@aggTrade'))) {
    const want = g.direct[s] ?? [];
    console.log(`gateway  ${s}: ${want.length} trades received from Binance`);
    for (const c of consumers) {
      const got = c.trades[s] ?? [];
      const same = got.length === want.length && got.every((a, i) => a === want[i]);
      ok &&= same && want.length > 0;
      console.log(`consumer ${c.name} ${s}: ${got.length} trades, ${same ? 'exactly the same sequence' : 'DIFFERENT'}`);
    }
  }
  for (const c of consumers) console.log(`consumer ${c.name} added latency: median ${percentile(c.lagMs, 50)} ms, p99 ${percentile(c.lagMs, 99)} ms`);
  console.log(`gateway wrote ${g.gw.stats().written} entries, dropped ${g.gw.stats().dropped}`);
  if (consumers.length) console.log(ok ? 'OK: every consumer got every trade exactly once, in order' : 'MISMATCH');
  process.exitCode = ok || !consumers.length ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
