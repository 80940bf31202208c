/**
 * The events an SBE frame decodes to: the same names and shapes as the JSON streams' payloads
 * (src/streams/types.ts), so the router, de-duplication, sequence tracking and the typed
 * client events treat them alike, plus the microsecond times SBE carries (`Eus`, `Tus`).
 * `E` / `T` are those times in ms (floored), as in JSON. Decimals are strings by default,
 * exactly as the mantissa and exponent say; with `decimals: 'number'`, numbers (`D`).
 */

/** `<symbol>@trade` (TradesStreamEvent: one event per entry of its `trades` group). */
export interface SbeTradeEvent<D extends string | number = string> {
  e: 'trade';
  /** Event time (ms). */
  E: number;
  s: string;
  /** Trade id. */
  t: number;
  p: D;
  q: D;
  /** Trade (transact) time (ms). */
  T: number;
  /** Is the buyer the market maker? */
  m: boolean;
  /** isBestMatch: a constant `true` in the schema. */
  M: boolean;
  /** Event time in µs, as SBE sends it. */
  Eus: number;
  /** Trade time in µs, as SBE sends it. */
  Tus: number;
}

/** `<symbol>@bestBidAsk` (BestBidAskStreamEvent), shaped as a JSON `bookTicker` event with its event time. */
export interface SbeBestBidAskEvent<D extends string | number = string> {
  /** Order book update id. */
  u: number;
  s: string;
  /** Best bid price and quantity. */
  b: D;
  B: D;
  /** Best ask price and quantity. */
  a: D;
  A: D;
  /** Event time (ms). */
  E: number;
  /** Event time in µs. */
  Eus: number;
}

/**
 * One book level of an SBE depth event, `[price, quantity]`: exact decimal strings by default, numbers with `decimals: 'number'`.
 */
export type SbePriceLevel<D extends string | number = string> = [price: D, quantity: D];

/** `<symbol>@depth` (DepthDiffStreamEvent), shaped as a JSON `depthUpdate`. */
export interface SbeDepthUpdateEvent<D extends string | number = string> {
  e: 'depthUpdate';
  E: number;
  s: string;
  /** First update id in the event. */
  U: number;
  /** Last update id in the event. */
  u: number;
  b: SbePriceLevel<D>[];
  a: SbePriceLevel<D>[];
  Eus: number;
}

/** `<symbol>@depth20` (DepthSnapshotStreamEvent), shaped as a JSON spot partial depth, plus its symbol and time. */
export interface SbePartialDepthEvent<D extends string | number = string> {
  lastUpdateId: number;
  bids: SbePriceLevel<D>[];
  asks: SbePriceLevel<D>[];
  s: string;
  E: number;
  Eus: number;
}

/**
 * Any event an SBE frame decodes to; the message's `stream` says which (`<symbol>@trade`, `@bestBidAsk`, `@depth`, `@depth20`).
 */
export type SbeEvent<D extends string | number = string> = SbeTradeEvent<D> | SbeBestBidAskEvent<D> | SbeDepthUpdateEvent<D> | SbePartialDepthEvent<D>;

/** Options of {@link SbeDecoder}. */
export interface SbeDecoderOptions {
  /** Prices and quantities as exact decimal strings, or as numbers (nearest double). @default 'string' */
  decimals?: 'string' | 'number' | undefined;
}
