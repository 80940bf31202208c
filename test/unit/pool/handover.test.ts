import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RotatedEvent } from '../../../src/pool/events';
import type { FakeSocket } from './fake-socket';
import { makePool, openAll, T0 } from './pool-harness';

describe('StreamPool rotation and handover', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rotates before 23 h make-before-break, exactly once across the overlap, and emits rotated', async () => {
    const infos: [Record<string, unknown>, string][] = [];
    const logger = { info: (f: Record<string, unknown>, m: string) => void infos.push([f, m]) };
    const { pool, sockets, delivered } = makePool({ rotationJitterMs: 0, handoverSettleMs: 1_000, sweepIntervalMs: 60_000, logger });
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe(['btcusdt@aggTrade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(23 * 3_600_000 - 60_000);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(2);
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    expect(next.started).toBe(true);
    expect([...next.streams]).toEqual(['btcusdt@aggTrade']);
    // Overlap: both deliver the same sequence.
    for (let a = 1; a <= 3; a++) old.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), a });
    next.open();
    for (let a = 2; a <= 6; a++) {
      next.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), a });
      if (a <= 5) old.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), a: a + 2 });
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(delivered.map((m) => (m.data as { a: number }).a)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rotated).toEqual([{ oldSocketId: 'spot-1', newSocketId: 'spot-2', reason: 'lifetime', handoverMs: expect.any(Number), streams: 1 }]);
    expect(old.stopped).toBe(true);
    expect(next.stopped).toBe(false);
    expect(pool.stats().sockets.map((s) => s.socketId)).toEqual(['spot-2']);
    expect(pool.stats().rotations).toBe(1);
    expect(infos.map(([f, m]) => [m, f.socketId, f.newSocketId, f.reason, typeof f.handoverMs])).toEqual([
      ['rotating socket (make-before-break)', 'spot-1', 'spot-2', 'lifetime', 'undefined'],
      ['socket rotated', 'spot-1', 'spot-2', 'lifetime', 'number'],
    ]);
    await pool.stop();
    expect(pool.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('staggers rotations of sockets opened together', async () => {
    let r = 0;
    const draws = [0, 0.5, 0.99];
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 1, rotationJitterMs: 30 * 60_000, random: () => draws[r++ % 3]!, sweepIntervalMs: 60_000 });
    pool.subscribe(['a@trade', 'b@trade', 'c@trade']);
    void pool.start();
    openAll(sockets);
    const startedAt = Date.now();
    const times: number[] = [];
    pool.on('stateChange', () => {});
    const seen = new Set<FakeSocket>();
    for (let t = 0; t < 24 * 60; t++) {
      await vi.advanceTimersByTimeAsync(60_000);
      for (const s of sockets.slice(3)) {
        if (seen.has(s)) continue;
        seen.add(s);
        times.push(Date.now() - startedAt);
        s.open();
        s.deliver([...s.streams][0]!, { t: 1 });
      }
    }
    expect(times).toHaveLength(3);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(25 * 60_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(23 * 3_600_000);
    await pool.stop();
  });

  it('falls back to a plain reconnect when the replacement does not deliver in time (WARN), and holds off the next try', async () => {
    const warns: [Record<string, unknown>, string][] = [];
    const logger = { warn: (f: Record<string, unknown>, m: string) => void warns.push([f, m]) };
    const { pool, sockets } = makePool({ handoverTimeoutMs: 5_000, sweepIntervalMs: 1_000, rotateAfterMs: 1_000, rotationJitterMs: 0, logger });
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    const p = pool.rotate();
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    await vi.advanceTimersByTimeAsync(4_999);
    expect(next.stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(next.stopped).toBe(true);
    expect(old.calls.find((c) => c.method === 'reconnect')?.args).toEqual(['rotation fallback']);
    expect(pool.stats().sockets.map((s) => s.socketId)).toEqual(['spot-1']);
    expect(pool.stats().rotations).toBe(0);
    expect(warns).toEqual([
      [{ socketId: 'spot-1', newSocketId: 'spot-2', reason: 'manual', why: 'no data in time', timeoutMs: 5_000 }, 'replacement socket did not deliver; reconnecting the old socket instead'],
    ]);
    // The socket is past rotateAfterMs, but a failed rotation holds the next one off for max(60 s, 2 × timeout).
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets).toHaveLength(3);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('falls back at once when the replacement gives up (firstData() false), without waiting for the timeout', async () => {
    const { pool, sockets } = makePool({ handoverTimeoutMs: 30_000 });
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    let done = false;
    void pool.rotate().then(() => (done = true));
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    next.giveUp();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(next.stopped).toBe(true);
    expect(old.count('reconnect')).toBe(1);
    expect(pool.timersArmed).toBe(2); // only the pool's sweep and liveness pass: the handover's timer went with it
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('settles: after the replacement delivered, quiet streams switch when handoverSettleMs ends; one phase timer at a time', async () => {
    const { pool, sockets, delivered } = makePool({ handoverSettleMs: 2_000 });
    pool.subscribe(['busy@aggTrade', 'quiet@aggTrade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(200); // the progress event went out
    void pool.rotate();
    old(sockets).deliver('busy@aggTrade', { E: 1, a: 1 });
    const next = sockets[1]!;
    expect(pool.timersArmed).toBe(3); // the pool's sweep and liveness pass + the handover's 'opening'
    next.open();
    next.deliver('busy@aggTrade', { E: 1, a: 1 }); // overlaps: busy switches now
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.timersArmed).toBe(3); // still the sweep and the pass + ONE handover timer: 'settling' replaced 'opening'
    expect(pool.stats().sockets.map((s) => [s.socketId, s.rotating])).toEqual([
      ['spot-1', true],
      ['spot-2', true],
    ]);
    next.deliver('quiet@aggTrade', { E: 5, a: 7 }); // held: nothing to compare with yet
    await vi.advanceTimersByTimeAsync(2_000);
    expect(pool.stats().sockets.map((s) => s.socketId)).toEqual(['spot-2']);
    expect(delivered.map((m) => `${m.stream}:${(m.data as { a: number }).a}`)).toEqual(['busy@aggTrade:1', 'quiet@aggTrade:7']);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hands over on serverShutdown; when the old socket closes, the replacement takes over at once', async () => {
    const { pool, sockets, delivered } = makePool();
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe(['a@aggTrade']);
    void pool.start();
    openAll(sockets);
    const old = sockets[0]!;
    old.deliver('a@aggTrade', { E: 1, a: 1 });
    old.serverShutdown();
    // The old connection goes quiet now on purpose: its watchdog is told, and it is not reconnected.
    expect(old.count('expectSilence')).toBe(1);
    expect(old.count('reconnect')).toBe(0);
    const next = sockets[1]!;
    next.open();
    next.deliver('a@aggTrade', { E: 2, a: 2 });
    old.drop();
    next.deliver('a@aggTrade', { E: 3, a: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(rotated).toMatchObject([{ oldSocketId: 'spot-1', newSocketId: 'spot-2', reason: 'serverShutdown' }]);
    expect(old.stopped).toBe(true);
    expect(delivered.map((m) => (m.data as { a: number }).a)).toEqual([1, 2, 3]);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('subscribe and unsubscribe during a handover reach both sockets', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['a@trade', 'b@trade']);
    void pool.start();
    openAll(sockets);
    void pool.rotate();
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    pool.subscribe(['c@trade']);
    pool.unsubscribe(['a@trade']);
    expect([...old.streams].sort()).toEqual(['b@trade', 'c@trade']);
    expect([...next.streams].sort()).toEqual(['b@trade', 'c@trade']);
    await pool.stop();
    expect(next.stopped && old.stopped).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rotateAfterMs: false disables rotation', async () => {
    const { pool, sockets } = makePool({ rotateAfterMs: false, sweepIntervalMs: 3_600_000 });
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(25 * 3_600_000);
    expect(sockets).toHaveLength(1);
    await pool.stop();
  });

  it('serverShutdown with nothing to hand over reconnects the socket the plain way', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    void pool.rotate();
    const next = sockets[1]!;
    next.serverShutdown(); // the replacement itself: not a slot's socket yet
    expect(next.count('reconnect')).toBe(1);
    expect(sockets).toHaveLength(2);
    // A second notice on the old socket joins the handover in progress.
    sockets[0]!.serverShutdown();
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.count('expectSilence')).toBe(1);
    await pool.stop();
    const idle = makePool();
    idle.pool.subscribe(['a@trade']);
    idle.sockets[0]!.serverShutdown(); // pool not running
    expect(idle.sockets[0]!.count('reconnect')).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() during a handover cancels it: both sockets stop, rotate() resolves, no timer left', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    const p = pool.rotate();
    expect(pool.timersArmed).toBeGreaterThan(0);
    await pool.stop();
    await p;
    expect(sockets.every((s) => s.stopped)).toBe(true);
    expect(pool.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rotate(socketId) rotates that socket only; a socket that is not open is not rotated', async () => {
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 1 });
    pool.subscribe(['a@trade', 'b@trade', 'c@trade']);
    void pool.start();
    sockets[0]!.open();
    sockets[1]!.open();
    void pool.rotate('spot-2');
    expect(sockets.map((s) => s.id)).toEqual(['spot-1', 'spot-2', 'spot-3', 'spot-4']);
    expect([...sockets[3]!.streams]).toEqual(['b@trade']);
    await pool.rotate('spot-3'); // connecting: resolves at once, nothing to hand over
    expect(sockets).toHaveLength(4);
    await pool.stop();
  });

  it('an old socket still working through a backlog keeps the handover open (window after window) instead of being cut mid-backlog', async () => {
    const { pool, sockets, delivered } = makePool({ rotationJitterMs: 0, handoverSettleMs: 100, handoverTimeoutMs: 5_000, sweepIntervalMs: 60_000 });
    pool.subscribe(['btcusdt@aggTrade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(23 * 3_600_000);
    const [from, to] = sockets as [FakeSocket, FakeSocket];
    from.deliver('btcusdt@aggTrade', { e: 'aggTrade', a: 1 });
    to.open();
    // The replacement is ahead (a=50…); the old socket has a backlog (2…50) it delivers slowly,
    // and overlaps the replacement at 50.
    for (let a = 50; a <= 60; a++) to.deliver('btcusdt@aggTrade', { e: 'aggTrade', a });
    for (let a = 2; a <= 50; a++) {
      from.deliver('btcusdt@aggTrade', { e: 'aggTrade', a });
      await vi.advanceTimersByTimeAsync(20); // 49 × 20 ms: far longer than one 100 ms settle window
    }
    await vi.advanceTimersByTimeAsync(200);
    expect(delivered.map((m) => (m.data as { a: number }).a)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(from.stopped).toBe(true);
    expect(pool.stats()).toMatchObject({ rotations: 1, forcedSwitches: 0 });
    await pool.stop();
  });

  it('an old socket that stops short of the replacement is cut after the settle window, and the possible gap is counted', async () => {
    const { pool, sockets, delivered } = makePool({ rotationJitterMs: 0, handoverSettleMs: 100, sweepIntervalMs: 60_000 });
    pool.subscribe(['btcusdt@aggTrade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(23 * 3_600_000);
    const [from, to] = sockets as [FakeSocket, FakeSocket];
    from.deliver('btcusdt@aggTrade', { e: 'aggTrade', a: 1 });
    to.open();
    to.deliver('btcusdt@aggTrade', { e: 'aggTrade', a: 5 });
    await vi.advanceTimersByTimeAsync(250);
    expect(delivered.map((m) => (m.data as { a: number }).a)).toEqual([1, 5]);
    expect(from.stopped).toBe(true);
    expect(pool.stats()).toMatchObject({ rotations: 1, forcedSwitches: 1 });
    await pool.stop();
  });
});

function old(sockets: FakeSocket[]): FakeSocket {
  return sockets[0]!;
}
