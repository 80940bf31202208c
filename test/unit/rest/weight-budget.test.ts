import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AbortSignalLike } from '../../../src/core/web-types';
import { RestWeightBudget } from '../../../src/rest/weight-budget';

const T0 = 1_000_000;

function capture() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** Acquire and record the order (and time) of grants. */
function recorder(budget: RestWeightBudget) {
  const order: string[] = [];
  const times: Record<string, number> = {};
  const ask = (name: string, weight: number, owner?: string, extra: { signal?: AbortSignalLike; heldUntil?: PromiseLike<unknown> } = {}) =>
    budget.acquire(weight, { owner, ...extra }).then(
      () => {
        order.push(name);
        times[name] = Date.now();
      },
      (err: unknown) => {
        order.push(`${name}:rejected`);
        throw err;
      },
    );
  return { order, times, ask };
}

describe('RestWeightBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('grants while the request fits under limit × (1 − headroom), then waits for the rolling minute', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 100, headroom: 0.1 });
    expect(b.effectiveLimit).toBe(90);
    const r = recorder(b);
    void r.ask('a', 50);
    await vi.advanceTimersByTimeAsync(10_000);
    void r.ask('b', 40); // 90: exactly the effective limit
    const c = r.ask('c', 10);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.order).toEqual(['a', 'b']);
    expect(b.state()).toMatchObject({ usedWeight: 90, limit: 100, effectiveLimit: 90, queued: 1, owners: 1 });
    expect(b.timersArmed).toBe(1);
    await vi.advanceTimersByTimeAsync(49_999); // 'a' leaves the window 60 s after its grant, not before
    expect(r.order).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    await c;
    expect(r.times.c).toBe(T0 + 60_000);
    expect(b.state()).toMatchObject({ usedWeight: 50, queued: 0, granted: 3 });
    expect(b.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('serves queued requests round-robin across owners, FIFO within an owner (exact order)', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 100, headroom: 0 });
    const r = recorder(b);
    void r.ask('fill', 100, 'z');
    const all = [r.ask('a1', 10, 'A'), r.ask('a2', 10, 'A'), r.ask('a3', 10, 'A'), r.ask('b1', 10, 'B'), r.ask('b2', 10, 'B'), r.ask('c1', 10, 'C')];
    await vi.advanceTimersByTimeAsync(0);
    expect(b.state()).toMatchObject({ queued: 6, owners: 3 });
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(all);
    expect(r.order).toEqual(['fill', 'a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('the owner whose turn it is waits until its request fits: a heavy request is not overtaken (no starvation)', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 100, headroom: 0 });
    const r = recorder(b);
    void r.ask('x', 60, 'X');
    await vi.advanceTimersByTimeAsync(30_000);
    void r.ask('y', 30, 'Y');
    const heavy = r.ask('heavy', 80, 'H'); // must wait for both x (60 s) and y (90 s)
    const small = r.ask('small', 5, 'S'); // would fit now, but it is H's turn
    await vi.advanceTimersByTimeAsync(30_000);
    expect(r.order).toEqual(['x', 'y']);
    await vi.advanceTimersByTimeAsync(30_000);
    await Promise.all([heavy, small]);
    expect(r.order).toEqual(['x', 'y', 'heavy', 'small']);
    expect(r.times.heavy).toBe(T0 + 90_000);
  });

  it('with heldUntil, a request is counted until one window after it settled (latency cannot let the server count more)', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 100, headroom: 0 });
    const r = recorder(b);
    let settle!: () => void;
    const inFlight = new Promise<void>((res) => (settle = res));
    void r.ask('slow', 100, 'A', { heldUntil: inFlight });
    const next = r.ask('next', 1, 'B');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(r.order).toEqual(['slow']); // still in flight: no timer can free it
    expect(b.timersArmed).toBe(0);
    settle();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(r.order).toEqual(['slow']);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(r.times.next).toBe(T0 + 180_000);
  });

  it("a response's X-MBX-USED-WEIGHT-1M replaces the local estimate when higher (never lowers it)", async () => {
    const b = new RestWeightBudget({ limitPerMinute: 100, headroom: 0 });
    const r = recorder(b);
    await r.ask('mine', 10);
    b.observe(200, { 'x-mbx-used-weight-1m': '5' });
    expect(b.state().usedWeight).toBe(10);
    b.observe(200, new Headers({ 'X-MBX-USED-WEIGHT-1M': '95' })); // another process on this IP
    expect(b.state().usedWeight).toBe(95);
    const late = r.ask('late', 10);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(r.order).toEqual(['mine']);
    await vi.advanceTimersByTimeAsync(1); // both 'mine' and the server's extra leave the window at T0 + 60 s
    await late;
    expect(b.state().usedWeight).toBe(10);
  });

  it('a 429 pauses every request of the host for its Retry-After, logged WARN once per pause', async () => {
    const { lines, logger } = capture();
    const b = new RestWeightBudget({ limitPerMinute: 1000, logger, host: 'api.test' });
    const r = recorder(b);
    b.observe(429, { 'retry-after': '7', 'x-mbx-used-weight-1m': '1001' });
    b.observe(429, { 'retry-after': '3' }); // a second in-flight answer: the longer pause stays, no second line
    expect(b.pausedForMs()).toBe(7000);
    const both = [r.ask('x', 1, 'X'), r.ask('y', 1, 'Y')];
    await vi.advanceTimersByTimeAsync(6_999);
    expect(r.order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(both);
    expect(r.order).toEqual(['x', 'y']);
    // The 429's used weight (1001) counted only until its Retry-After ended.
    expect(b.state()).toMatchObject({ usedWeight: 2, rejected429: 2, banned418: 0, pausedUntil: 0 });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([expect.objectContaining({ fields: expect.objectContaining({ host: 'api.test', status: 429, retryAfterMs: 7000 }) })]);
    // Without Retry-After: 60 s; a new pause is a new WARN line.
    b.observe(429, {});
    expect(b.pausedForMs()).toBe(60_000);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it('a 418 (IP ban) pauses for its Retry-After (2 min without one) and logs ERROR once per ban', async () => {
    const { lines, logger } = capture();
    const b = new RestWeightBudget({ logger });
    b.observe(418, {});
    expect(b.pausedForMs()).toBe(120_000);
    b.observe(418, { 'Retry-After': '300' });
    expect(b.pausedForMs()).toBe(300_000);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(lines[0]?.msg).toMatch(/IP banned/);
    const r = recorder(b);
    const p = r.ask('after-ban', 1);
    await vi.advanceTimersByTimeAsync(299_999);
    expect(r.order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(b.state()).toMatchObject({ banned418: 2, rejected429: 0 });
  });

  it('aborting a waiting request rejects with ERR_ABORTED and leaves no timer and no listener', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 10, headroom: 0 });
    await b.acquire(10);
    const listeners = new Set<() => void>();
    let aborted = false;
    const signal: AbortSignalLike = {
      get aborted() {
        return aborted;
      },
      reason: undefined,
      addEventListener: (_t: 'abort', l: () => void) => void listeners.add(l),
      removeEventListener: (_t: 'abort', l: () => void) => void listeners.delete(l),
    } as unknown as AbortSignalLike;
    const p = b.acquire(5, { signal, owner: 'stream-1' });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED', message: expect.stringMatching(/stream-1/) });
    await vi.advanceTimersByTimeAsync(0);
    expect(b.timersArmed).toBe(1);
    expect(listeners.size).toBe(1);
    aborted = true;
    for (const l of [...listeners]) l();
    await done;
    expect(listeners.size).toBe(0);
    expect(b.state().queued).toBe(0);
    expect(b.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // A granted request removes its listener too; an already aborted signal rejects at once.
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(b.acquire(1, { signal: ctrl.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('clear() rejects every waiter with ERR_ABORTED and disarms the timer', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 10, headroom: 0 });
    await b.acquire(10);
    const waiting = [b.acquire(1, { owner: 'a' }), b.acquire(1, { owner: 'b' })];
    const done = Promise.allSettled(waiting);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.timersArmed).toBe(1);
    b.clear();
    expect((await done).map((s) => (s.status === 'rejected' ? (s.reason as { code: string }).code : s.status))).toEqual(['ERR_ABORTED', 'ERR_ABORTED']);
    expect(b.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(b.state().usedWeight).toBe(10); // what was used stays
  });

  it('lets one request heavier than the whole budget through when nothing is held', async () => {
    const b = new RestWeightBudget({ limitPerMinute: 10, headroom: 0 });
    await b.acquire(250);
    expect(b.state().usedWeight).toBe(250);
    const r = recorder(b);
    const p = r.ask('next', 1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(r.order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await p;
  });

  it('rejects bad options and weights with ERR_INVALID_OPTION naming them', async () => {
    expect(() => new RestWeightBudget({ headroom: 1 })).toThrow(/option headroom: expected a number in \[0, 1\), got 1/);
    expect(() => new RestWeightBudget({ limitPerMinute: 0 })).toThrow(/option limitPerMinute/);
    expect(() => new RestWeightBudget({ now: 5 as never })).toThrow(/option now/);
    await expect(new RestWeightBudget().acquire(-1)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/option weight/) });
  });
});
