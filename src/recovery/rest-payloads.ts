/**
 * Binance REST answers turned into the payloads the streams carry, so that a message from
 * REST (a backfill, the REST fallback) reaches the same typed events with the same field
 * names. What REST does not know is left out or set to a documented value (`f`/`L` of a
 * kline are -1; a bookTicker from REST has no `u`).
 */
import type { AggTradeRow, BookTickerRow, DepthSnapshot, KlineRow, Ticker24hRow } from '../rest/market-types';
import type { StreamMessage } from '../streams/types';

export type { AggTradeRow, BookTickerRow, DepthSnapshot, KlineRow, Ticker24hRow };

/** A message that did not come from the socket. */
export type RestMessage = StreamMessage & { source: 'rest'; backfilled?: true };

const msg = (stream: string, data: unknown, now: number): RestMessage => ({ stream, data, receivedAt: now, source: 'rest' });

export function aggTradeFromRest(stream: string, symbol: string, r: AggTradeRow, now: number): RestMessage {
  const data: Record<string, unknown> = { e: 'aggTrade', E: r.T, s: symbol, a: r.a, p: r.p, q: r.q, f: r.f, l: r.l, T: r.T, m: r.m };
  if (r.M !== undefined) data.M = r.M;
  return msg(stream, data, now);
}

/** A kline row as the stream's payload; `closed` when its close time has passed. */
export function klineFromRest(stream: string, symbol: string, interval: string, r: KlineRow, now: number, closed = r[6] < now): RestMessage {
  const k = { t: r[0], T: r[6], s: symbol, i: interval, f: -1, L: -1, o: r[1], c: r[4], h: r[2], l: r[3], v: r[5], n: r[8], x: closed, q: r[7], V: r[9], Q: r[10], B: '0' };
  return msg(stream, { e: 'kline', E: Math.min(now, r[6]), s: symbol, k }, now);
}

export function bookTickerFromRest(stream: string, r: BookTickerRow, now: number): RestMessage {
  return msg(stream, { s: r.symbol, b: r.bidPrice, B: r.bidQty, a: r.askPrice, A: r.askQty, ...(r.time !== undefined ? { E: r.time, T: r.time } : {}) }, now);
}

export function tickerFromRest(stream: string, r: Ticker24hRow, now: number, mini: boolean): RestMessage {
  const base = { E: r.closeTime, s: r.symbol, c: r.lastPrice, o: r.openPrice, h: r.highPrice, l: r.lowPrice, v: r.volume, q: r.quoteVolume ?? r.baseVolume };
  if (mini) return msg(stream, { e: '24hrMiniTicker', ...base }, now);
  return msg(
    stream,
    {
      e: '24hrTicker',
      ...base,
      p: r.priceChange,
      P: r.priceChangePercent,
      w: r.weightedAvgPrice,
      x: r.prevClosePrice,
      Q: r.lastQty,
      b: r.bidPrice,
      B: r.bidQty,
      a: r.askPrice,
      A: r.askQty,
      O: r.openTime,
      C: r.closeTime,
      F: r.firstId,
      L: r.lastId,
      n: r.count,
    },
    now,
  );
}

export function partialDepthFromRest(stream: string, r: DepthSnapshot, now: number): RestMessage {
  return msg(stream, { lastUpdateId: r.lastUpdateId, bids: r.bids, asks: r.asks }, now);
}
