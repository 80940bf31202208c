/**
 * WS-API request weight, as Binance counts it: REQUEST_WEIGHT per IP, shared with REST (the same
 * rest/weights.ts counter: `maxRestWeightPerMinute` per `restWeightWindowMs`), each request's weight
 * by method; over the limit `429` / `-1003` with `error.data.retryAfter` (epoch ms, the window's
 * end), and an IP that keeps sending during that pause is banned: `418` with `retryAfter` = the
 * ban's end (rest/weights.ts: `banAfterRejectedAttempts` requests, `banDurationMs` doubling), and
 * the connection is closed (1008) after that answer ("an automated IP ban and you will be disconnected").
 * Answers carry `rateLimits` (spot WS API "Rate limits"). `inject()` is `faults.wsApiRateLimit`.
 */
import type { Clock } from '../clock';
import { WS_API } from '../profile';
import type { RestWeights } from '../rest/weights';
import { ApiError } from './accounts';
import { FUTURES_WEIGHTS } from './futures-methods';

/** Weights of the methods beyond profile.ts's (spot WS API docs: order.place 1, order.cancel 1, order.status 4, openOrders.status 6, account.status 20). */
const WEIGHTS: Readonly<Record<string, number>> = { 'order.place': 1, 'order.cancel': 1, 'order.status': 4, 'openOrders.status': 6, 'account.status': 20 };

export function weightOf(method: string, futures = false): number {
  return (futures ? FUTURES_WEIGHTS[method] : undefined) ?? WEIGHTS[method] ?? WS_API.weights[method] ?? WS_API.defaultWeight;
}

/**
 * Options of `ex.faults.wsApiRateLimit(options)`: answer the next WebSocket API requests with a 429 (rate limited) or a 418 (banned, then disconnected), with a `retryAfter`.
 */
export interface WsApiLimitFault {
  /** 429 (rate limited) or 418 (banned: the connection is closed after the answer). @default 429 */
  status?: 429 | 418 | undefined;
  /** How many requests to answer so. @default 1 */
  times?: number | undefined;
  /** `retryAfter` = now + this (wall ms). @default 60 000 (429) / the emulator's `banDurationMs` (418) */
  retryAfterMs?: number | undefined;
}

/** A 429 / 418 answer, with the IP's used weight for the answer's `rateLimits`. */
export class LimitError extends ApiError {
  constructor(
    status: 429 | 418,
    msg: string,
    data: object,
    readonly usedWeight: number,
  ) {
    super(status, -1003, msg, data);
  }
}

interface Injected {
  status: 429 | 418;
  remaining: number;
  retryAfterMs: number | undefined;
}

export class WsApiLimits {
  private readonly injected: Injected[] = [];
  /** Requests answered 429 / 418 (injected ones included). */
  rateLimited429 = 0;
  banned418 = 0;

  constructor(
    private readonly clock: Clock,
    private readonly weights: RestWeights,
    private readonly violation: () => void,
  ) {}

  /** The `rateLimits` entry of REQUEST_WEIGHT for a used count. */
  requestWeight(used: number): object {
    const ms = this.weights.o.windowMs;
    const minute = ms % 60_000 === 0;
    return {
      rateLimitType: 'REQUEST_WEIGHT',
      interval: minute ? 'MINUTE' : 'SECOND',
      intervalNum: minute ? ms / 60_000 : Math.max(1, Math.round(ms / 1000)),
      limit: this.weights.o.limit,
      count: used,
    };
  }

  /** Count a request of `method` from `ip`: returns the IP's used weight, or throws 429 / 418 (`used` in the error's `usedWeight`). */
  charge(ip: string, method: string, futures = false): number {
    const now = this.clock.now();
    const fault = this.injected[0];
    if (fault) {
      if (--fault.remaining <= 0) this.injected.shift();
      const retryAfter = now + (fault.retryAfterMs ?? (fault.status === 429 ? 60_000 : this.weights.o.banMs));
      throw this.refusal(fault.status, retryAfter, now, 0);
    }
    const v = this.weights.take(ip, weightOf(method, futures), now);
    if (v.ok) return v.used;
    const retryAfter = v.status === 418 ? v.bannedUntil : now + v.retryAfterSec * 1000;
    throw this.refusal(v.status, retryAfter, now, v.used);
  }

  inject(f: WsApiLimitFault): void {
    const status = f.status ?? 429;
    if (status !== 429 && status !== 418) throw new RangeError(`faults.wsApiRateLimit: status must be 429 or 418, got ${String(f.status)}`);
    const times = f.times ?? 1;
    if (!(times >= 1) || (times !== Infinity && !Number.isInteger(times))) throw new RangeError(`faults.wsApiRateLimit: times must be an integer >= 1 or Infinity, got ${String(f.times)}`);
    if (f.retryAfterMs !== undefined && !(f.retryAfterMs >= 0 && Number.isFinite(f.retryAfterMs)))
      throw new RangeError(`faults.wsApiRateLimit: retryAfterMs must be a finite number >= 0, got ${String(f.retryAfterMs)}`);
    this.injected.push({ status, remaining: times, retryAfterMs: f.retryAfterMs });
  }

  heal(): void {
    this.injected.length = 0;
  }

  private refusal(status: 429 | 418, retryAfter: number, now: number, used: number): LimitError {
    const data = { serverTime: now, retryAfter };
    if (status === 429) {
      this.rateLimited429++;
      this.violation();
      const per = this.requestWeight(0) as { interval: string; intervalNum: number };
      return new LimitError(
        429,
        `Too much request weight used; current limit is ${this.weights.o.limit} request weight per ${per.intervalNum} ${per.interval}. Please use WebSocket Streams for live updates to avoid polling the API.`,
        data,
        used,
      );
    }
    this.banned418++;
    return new LimitError(418, `Way too much request weight used; IP banned until ${retryAfter}. Please use WebSocket Streams for live updates to avoid bans.`, data, used);
  }
}
