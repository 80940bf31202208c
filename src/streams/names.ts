/**
 * Stream-name builders and validation. Builders lower-case the symbol, validate every
 * argument and throw a TypeError (wrong type) or RangeError (bad value) naming it.
 */
import type { KlineInterval } from './types';

export const KLINE_INTERVALS: readonly KlineInterval[] = Object.freeze([
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
]);

const INTERVAL_SET: ReadonlySet<string> = new Set(KLINE_INTERVALS);

/** Characters that can never be part of a stream name (they break the URL or the combined path). */
const FORBIDDEN = /[\s/?&#%"'\\<>{}|^`]/;

/** Validate and lower-case a symbol. Symbols may be non-ASCII (Binance lists UTF-8 symbols). */
export function normalizeSymbol(symbol: unknown, what = 'symbol'): string {
  if (typeof symbol !== 'string') {
    throw new TypeError(`${what} must be a string, got ${symbol === null ? 'null' : typeof symbol}`);
  }
  if (symbol.length === 0 || symbol.length > 40) {
    throw new RangeError(`${what} ${JSON.stringify(symbol)} is invalid: expected 1 to 40 characters`);
  }
  if (FORBIDDEN.test(symbol) || symbol.includes('@') || symbol.startsWith('!')) {
    throw new RangeError(`${what} ${JSON.stringify(symbol)} is invalid: it contains a character not allowed in a stream name`);
  }
  return symbol.toLowerCase();
}

export function assertInterval(interval: unknown): KlineInterval {
  if (typeof interval !== 'string') throw new TypeError(`interval must be a string, got ${typeof interval}`);
  if (!INTERVAL_SET.has(interval)) {
    throw new RangeError(`interval ${JSON.stringify(interval)} is invalid: expected one of ${KLINE_INTERVALS.join(', ')}`);
  }
  return interval as KlineInterval;
}

function oneOf<T extends string | number>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${what} ${JSON.stringify(value)} is invalid: expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export type DepthSpeed = 100 | 250 | 500 | 1000;
export type DepthLevels = 5 | 10 | 20;

/**
 * Builders: `streams.kline('BTCUSDT', '1h')` → `btcusdt@kline_1h`.
 * The depth speed suffix is omitted for Binance's default speed (1000 ms spot, 250 ms futures).
 */
export const streams = Object.freeze({
  aggTrade: (symbol: string): string => `${normalizeSymbol(symbol)}@aggTrade`,
  trade: (symbol: string): string => `${normalizeSymbol(symbol)}@trade`,
  kline: (symbol: string, interval: KlineInterval): string => `${normalizeSymbol(symbol)}@kline_${assertInterval(interval)}`,
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
  miniTicker: (symbol: string): string => `${normalizeSymbol(symbol)}@miniTicker`,
  ticker: (symbol: string): string => `${normalizeSymbol(symbol)}@ticker`,
  /** Futures mark price, every 3 s (default) or every 1 s. */
  markPrice: (symbol: string, every?: '1s' | '3s'): string => {
    const s = normalizeSymbol(symbol);
    if (every === undefined || every === '3s') return `${s}@markPrice`;
    return `${s}@markPrice@${oneOf(every, ['1s', '3s'] as const, 'markPrice every')}`;
  },
  allMiniTickers: (): string => '!miniTicker@arr',
  allTickers: (): string => '!ticker@arr',
  allBookTickers: (): string => '!bookTicker',
});

/**
 * Validate a user-supplied stream name and normalise its symbol part to lower case
 * (`BTCUSDT@aggTrade` → `btcusdt@aggTrade`; Binance silently ignores upper-case symbols).
 * Throws TypeError/RangeError naming the bad stream.
 */
export function normalizeStreamName(name: unknown): string {
  if (typeof name !== 'string') {
    throw new TypeError(`stream name must be a string, got ${name === null ? 'null' : typeof name}`);
  }
  if (name.length === 0) throw new RangeError('stream name must not be empty');
  if (name.length > 200) throw new RangeError(`stream name ${JSON.stringify(name.slice(0, 40) + '…')} is too long`);
  if (FORBIDDEN.test(name)) {
    throw new RangeError(`stream name ${JSON.stringify(name)} is invalid: it contains whitespace or one of / ? & # % and quotes`);
  }
  if (name.startsWith('!')) return name;
  const at = name.indexOf('@');
  if (at <= 0 || at === name.length - 1) {
    throw new RangeError(`stream name ${JSON.stringify(name)} is invalid: expected "<symbol>@<type>", e.g. "btcusdt@aggTrade"`);
  }
  const sym = name.slice(0, at);
  const lower = sym.toLowerCase();
  return lower === sym ? name : lower + name.slice(at);
}
