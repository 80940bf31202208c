/**
 * Typed Binance market-data payloads, with Binance's own field names. Every type has
 * an index signature-free shape but is open to extra fields in practice: Binance adds
 * fields (e.g. `st`/`ps` after the COIN-M merge) and the client passes them through.
 * Prices and quantities are strings, as Binance sends them (no precision loss).
 */

/** Fields Binance added after the 2026-06-30 COIN-M/USD-M integration (futures only, optional). */
export interface FuturesMergeFields {
  /** Settlement type: 1 = USD-M, 2 = COIN-M. */
  st?: number;
  /** Pair, on some futures payloads. */
  ps?: string;
}

/**
 * Payload of `<symbol>@aggTrade` (client event `aggTrade`): trades at one price from one taker order, aggregated. `p` price, `q` quantity, `f`/`l` first and last trade id, `s` symbol.
 */
export interface AggTradeEvent extends FuturesMergeFields {
  e: 'aggTrade';
  /** Event time (ms). */
  E: number;
  s: string;
  /** Aggregate trade id (strictly increasing per symbol). */
  a: number;
  p: string;
  q: string;
  /** Futures only: quantity excluding RPI fills. */
  nq?: string;
  f: number;
  l: number;
  /** Trade time (ms). */
  T: number;
  /** Is the buyer the market maker? */
  m: boolean;
  /** Spot only (ignore). */
  M?: boolean;
}

/**
 * Payload of `<symbol>@trade` (client event `trade`): one raw trade. `t` trade id, `p` price, `q` quantity, `T` trade time, `m` whether the buyer was the maker.
 */
export interface TradeEvent extends FuturesMergeFields {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M?: boolean;
  /** Futures trade type, when present. */
  X?: string;
}

/**
 * A candlestick interval as Binance spells it (`m` minutes, `h` hours, `d` days, `w` weeks, `M` months; `1s` on spot only).
 */
export type KlineInterval = '1s' | '1m' | '3m' | '5m' | '15m' | '30m' | '1h' | '2h' | '4h' | '6h' | '8h' | '12h' | '1d' | '3d' | '1w' | '1M';

/**
 * One candlestick inside a {@link KlineEvent}: `o`/`h`/`l`/`c` open, high, low and close price, `v` base volume, `q` quote volume, `n` trade count, `V`/`Q` taker buy volumes, `f`/`L` first and last trade id. It updates until `x` is true.
 */
export interface Kline {
  /** Open time (ms). */
  t: number;
  /** Close time (ms). */
  T: number;
  s: string;
  i: KlineInterval;
  f: number;
  L: number;
  o: string;
  c: string;
  h: string;
  l: string;
  v: string;
  n: number;
  /** Is this kline closed? */
  x: boolean;
  q: string;
  V: string;
  Q: string;
  B: string;
}

/**
 * Payload of `<symbol>@kline_<interval>` (client event `kline`): the current state of one candle; `k.x` says whether it is closed.
 */
export interface KlineEvent extends FuturesMergeFields {
  e: 'kline';
  E: number;
  s: string;
  k: Kline;
}

/**
 * Payload of `<symbol>@bookTicker` (client event `bookTicker`): best bid `b` (quantity `B`) and best ask `a` (quantity `A`) whenever either changes.
 */
export interface BookTickerEvent extends FuturesMergeFields {
  /** Futures only. */
  e?: 'bookTicker';
  /** Futures only: event time. */
  E?: number;
  /** Futures only: transaction time. */
  T?: number;
  /** Order book update id. */
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/**
 * One book level, `[price, quantity]`, both strings as Binance sends them. A quantity of `'0'` in a diff means the level is gone.
 */
export type PriceLevel = [price: string, quantity: string];

/** Diff. depth update (`<symbol>@depth`, `@depth@100ms`, futures `@depth@250ms|500ms`). */
export interface DepthUpdateEvent extends FuturesMergeFields {
  e: 'depthUpdate';
  E: number;
  /** Futures only: transaction time. */
  T?: number;
  s: string;
  /** First update id in event. */
  U: number;
  /** Final update id in event. */
  u: number;
  /** Futures only: final update id of the previous event. */
  pu?: number;
  b: PriceLevel[];
  a: PriceLevel[];
}

/** Partial book depth (`<symbol>@depth5|10|20[@100ms]`). Spot: snapshot shape; futures: depthUpdate shape. */
export interface SpotPartialDepthEvent {
  lastUpdateId: number;
  bids: PriceLevel[];
  asks: PriceLevel[];
}
/**
 * Payload of `<symbol>@depth<levels>` (client event `partialDepth`): a snapshot of the top levels on spot, a depthUpdate-shaped event on futures.
 */
export type PartialDepthEvent = SpotPartialDepthEvent | DepthUpdateEvent;

/**
 * Payload of `<symbol>@miniTicker` (client event `miniTicker`): rolling 24 h open `o`, high `h`, low `l`, close `c`, base volume `v` and quote volume `q`.
 */
export interface MiniTickerEvent extends FuturesMergeFields {
  e: '24hrMiniTicker';
  E: number;
  s: string;
  c: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
}

/**
 * Payload of `<symbol>@ticker` (client event `ticker`): rolling 24 h statistics. `p`/`P` price change and percent, `w` weighted average, `c`/`Q` last price and quantity, `O`/`C` window open and close time, `F`/`L` first and last trade id, `n` trade count.
 */
export interface TickerEvent extends FuturesMergeFields {
  e: '24hrTicker';
  E: number;
  s: string;
  p: string;
  P: string;
  w: string;
  /** Spot only: first trade price before the window. */
  x?: string;
  c: string;
  Q: string;
  /** Spot only: best bid/ask. */
  b?: string;
  B?: string;
  a?: string;
  A?: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
  O: number;
  C: number;
  F: number;
  L: number;
  n: number;
}

/**
 * Payload of `<symbol>@markPrice[@1s]` (futures, client event `markPrice`): mark, index and estimated settle price with the funding rate.
 */
export interface MarkPriceEvent extends FuturesMergeFields {
  e: 'markPriceUpdate';
  E: number;
  s: string;
  /** Mark price. */
  p: string;
  /** Index price. */
  i: string;
  /** Estimated settle price. */
  P: string;
  /** Funding rate. */
  r: string;
  /** Next funding time. */
  T: number;
}

/** `serverShutdown` control event (spot; reconnect at once). */
export interface ServerShutdownEvent {
  e: 'serverShutdown';
  E: number;
}

/** The market-data event names the client emits, with their payload types. */
export interface MarketDataEvents {
  aggTrade: AggTradeEvent;
  trade: TradeEvent;
  kline: KlineEvent;
  bookTicker: BookTickerEvent;
  depth: DepthUpdateEvent;
  partialDepth: PartialDepthEvent;
  miniTicker: MiniTickerEvent;
  ticker: TickerEvent;
  markPrice: MarkPriceEvent;
}

/**
 * Name of a market-data event the client emits (`'aggTrade'`, `'kline'`, `'depth'`…); each is emitted with its payload and the {@link StreamMessage} it came in.
 */
export type MarketDataEventName = keyof MarketDataEvents;

/**
 * One delivered message: the combined-stream envelope Binance sends, reused as is
 * (no copy) with `receivedAt` added by the client.
 */
export interface StreamMessage<T = unknown> {
  /** Stream name, e.g. `btcusdt@aggTrade`. */
  stream: string;
  data: T;
  /** `Date.now()` when the frame was received. */
  receivedAt: number;
}
