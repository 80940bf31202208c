/** Liveness with a fake host (the nats.js heartbeats test idea), fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LATE_GRACE_MS, Liveness } from '../../../src/connection/liveness';
import type { LivenessHost, LivenessOptions, LivenessReport } from '../../../src/connection/liveness';
import { TimerSlots } from '../../../src/core/timers';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** The fake host: a clock, a ping counter, the reports. */
function setup(options: Partial<LivenessOptions> = {}) {
  const host = { pings: 0, reports: [] as LivenessReport[] };
  const h: LivenessHost = {
    now: () => Date.now(),
    ping: () => void host.pings++,
    report: (r) => void host.reports.push(r),
  };
  const slots = new TimerSlots();
  const opts: LivenessOptions = { heartbeat: { idlePingMs: 1000, pongTimeoutMs: 300 }, staleAfterMs: 0, staleNotBefore: -Infinity, ...options };
  const live = new Liveness(h, opts, slots);
  return { host, live, slots };
}

describe('Liveness: heartbeat', () => {
  it('pings after idle silence, declares death when nothing answers', async () => {
    const { host, live, slots } = setup();
    live.startHeartbeat();
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(host.reports).toEqual([{ kind: 'dead', silentMs: 1300 }]);
    expect(slots.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-arms from the last inbound frame and never pings a busy connection', async () => {
    const { host, live, slots } = setup();
    live.startHeartbeat();
    for (let t = 0; t < 10; t++) {
      await vi.advanceTimersByTimeAsync(600);
      live.touch(Date.now());
    }
    expect(host.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.pings).toBe(1);
    live.touch(Date.now()); // the pong
    await vi.advanceTimersByTimeAsync(300);
    expect(host.reports).toEqual([]);
    live.stop();
    expect(slots.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('idlePingMs 0 or heartbeat false disables it', () => {
    setup({ heartbeat: { idlePingMs: 0, pongTimeoutMs: 1 } }).live.startHeartbeat();
    setup({ heartbeat: false }).live.startHeartbeat();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Liveness: stale watch', () => {
  it('reports a reconnect after the threshold once, then stops watching', async () => {
    const { host, live, slots } = setup({ heartbeat: false, staleAfterMs: 1000 });
    live.startWatch();
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.reports).toEqual([{ kind: 'stale', silentMs: 1000, action: 'reconnect', expected: false }]);
    expect(slots.size).toBe(0);
  });

  it('within the debounce: one report with action none, then reconnect when it is over', async () => {
    const { host, live, slots } = setup({ heartbeat: false, staleAfterMs: 1000, staleNotBefore: 5000 });
    live.startWatch();
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.reports).toEqual([{ kind: 'stale', silentMs: 1000, action: 'none', expected: false }]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(host.reports).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(host.reports[1]).toEqual({ kind: 'stale', silentMs: 5000, action: 'reconnect', expected: false });
    expect(slots.size).toBe(0);
  });

  it('data keeps it quiet; setStaleAfter() applies a new threshold; 0 disables', async () => {
    const { host, live, slots } = setup({ heartbeat: false, staleAfterMs: 10_000 });
    live.startWatch();
    await vi.advanceTimersByTimeAsync(8000);
    live.data(Date.now());
    await vi.advanceTimersByTimeAsync(8000);
    expect(host.reports).toEqual([]);
    live.setStaleAfter(1500);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.reports).toEqual([{ kind: 'stale', silentMs: 8000, action: 'reconnect', expected: false }]);
    const other = setup({ heartbeat: false, staleAfterMs: 1000 });
    other.live.startWatch();
    other.live.setStaleAfter(0);
    expect(other.slots.size).toBe(0);
    expect(slots.size).toBe(0);
  });

  it('expectSilence(): the next stale is one expected none report, and the watch ends', async () => {
    const { host, live, slots } = setup({ heartbeat: false, staleAfterMs: 1000 });
    live.startWatch();
    live.expectSilence();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(host.reports).toEqual([{ kind: 'stale', silentMs: 1000, action: 'none', expected: true }]);
    expect(slots.size).toBe(0);
  });
});

describe('Liveness: the process’s own stalls and a paused reader', () => {
  function skewed(options: Partial<LivenessOptions> = {}) {
    const clock = { skew: 0 };
    const host = { pings: 0, reports: [] as LivenessReport[] };
    const h: LivenessHost = { now: () => Date.now() + clock.skew, ping: () => void host.pings++, report: (r) => void host.reports.push(r) };
    const slots = new TimerSlots();
    const live = new Liveness(h, { heartbeat: { idlePingMs: 1000, pongTimeoutMs: 300 }, staleAfterMs: 0, staleNotBefore: -Infinity, ...options }, slots);
    return { clock, host, live, slots };
  }

  it('a pong timer that fires late (the process stalled) judges nothing: the pong waiting in the buffer is read first', async () => {
    const { clock, host, live } = skewed();
    live.startHeartbeat();
    await vi.advanceTimersByTimeAsync(1000);
    expect(host.pings).toBe(1);
    clock.skew = 12_000; // the event loop was blocked for 12 s before the pong timer could run
    await vi.advanceTimersByTimeAsync(300);
    expect(host.reports).toEqual([]);
    live.touch(Date.now() + clock.skew); // the pong, read right after the stall
    await vi.advanceTimersByTimeAsync(LATE_GRACE_MS);
    expect(host.reports).toEqual([]);
    live.stop();
  });

  it('after the grace, a peer that really is dead is still declared dead', async () => {
    const { clock, host, live } = skewed();
    live.startHeartbeat();
    await vi.advanceTimersByTimeAsync(1000);
    clock.skew = 5_000;
    await vi.advanceTimersByTimeAsync(300);
    expect(host.reports).toEqual([]);
    await vi.advanceTimersByTimeAsync(LATE_GRACE_MS);
    expect(host.reports).toEqual([{ kind: 'dead', silentMs: expect.any(Number) }]);
  });

  it('a late stale check reports nothing before the frames that waited during the stall are read', async () => {
    const { clock, host, live } = skewed({ heartbeat: false, staleAfterMs: 2_000 });
    live.startWatch();
    await vi.advanceTimersByTimeAsync(1_000);
    clock.skew = 10_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(host.reports).toEqual([]); // 12 s of wall time, 10 of them ours: not judged yet
    live.data(Date.now() + clock.skew); // the backlog is read
    await vi.advanceTimersByTimeAsync(LATE_GRACE_MS);
    expect(host.reports).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000); // genuinely silent after that: reported
    expect(host.reports).toEqual([expect.objectContaining({ kind: 'stale' })]);
  });

  it('paused: nothing is judged, and silence counts from the resume', async () => {
    const { host, live } = skewed({ staleAfterMs: 2_000 });
    live.startHeartbeat();
    live.startWatch();
    live.setPaused(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.reports).toEqual([]);
    expect(host.pings).toBe(0);
    live.setPaused(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(host.reports).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_600);
    expect(host.reports.map((r) => r.kind)).toContain('stale');
    live.stop();
  });
});
