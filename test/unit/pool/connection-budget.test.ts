import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionBudget } from '../../../src/pool/connection-budget';

function grantLog(budget: ConnectionBudget, ids: string[], signal = new AbortController().signal) {
  const granted: { id: string; at: number }[] = [];
  const promises = ids.map((id) =>
    budget.acquire(id, signal).then(
      () => void granted.push({ id, at: Date.now() }),
      () => undefined,
    ),
  );
  return { granted, all: Promise.all(promises) };
}

describe('ConnectionBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grants a lone dial at once and spaces queued dials FIFO by minIntervalMs', async () => {
    const b = new ConnectionBudget({ minIntervalMs: 50, jitterMs: 0 });
    const { granted, all } = grantLog(b, ['a', 'b', 'c', 'd', 'e', 'f']);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.map((g) => g.id)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(300);
    await all;
    expect(granted.map((g) => g.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const gaps = granted.slice(1).map((g, i) => g.at - (granted[i] as { at: number }).at);
    expect(gaps.every((g) => g >= 50)).toBe(true);
    // Six sockets (6,000 spot streams) are dialled within well under a second.
    expect((granted[5] as { at: number }).at - (granted[0] as { at: number }).at).toBeLessThan(500);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('adds random jitter between queued dials', async () => {
    const b = new ConnectionBudget({ minIntervalMs: 10, jitterMs: 100, random: () => 0.5 });
    const { granted, all } = grantLog(b, ['a', 'b', 'c']);
    await vi.advanceTimersByTimeAsync(1_000);
    await all;
    // 'a' found an empty queue; 'b' was granted while 'c' waited, so the next gap gets the jitter.
    expect((granted[1] as { at: number }).at - (granted[0] as { at: number }).at).toBe(10);
    expect((granted[2] as { at: number }).at - (granted[1] as { at: number }).at).toBe(60);
  });

  it('never lets more than limit*headroom attempts into a sliding window', async () => {
    const b = new ConnectionBudget({ maxAttempts: 10, headroom: 0.8, windowMs: 10_000, minIntervalMs: 0, jitterMs: 0 });
    expect(b.effectiveLimit).toBe(8);
    const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const { granted, all } = grantLog(b, ids);
    await vi.advanceTimersByTimeAsync(60_000);
    await all;
    expect(granted).toHaveLength(20);
    // Check every window of 10 s holds at most 8 grants.
    for (const g of granted) {
      const inWindow = granted.filter((x) => x.at > g.at - 10_000 && x.at <= g.at).length;
      expect(inWindow).toBeLessThanOrEqual(8);
    }
    // As the budget runs out the gaps grow (tail spread 2_500 ms / (remaining * (remaining + 1))).
    const gap = (i: number) => (granted[i] as { at: number }).at - (granted[i - 1] as { at: number }).at;
    expect(gap(7)).toBeGreaterThanOrEqual(1250); // the last of the window: 2_500 / (1 * 2)
    expect(gap(7)).toBeGreaterThan(gap(3));
    expect(b.state()).toMatchObject({ limit: 10, effectiveLimit: 8, queued: 0, granted: 20 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('honours Retry-After of a reported 429 for every queued dial', async () => {
    const b = new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 });
    await b.acquire('first', new AbortController().signal);
    b.reportRejection(429, 7_000);
    expect(b.state().pausedUntil).toBe(Date.now() + 7_000);
    const { granted, all } = grantLog(b, ['x', 'y']);
    await vi.advanceTimersByTimeAsync(6_999);
    expect(granted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10);
    await all;
    expect(granted.map((g) => g.id)).toEqual(['x', 'y']);
    expect(b.state()).toMatchObject({ pausedUntil: 0, rejections: 1 });
  });

  it('uses a default pause for 418 without Retry-After (2 min)', async () => {
    const b = new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 });
    b.reportRejection(418, undefined);
    const { granted, all } = grantLog(b, ['x']);
    await vi.advanceTimersByTimeAsync(119_999);
    expect(granted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await all;
    expect(granted).toHaveLength(1);
  });

  it('an aborted waiter leaves the queue with ERR_ABORTED and leaves no timer', async () => {
    const b = new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 });
    b.reportRejection(429, 60_000);
    const ac = new AbortController();
    const p = b.acquire('s1', ac.signal);
    expect(b.state().queued).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(b.state().queued).toBe(0);
    expect(b.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(b.acquire('s2', ac.signal)).rejects.toMatchObject({ code: 'ERR_ABORTED', message: expect.stringContaining('s2') });
  });

  it('validates its options: ERR_INVALID_OPTION naming the option, the expected form and the value', () => {
    const bad = (o: ConstructorParameters<typeof ConnectionBudget>[0], message: string) =>
      expect(() => new ConnectionBudget(o)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message }));
    bad({ maxAttempts: 0 }, 'option maxAttempts: expected an integer >= 1, got 0');
    bad({ maxAttempts: 2.5 }, 'option maxAttempts: expected an integer >= 1, got 2.5');
    bad({ headroom: 1.5 }, 'option headroom: expected a number in (0, 1], got 1.5');
    bad({ headroom: 0 }, 'option headroom: expected a number in (0, 1], got 0');
    bad({ minIntervalMs: -1 }, 'option minIntervalMs: expected a number >= 0 ms, got -1');
    bad({ windowMs: Number.NaN }, 'option windowMs: expected a number >= 1 ms, got NaN');
    bad({ jitterMs: '5' as unknown as number }, 'option jitterMs: expected a number >= 0 ms, got "5"');
    bad({ defaultPause429Ms: Infinity }, 'option defaultPause429Ms: expected a number >= 0 ms, got Infinity');
    bad({ now: 5 as unknown as () => number }, 'option now: expected a function returning a number, got 5');
  });

  it('reportRejection returns the pause in force and pausedForMs() counts it down; a shorter pause never shortens it', async () => {
    const b = new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 });
    expect(b.pausedForMs()).toBe(0);
    expect(b.reportRejection(429, 10_000)).toBe(10_000);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(b.pausedForMs()).toBe(6_000);
    expect(b.reportRejection(429, 1_000)).toBe(6_000);
    expect(b.reportRejection(418, undefined)).toBe(120_000);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(b.pausedForMs()).toBe(0);
    expect(b.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('three mass drops of 80 sockets each are re-dialled within seconds, never faster than the cap allows (issue 10, item 10)', async () => {
    const b = new ConnectionBudget();
    for (let drop = 1; drop <= 3; drop++) {
      const t0 = Date.now();
      const { granted, all } = grantLog(
        b,
        Array.from({ length: 80 }, (_, i) => `d${drop}-${i}`),
      );
      await vi.advanceTimersByTimeAsync(10_000);
      await all;
      const gaps = granted.slice(1).map((g, i) => g.at - (granted[i] as { at: number }).at);
      // The first release spaced every dial past 135 of 270 by 300_000 / 270 = 1.1 s (34 s, 91 s, 211 s).
      expect(Math.max(...gaps)).toBeLessThan(1_000);
      expect((granted[79] as { at: number }).at - t0).toBeLessThan(5_000);
    }
    expect(b.state()).toMatchObject({ attemptsInWindow: 240, granted: 240, rejections: 0 });
  });

  it('a budget asked without pause never exceeds the cap in any window, and its gaps grow as it runs out', async () => {
    const b = new ConnectionBudget({ maxAttempts: 300, jitterMs: 0 });
    const { granted, all } = grantLog(
      b,
      Array.from({ length: 400 }, (_, i) => `s${i}`),
    );
    await vi.advanceTimersByTimeAsync(900_000);
    await all;
    const at = granted.map((g) => g.at);
    for (let i = 0; i < at.length; i++) expect(at.filter((x) => x > (at[i] as number) - 300_000 && x <= (at[i] as number)).length).toBeLessThanOrEqual(270);
    const gaps = at.slice(1, 270).map((t, i) => t - (at[i] as number));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual((gaps[i - 1] as number) - 1);
    expect(gaps[gaps.length - 1]).toBeGreaterThan(10_000); // the last attempts of the window are far apart
  });

  it('has one process-wide shared instance', () => {
    expect(ConnectionBudget.shared()).toBe(ConnectionBudget.shared());
    expect(ConnectionBudget.shared().state()).toMatchObject({ limit: 300, effectiveLimit: 270, windowMs: 300_000 });
  });

  it('is shared across module copies through the versioned globalThis slot (issue 10, item 6)', async () => {
    const first = ConnectionBudget.shared();
    vi.resetModules();
    const copy = (await import('../../../src/pool/connection-budget')) as typeof import('../../../src/pool/connection-budget');
    expect(copy.ConnectionBudget).not.toBe(ConnectionBudget); // a second module instance
    expect(copy.ConnectionBudget.shared()).toBe(first);
    const slot = (globalThis as unknown as Record<symbol, { version: number; budget: unknown }>)[Symbol.for('binance-stream-client.connection-budget')];
    expect(slot).toMatchObject({ version: 1 });
    expect(slot?.budget).toBe(first);
  });
});
