/** The pool's liveness pass (pool/liveness-pass.ts) on fake sockets with fake timers: lag, the process's own stalls, holds, learned thresholds. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StaleEvent } from '../../../src/connection/events';
import type { CaughtUpEvent, LaggingEvent, LoopBlockedEvent } from '../../../src/pool/events';
import { StreamSilence } from '../../../src/pool/stream-silence';
import { makePool, openAll, T0 } from './pool-harness';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

/** A started pool on one open fake socket whose re-subscribes are recorded (a silent stream's first step is a quiet probe: no event). */
function probedPool(streamStaleAfterMs: number, streams: string[]) {
  const { pool, sockets } = makePool({ streamStaleAfterMs });
  pool.subscribe(streams);
  void pool.start();
  openAll(sockets);
  const s = sockets[0]!;
  const probes: { at: number; streams: readonly string[] }[] = [];
  const resubscribe = s.resubscribe.bind(s);
  s.resubscribe = (names) => (probes.push({ at: Date.now(), streams: [...names] }), resubscribe(names));
  return { pool, sockets, s, probes };
}

/** A started pool (lagThresholdMs 1 s) with one stream, its lag events, and `send(behindMs)` delivering a message that far behind. */
function lagPool() {
  const { pool, sockets } = makePool({ lagThresholdMs: 1_000 });
  const lagging: LaggingEvent[] = [];
  const caught: CaughtUpEvent[] = [];
  pool.on('lagging', (e) => lagging.push(e));
  pool.on('caughtUp', (e) => caught.push(e));
  pool.subscribe('a@depth');
  void pool.start();
  openAll(sockets);
  const s = sockets[0]!;
  let u = 0;
  const send = (behindMs: number) => s.deliver('a@depth', { E: Date.now() - behindMs, U: ++u, u });
  return { pool, lagging, caught, send };
}

