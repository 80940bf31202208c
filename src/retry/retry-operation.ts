/**
 * Retry a bounded operation (a REST call, a listenKey refresh) under a {@link RetryPolicy},
 * with the same decision as socket reconnects (`decide()`: Retry-After wins, permanent
 * errors stop). p-retry runs the attempts; the library's only p-retry user.
 */
import type { AbortSignalLike } from '../core/web-types';
import pRetry from 'p-retry';
import { abortableSleep } from '../core/abort';
import { aborted, BinanceStreamError, toStreamError } from '../core/errors';
import { decide } from './decide';
import type { RetryContext, RetryPolicy } from './policy';

export interface FailedAttemptInfo extends RetryContext {
  /** The wait before the next attempt, exactly as `decide()` chose it. */
  readonly delayMs: number;
}

/**
 * Options of {@link retryOperation}: the policy, a signal to give up, a name for logs, and a hook called before each retry wait.
 */
export interface RetryOperationOptions {
  policy: RetryPolicy;
  /** Aborting rejects with ERR_ABORTED and cancels any wait at once. */
  signal?: AbortSignalLike | undefined;
  /** Name used as `socketId` in the policy context and in logs. @default 'operation' */
  id?: string | undefined;
  /** Called after each failure that will be retried, before the wait. Exceptions are ignored. */
  onFailedAttempt?: ((info: FailedAttemptInfo) => void) | undefined;
  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
}

/**
 * Run `fn` until it succeeds, the policy gives up (rejects with the last error, a
 * {@link BinanceStreamError}), or `signal` aborts (rejects with ERR_ABORTED).
 * `fn` receives the 1-based attempt number. Anything it throws is wrapped with
 * `toStreamError` (so `permanent`, `retryAfterMs`, `httpStatus` drive the decision).
 */
export async function retryOperation<T>(fn: (attempt: number) => T | PromiseLike<T>, options: RetryOperationOptions): Promise<T> {
  const { policy, signal } = options;
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
          const d = decide(policy, ctx);
          if (!d.retry) throw err;
          try {
            options.onFailedAttempt?.({ ...ctx, delayMs: d.delayMs });
          } catch {
            /* a hook must not change the outcome */
          }
          await abortableSleep(d.delayMs, signal, id);
        },
      },
    );
  } catch (err) {
    if (signal?.aborted) throw err instanceof BinanceStreamError && err.code === 'ERR_ABORTED' ? err : aborted(id, signal.reason);
    throw toStreamError(err);
  }
}
