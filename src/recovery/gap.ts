/**
 * What a `gap` event says: the exact range a stream lost (ids for trades, update ids for
 * diff depth, candle open times for klines), why, and whether it was filled from REST.
 * Plus the candle arithmetic the kline tracker and the kline backfill share.
 */

/**
 * Why the stream lost data: its connection was re-dialled (`reconnect`, also a stop/start),
 * it or its connection went silent, or no interruption was seen at all (`stall`: a drop too
 * short for any detector), or a handover was forced before the two connections overlapped.
 * Data that arrives out of order (an id at or below one delivered) is dropped and counted as
 * a duplicate, never reported as a gap.
 */
export type GapCause = 'reconnect' | 'stall' | 'handover';

interface GapBase {
  stream: string;
  cause: GapCause;
  /** Epoch ms when the gap was noticed (the first message after it). */
  detectedAt: number;
  /** Every missing event was delivered (marked `backfilled`) before live data resumed. */
  filled: boolean;
  /** When not filled: why (`backfill off`, `not backfillable`, the REST error, `older than Binance keeps`, `buffer limit`). */
  reason?: string | undefined;
}

/** aggTrade (`a`) or trade (`t`) ids `fromId`…`toId` (inclusive) are missing. */
export interface TradeGap extends GapBase {
  kind: 'aggTrade' | 'trade';
  fromId: number;
  toId: number;
  count: number;
}

/** Diff depth: updates after `fromUpdateId` up to before `toUpdateId` are missing (futures ids are not consecutive: no count). */
export interface DepthGap extends GapBase {
  kind: 'depth';
  /** The last update id delivered before the gap (`u`). */
  lastUpdateId: number;
  /** The first update id after it (`U`), and futures' `pu` of that event when present. */
  nextFirstUpdateId: number;
  previousUpdateId?: number | undefined;
}

/** Klines: the closed candles opening `fromOpenTime`…`toOpenTime` (inclusive) were never delivered closed. */
export interface KlineGap extends GapBase {
  kind: 'kline';
  interval: string;
  fromOpenTime: number;
  toOpenTime: number;
  count: number;
}

/**
 * Payload of the client's `gap` event: which stream lost which data (trade ids, depth update ids or candle open times, by `kind`), why (`cause`), and whether a REST backfill filled it before live data resumed (`filled`, else `reason`).
 */
export type GapEvent = TradeGap | DepthGap | KlineGap;

/** The recovery layer's events (composed into the client's map by src/events.ts). */
export type RecoveryEvents = {
  /** A stream lost data (the exact range, the cause), and whether the backfill filled it. */
  gap: (e: GapEvent) => void;
};

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** A kline stream's candle clock: interval, its length (NaN for months) and the time zone offset. */
export interface CandleClock {
  readonly interval: string;
  /** Fixed length in ms, or NaN for `1M` (calendar months). */
  readonly ms: number;
  /** `@+08:00` streams: boundaries at UTC+8 (ms to add to UTC). */
  readonly offsetMs: number;
}

/** The candle clock of `btcusdt@kline_1m` / `…@kline_1M@+08:00` / `btcusdt_perpetual@continuousKline_5m`, or undefined. */
export function candleClock(stream: string): CandleClock | undefined {
  const m = /@(?:kline|continuousKline)_(\d+)([smhdwM])(?:@([+-])(\d\d):(\d\d))?$/.exec(stream);
  if (!m) return undefined;
  const [, n, unit, sign, hh, mm] = m as unknown as [string, string, string, string | undefined, string | undefined, string | undefined];
  const offsetMs = sign ? (sign === '-' ? -1 : 1) * (Number(hh) * 3_600_000 + Number(mm) * 60_000) : 0;
  const ms = unit === 'M' ? NaN : Number(n) * (UNIT_MS[unit] as number);
  return { interval: `${n}${unit}`, ms, offsetMs };
}

/** The open time of the candle after the one opening at `t`. */
export function nextOpen(c: CandleClock, t: number): number {
  if (!Number.isNaN(c.ms)) return t + c.ms;
  const d = new Date(t + c.offsetMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - c.offsetMs;
}

/** Candles from `from` to `to` inclusive (both open times on the clock), counted without a loop for fixed intervals. */
export function candlesBetween(c: CandleClock, from: number, to: number): number {
  if (to < from) return 0;
  if (!Number.isNaN(c.ms)) return Math.round((to - from) / c.ms) + 1;
  let n = 0;
  for (let t = from; t <= to && n < 1_200; t = nextOpen(c, t)) n++;
  return n;
}