describe('liveness pass', () => {
  it('lagging when a stream falls behind its own lag floor by the threshold, caughtUp under half of it', async () => {
    const { pool, lagging, caught, send } = lagPool();
    for (let i = 0; i < 10; i++) {
      send(80); // network + clock offset: not the consumer's doing
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(lagging).toEqual([]);
    send(2_080);
    await vi.advanceTimersByTimeAsync(100);
    expect(lagging).toEqual([{ stream: 'a@depth', consumer: 'listener', lagMs: expect.closeTo(2_000, 0), baselineMs: expect.closeTo(80, 0), thresholdMs: 1_000 }]);
    send(1_000); // still behind by more than half the threshold
    await vi.advanceTimersByTimeAsync(100);
    expect(caught).toEqual([]);
    send(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(caught).toEqual([{ stream: 'a@depth', consumer: 'listener', lagMs: expect.any(Number), laggingMs: 200 }]);
    expect(lagging).toHaveLength(1);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a starved loop (every pass late) still reports lag: a slow listener is exactly what makes it grow', async () => {
    const clock = { skew: 0 };
    const { pool, sockets } = makePool({ lagThresholdMs: 1_000, now: () => Date.now() + clock.skew });
    const lagging: LaggingEvent[] = [];
    pool.on('lagging', (e) => lagging.push(e));
    pool.subscribe('a@depth');
    void pool.start();
    openAll(sockets);
    const s = sockets[0]!;
    const now = () => Date.now() + clock.skew;
    for (let i = 0; i < 5; i++) {
      s.deliver('a@depth', { E: now() - 50, u: i }, now());
      await vi.advanceTimersByTimeAsync(100);
    }
    clock.skew += 3_000; // the listener held the loop for 3 s: this pass runs late
    s.deliver('a@depth', { E: now() - 3_050, u: 9 }, now());
    await vi.advanceTimersByTimeAsync(100);
    expect(lagging).toEqual([expect.objectContaining({ stream: 'a@depth', consumer: 'listener' })]);
    await pool.stop();
  });

  it('a stall of the process is reported (loopBlocked) and never judged as the feed’s silence', async () => {
    const clock = { skew: 0 };
    const { pool, sockets } = makePool({ streamStaleAfterMs: 2_000, loopBlockedMs: 1_000, now: () => Date.now() + clock.skew });
    const blocked: LoopBlockedEvent[] = [];
    const stale: StaleEvent[] = [];
    pool.on('loopBlocked', (e) => blocked.push(e));
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['a@depth', 'b@depth']);
    void pool.start();
    openAll(sockets);
    const s = sockets[0]!;
    s.deliver('a@depth', { u: 1 });
    s.deliver('b@depth', { u: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    clock.skew = 12_000; // the event loop was blocked for 12 s
    await vi.advanceTimersByTimeAsync(100);
    expect(blocked).toEqual([{ blockedMs: expect.any(Number), from: expect.any(Number), to: expect.any(Number), thresholdMs: 1_000 }]);
    expect(blocked[0]!.blockedMs).toBeGreaterThanOrEqual(12_000);
    // The frames that waited during the stall are read now.
    s.deliver('a@depth', { u: 2 }, Date.now() + clock.skew);
    s.deliver('b@depth', { u: 2 }, Date.now() + clock.skew);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(stale).toEqual([]);
    expect(s.count('declareStale')).toBe(0);
    // A real silence after the stall is still caught.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stale.map((e) => e.scope)).toEqual(['connection']);
    await pool.stop();
  });

  it('a silence that spans a stall is judged on the time the feed had (the stall subtracted)', async () => {
    const clock = { skew: 0 };
    const { pool, sockets } = makePool({ streamStaleAfterMs: 3_000, now: () => Date.now() + clock.skew });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe('a@depth');
    void pool.start();
    openAll(sockets);
    sockets[0]!.deliver('a@depth', { u: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    clock.skew = 5_000; // 5 s stall, nothing arrives during or after it
    await vi.advanceTimersByTimeAsync(1_500); // 7.5 s of wall time since the message, 2.5 s of them the feed's
    expect(stale).toEqual([]);
    await vi.advanceTimersByTimeAsync(800);
    expect(stale).toHaveLength(1);
    await pool.stop();
  });

  it('hold() pauses the sockets carrying the streams; a paused socket is never judged; release resumes it and restarts its silence count', async () => {
    const { pool, sockets } = makePool({ streamStaleAfterMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe('a@depth');
    pool.subscribe('b@depth', { group: 'solo' });
    void pool.start();
    openAll(sockets);
    const [a, b] = sockets as [(typeof sockets)[0], (typeof sockets)[0]];
    const h = pool.hold(['a@depth']);
    expect(h.pausable).toBe(true);
    expect(a.paused).toBe(true);
    expect(b.paused).toBe(false);
    b.deliver('b@depth', { u: 1 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(stale.map((e) => e.socketId)).toEqual([b.id]); // b went silent; a is held, not judged
    h.release();
    h.release();
    expect(a.paused).toBe(false);
    await vi.advanceTimersByTimeAsync(900);
    expect(stale).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(stale.map((e) => e.socketId)).toEqual([b.id, a.id]);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('learned: a busy depth@100ms stream is judged after about a second, a per-call staleAfterMs wins, stats show the thresholds', async () => {
    const { pool, sockets } = makePool({});
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe('a@depth@100ms');
    pool.subscribe('b@depth@100ms', { group: 'slow', staleAfterMs: 5_000 });
    void pool.start();
    openAll(sockets);
    let u = 0;
    for (let i = 0; i < 50; i++) {
      for (const s of sockets) for (const name of s.streams) s.deliver(name, { u: ++u });
      await vi.advanceTimersByTimeAsync(100);
    }
    const st = pool.stats().streams;
    expect(st.find((x) => x.stream === 'a@depth@100ms')).toMatchObject({ suspectAfterMs: 1_000, meanGapMs: expect.closeTo(100, 0) });
    expect(st.find((x) => x.stream === 'b@depth@100ms')).toMatchObject({ suspectAfterMs: 5_000 });
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(1_200);
    expect(stale.map((e) => e.streams)).toEqual([['a@depth@100ms']]);
    expect(Date.now() - t0).toBeLessThanOrEqual(1_200);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(stale.map((e) => e.streams)).toEqual([['a@depth@100ms'], ['b@depth@100ms']]);
    await pool.stop();
  });

  it('a socket none of whose streams can be suspected yet is not swept on every pass, and a stall is still caught on time', async () => {
    const sweep = vi.spyOn(StreamSilence.prototype, 'sweep');
    const { pool, s, probes } = probedPool(2_000, ['a@depth', 'b@depth']);
    let u = 0;
    const feed = setInterval(() => {
      s.deliver('a@depth', { E: Date.now(), u: ++u });
      if (u < 30) s.deliver('b@depth', { E: Date.now(), u });
    }, 100);
    await vi.advanceTimersByTimeAsync(3_000); // 30 passes, streams delivering every 100 ms
    expect(sweep.mock.calls.length).toBeLessThanOrEqual(6); // about one sweep a second, not 30
    expect(sweep.mock.calls.length).toBeGreaterThanOrEqual(3);
    // b stops at 2.9 s: suspected 2 s later; the sweep skipped before it comes within one pass of that.
    const stoppedAt = T0 + 2_900;
    await vi.advanceTimersByTimeAsync(2_500);
    expect(probes.map((p) => p.streams)).toEqual([['b@depth']]);
    expect(probes[0]!.at - stoppedAt).toBeGreaterThanOrEqual(2_000);
    expect(probes[0]!.at - stoppedAt).toBeLessThanOrEqual(2_100); // within one pass of the threshold
    clearInterval(feed);
    sweep.mockRestore();
    await pool.stop();
  });

  it('a stream added to a socket that was just swept is judged by its own threshold, not the skipped sweep', async () => {
    const { pool, sockets, s, probes } = probedPool(5_000, ['a@depth']);
    let u = 0;
    const feed = setInterval(() => s.deliver('a@depth', { E: Date.now(), u: ++u }), 100);
    await vi.advanceTimersByTimeAsync(150); // swept at 100 ms: nothing due for a second
    const addedAt = Date.now();
    pool.subscribe('b@depth', { staleAfterMs: 300 });
    expect(sockets).toHaveLength(1); // on the same socket
    await vi.advanceTimersByTimeAsync(550);
    expect(probes.map((p) => p.streams)).toEqual([['b@depth']]);
    expect(probes[0]!.at - addedAt).toBeLessThanOrEqual(400);
    clearInterval(feed);
    await pool.stop();
  });

  it.each([
    // [quiet seconds, the next lag, lagging?]: the floor rose 2 ms/s over the quiet time, up to the lag then seen (400 ms)
    [100, 1_200, false], // floor ≈ 280: excess ≈ 920
    [100, 1_300, true], // excess ≈ 1,020
    [400, 1_350, false], // floor capped at 400: excess ≈ 950
    [400, 1_450, true], // excess ≈ 1,050
  ])('a stream judged only when it delivers: after %i s without a message its floor is where judging every pass would have put it (lag %i → lagging %s)', async (quietS, nextLag, lags) => {
    const { pool, lagging, send } = lagPool();
    send(80);
    await vi.advanceTimersByTimeAsync(100);
    send(400);
    await vi.advanceTimersByTimeAsync(quietS * 1_000);
    send(nextLag);
    await vi.advanceTimersByTimeAsync(100);
    expect(lagging.length).toBe(lags ? 1 : 0);
    await pool.stop();
  });
});
