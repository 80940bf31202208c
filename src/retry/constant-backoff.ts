/**
 * The same wait before every retry (optionally jittered). Permanent errors are still
 * never retried and `Retry-After` still wins.
 */
import { RetryPolicy, checkDuration } from './policy';
import type { RetryContext, RetryPolicyOptions } from './policy';

export interface ConstantBackoffOptions extends RetryPolicyOptions {
  /** Wait before each retry. @default 5_000 (the first field report's fixed delay) */
  delayMs?: number | undefined;
  /** Share of the delay that is randomised (see ExponentialBackoff). @default 0 */
  jitter?: number | undefined;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * The same wait before every retry, optionally jittered (`delayMs`, default 5 s). Permanent errors are still never retried
 * and a server's `Retry-After` still wins. Simple to reason about, but a fixed short delay hammers Binance during an
 * outage: prefer {@link ExponentialBackoff} unless you need a flat curve.
 *
 * @example
 * ```ts
 * const client = new BinanceStreamClient({ retryPolicy: new ConstantBackoff({ delayMs: 2_000, jitter: 0.2, maxRetries: 30 }) });
 * ```
 */
export class ConstantBackoff extends RetryPolicy {
  readonly fixedDelayMs: number;
  readonly jitter: number;
  private readonly random: () => number;

  constructor(options: ConstantBackoffOptions = {}) {
    super(options);
    this.fixedDelayMs = checkDuration('ConstantBackoff', 'delayMs', options.delayMs ?? 5_000);
    this.jitter = checkDuration('ConstantBackoff', 'jitter', options.jitter ?? 0, false, { max: 1 });
    const random = options.random ?? Math.random;
    if (typeof random !== 'function') throw new TypeError('ConstantBackoff: option random must be a function returning a number in [0, 1)');
    this.random = random;
  }

  delayMs(_ctx: RetryContext): number {
    const d = this.fixedDelayMs;
    if (this.jitter === 0) return d;
    const r = Math.min(Math.max(this.random() || 0, 0), 0.999_999);
    return Math.round(d * (1 - this.jitter) + r * d * this.jitter);
  }
}
