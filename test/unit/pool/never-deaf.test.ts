/** Issue 10 items 1 and 5 at the pool: a given-up socket is visibly down and revivable; short rotateAfterMs rotates at its age. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamDownEvent, StreamRestoredEvent } from '../../../src/pool/events';
import type { RotationPlan } from '../../../src/pool/rotation-plan';
import { effectiveJitterMs, rotationDue } from '../../../src/pool/rotation-plan';
import { makePool, openAll, T0 } from './pool-harness';

describe('StreamPool: a socket that gave up', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('its streams are down (health, stats, streamDown); start() is a new attempt, not the old rejection, and revives it', async () => {
    const { pool, sockets } = makePool({ sweepIntervalMs: 1_000 });
    const down: StreamDownEvent[] = [];
    const restored: StreamRestoredEvent[] = [];
    pool.on('streamDown', (e) => down.push(e));
    pool.on('streamRestored', (e) => restored.push(e));
    pool.subscribe(['btcusdt@trade', 'ethusdt@trade']);
    const first = pool.start();
    const s = sockets[0]!;
    expect(pool.health()).toMatchObject({ pending: 2, live: 0, down: 0 });
    s.giveUp();
    await expect(first).rejects.toMatchObject({ code: 'ERR_GAVE_UP' });
    expect(down.map((e) => [e.stream, e.cause, e.socketId])).toEqual([
      ['btcusdt@trade', 'gaveUp', 'spot-1'],
      ['ethusdt@trade', 'gaveUp', 'spot-1'],
    ]);
    expect(pool.health()).toMatchObject({ down: 2, streams: { 'btcusdt@trade': { state: 'down', socketId: 'spot-1', since: T0, reason: expect.stringContaining('gave up') } } });
    expect(pool.stats().streams.map((x) => x.state)).toEqual(['down', 'down']);
    expect(pool.stats().sockets[0]).toMatchObject({ socketId: 'spot-1', state: 'failed' });

    const again = pool.start();
    expect(again).not.toBe(first);
    expect(s.state).toBe('connecting'); // revived
    let resolved = false;
    void again.then(() => (resolved = true));
    s.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);
    s.deliver('btcusdt@trade', { e: 'trade', E: Date.now(), t: 1 });
    expect(pool.health()).toMatchObject({ live: 2, down: 0 });
    expect(restored.map((e) => [e.stream, e.from])).toEqual([
      ['btcusdt@trade', 'down'],
      ['ethusdt@trade', 'down'],
    ]);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reconnect() and a subscribe() placed on it revive it', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['btcusdt@trade']);
    void pool.start().catch(() => undefined);
    openAll(sockets);
    const s = sockets[0]!;
    s.giveUp();
    expect(pool.health().down).toBe(1);
    pool.reconnect('operator');
    expect(s.state).toBe('connecting');
    s.open();
    expect(pool.health().live).toBe(1);
    s.giveUp();
    pool.subscribe(['ethusdt@trade']); // lands on the same slot (room left)
    expect(sockets).toHaveLength(1);
    expect(s.count('addStreams')).toBe(1);
    await pool.stop();
  });
});

describe('rotation due time with a short rotateAfterMs (item 5)', () => {
  const plan = (p: Partial<RotationPlan>): RotationPlan => ({
    rotateAfterMs: 23 * 3_600_000,
    rotationJitterMs: 30 * 60_000, // the default
    window: undefined,
    maxLifetimeMs: 24 * 3_600_000,
    rotationSafetyMs: 10 * 60_000,
    ...p,
  });

  it('rotateAfterMs 60 s with the default 30-min jitter rotates about once a minute (never every sweep)', () => {
    const p = plan({ rotateAfterMs: 60_000 });
    expect(effectiveJitterMs(p)).toBe(6_000);
    for (const jitter of [0, 0.5, 0.999]) {
      let connectedAt = T0;
      const ages: number[] = [];
      for (let t = T0; t < T0 + 3_600_000; t += 5_000) {
        if (rotationDue(t, connectedAt, p, jitter)) {
          ages.push(t - connectedAt);
          connectedAt = t;
        }
      }
      expect(ages.length).toBeGreaterThanOrEqual(55);
      expect(ages.length).toBeLessThanOrEqual(67);
      for (const age of ages) expect(age).toBeGreaterThanOrEqual(54_000);
    }
  });

  it('the default plan is unchanged: 23 h minus up to 30 min', () => {
    const p = plan({});
    expect(effectiveJitterMs(p)).toBe(30 * 60_000);
    expect(rotationDue(T0 + 22.5 * 3_600_000, T0, p, 1)).toBe(true);
    expect(rotationDue(T0 + 22.4 * 3_600_000, T0, p, 1)).toBe(false);
  });
});
