import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StaleEvent } from '../../../src/connection/events';
import type { StreamDownEvent, StreamRestoredEvent } from '../../../src/pool/events';
import { MAX_REPAIR_INTERVAL_MS, RESUBSCRIBE_TRIES, StreamSilence } from '../../../src/pool/stream-silence';
import { StreamState } from '../../../src/pool/stream-state';
import { classifyStream } from '../../../src/streams/classify';
import { makePool, openAll, T0 } from './pool-harness';

function states(...specs: [name: string, lastMessageAt: number][]) {
  const map = new Map<string, StreamState>();
  for (const [name, last] of specs) {
    const st = new StreamState(name, classifyStream(name), '', 0, undefined);
    st.lastMessageAt = last;
    map.set(name, st);
  }
  return map;
}

describe('StreamSilence (the per-stream sweep)', () => {
  it('escalates a stream silent while the socket delivers others: re-subscribe ×2 with backoff → move → down → re-subscribe at a bounded rate', () => {
    const s = new StreamSilence(10_000);
    const m = states(['live@depth', 19_000], ['dead@depth', 0], ['quiet@depth', 12_000]);
    const dead = m.get('dead@depth')!;
    expect(s.sweep(m.keys(), m, 1_000, 20_000)).toMatchObject({ streams: ['dead@depth'], move: [], down: [], silentMs: 19_000 });
    expect(dead.repair).toBe('resubscribe');
    m.get('live@depth')!.lastMessageAt = 20_400;
    expect(s.sweep(m.keys(), m, 1_000, 20_500)).toBeUndefined(); // backoff: next try at +20 s
    m.get('live@depth')!.lastMessageAt = 22_000;
    // quiet@depth crosses its threshold later: its own episode.
    expect(s.sweep(m.keys(), m, 1_000, 22_000)).toMatchObject({ streams: ['quiet@depth'] });
    m.get('live@depth')!.lastMessageAt = 30_000;
    expect(s.sweep(m.keys(), m, 1_000, 30_000)?.streams ?? []).not.toContain('dead@depth');
    m.get('live@depth')!.lastMessageAt = 40_000;
    expect(s.sweep(m.keys(), m, 1_000, 40_000)).toMatchObject({ streams: ['dead@depth'], move: [] }); // second try, next at +40 s
    expect(s.sweep(m.keys(), m, 1_000, 79_000)?.move ?? []).toEqual([]);
    expect(s.sweep(m.keys(), m, 1_000, 80_000)).toMatchObject({ move: ['dead@depth'] });
    expect(dead.repair).toBe('move');
    // On the fresh connection (connected at 81 s): down once it stayed silent a threshold there too.
    expect(s.sweep(['dead@depth'], m, 81_000, 90_000)?.down ?? []).toEqual([]);
    const down = s.sweep(['dead@depth'], m, 81_000, 95_000);
    expect(down).toMatchObject({ down: ['dead@depth'], streams: ['dead@depth'] });
    expect(dead.repair).toBe('down');
    // Down: it keeps trying, never more often than the backoff, capped at MAX_REPAIR_INTERVAL_MS.
    const tries: number[] = [];
    for (let t = 95_000; t < 600_000; t += 1_000) if (s.sweep(['dead@depth'], m, 81_000, t)?.streams.length) tries.push(t);
    expect(tries.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < tries.length; i++) expect(tries[i]! - tries[i - 1]!).toBeLessThanOrEqual(MAX_REPAIR_INTERVAL_MS);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(10_000);
    expect(dead.resubscribes).toBe(3 + tries.length);
    expect(RESUBSCRIBE_TRIES).toBe(2);
    // It delivers: the episode ends.
    dead.lastMessageAt = 600_500;
    expect(s.sweep(['dead@depth'], m, 81_000, 601_000)?.restored).toEqual([dead]);
  });

  it('leaves a socket that is silent as a whole (or never delivered) to the socket watchdog', () => {
    const s = new StreamSilence(10_000);
    expect(s.sweep(['a@depth', 'b@depth'], states(['a@depth', 0], ['b@depth', 0]), 0, 60_000)).toBeUndefined();
    expect(s.sweep(['a@depth', 'b@depth'], states(['a@depth', 1_000], ['b@depth', 0]), 0, 60_000)).toBeUndefined();
  });

  it('thresholds: the stream kind’s default, a number, a function of the info, or false (off)', () => {
    const depth = classifyStream('x@depth');
    expect(new StreamSilence(undefined).thresholdFor(depth)).toBe(depth.staleAfterMs);
    expect(new StreamSilence(5_000).thresholdFor(depth)).toBe(5_000);
    expect(new StreamSilence((i) => (i.kind === 'depth' ? 1_234 : 9)).thresholdFor(depth)).toBe(1_234);
    const off = new StreamSilence(false);
    expect(off.enabled).toBe(false);
    const m = states(['live@depth', 59_000], ['dead@depth', 0]);
    expect(off.sweep(m.keys(), m, 0, 60_000)).toBeUndefined();
  });
});

