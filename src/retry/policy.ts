/**
 * The retry policy: decides WHETHER a socket (or a bounded operation) tries again and
 * HOW LONG it waits first. Users subclass {@link RetryPolicy} (or a built-in) and hand
 * the instance to the client; one instance can serve every socket because policies are
 * stateless: the attempt counter lives on the socket and arrives in the context.
 *
 * What the caller then waits is decided in one place, `decide()` (./decide.ts): a
 * server's `Retry-After` always wins over the policy's curve.
 */
import type { BinanceStreamError } from '../core/errors';
import { requireNum } from '../core/validate';
import type { NumberRule } from '../core/validate';

/** Everything a policy may look at to decide. */
export interface RetryContext {
  /** 1-based number of the retry about to happen (1 = first retry after the first failure). */
  readonly attempt: number;
  /** Why the previous connection ended or the previous attempt failed (`code`, `closeCode`, `httpStatus`, `retryAfterMs`, `permanent`…). */
  readonly error: BinanceStreamError;
  /** How long the last connection stayed up, in ms (0 = the attempt never opened). */
  readonly uptimeMs: number;
  /** Milliseconds since the first failure of this streak of failures. */
  readonly elapsedMs: number;
  /** Stable id of the socket (or operation) being retried. */
  readonly socketId: string;
  /** Streams the socket carries (empty for operations). */
  readonly streams: readonly string[];
}

/**
 * How a failure looks, for policies that treat kinds differently:
 * - `clean`: the server closed politely (1000, 1001, 1012 service restart) or announced
 *   `serverShutdown`: routine, retry soon.
 * - `abnormal`: the connection dropped or failed (1006 reset, refused, DNS, 5xx…).
 * - `timeout`: the handshake, a heartbeat or the data feed timed out: the path may be
 *   congested, wait a little longer.
 * - `throttled`: Binance pushed back (1008 policy violation / too many messages, 1013
 *   try again later, HTTP 429/418/403): back off much harder.
 * - `permanent`: retrying can never help (`error.permanent`: invalid stream, retired
 *   endpoint, bad credentials).
 */
export type FailureKind = 'clean' | 'abnormal' | 'timeout' | 'throttled' | 'permanent';

const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1012]);
const THROTTLE_CLOSE_CODES = new Set([1008, 1013]);
const THROTTLE_HTTP = new Set([403, 418, 429]);

/** Classify a failure (see {@link FailureKind}). Pure; safe to call from a subclass. */
export function failureKind(error: BinanceStreamError): FailureKind {
  if (error.permanent) return 'permanent';
  if (error.httpStatus !== undefined && THROTTLE_HTTP.has(error.httpStatus)) return 'throttled';
  if (error.closeCode !== undefined && THROTTLE_CLOSE_CODES.has(error.closeCode)) return 'throttled';
  if (error.binanceCode === -1003) return 'throttled';
  switch (error.code) {
    case 'ERR_SERVER_SHUTDOWN':
      return 'clean';
    case 'ERR_CONNECT_TIMEOUT':
    case 'ERR_HEARTBEAT_TIMEOUT':
    case 'ERR_STALE':
      return 'timeout';
    default:
      break;
  }
  if (error.closeCode !== undefined && CLEAN_CLOSE_CODES.has(error.closeCode)) return 'clean';
  return 'abnormal';
}

/** Options every policy shares. */
export interface RetryPolicyOptions {
  /**
   * Most consecutive retries before giving up (`gaveUp`). Infinity by default: a bot must
   * not go deaf for good because of a 15-minute outage; permanent errors are never
   * retried anyway.
   * @default Infinity
   */
  maxRetries?: number | undefined;
  /**
   * A connection that stayed up this long counts as healthy: the next failure starts a
   * new streak at attempt 1. 30 s outlives at least one spot server ping (every 20 s), so
   * a server that accepts and then drops us keeps backing off instead of hammering.
   * @default 30_000
   */
  resetAfterMs?: number | undefined;
}

/**
 * Validate a policy option (`ERR_INVALID_OPTION` naming `Owner.option`): a finite
 * number >= 0 unless the rule says otherwise; Infinity only when `allowInfinity`.
 */
export function checkDuration(owner: string, name: string, value: unknown, allowInfinity = false, rule: NumberRule = {}): number {
  return requireNum(`${owner}.${name}`, value, { min: 0, infinity: allowInfinity, ...rule });
}

/**
 * Base class of every retry policy. Override {@link delayMs} (required) and, if you
 * like, {@link shouldRetry}. Keep subclasses stateless: the same instance is shared
 * by every socket of a client.
 *
 * @example
 * ```ts
 * class SlowOnThrottle extends ExponentialBackoff {
 *   override delayMs(ctx: RetryContext): number {
 *     return failureKind(ctx.error) === 'throttled' ? 120_000 : super.delayMs(ctx);
 *   }
 * }
 * ```
 */
export abstract class RetryPolicy {
  /** See {@link RetryPolicyOptions.maxRetries}. @default Infinity */
  maxRetries: number;
  /** See {@link RetryPolicyOptions.resetAfterMs}. @default 30_000 */
  resetAfterMs: number;

  constructor(options: RetryPolicyOptions = {}) {
    const owner = new.target?.name || 'RetryPolicy';
    this.maxRetries = checkDuration(owner, 'maxRetries', options.maxRetries ?? Infinity, true);
    this.resetAfterMs = checkDuration(owner, 'resetAfterMs', options.resetAfterMs ?? 30_000);
  }

  /**
   * Whether to try again. Default: never for a permanent error, otherwise while
   * `ctx.attempt <= this.maxRetries`.
   */
  shouldRetry(ctx: RetryContext): boolean {
    return !ctx.error.permanent && ctx.attempt <= this.maxRetries;
  }

  /**
   * How long to wait before retry `ctx.attempt`, in ms. The caller waits at least the
   * server's `Retry-After` regardless of what this returns.
   */
  abstract delayMs(ctx: RetryContext): number;
}
