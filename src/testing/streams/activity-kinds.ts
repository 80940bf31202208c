/**
 * What the activity model (activity.ts) knows of Binance's streams and symbols: how each
 * stream's events arrive and at what update speed (protocol reference §4.1, §4.2), and how
 * liquid a symbol is (a Zipf rank for the majors, a seeded log-normal draw for the long tail).
 */
import { defaultRates } from '../data/rates';
import { hashString } from '../data/rng';
import type { MarketId } from '../profile';

/**
 * How a stream's events arrive:
 * - `event`: when something happens (trades, bookTicker, liquidations): Poisson-like;
 * - `depth`: diff depth, pushed at its update speed only when the book changed;
 * - `traded`: klines and tickers, at their cadence, skipped when the symbol did not trade;
 * - `periodic`: at their cadence whatever happens (markPrice, avgPrice, partial depth, arrays).
 */
export type StreamPattern = 'event' | 'depth' | 'traded' | 'periodic';

export interface StreamKind {
  readonly pattern: StreamPattern;
  /** Update speed in ms (0 for `event` streams). */
  readonly periodMs: number;
  /** The model's base rate when none is given: msgs/s on the most liquid symbol, or at the update speed. */
  readonly defaultRate: number;
  /** The symbol whose liquidity drives the stream (undefined: an all-market stream). */
  readonly symbol: string | undefined;
}

/** Rare event streams: msgs/s on the most liquid symbol (or market-wide). */
const RARE: Readonly<Record<string, number>> = {
  forceOrder: 1 / 120,
  blockTrade: 1 / 900,
  '!forceOrder@arr': 1 / 60,
  '!contractInfo': 1 / 7200,
};

/** All-market periodic streams and their update speed (ms); unlisted `!…` streams: 1000. */
const ALL_MARKET_MS: Readonly<Record<string, number>> = {
  '!markPrice@arr': 3000,
  '!bookTicker': 5000,
};

const kind = (pattern: StreamPattern, periodMs: number, defaultRate: number, symbol: string | undefined): StreamKind => ({ pattern, periodMs, defaultRate, symbol });

/** The arrival pattern and update speed of a stream on a market. */
export function classifyStream(market: MarketId, stream: string): StreamKind {
  const fut = market !== 'spot';
  if (stream.startsWith('!')) {
    const rare = RARE[stream];
    if (rare !== undefined) return kind('event', 0, rare, undefined);
    const ms = ALL_MARKET_MS[stream] ?? 1000;
    return kind('periodic', ms, 1000 / ms, undefined);
  }
  const at = stream.indexOf('@');
  const symbol = at < 0 ? undefined : stream.slice(0, at);
  const suffix = at < 0 ? stream : stream.slice(at + 1);
  const depth = /^(?:rpiD|d)epth(5|10|20)?(?:@(\d+)ms)?$/.exec(suffix);
  if (depth) {
    const ms = depth[2] ? Number(depth[2]) : fut ? 250 : 1000;
    return kind(depth[1] ? 'periodic' : 'depth', ms, 1000 / ms, symbol);
  }
  if (suffix.startsWith('kline_') || suffix.startsWith('continuousKline_')) {
    const ms = fut ? 250 : suffix.startsWith('kline_1s') ? 1000 : 2000;
    return kind('traded', ms, 1000 / ms, symbol);
  }
  const rare = RARE[suffix];
  if (rare !== undefined) return kind('event', 0, rare, symbol);
  switch (suffix) {
    case 'miniTicker':
    case 'ticker':
      return kind('traded', fut ? 2000 : 1000, fut ? 0.5 : 1, symbol);
    case 'ticker_1h':
    case 'ticker_4h':
    case 'ticker_1d':
      return kind('traded', 1000, 1, symbol);
    case 'markPrice':
      return kind('periodic', 3000, 1 / 3, symbol);
    case 'markPrice@1s':
    case 'avgPrice':
    case 'referencePrice':
    case 'compositeIndex':
    case 'assetIndex':
      return kind('periodic', 1000, 1, symbol);
    default:
      return kind('event', 0, defaultRates(market)[suffix] ?? 1, symbol);
  }
}

/** Base assets by liquidity rank (1 = btc): level = rank^-ZIPF_EXPONENT. */
const MAJORS = ['btc', 'eth', 'sol', 'xrp', 'bnb', 'doge', 'sui', 'ada', 'trx', 'link', 'pepe', 'avax', 'ltc', 'bch', 'ton', 'dot', 'near', 'uni', 'apt', 'arb', 'op', 'fil', 'atom', 'etc', 'shib'];
const ZIPF_EXPONENT = 1.1;
/** Quote assets and how much of the base asset's activity a pair on them gets (others: 0.05). */
const QUOTES: readonly (readonly [string, number])[] = [
  ['usd_perp', 1],
  ['usdt', 1],
  ['usdc', 0.3],
  ['fdusd', 0.3],
  ['btc', 0.1],
  ['eth', 0.05],
  ['bnb', 0.05],
];
/** Long tail: log10(level) ~ Normal(TAIL_MU, TAIL_SIGMA), clamped to [TAIL_MIN, TAIL_MAX]. */
const TAIL_MU = -3;
const TAIL_SIGMA = 0.6;
const TAIL_MIN = -5;
const TAIL_MAX = -1.6;

/**
 * A symbol's liquidity: 1 for btcusdt, rank^-1.1 for the majors (ethusdt 0.47, the 25th 0.029),
 * 10^Normal(-3, 0.6) in [1e-5, 0.025] for every other base asset (seeded by the name), times
 * the quote's share (USDT and COIN-M perpetuals 1, USDC/FDUSD 0.3, BTC 0.1, dated futures 0.1, others 0.05).
 */
export function liquidityLevel(symbol: string, seed: number): number {
  let base = symbol;
  let share = 0.05;
  const dated = /^([a-z0-9]+)usd_\d{6}$/.exec(symbol);
  if (dated) {
    base = dated[1] ?? symbol;
    share = 0.1;
  } else {
    for (const [quote, s] of QUOTES) {
      if (symbol.length > quote.length && symbol.endsWith(quote)) {
        base = symbol.slice(0, -quote.length);
        share = s;
        break;
      }
    }
  }
  const rank = MAJORS.indexOf(base);
  if (rank >= 0) return share * (rank + 1) ** -ZIPF_EXPONENT;
  // Box-Muller on two hashes of the name: the same symbol and seed, the same level.
  const u1 = ((hashString(symbol, seed) >>> 0) + 0.5) / 4294967296;
  const u2 = (hashString(`${symbol}#level`, seed) >>> 0) / 4294967296;
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return share * 10 ** Math.min(TAIL_MAX, Math.max(TAIL_MIN, TAIL_MU + TAIL_SIGMA * z));
}
