import { afterEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamError, closeError } from '../../../src/core/errors';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import { ExponentialBackoff } from '../../../src/retry/exponential-backoff';
import { RetryPolicy, failureKind } from '../../../src/retry/policy';
import { decide } from '../../../src/retry/decide';
import type { Decision } from '../../../src/retry/decide';
import type { RetryContext } from '../../../src/retry/policy';
import { retryOperation } from '../../../src/retry/retry-operation';

function ctx(error: BinanceStreamError, attempt = 1): RetryContext {
  return { attempt, error, uptimeMs: 0, elapsedMs: 0, socketId: 's', streams: [] };
}
const drop = new BinanceStreamError('ERR_SOCKET', 'reset', { closeCode: 1006 });
const clean = closeError(1000, '');
const restart = closeError(1012, 'restart');
const timeout = new BinanceStreamError('ERR_CONNECT_TIMEOUT', 'slow');
const tooMany = closeError(1008, 'Too many requests');
const rejected = new BinanceStreamError('ERR_HANDSHAKE_REJECTED', 'no', { httpStatus: 429, retryAfterMs: 12_000 });
const invalidStream = new BinanceStreamError('ERR_INVALID_STREAM', 'bad', { permanent: true });

describe('failureKind', () => {
  it('classifies failures', () => {
    expect(failureKind(drop)).toBe('abnormal');
    expect(failureKind(clean)).toBe('clean');
    expect(failureKind(restart)).toBe('clean');
    expect(failureKind(new BinanceStreamError('ERR_SERVER_SHUTDOWN', 'x'))).toBe('clean');
    expect(failureKind(timeout)).toBe('timeout');
    expect(failureKind(new BinanceStreamError('ERR_HEARTBEAT_TIMEOUT', 'x'))).toBe('timeout');
    expect(failureKind(tooMany)).toBe('throttled');
    expect(failureKind(rejected)).toBe('throttled');
    expect(failureKind(new BinanceStreamError('ERR_HANDSHAKE_REJECTED', 'x', { httpStatus: 403 }))).toBe('throttled');
    expect(failureKind(invalidStream)).toBe('permanent');
  });
});

