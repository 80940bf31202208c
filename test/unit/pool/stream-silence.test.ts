import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StaleEvent } from '../../../src/connection/events';
import type { StreamDownEvent, StreamRestoredEvent } from '../../../src/pool/events';
import { MAX_REPAIR_INTERVAL_MS, RESUBSCRIBE_TRIES, StreamSilence } from '../../../src/pool/stream-silence';
import { SiblingIndex } from '../../../src/pool/siblings';
import { StreamState } from '../../../src/pool/stream-state';
import { classifyStream } from '../../../src/streams/classify';
import { LoopMonitor } from '../../../src/core/loop-monitor';
import { makePool, openAll, T0 } from './pool-harness';
import { MARKETS } from '../../../src/core/markets';

const loop = new LoopMonitor();

function states(silence: StreamSilence, ...specs: [name: string, lastMessageAt: number][]) {
  const map = new Map<string, StreamState>();
  for (const [name, last] of specs) {
    const info = classifyStream(name);
    const st = new StreamState(name, info, '', 0, undefined, silence.overrideFor(info));
    st.lastMessageAt = last;
    map.set(name, st);
  }
  return map;
}

describe('StreamSilence (the per-stream judgement)', () => {
  it('escalates a stream silent while the socket delivers others: re-subscribe ×2 with backoff → move → down → re-subscribe at a bounded rate', () => {
    const s = new StreamSilence(10_000);
    const m = states(s, ['live@depth', 19_000], ['dead@depth', 0], ['quiet@depth', 12_000]);
    const dead = m.get('dead@depth')!;
    expect(s.sweep([...m.keys()], m, 1_000, 20_000, loop)).toMatchObject({ connection: false, streams: [], probe: ['dead@depth'], move: [], down: [], silentMs: 19_000 }); // the first try is a quiet probe
    expect(dead.repair).toBe('resubscribe');
    m.get('live@depth')!.lastMessageAt = 20_400;
    expect(s.sweep([...m.keys()], m, 1_000, 20_500, loop)).toBeUndefined(); // nothing new: the dead stream waits for its backoff
    m.get('live@depth')!.lastMessageAt = 22_000;
    // quiet@depth crosses its threshold later: its own episode.
    expect(s.sweep([...m.keys()], m, 1_000, 22_000, loop)).toMatchObject({ probe: ['quiet@depth'] });
    m.get('live@depth')!.lastMessageAt = 30_000;
    expect(s.sweep([...m.keys()], m, 1_000, 30_000, loop)?.streams ?? []).not.toContain('dead@depth');
    m.get('live@depth')!.lastMessageAt = 40_000;
    expect(s.sweep([...m.keys()], m, 1_000, 40_000, loop)).toMatchObject({ streams: ['dead@depth'], move: [] }); // second try, next at +40 s
    m.get('live@depth')!.lastMessageAt = 79_000;
    expect(s.sweep([...m.keys()], m, 1_000, 79_000, loop)?.move ?? []).toEqual([]);
    m.get('live@depth')!.lastMessageAt = 80_000;
    expect(s.sweep([...m.keys()], m, 1_000, 80_000, loop)).toMatchObject({ move: ['dead@depth'] });
    expect(dead.repair).toBe('move');
    // On the fresh connection (connected at 81 s), alone: down once it stayed silent a threshold there too (not a connection verdict).
    expect(s.sweep(['dead@depth'], m, 81_000, 90_000, loop)?.down ?? []).toEqual([]);
    const down = s.sweep(['dead@depth'], m, 81_000, 95_000, loop);
    expect(down).toMatchObject({ connection: false, down: ['dead@depth'], streams: ['dead@depth'] });
    expect(dead.repair).toBe('down');
    // Down: it keeps trying, never more often than the backoff, capped at MAX_REPAIR_INTERVAL_MS.
    const tries: number[] = [];
    for (let t = 95_000; t < 600_000; t += 1_000) if (s.sweep(['dead@depth'], m, 81_000, t, loop)?.streams.length) tries.push(t);
    expect(tries.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < tries.length; i++) expect(tries[i]! - tries[i - 1]!).toBeLessThanOrEqual(MAX_REPAIR_INTERVAL_MS);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(10_000);
    expect(dead.resubscribes).toBe(3 + tries.length);
    expect(RESUBSCRIBE_TRIES).toBe(2);
    // It delivers: the episode ends.
    dead.lastMessageAt = 600_500;
    expect(s.sweep(['dead@depth'], m, 81_000, 601_000, loop)?.restored).toEqual([dead]);
  });

  it('every stream that should be talking silent: a connection verdict (no per-stream ladder); quiet streams do not count', () => {
    const s = new StreamSilence(10_000);
    const m = states(s, ['a@depth', 5_000], ['b@depth', 5_000]);
    expect(s.sweep([...m.keys()], m, 0, 14_000, loop)).toBeUndefined(); // both silent 9 s only
    expect(s.sweep([...m.keys()], m, 0, 15_000, loop)).toMatchObject({ connection: true, streams: [], move: [], silentMs: 10_000 });
    expect(m.get('a@depth')!.repair).toBe('none');
    // A quiet-by-nature stream never stands in for a talker: with only quiet ones, no verdict at all.
    const learned = new StreamSilence(undefined);
    const q = states(learned, ['btcusdt@forceOrder', 0], ['!contractInfo', 0]);
    expect(learned.sweep([...q.keys()], q, 0, 3_600_000, loop)).toBeUndefined();
  });

  it('siblings: a stream whose symbol is quiet too starts no repair; one silent while its sibling keeps its usual pace does', () => {
    const s = new StreamSilence(5_000);
    const m = states(s, ['btcusdt@aggTrade', 10_000], ['btcusdt@trade', 10_000], ['ethusdt@depth', 19_900]);
    const index = new SiblingIndex();
    for (const st of m.values()) index.add(st);
    const trade = m.get('btcusdt@trade')!;
    trade.gapMean = 50;
    trade.gapSamples = 100;
    // Both btcusdt trade streams quiet since 10 s (the symbol's quiet minute): no repair for either.
    expect(s.sweep([...m.keys()], m, 0, 20_000, loop)).toBeUndefined();
    // Its trades keep their usual 50 ms pace while the aggTrade stream stays silent: repair it.
    trade.lastMessageAt = 19_990;
    expect(s.sweep([...m.keys()], m, 0, 20_000, loop)).toMatchObject({ probe: ['btcusdt@aggTrade'] });
    index.remove(trade);
    expect(m.get('btcusdt@aggTrade')!.siblings).toBeUndefined();
  });

  it('time this process was stalled is not silence', () => {
    const s = new StreamSilence(10_000);
    const m = states(s, ['a@depth', 1_000]);
    const stalls = new LoopMonitor(100);
    expect(stalls.observe(2_000, 100, 8_100)).toBe(true); // a timer due at 2.1 s ran at 8.1 s: a 6 s stall
    expect(s.sweep([...m.keys()], m, 0, 12_000, stalls)).toBeUndefined(); // 11 s since, 6 s of them ours
    expect(s.sweep([...m.keys()], m, 0, 17_100, stalls)).toMatchObject({ connection: true });
  });

  it('overrides: one number, a map by stream, a function (undefined keeps the learned one), false; per call first; the floor', () => {
    const depth = classifyStream('x@depth');
    const trade = classifyStream('x@trade');
    expect(new StreamSilence(undefined).overrideFor(depth)).toEqual({ fixed: undefined, floorMs: 0 });
    expect(new StreamSilence(5_000).overrideFor(depth)).toMatchObject({ fixed: 5_000 });
    expect(new StreamSilence({ 'x@depth': 1_500 }).overrideFor(depth)).toMatchObject({ fixed: 1_500 });
    expect(new StreamSilence({ 'x@depth': 1_500 }).overrideFor(trade)).toMatchObject({ fixed: undefined });
    const fn = new StreamSilence((i) => (i.kind === 'depth' ? 1_234 : undefined));
    expect(fn.overrideFor(depth)).toMatchObject({ fixed: 1_234 });
    expect(fn.overrideFor(trade)).toMatchObject({ fixed: undefined });
    expect(new StreamSilence(false).overrideFor(depth)).toMatchObject({ fixed: false });
    expect(new StreamSilence(5_000).overrideFor(depth, 2_000)).toMatchObject({ fixed: 2_000 });
    expect(new StreamSilence(undefined, 4_000).overrideFor(depth)).toEqual({ fixed: undefined, floorMs: 4_000 });
    expect(() => new StreamSilence(() => -1 as never).overrideFor(depth)).toThrow(/staleAfterMs\(x@depth\)/);
    const off = new StreamSilence(false);
    const m = states(off, ['live@depth', 59_000], ['dead@depth', 0]);
    expect(off.sweep([...m.keys()], m, 0, 60_000, loop)).toBeUndefined();
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
    // The first try is a quiet probe: re-subscribed, no event, still `live`.
    expect(s.count('resubscribe')).toBe(1);
    expect(stale).toEqual([]);
    expect(pool.health().streams['dead@depth']).toMatchObject({ state: 'live' });
    // Backoff: the second re-subscribe 20 s later (reported), then (40 s later) the move to a fresh connection.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.count('resubscribe')).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.count('resubscribe')).toBe(2);
    expect(stale).toEqual([{ socketId: 'spot-1', scope: 'stream', streams: ['dead@depth'], silentMs: expect.any(Number), action: 'resubscribe' }]);
    expect(pool.health().streams['dead@depth']).toMatchObject({ state: 'degraded', socketId: 'spot-1', reason: expect.stringContaining('re-subscribed') });
    expect(pool.health().streams['live@depth']).toMatchObject({ state: 'live', socketId: 'spot-1' });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(stale.map((e) => e.action)).toEqual(['resubscribe', 'move']);
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

  it('a socket silent as a whole is declared stale once (no per-stream re-subscribe); a second stall is caught as fast', async () => {
    const { pool, sockets } = makePool({ streamStaleAfterMs: 10_000, sweepIntervalMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['a@depth', 'b@depth']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(9_900);
    expect(stale).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(stale).toEqual([{ socketId: 'spot-1', scope: 'connection', streams: ['a@depth', 'b@depth'], silentMs: expect.any(Number), action: 'reconnect' }]);
    expect(sockets[0]!.count('resubscribe')).toBe(0);
    // Reconnected, delivers, then stalls again: judged after the same 10 s, no 30 s debounce.
    sockets[0]!.open();
    sockets[0]!.deliver('a@depth', { E: Date.now(), u: 1 });
    sockets[0]!.deliver('b@depth', { E: Date.now(), u: 1 });
    const stalledAt = Date.now();
    await vi.advanceTimersByTimeAsync(10_200);
    expect(stale).toHaveLength(2);
    expect(Date.now() - stalledAt).toBeLessThanOrEqual(10_200);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('quiet by nature: a futures connection with only !forceOrder@arr and !contractInfo stays silent for 10 minutes with no stale, no re-subscribe', async () => {
    const { pool, sockets } = makePool({ market: MARKETS.usdm, sweepIntervalMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['!forceOrder@arr', '!contractInfo']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(stale).toEqual([]);
    expect(sockets[0]!.count('declareStale') + sockets[0]!.count('resubscribe')).toBe(0);
    expect(pool.stats().streams.map((s) => s.suspectAfterMs)).toEqual([null, null]);
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