describe('StreamPool per-stream silence repair', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('escalates a stream silent on a busy socket: re-subscribe with backoff → fresh connection → streamDown (still retrying) → streamRestored; visible in stats() and health()', async () => {
    const warns: [Record<string, unknown>, string][] = [];
    const logger = { warn: (f: Record<string, unknown>, m: string) => void warns.push([f, m]) };
    const { pool, sockets } = makePool({ streamStaleAfterMs: 10_000, sweepIntervalMs: 1_000, logger });
    const stale: StaleEvent[] = [];
    const down: StreamDownEvent[] = [];
    const restored: StreamRestoredEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.on('streamDown', (e) => down.push(e));
    pool.on('streamRestored', (e) => restored.push(e));
    pool.subscribe(['live@depth', 'dead@depth']);
    void pool.start();
    openAll(sockets);
    const s = sockets[0]!;
    let u = 0;
    const feed = setInterval(() => s.deliver('live@depth', { e: 'depthUpdate', E: Date.now(), u: ++u }), 500);
    await vi.advanceTimersByTimeAsync(10_500);
    expect(stale).toEqual([{ socketId: 'spot-1', scope: 'stream', streams: ['dead@depth'], silentMs: expect.any(Number), action: 'resubscribe' }]);
    expect(pool.health().streams['dead@depth']).toMatchObject({ state: 'degraded', socketId: 'spot-1', reason: expect.stringContaining('re-subscribed') });
    expect(pool.health().streams['live@depth']).toMatchObject({ state: 'live', socketId: 'spot-1' });
    // Backoff: the second re-subscribe 20 s later, then (40 s later) the move to a fresh connection.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.count('resubscribe')).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.count('resubscribe')).toBe(2);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(stale.map((e) => e.action)).toEqual(['resubscribe', 'resubscribe', 'move']);
    expect(sockets).toHaveLength(2);
    const fresh = sockets[1]!;
    expect([...fresh.streams]).toEqual(['dead@depth']);
    expect([...s.streams]).toEqual(['live@depth']);
    expect(fresh.started).toBe(true);
    openAll(sockets);
    // Silent on the fresh connection too: down, with one streamDown, and still re-subscribed at a bounded rate.
    await vi.advanceTimersByTimeAsync(11_000);
    expect(down).toEqual([{ stream: 'dead@depth', socketId: 'spot-2', cause: 'silent', reason: expect.any(String), lastMessageAt: undefined, repairs: 4 }]);
    const h = pool.health();
    expect(h).toMatchObject({ live: 1, down: 1, degraded: 0, pending: 0, streams: { 'dead@depth': { state: 'down', socketId: 'spot-2', reason: expect.any(String) } } });
    expect(Date.now() - h.streams['dead@depth']!.since).toBeLessThanOrEqual(2_000); // observed by the sweep that decided it
    const st = pool.stats().streams.find((x) => x.stream === 'dead@depth')!;
    expect(st).toMatchObject({ state: 'down', repair: 'down', socketId: 'spot-2' });
    const before = fresh.count('resubscribe');
    await vi.advanceTimersByTimeAsync(300_000);
    const retries = fresh.count('resubscribe') - before;
    expect(retries).toBeGreaterThanOrEqual(4); // keeps trying…
    expect(retries).toBeLessThanOrEqual(300_000 / 10_000); // …never faster than its threshold
    expect(down).toHaveLength(1);
    // It delivers again: restored.
    fresh.deliver('dead@depth', { e: 'depthUpdate', E: Date.now(), u: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(restored).toEqual([{ stream: 'dead@depth', socketId: 'spot-2', from: 'down', downMs: expect.any(Number) }]);
    expect(restored[0]!.downMs).toBeGreaterThan(300_000);
    expect(pool.health()).toMatchObject({ live: 2, down: 0, degraded: 0 });
    expect(pool.stats().streams.find((x) => x.stream === 'dead@depth')).toMatchObject({ state: 'live', repair: 'none' });
    expect(warns.some(([, m]) => m.includes('moving the streams to a fresh connection'))).toBe(true);
    clearInterval(feed);
    await pool.stop();
    expect(pool.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves a silent socket to the socket watchdog (no per-stream resubscribe)', async () => {
    const { pool, sockets } = makePool({ streamStaleAfterMs: 10_000, sweepIntervalMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['a@depth', 'b@depth']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stale).toHaveLength(0);
    await pool.stop();
  });

  it('streamStaleAfterMs: false disables the repair', async () => {
    const { pool, sockets } = makePool({ streamStaleAfterMs: false, sweepIntervalMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['live@depth', 'dead@depth']);
    void pool.start();
    openAll(sockets);
    const feed = setInterval(() => sockets[0]!.deliver('live@depth', { E: Date.now(), u: Date.now() }), 500);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(stale).toHaveLength(0);
    expect(sockets[0]!.count('resubscribe')).toBe(0);
    clearInterval(feed);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
