/**
 * The default retry policy: exponential backoff, capped, with equal jitter, and a
 * starting delay that depends on how the connection failed (see {@link failureKind}).
 *
 * Default curve (before jitter; equal jitter then waits between half and all of it):
 *
 * | failure kind | 1st  | 2nd  | 3rd  | 4th  | 5th   | 6th   | 7th+ |
 * |--------------|------|------|------|------|-------|-------|------|
 * | clean close  | 0.5 s| 1 s  | 2 s  | 4 s  | 8 s   | 16 s  | … 60 s |
 * | abnormal     | 1 s  | 2 s  | 4 s  | 8 s  | 16 s  | 32 s  | 60 s |
 * | timeout      | 2 s  | 4 s  | 8 s  | 16 s | 32 s  | 60 s  | 60 s |
 * | throttled    | 15 s | 30 s | 60 s | 60 s | 60 s  | 60 s  | 60 s |
 *
 * Why: a clean close (Binance's 24 h cut, a `serverShutdown`, a restart) is routine and
 * the feed should be back within a second; an abnormal drop gets ~1 s so one blip costs
 * little; timeouts suggest congestion; 1008/429/418/403 mean Binance is pushing back and
 * hammering it risks an IP ban. The 60 s cap matches the first field report's request.
 *
 * One exception, the quick first redial: when a connection that was up drops or is closed
 * (`clean` or `abnormal`, `uptimeMs > 0`), the FIRST retry waits a random 0–100 ms
 * (`quickFirstRetryMs`) instead of the first step: one blip costs milliseconds, and the
 * random spread keeps a crowd of sockets cut at once from redialling in lockstep (the
 * connection budget still paces them). A connection that fails again follows the table from
 * its second step (attempt 2), so a flapping link still escalates.
 * `new ExponentialBackoff({ initialDelayMs: 5000, jitter: 0, quickFirstRetryMs: null })`
 * reproduces that report's 5 s, 10 s, 20 s, 40 s, 60 s curve for abnormal failures.
 */
import { RetryPolicy, checkDuration, failureKind } from './policy';
import type { FailureKind, RetryContext, RetryPolicyOptions } from './policy';

export interface ExponentialBackoffOptions extends RetryPolicyOptions {
  /** First delay after an abnormal failure (drop, refused, 5xx). @default 1_000 */
  initialDelayMs?: number | undefined;
  /**
   * First delay per failure kind, overriding the defaults derived from `initialDelayMs`:
   * `clean` = initialDelayMs / 2, `abnormal` = initialDelayMs, `timeout` =
   * initialDelayMs × 2, `throttled` = max(15_000, initialDelayMs). (`permanent` is never
   * retried by the default `shouldRetry`.)
   */
  initialDelayByKind?: Partial<Record<Exclude<FailureKind, 'permanent'>, number>> | undefined;
  /** Upper bound of any delay (before `Retry-After`, which always wins). @default 60_000 */
  maxDelayMs?: number | undefined;
  /** Growth per attempt. @default 2 */
  factor?: number | undefined;
  /**
   * Share of the delay that is randomised: the wait is `d × (1 − jitter) + random() × d × jitter`.
   * 0.5 is "equal jitter" (between half and all of `d`), which spreads a crowd of sockets
   * reconnecting after the same outage while keeping a floor. 0 = no jitter, 1 = full jitter.
   * @default 0.5
   */
  jitter?: number | undefined;
  /** Source of randomness in [0, 1), for deterministic tests. @default Math.random */
  random?: (() => number) | undefined;
  /**
   * The first retry after a connection that was up dropped or closed (`clean` or `abnormal`
   * failures with `uptimeMs > 0`) waits a random delay in [0, quickFirstRetryMs) instead of the
   * first step; `null` turns this off (every retry follows the curve).
   * @default 100
   */
  quickFirstRetryMs?: number | null | undefined;
}

