/**
 * Retry a bounded operation (a REST call, a listenKey refresh) under a {@link RetryPolicy}.
 * p-retry runs the attempts; the policy decides whether to retry and how long to wait,
 * exactly as it does for socket reconnects (`Retry-After` wins, permanent errors stop).
 */
import pRetry from 'p-retry';
import { BinanceStreamError, toStreamError } from '../core/errors';
import { effectiveDelay } from './policy';
import type { RetryContext, RetryPolicy } from './policy';

export interface FailedAttemptInfo extends RetryContext {
  /** The wait before the next attempt (policy delay, at least `Retry-After`). */
  readonly delayMs: number;
}

export interface RetryOperationOptions {
  policy: RetryPolicy;
  /** Aborting rejects with ERR_ABORTED and cancels any wait at once. */
  signal?: AbortSignal | undefined;
  /** Name used as `socketId` in the policy context and in logs. @default 'operation' */
  id?: string | undefined;
  /** Called after each failure that will be retried, before the wait. Exceptions are ignored. */
  onFailedAttempt?: ((info: FailedAttemptInfo) => void) | undefined;
  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
}

function abortError(signal: AbortSignal): BinanceStreamError {
  return new BinanceStreamError('ERR_ABORTED', 'operation aborted', { cause: signal.reason });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `fn` until it succeeds, the policy gives up (rejects with the last error, a
 * {@link BinanceStreamError}), or `signal` aborts (rejects with ERR_ABORTED).
 * `fn` receives the 1-based attempt number. Anything it throws is wrapped with
 * `toStreamError` (so `permanent`, `retryAfterMs`, `httpStatus` drive the policy).
 */
export async function retryOperation<T>(fn: (attempt: number) => T | PromiseLike<T>, options: RetryOperationOptions): Promise<T> {
  const { policy, signal } = options;
  if (!policy || typeof policy.delayMs !== 'function' || typeof policy.shouldRetry !== 'function') {
    throw new TypeError('retryOperation: option policy must be a RetryPolicy');
  }
  if (typeof fn !== 'function') throw new TypeError('retryOperation: fn must be a function');
  const now = options.now ?? Date.now;
  const id = options.id ?? 'operation';
  let firstFailureAt: number | undefined;
  try {
    return await pRetry(
      async (attempt: number) => {
        try {
          return await fn(attempt);
        } catch (err) {
          // Never a TypeError: p-retry would refuse to retry it without asking the policy.
          throw toStreamError(err);
        }
      },
      {
        retries: Infinity,
        minTimeout: 0,
        maxTimeout: 0,
        ...(signal ? { signal } : {}),
        onFailedAttempt: async ({ error, attemptNumber }) => {
          const err = toStreamError(error);
          const t = now();
          firstFailureAt ??= t;
          const ctx: RetryContext = { attempt: attemptNumber, error: err, uptimeMs: 0, elapsedMs: t - firstFailureAt, socketId: id, streams: [] };
          let retry: boolean;
          try {
            retry = policy.shouldRetry(ctx);
          } catch {
            retry = false;
          }
          if (!retry) throw err;
          const { delayMs } = effectiveDelay(policy, ctx);
          try {
            options.onFailedAttempt?.({ ...ctx, delayMs });
          } catch {
            /* a hook must not change the outcome */
          }
          await sleep(delayMs, signal);
        },
      },
    );
  } catch (err) {
    if (signal?.aborted) throw err instanceof BinanceStreamError && err.code === 'ERR_ABORTED' ? err : abortError(signal);
    throw toStreamError(err);
  }
}
