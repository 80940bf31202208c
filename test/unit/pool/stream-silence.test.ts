import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StaleEvent } from '../../../src/connection/events';
import { StreamSilence } from '../../../src/pool/stream-silence';
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
  it('returns the streams silent past their threshold while the socket delivers others, once per episode', () => {
    const s = new StreamSilence(10_000);
    const m = states(['live@depth', 19_000], ['dead@depth', 0], ['quiet@depth', 12_000]);
    expect(s.sweep(m.keys(), m, 1_000, 20_000)).toEqual({ streams: ['dead@depth'], silentMs: 19_000 });
    expect(s.sweep(m.keys(), m, 1_000, 20_500)).toBeUndefined(); // same episode
    expect(m.get('dead@depth')!.resubscribes).toBe(1);
    // quiet@depth crosses its threshold later: its own episode.
    expect(s.sweep(m.keys(), m, 1_000, 22_000)).toEqual({ streams: ['quiet@depth'], silentMs: 10_000 });
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

  it('re-subscribes a stream silent on a live socket, once per silence episode', async () => {
    const warns: [Record<string, unknown>, string][] = [];
    const logger = { warn: (f: Record<string, unknown>, m: string) => void warns.push([f, m]) };
    const { pool, sockets } = makePool({ streamStaleAfterMs: 10_000, sweepIntervalMs: 1_000, logger });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['live@depth', 'dead@depth']);
    void pool.start();
    openAll(sockets);
    const s = sockets[0]!;
    let u = 0;
    const feed = setInterval(() => s.deliver('live@depth', { e: 'depthUpdate', E: Date.now(), u: ++u }), 500);
    await vi.advanceTimersByTimeAsync(10_500);
    expect(stale).toEqual([{ socketId: 'spot-1', scope: 'stream', streams: ['dead@depth'], silentMs: expect.any(Number), action: 'resubscribe' }]);
    expect(stale[0]!.silentMs).toBeGreaterThanOrEqual(10_000);
    expect(s.calls.filter((c) => c.method === 'resubscribe').map((c) => c.args[0])).toEqual([['dead@depth']]);
    // Still silent: no second report in the same episode.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(stale).toHaveLength(1);
    expect(s.count('reconnect')).toBe(0);
    // It delivers once, then goes silent again: a new episode.
    s.deliver('dead@depth', { e: 'depthUpdate', E: Date.now(), u: 1 });
    await vi.advanceTimersByTimeAsync(11_000);
    expect(stale).toHaveLength(2);
    expect(pool.stats().streams.find((x) => x.stream === 'dead@depth')?.resubscribes).toBe(2);
    expect(warns.map(([f, m]) => [f.socketId, f.streams, typeof f.silentMs, m])).toEqual([
      ['spot-1', ['dead@depth'], 'number', 'streams silent on a live connection; re-subscribing them'],
      ['spot-1', ['dead@depth'], 'number', 'streams silent on a live connection; re-subscribing them'],
    ]);
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