/**
 * The default retry policy: exponential backoff with equal jitter, capped at `maxDelayMs`, whose first step depends on how
 * the connection failed (a clean close 0.5 s, an abnormal drop 1 s, a timeout 2 s, Binance pushing back 15 s), and whose
 * first retry after a connection that was up is a quick random 0–100 ms redial. A server's `Retry-After` always wins;
 * permanent errors are never retried. Stateless: one instance serves every socket.
 *
 * @example
 * ```ts
 * // Give up after 10 retries in a row, never wait more than 30 s between two.
 * const client = new BinanceStreamClient({ retryPolicy: new ExponentialBackoff({ maxRetries: 10, maxDelayMs: 30_000 }) });
 * client.on('gaveUp', (e) => console.error(`${e.socketId} gave up after ${e.attempts} attempts`, e.error));
 * ```
 */
export class ExponentialBackoff extends RetryPolicy {
  readonly initialDelayMs: number;
  readonly initialDelayByKind: Readonly<Record<Exclude<FailureKind, 'permanent'>, number>>;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
  /** See {@link ExponentialBackoffOptions.quickFirstRetryMs}; null: off. */
  readonly quickFirstRetryMs: number | null;
  private readonly random: () => number;

  constructor(options: ExponentialBackoffOptions = {}) {
    super(options);
    const owner = 'ExponentialBackoff';
    this.initialDelayMs = checkDuration(owner, 'initialDelayMs', options.initialDelayMs ?? 1_000);
    this.maxDelayMs = checkDuration(owner, 'maxDelayMs', options.maxDelayMs ?? 60_000);
    this.factor = checkDuration(owner, 'factor', options.factor ?? 2, false, { min: 1 });
    this.jitter = checkDuration(owner, 'jitter', options.jitter ?? 0.5, false, { max: 1 });
    this.quickFirstRetryMs = options.quickFirstRetryMs === null ? null : checkDuration(owner, 'quickFirstRetryMs', options.quickFirstRetryMs ?? 100);
    const random = options.random ?? Math.random;
    if (typeof random !== 'function') throw new TypeError(`${owner}: option random must be a function returning a number in [0, 1)`);
    this.random = random;
    const by = options.initialDelayByKind ?? {};
    const base = this.initialDelayMs;
    this.initialDelayByKind = Object.freeze({
      clean: checkDuration(owner, 'initialDelayByKind.clean', by.clean ?? base / 2),
      abnormal: checkDuration(owner, 'initialDelayByKind.abnormal', by.abnormal ?? base),
      timeout: checkDuration(owner, 'initialDelayByKind.timeout', by.timeout ?? base * 2),
      throttled: checkDuration(owner, 'initialDelayByKind.throttled', by.throttled ?? Math.max(15_000, base)),
    });
  }

  /** The un-jittered delay for retry `attempt` of a failure of `kind`. */
  baseDelayMs(kind: FailureKind, attempt: number): number {
    const first = kind === 'permanent' ? this.initialDelayByKind.abnormal : this.initialDelayByKind[kind];
    const exp = Math.max(0, Math.min(attempt - 1, 1000));
    return Math.min(this.maxDelayMs, first * this.factor ** exp);
  }

  delayMs(ctx: RetryContext): number {
    const kind = failureKind(ctx.error);
    if (this.quickFirstRetryMs !== null && ctx.attempt === 1 && ctx.uptimeMs > 0 && (kind === 'clean' || kind === 'abnormal')) {
      return Math.floor(this.unit() * this.quickFirstRetryMs);
    }
    const d = this.baseDelayMs(kind, ctx.attempt);
    if (this.jitter === 0) return Math.round(d);
    return Math.round(d * (1 - this.jitter) + this.unit() * d * this.jitter);
  }

  /** `random()` clamped to [0, 1). */
  private unit(): number {
    const r = this.random();
    return r >= 0 ? (r < 1 ? r : 0.999_999) : 0;
  }
}
