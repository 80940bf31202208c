/**
 * Stream-name builders and the one charset rule. Builders lower-case the symbol and
 * validate every argument; a bad argument is a `BinanceStreamError` with code
 * `ERR_INVALID_STREAM` naming the argument and the value.
 */
import { BinanceStreamError, showValue } from '../core/errors';
import { parseStreamName } from './parse';
import type { KlineInterval } from './types';

/**
 * Every kline interval Binance serves, shortest first (`'1s'` is spot only). `streams.kline()` accepts exactly these.
 */
export const KLINE_INTERVALS: readonly KlineInterval[] = Object.freeze(['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M']);

const INTERVAL_SET: ReadonlySet<string> = new Set(KLINE_INTERVALS);

/** Characters that can never be part of a stream name (they break the URL or the combined path). */
const FORBIDDEN = /[\s/?&#%"'\\<>{}|^`]/;

/** `ERR_INVALID_STREAM` naming what is wrong. */
export function invalidStream(message: string, stream?: string): BinanceStreamError {
  return new BinanceStreamError('ERR_INVALID_STREAM', message, { permanent: true, ...(stream !== undefined ? { streams: [stream] } : {}) });
}

/** Validate and lower-case a symbol. Symbols may be non-ASCII (Binance lists UTF-8 symbols). */
export function normalizeSymbol(symbol: unknown, what = 'symbol'): string {
  if (typeof symbol !== 'string') throw invalidStream(`${what}: expected a string, got ${showValue(symbol)}`);
  if (symbol.length === 0 || symbol.length > 40) throw invalidStream(`${what} ${JSON.stringify(symbol)} is invalid: expected 1 to 40 characters`);
  if (FORBIDDEN.test(symbol) || symbol.includes('@') || symbol.startsWith('!')) {
    throw invalidStream(`${what} ${JSON.stringify(symbol)} is invalid: it contains a character not allowed in a stream name`);
  }
  return symbol.toLowerCase();
}

/** Return `interval` typed as a {@link KlineInterval}, or throw `ERR_INVALID_STREAM` listing the valid intervals. */
export function assertInterval(interval: unknown): KlineInterval {
  if (typeof interval !== 'string' || !INTERVAL_SET.has(interval)) {
    throw invalidStream(`interval ${showValue(interval)} is invalid: expected one of ${KLINE_INTERVALS.join(', ')}`);
  }
  return interval as KlineInterval;
}

function oneOf<T extends string | number>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) throw invalidStream(`${what} ${showValue(value)} is invalid: expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** Update speed of a depth stream, in milliseconds: spot serves 100 and 1000, futures 100, 250 and 500. */
export type DepthSpeed = 100 | 250 | 500 | 1000;
/** How many price levels per side a partial-depth stream (`<symbol>@depth<levels>`) sends. */
export type DepthLevels = 5 | 10 | 20;
/** Rolling windows of the spot all-market tickers. */
export type TickerWindow = '1h' | '4h' | '1d';

/**
 * Builders: `streams.kline('BTCUSDT', '1h')` → `btcusdt@kline_1h`.
 * The depth speed suffix is omitted for Binance's default speed (1000 ms spot, 250 ms futures).
 * Which names a market serves is checked when you subscribe (streams/catalog.ts).
 *
 * @example
 * ```ts
 * import { BinanceStreamClient, streams } from 'binance-stream-client';
 *
 * const client = new BinanceStreamClient({ market: 'spot' });
 * client.on('kline', (e) => console.log(e.s, e.k.c));
 * client.subscribe([streams.kline('BTCUSDT', '1m'), streams.depth('ETHUSDT', 100)]);
 * await client.start();
 * ```
 */
export const streams = Object.freeze({
  /** Aggregate trades: `btcusdt@aggTrade`. */
  aggTrade: (symbol: string): string => `${normalizeSymbol(symbol)}@aggTrade`,
  /** Raw trades: `btcusdt@trade` (spot and USD-M, where it is served on the `/public` route; not COIN-M). */
  trade: (symbol: string): string => `${normalizeSymbol(symbol)}@trade`,
  /** Candlesticks of one {@link KlineInterval}: `btcusdt@kline_1h`. */
  kline: (symbol: string, interval: KlineInterval): string => `${normalizeSymbol(symbol)}@kline_${assertInterval(interval)}`,
  /** Best bid and ask of one symbol, in real time: `btcusdt@bookTicker`. */
  bookTicker: (symbol: string): string => `${normalizeSymbol(symbol)}@bookTicker`,
  /** Diff. depth. `speedMs`: 100 or 1000 (spot), 100, 250 or 500 (futures). */
  depth: (symbol: string, speedMs?: DepthSpeed): string => {
    const s = normalizeSymbol(symbol);
    if (speedMs === undefined) return `${s}@depth`;
    return `${s}@depth@${oneOf(speedMs, [100, 250, 500, 1000] as const, 'depth speedMs')}ms`;
  },
  /** Partial book depth, top `levels` (5, 10 or 20). */
  partialDepth: (symbol: string, levels: DepthLevels, speedMs?: DepthSpeed): string => {
    const s = normalizeSymbol(symbol);
    const n = oneOf(levels, [5, 10, 20] as const, 'partialDepth levels');
    if (speedMs === undefined) return `${s}@depth${n}`;
    return `${s}@depth${n}@${oneOf(speedMs, [100, 250, 500, 1000] as const, 'partialDepth speedMs')}ms`;
  },
  /** Rolling 24 h mini ticker (OHLC and volumes): `btcusdt@miniTicker`. */
  miniTicker: (symbol: string): string => `${normalizeSymbol(symbol)}@miniTicker`,
  /** Rolling 24 h ticker with price change statistics: `btcusdt@ticker`. */
  ticker: (symbol: string): string => `${normalizeSymbol(symbol)}@ticker`,
  /** Futures mark price, every 3 s (default) or every 1 s. */
  markPrice: (symbol: string, every?: '1s' | '3s'): string => {
    const s = normalizeSymbol(symbol);
    if (every === undefined || every === '3s') return `${s}@markPrice`;
    return `${s}@markPrice@${oneOf(every, ['1s', '3s'] as const, 'markPrice every')}`;
  },
  /** Mini tickers of every symbol that changed: `!miniTicker@arr`. */
  allMiniTickers: (): string => '!miniTicker@arr',
  /**
   * All-market tickers, following Binance's current list per market:
   * - spot: pass a rolling `window` (`'1h'`, `'4h'`, `'1d'`) → `!ticker_1d@arr`. Binance retired
   *   the 24 h `!ticker@arr` on spot on 2026-03-26; subscribing it there is rejected.
   * - USD-M and COIN-M: no window → `!ticker@arr` (the futures 24 h all-market ticker).
   */
  allTickers: (window?: TickerWindow): string => (window === undefined ? '!ticker@arr' : `!ticker_${oneOf(window, ['1h', '4h', '1d'] as const, 'allTickers window')}@arr`),
  /** All-market best bid/ask (futures only; every 5 s on USD-M). */
  allBookTickers: (): string => '!bookTicker',
});

/**
 * Check a user-supplied stream name against the one charset rule and normalise its
 * symbol part to lower case (`BTCUSDT@aggTrade` → `btcusdt@aggTrade`; Binance silently
 * ignores upper-case symbols). Throws `ERR_INVALID_STREAM` naming the bad stream.
 * Whether the market serves that kind is checked by `checkStreamKind` (./catalog.ts).
 */
export function normalizeStreamName(name: unknown): string {
  if (typeof name !== 'string') throw invalidStream(`stream name: expected a string, got ${showValue(name)}`);
  if (name.length === 0) throw invalidStream('stream name must not be empty');
  if (name.length > 200) throw invalidStream(`stream name ${JSON.stringify(`${name.slice(0, 40)}…`)} is too long (at most 200 characters)`);
  if (FORBIDDEN.test(name)) throw invalidStream(`stream name ${JSON.stringify(name)} is invalid: it contains whitespace or one of / ? & # % and quotes`, name);
  const parsed = parseStreamName(name);
  if (!parsed) throw invalidStream(`stream name ${JSON.stringify(name)} is invalid: expected "<symbol>@<type>", e.g. "btcusdt@aggTrade"`, name);
  if (parsed.symbol === undefined) return name;
  const lower = parsed.symbol.toLowerCase();
  return lower === parsed.symbol ? name : lower + name.slice(parsed.symbol.length);
}

/**
 * Accept one stream name or an array of them (what `subscribe()` takes); anything else
 * (null, a number, a Set, an array-like) is `ERR_INVALID_STREAM`.
 */
export function toStreamList(input: unknown, what = 'streams'): readonly unknown[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) return input;
  throw invalidStream(`${what}: expected a stream name or an array of stream names, got ${showValue(input)}`);
}
