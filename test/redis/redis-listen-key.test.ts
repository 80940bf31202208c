/**
 * Two processes of one futures account sharing the listenKey through Redis leases (issue 16):
 * Binance gives both the same key; one stopping leaves the other streaming (no DELETE); the last
 * to leave deletes the key. A process that dies without stopping releases its share when its
 * heartbeat TTL lapses, and the survivor then deletes the key when it stops.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { RedisCoordinator } from '../../src/redis/index';
import { startEmulator } from '../helpers/emulator';
import { closeRedis, startRedis, describeRedis } from '../helpers/redis';
import { until } from '../helpers/wait';
import { killChildren, spawnChild } from './child';

const CHILD = fileURLToPath(new URL('./children/user-data.ts', import.meta.url));
const API_KEY = 'redis-lease-api-key-0123456789';

afterEach(async () => {
  await killChildren();
  await closeRedis();
});

async function setup() {
  const server = await startRedis();
  const ex = await startEmulator({ market: 'usdm' });
  const observer = new RedisCoordinator({ redis: server.client(), heartbeatMs: 200, leaseTtlMs: 600 });
  const lease = observer.listenKeyLease();
  const args = [String(server.port), ex.urls.ws, ex.urls.http, API_KEY];
  const spawnBot = () => spawnChild(CHILD, args);
  return { server, ex, lease, observer, spawnBot };
}

describeRedis('futures listenKey shared by two processes through Redis leases', () => {
  it('one stops, the other keeps streaming; the key is deleted when both are gone', { timeout: 60_000 }, async () => {
    const { ex, lease, observer, spawnBot } = await setup();
    const a = spawnBot();
    const b = spawnBot();
    const [liveA] = await Promise.all([a.waitFor((m) => m.live === true, 'live (A)'), b.waitFor((m) => m.live === true, 'live (B)')]);
    expect(liveA, 'the listenKey POST went through the Redis REST budget, the dial through the Redis connection budget').toMatchObject({ restGranted: expect.any(Number), dials: 1 });
    expect(liveA.restGranted as number).toBeGreaterThan(0);
    const keys = ex.listenKeys();
    expect(keys, 'Binance hands both processes the same key').toHaveLength(1);
    const key = keys[0]!.listenKey;
    expect(await lease.holders(key)).toBe(2);

    b.send('stop');
    await b.waitFor((m) => m.stopped === true, 'stopped (B)');
    expect(await b.exited).toBe(0);
    expect(ex.listenKeys()[0]!.state, 'B left, A still holds the key: no DELETE').toBe('active');
    expect(await lease.holders(key)).toBe(1);

    expect(ex.pushUserEvent(API_KEY, { e: 'ORDER_TRADE_UPDATE', E: Date.now(), T: Date.now(), o: { s: 'BTCUSDT', i: 42, X: 'NEW', x: 'NEW' } })).toBe(1);
    await a.waitFor((m) => m.order === 42, 'orderUpdate 42 (A)');

    a.send('stop');
    await a.waitFor((m) => m.stopped === true, 'stopped (A)');
    await a.exited;
    expect(ex.listenKeys()[0]!.state, 'the last holder deleted the key').toBe('deleted');
    expect(await lease.holders(key)).toBe(0);
    await observer.close();
    expect(observer.timerCount).toBe(0);
  });

  it('a process that dies releases its share when its heartbeat lapses; the survivor then deletes the key', { timeout: 60_000 }, async () => {
    const { ex, lease, observer, spawnBot } = await setup();
    const a = spawnBot();
    const b = spawnBot();
    await Promise.all([a.waitFor((m) => m.live === true, 'live (A)'), b.waitFor((m) => m.live === true, 'live (B)')]);
    const key = ex.listenKeys()[0]!.listenKey;
    expect(await lease.holders(key)).toBe(2);
    b.kill();
    await b.exited;
    await until(async () => (await lease.holders(key)) === 1, { message: "the dead process's lease lapsed", timeoutMs: 10_000 });
    expect(ex.listenKeys()[0]!.state).toBe('active');
    a.send('stop');
    await a.waitFor((m) => m.stopped === true, 'stopped (A)');
    expect(ex.listenKeys()[0]!.state).toBe('deleted');
    await observer.close();
  });
});
