/**
 * Parameter checks of MarketRest's typed helpers: each bad value is ERR_INVALID_OPTION naming
 * the helper and the parameter (`option depth.limit: expected one of 5, 10, 20, 50, 100, 500,
 * 1000, got 7`). Binance's allowed values per market, with their defaults:
 *
 * | parameter        | spot                 | USD-M / COIN-M                      |
 * |------------------|----------------------|-------------------------------------|
 * | depth `limit`    | 1–5000, default 100  | 5, 10, 20, 50, 100, 500, 1000; 500  |
 * | klines `limit`   | 1–1000               | 1–1500                              |
 * | aggTrades `limit`| 1–1000               | 1–1000                              |
 * | kline `interval` | 1s 1m 3m … 1w 1M     | the same without 1s                 |
 *
 * Sources: [SPOT] rest-api.md ("Order book": default 100, max 5000; klines intervals) and
 * [SDK] binance-connector-js (futures depth "Valid limits: [5, 10, 20, 50, 100, 500, 1000]").
 */
import { invalidOption } from '../core/errors';
import { requireNum } from '../core/validate';
import type { KlineInterval } from '../streams/types';
import type { RestMarket } from './weights';

export const FUTURES_DEPTH_LIMITS: readonly number[] = Object.freeze([5, 10, 20, 50, 100, 500, 1000]);
export const DEFAULT_DEPTH_LIMIT: Readonly<Record<RestMarket, number>> = Object.freeze({ spot: 100, usdm: 500, coinm: 500 });
const FUTURES_INTERVALS: readonly KlineInterval[] = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
export const KLINE_INTERVALS: Readonly<Record<RestMarket, readonly KlineInterval[]>> = Object.freeze({
  spot: Object.freeze<KlineInterval[]>(['1s', ...FUTURES_INTERVALS]),
  usdm: Object.freeze(FUTURES_INTERVALS),
  coinm: Object.freeze(FUTURES_INTERVALS),
});

/** The query object itself: a plain object. */
export function queryObject(name: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption(name, 'an object', value);
  return value as Record<string, unknown>;
}

/**
 * A symbol, upper-cased (`btcusdt` → `BTCUSDT`). Any non-empty string without whitespace:
 * Binance has non-ASCII symbols (testnet `这是测试币456`), so no charset is imposed.
 */
export function symbolParam(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || /\s/.test(value)) throw invalidOption(name, 'a non-empty symbol without spaces (e.g. "BTCUSDT")', value);
  return value.toUpperCase();
}

/** An optional integer within [min, max]. */
export function optInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  return requireNum(name, value, { integer: true, min, max });
}

/** `startTime`/`endTime`: optional epoch ms, start not after end. */
export function timeRange(owner: string, start: unknown, end: unknown): { startTime: number | undefined; endTime: number | undefined } {
  const startTime = optInt(`${owner}.startTime`, start, 0);
  const endTime = optInt(`${owner}.endTime`, end, 0);
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) throw invalidOption(`${owner}.endTime`, `epoch ms >= startTime (${startTime})`, endTime);
  return { startTime, endTime };
}

export function intervalParam(market: RestMarket, value: unknown): KlineInterval {
  const allowed = KLINE_INTERVALS[market];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalidOption('klines.interval', `one of ${allowed.join(', ')} (${market})`, value);
  return value as KlineInterval;
}

/** The depth `limit` Binance accepts on this market, defaulted explicitly (so the weight charged is the weight spent). */
export function depthLimit(market: RestMarket, value: unknown): number {
  if (value === undefined) return DEFAULT_DEPTH_LIMIT[market];
  if (market === 'spot') return requireNum('depth.limit', value, { integer: true, min: 1, max: 5000 });
  if (typeof value !== 'number' || !FUTURES_DEPTH_LIMITS.includes(value)) throw invalidOption('depth.limit', `one of ${FUTURES_DEPTH_LIMITS.join(', ')} (${market})`, value);
  return value;
}

/** Keys a helper does not know: a typo must not pass silently. */
export function onlyKeys(owner: string, q: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  for (const k of Object.keys(q)) {
    if (!known.includes(k) && q[k] !== undefined) throw invalidOption(`${owner}.${k}`, `one of the parameters ${known.join(', ')}`, q[k]);
  }
}
