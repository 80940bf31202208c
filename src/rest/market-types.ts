/**
 * Binance's market-data REST rows, as Binance sends them (numbers as decimal strings, ids
 * and times as numbers), and the parameters of MarketRest's typed helpers. Fields marked
 * optional are sent by some markets only.
 */
import type { AbortSignalLike } from '../core/web-types';
import type { KlineInterval } from '../streams/types';

/** One `aggTrades` row. */
export interface AggTradeRow {
  /** Aggregate trade id. */
  a: number;
  /** Price. */
  p: string;
  /** Quantity. */
  q: string;
  /** First trade id. */
  f: number;
  /** Last trade id. */
  l: number;
  /** Trade time (ms). */
  T: number;
  /** Was the buyer the maker? */
  m: boolean;
  /** Best price match (spot only). */
  M?: boolean;
}

/** One `klines` row: [open time, open, high, low, close, volume, close time, quote volume, trades, taker buy base, taker buy quote, ignore]. */
export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

/** A price level: [price, quantity]. */
export type PriceLevel = [string, string];

/** The `depth` snapshot. */
export interface DepthSnapshot {
  lastUpdateId: number;
  bids: PriceLevel[];
  asks: PriceLevel[];
  /** Message time (futures). */
  E?: number;
  /** Transaction time (futures). */
  T?: number;
  /** Symbol and pair (COIN-M). */
  symbol?: string;
  pair?: string;
}

/** `ticker/bookTicker` for one symbol. */
export interface BookTickerRow {
  symbol: string;
  bidPrice: string;
  bidQty: string;
  askPrice: string;
  askQty: string;
  /** Transaction time (futures). */
  time?: number;
  /** COIN-M. */
  pair?: string;
  /** USD-M, COIN-M. */
  lastUpdateId?: number;
}

/** `ticker/24hr` for one symbol. */
export interface Ticker24hRow {
  symbol: string;
  priceChange: string;
  priceChangePercent: string;
  weightedAvgPrice: string;
  lastPrice: string;
  lastQty?: string;
  openPrice: string;
  highPrice: string;
  lowPrice: string;
  volume: string;
  /** Spot and USD-M. */
  quoteVolume?: string;
  /** COIN-M (volume in the base asset). */
  baseVolume?: string;
  /** COIN-M. */
  pair?: string;
  /** Spot. */
  prevClosePrice?: string;
  bidPrice?: string;
  bidQty?: string;
  askPrice?: string;
  askQty?: string;
  openTime: number;
  closeTime: number;
  firstId: number;
  lastId: number;
  count: number;
}

/** Parameters of `MarketRest.aggTrades()` (`GET aggTrades`): from an aggregate trade id, or within a time range. */
export interface AggTradesQuery {
  symbol: string;
  /** Aggregate trade id to start from, inclusive. */
  fromId?: number | undefined;
  startTime?: number | undefined;
  endTime?: number | undefined;
  /** 1–1000. @default 500 (Binance's) */
  limit?: number | undefined;
}

/** Parameters of `MarketRest.klines()` (`GET klines`): one symbol and interval, optionally a time range. */
export interface KlinesQuery {
  symbol: string;
  /** Spot also has `1s`; futures do not. */
  interval: KlineInterval;
  startTime?: number | undefined;
  endTime?: number | undefined;
  /** Spot 1–1000, futures 1–1500. @default 500 (Binance's) */
  limit?: number | undefined;
}

/** Parameters of `MarketRest.depth()` (`GET depth`): the order book snapshot of one symbol. */
export interface DepthQuery {
  symbol: string;
  /** Spot any integer 1–5000; futures one of 5, 10, 20, 50, 100, 500, 1000. @default 100 (spot), 500 (futures) */
  limit?: number | undefined;
}

/** The one parameter of the single-symbol ticker calls (`bookTicker`, `ticker24h`). */
export interface SymbolQuery {
  symbol: string;
}

/** Per-call options of every MarketRest request. */
export interface RestCallOptions {
  /** The call's weight. @default the weight table's (REST_WEIGHTS, or the client's `weights` overrides) */
  weight?: number | undefined;
  /** Who asks, for fair queuing in the weight budget (e.g. the stream being backfilled). @default '' */
  owner?: string | undefined;
  /** Aborts the wait for the budget, the request and any retry wait (ERR_ABORTED). */
  signal?: AbortSignalLike | undefined;
}
