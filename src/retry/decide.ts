/**
 * THE retry decision, used by the socket's reconnect loop and by bounded operations
 * (REST calls) alike. A flat list of early returns, each with its reason.
 *
 * The rule, in one sentence: the wait is the server's `Retry-After` when it sent one;
 * otherwise the policy's delay, lengthened to any dial pause already in force (the
 * process-wide pause after a 429/418/403), so the wait that is logged and emitted is
 * the wait that happens.
 */
import type { RetryContext, RetryPolicy } from './policy';

/** setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_DELAY_MS = 2_147_483_647;
/** What a broken policy (throws, NaN, negative) gets instead. */
const FALLBACK_DELAY_MS = 1_000;

/** The outcome of {@link decide}: no retry (and why), or a retry after `delayMs` (and where that wait came from). */
export type Decision =
  | {
      readonly retry: false;
      /** Why not: `permanent` error, the policy said no, or the policy threw. */
      readonly reason: 'permanent' | 'policy' | 'policyError';
      readonly policyError?: unknown;
    }
  | {
      readonly retry: true;
      readonly delayMs: number;
      /** Where the wait came from. */
      readonly source: 'retryAfter' | 'pause' | 'policy' | 'fallback';
      /** The policy threw or returned nonsense (the caller logs it). */
      readonly policyError?: unknown;
    };

/** Options of {@link decide}. */
export interface DecideOptions {
  /** A pause already imposed on every dial (ms from now), e.g. after a 429 without Retry-After. */
  pauseMs?: number | undefined;
}

/**
 * The one retry decision of the library, shared by the reconnect loop and REST retries: never retry a permanent error,
 * ask the policy's `shouldRetry`, then wait the server's `Retry-After` when it sent one, else the policy's `delayMs`,
 * lengthened to any dial pause in force. A `delayMs` that throws or returns nonsense gets a 1 s fallback, a
 * `shouldRetry` that throws means no retry (`policyError` says so in both). Use it to run your own loop with the same rules.
 */
export function decide(policy: RetryPolicy, ctx: RetryContext, options: DecideOptions = {}): Decision {
  if (ctx.error.permanent) return { retry: false, reason: 'permanent' };
  let retry: boolean;
  try {
    retry = policy.shouldRetry(ctx) === true;
  } catch (err) {
    return { retry: false, reason: 'policyError', policyError: err };
  }
  if (!retry) return { retry: false, reason: 'policy' };

  const retryAfter = ctx.error.retryAfterMs;
  if (retryAfter !== undefined && retryAfter >= 0) return { retry: true, delayMs: Math.min(retryAfter, MAX_DELAY_MS), source: 'retryAfter' };

  let delay: number;
  let policyError: unknown;
  try {
    delay = policy.delayMs(ctx);
  } catch (err) {
    policyError = err;
    delay = FALLBACK_DELAY_MS;
  }
  if (typeof delay !== 'number' || Number.isNaN(delay) || delay < 0) {
    policyError ??= new RangeError(`RetryPolicy.delayMs returned ${String(delay)}; expected a number >= 0`);
    delay = FALLBACK_DELAY_MS;
  }
  const pause = options.pauseMs ?? 0;
  if (pause > delay) return { retry: true, delayMs: Math.min(pause, MAX_DELAY_MS), source: 'pause', ...(policyError !== undefined ? { policyError } : {}) };
  const source = policyError !== undefined ? 'fallback' : 'policy';
  return { retry: true, delayMs: Math.min(delay, MAX_DELAY_MS), source, ...(policyError !== undefined ? { policyError } : {}) };
}