describe('ExponentialBackoff', () => {
  it('grows per kind, capped at 60 s (no jitter)', () => {
    const p = new ExponentialBackoff({ jitter: 0 });
    const curve = (e: BinanceStreamError) => [1, 2, 3, 4, 5, 6, 7, 8].map((a) => p.delayMs(ctx(e, a)));
    expect(curve(clean)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    expect(curve(drop)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(curve(timeout)).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(curve(tooMany)).toEqual([15000, 30000, 60000, 60000, 60000, 60000, 60000, 60000]);
    expect(p.delayMs(ctx(drop, 10_000))).toBe(60000);
  });

  it("reproduces the field report's 5/10/20/40/60 s curve when asked", () => {
    const p = new ExponentialBackoff({ initialDelayMs: 5000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map((a) => p.delayMs(ctx(drop, a)))).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
  });

  it('uses equal jitter by default, deterministic with an injected random', () => {
    expect(new ExponentialBackoff({ random: () => 0 }).delayMs(ctx(drop))).toBe(500);
    expect(new ExponentialBackoff({ random: () => 0.5 }).delayMs(ctx(drop))).toBe(750);
    expect(new ExponentialBackoff({ random: () => 0.999999 }).delayMs(ctx(drop))).toBe(1000);
    expect(new ExponentialBackoff({ random: () => 0 }).delayMs(ctx(clean))).toBe(250);
    expect(new ExponentialBackoff({ jitter: 1, random: () => 0.25 }).delayMs(ctx(drop, 3))).toBe(1000);
  });

  it('redials a connection that was up within 0–100 ms the first time, then follows the curve', () => {
    const up = (e: BinanceStreamError, attempt: number, uptimeMs = 45_000): RetryContext => ({ ...ctx(e, attempt), uptimeMs });
    const rs = [0, 0.5, 0.999];
    const p = (r: number) => new ExponentialBackoff({ jitter: 0, random: () => r });
    expect(rs.map((r) => p(r).delayMs(up(drop, 1)))).toEqual([0, 50, 99]);
    expect(rs.map((r) => p(r).delayMs(up(clean, 1)))).toEqual([0, 50, 99]);
    // A second failure in the streak escalates as before; a dial that never opened, a timeout
    // and Binance pushing back keep their first step.
    expect(p(0.5).delayMs(up(drop, 2))).toBe(2000);
    expect(p(0.5).delayMs(up(drop, 1, 0))).toBe(1000);
    expect(p(0.5).delayMs(up(timeout, 1))).toBe(2000);
    expect(p(0.5).delayMs(up(tooMany, 1))).toBe(15000);
    // Its own window, and off on request (the field report's curve, exactly).
    expect(new ExponentialBackoff({ quickFirstRetryMs: 20, random: () => 0.5 }).delayMs(up(drop, 1))).toBe(10);
    expect(new ExponentialBackoff({ initialDelayMs: 5000, jitter: 0, quickFirstRetryMs: null }).delayMs(up(drop, 1))).toBe(5000);
    expect(() => new ExponentialBackoff({ quickFirstRetryMs: -1 })).toThrow(/quickFirstRetryMs/);
  });

  it('has documented defaults: retry forever for transient errors, never for permanent ones', () => {
    const p = new ExponentialBackoff();
    expect(p.maxRetries).toBe(Infinity);
    expect(p.resetAfterMs).toBe(30_000);
    expect(p.shouldRetry(ctx(drop, 1_000_000))).toBe(true);
    expect(p.shouldRetry(ctx(invalidStream))).toBe(false);
    const capped = new ExponentialBackoff({ maxRetries: 10 });
    expect(capped.shouldRetry(ctx(drop, 10))).toBe(true);
    expect(capped.shouldRetry(ctx(drop, 11))).toBe(false);
  });

  it('validates options with errors naming the option', () => {
    expect(() => new ExponentialBackoff({ initialDelayMs: -1 })).toThrow(/initialDelayMs/);
    expect(() => new ExponentialBackoff({ jitter: 2 })).toThrow(/jitter/);
    expect(() => new ExponentialBackoff({ factor: 0.5 })).toThrow(/factor/);
    expect(() => new ExponentialBackoff({ maxRetries: Number.NaN })).toThrow(/maxRetries/);
    expect(() => new ConstantBackoff({ delayMs: Infinity })).toThrow(/delayMs/);
  });
});

describe('ConstantBackoff', () => {
  it('waits the same every time (5 s default), optionally jittered', () => {
    expect(new ConstantBackoff().delayMs(ctx(drop, 7))).toBe(5000);
    expect(new ConstantBackoff({ delayMs: 2000, jitter: 0.5, random: () => 0 }).delayMs(ctx(drop))).toBe(1000);
  });
});

function delayOf(d: Decision): number {
  if (!d.retry) throw new Error(`expected a retry, got ${d.reason}`);
  return d.delayMs;
}

describe('decide (the one retry rule of sockets and REST)', () => {
  class Zero extends RetryPolicy {
    delayMs(): number {
      return 0;
    }
  }
  class Broken extends RetryPolicy {
    delayMs(): number {
      return Number.NaN;
    }
  }
  class Throws extends RetryPolicy {
    override shouldRetry(): boolean {
      throw new Error('boom');
    }
    delayMs(): number {
      return 0;
    }
  }
  it('Retry-After always wins over the curve: a policy can neither undercut nor stretch it', () => {
    expect(delayOf(decide(new Zero(), ctx(rejected)))).toBe(12_000);
    expect(delayOf(decide(new ConstantBackoff({ delayMs: 20_000 }), ctx(rejected)))).toBe(12_000);
    // The default policy's hard "throttled" curve (15 s first delay) applies only without Retry-After.
    expect(delayOf(decide(new ExponentialBackoff({ jitter: 0 }), ctx(rejected)))).toBe(12_000);
    const bare429 = new BinanceStreamError('ERR_HANDSHAKE_REJECTED', 'no', { httpStatus: 429 });
    expect(delayOf(decide(new ExponentialBackoff({ jitter: 0 }), ctx(bare429)))).toBe(15_000);
    expect(decide(new Zero(), ctx(rejected))).toMatchObject({ source: 'retryAfter' });
  });
  it('a dial pause already in force lengthens the wait, so the announced wait is the real one', () => {
    const bare429 = new BinanceStreamError('ERR_HANDSHAKE_REJECTED', 'no', { httpStatus: 429 });
    expect(decide(new ExponentialBackoff({ jitter: 0 }), ctx(bare429), { pauseMs: 60_000 })).toMatchObject({ retry: true, delayMs: 60_000, source: 'pause' });
    expect(decide(new ExponentialBackoff({ jitter: 0 }), ctx(bare429), { pauseMs: 1_000 })).toMatchObject({ retry: true, delayMs: 15_000, source: 'policy' });
    // Retry-After still wins over the pause.
    expect(decide(new Zero(), ctx(rejected), { pauseMs: 60_000 })).toMatchObject({ delayMs: 12_000, source: 'retryAfter' });
  });
  it('a broken policy falls back to 1 s and reports why', () => {
    const r = decide(new Broken(), ctx(drop));
    expect(r).toMatchObject({ retry: true, delayMs: 1000, source: 'fallback' });
    expect(String(r.policyError)).toMatch(/NaN/);
  });
  it('permanent errors, a "no" and a throwing shouldRetry never retry, each with its reason', () => {
    expect(decide(new Zero(), ctx(new BinanceStreamError('ERR_INVALID_STREAM', 'bad', { permanent: true })))).toEqual({ retry: false, reason: 'permanent' });
    expect(decide(new ConstantBackoff({ maxRetries: 1 }), ctx(drop, 2))).toEqual({ retry: false, reason: 'policy' });
    expect(decide(new Throws(), ctx(drop))).toMatchObject({ retry: false, reason: 'policyError' });
  });
});

describe('retryOperation (p-retry driven by a RetryPolicy)', () => {
  afterEach(() => vi.useRealTimers());

  it('retries with the policy delays and resolves', async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    let n = 0;
    const p = retryOperation(
      async () => {
        n++;
        if (n < 3) throw new Error(`fail ${n}`);
        return 'ok';
      },
      { policy: new ConstantBackoff({ delayMs: 700 }), onFailedAttempt: (i) => delays.push(i.delayMs) },
    );
    await vi.advanceTimersByTimeAsync(700);
    expect(n).toBe(2);
    await vi.advanceTimersByTimeAsync(700);
    await expect(p).resolves.toBe('ok');
    expect(delays).toEqual([700, 700]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('honours Retry-After and stops on a permanent error (even a TypeError-based failure is asked to the policy)', async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    let n = 0;
    const p = retryOperation(
      () => {
        n++;
        if (n === 1) throw new BinanceStreamError('ERR_HTTP', 'slow down', { httpStatus: 429, retryAfterMs: 3000 });
        if (n === 2) throw new TypeError('fetch failed');
        throw new BinanceStreamError('ERR_ENDPOINT_RETIRED', 'HTTP 410', { httpStatus: 410, permanent: true });
      },
      { policy: new ConstantBackoff({ delayMs: 10 }), onFailedAttempt: (i) => seen.push(i.delayMs) },
    );
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3010);
    const err = (await caught) as BinanceStreamError;
    expect(err.code).toBe('ERR_ENDPOINT_RETIRED');
    expect(seen).toEqual([3000, 10]);
    expect(n).toBe(3);
  });

  it('gives up after maxRetries with the last error', async () => {
    let n = 0;
    const err = await retryOperation(
      () => {
        n++;
        throw new Error(`e${n}`);
      },
      { policy: new ConstantBackoff({ delayMs: 0, maxRetries: 2 }) },
    ).catch((e: unknown) => e as BinanceStreamError);
    expect(n).toBe(3);
    expect(err.code).toBe('ERR_UNEXPECTED');
    expect(err.message).toContain('e3');
  });

  it('abort rejects with ERR_ABORTED and cancels the wait', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const p = retryOperation(
      () => {
        throw new Error('down');
      },
      { policy: new ConstantBackoff({ delayMs: 60_000 }), signal: ac.signal },
    ).catch((e: unknown) => e as BinanceStreamError);
    await vi.advanceTimersByTimeAsync(10);
    ac.abort();
    const err = await p;
    expect(err.code).toBe('ERR_ABORTED');
    expect(vi.getTimerCount()).toBe(0);
  });
});
