/**
 * Which generator serves a stream name, per market (protocol reference §4; the documented list
 * is stream-catalog.ts). A name this market does not publish (unknown kind, unknown symbol,
 * retired stream, wrong market) gets none: it is acknowledged and stays silent, as on Binance.
 */
import type { MarketId } from '../profile';
import { genericSource } from '../streams/flood/plan';
import { assetIndexJson, assetIndexSymbol, blockTradeGenerator, compositeIndexJson, contractInfoNext, forceOrderNext, indexPriceJson, markPriceJson, tradingSessionJson } from './futures-streams';
import type { RareNext } from './futures-streams';
import type { History } from './history';
import { klineGenerator } from './kline-stream';
import { parseTimezoneOffset } from './klines';
import type { OrderBook } from './order-book';
import { parseStream } from './rates';
import type { StreamGenerator } from './stream-generators';
import { bookTickerGenerator, depthGenerator, futuresBookTickerJson } from './stream-generators';
import type { SymbolState } from './symbol-state';
import { tapeGenerator } from './tape-stream';
import { ROLLING_WINDOWS, avgPriceJson, miniTickerJson, referencePriceJson, rollingTickerJson, tickerJson } from './tickers';

/** What the factory reads from the market (MarketData). */
export interface StreamSource {
  readonly market: MarketId;
  readonly seed: number;
  readonly history: History;
  symbol(symbol: string): SymbolState | undefined;
  book(symbol: string): OrderBook | undefined;
  /** Every symbol's state, in `symbols` order. */
  all(): SymbolState[];
  /** Set under `activity: 'realistic'`: the model paces rare streams, each check is an event. */
  readonly activity?: unknown;
}

type Next = (now: number) => string | string[] | undefined;

/** A rare stream: paced checks that seldom fire (always under the activity model); a flood sends checks that fire. */
function rare(stream: string, make: (chance: number | undefined) => RareNext, activity: unknown): StreamGenerator {
  const next = make(activity ? 1 : undefined);
  return { stream, next: (now) => next(now), flood: genericSource((now) => next(now, true)), dispose() {} };
}

const CONTRACT_TYPES = new Set(['perpetual', 'current_quarter', 'next_quarter']);

/** Symbols whose pair (lowercase) is `pair` (COIN-M `btcusd` → `btcusd_perp`…; USD-M `btcusdt` → `btcusdt`). */
function ofPair(src: StreamSource, pair: string): SymbolState[] {
  return src.all().filter((s) => s.pair.toLowerCase() === pair);
}

/** The perpetual behind a continuous-contract pair (`btcusdt_perpetual` → btcusdt; COIN-M `btcusd_…` → btcusd_perp). */
function continuousSymbol(src: StreamSource, name: string): { sym: SymbolState; contractType: string } | undefined {
  const us = name.indexOf('_');
  if (us < 0) return undefined;
  const contractType = name.slice(us + 1);
  if (!CONTRACT_TYPES.has(contractType)) return undefined;
  const sym = ofPair(src, name.slice(0, us)).find((s) => s.upper.endsWith('_PERP') || !s.upper.includes('_'));
  return sym && { sym, contractType };
}

export function createStreamGenerator(src: StreamSource, stream: string): StreamGenerator | undefined {
  const gen = (next: Next | undefined): StreamGenerator | undefined => next && { stream, next, dispose() {} };
  const { symbol, suffix, base, family, tz } = parseStream(stream);
  const market = src.market;
  const fut = market !== 'spot';
  const st = market === 'usdm' ? 1 : market === 'coinm' ? 2 : 0;
  if (symbol === undefined) {
    if (fut && stream === '!forceOrder@arr') return rare(stream, (c) => forceOrderNext(stream, src.seed, () => src.all(), st, true, c), src.activity);
    if (fut && stream === '!contractInfo') return rare(stream, (c) => contractInfoNext(stream, src.seed, () => src.all(), st, c), src.activity);
    return gen(allMarket(src, stream, family, st));
  }

  if (tz !== undefined) {
    // Spot only: `<s>@kline_<i>@+08:00` (the one documented offset).
    const offset = parseTimezoneOffset(tz);
    if (fut || tz !== '+08:00' || offset === undefined || family !== 'kline') return undefined;
    const series = src.history.klines(symbol, base.slice(6), offset);
    return series && klineGenerator(stream, series, { kind: 'kline' });
  }
  if (family === 'continuousKline') {
    if (!fut) return undefined;
    const c = continuousSymbol(src, symbol);
    // Continuous-contract klines also come in `1s` (the only futures kline that does).
    const series = c && src.history.klines(c.sym.symbol, base.slice(16), 0, true);
    return series && c && klineGenerator(stream, series, { kind: 'continuous_kline', contractType: c.contractType });
  }
  if (market === 'coinm' && (family === 'indexPriceKline' || suffix === 'indexPrice' || suffix === 'indexPrice@1s')) {
    const sym = ofPair(src, symbol)[0];
    if (!sym) return undefined;
    if (family !== 'indexPriceKline') return gen((now) => indexPriceJson(sym, now));
    const series = src.history.klines(sym.symbol, base.slice(16));
    return series && klineGenerator(stream, series, { kind: 'indexPrice_kline' });
  }
  if (market === 'usdm' && suffix === 'assetIndex') {
    const sym = src.all().find((s) => assetIndexSymbol(s).toLowerCase() === symbol);
    return sym && gen((now) => assetIndexJson(sym, now));
  }
  const sym = src.symbol(symbol);
  if (!sym) {
    // COIN-M `<pair>@markPrice[@1s]`: every symbol of the pair.
    const pair = market === 'coinm' && (suffix === 'markPrice' || suffix === 'markPrice@1s') ? ofPair(src, symbol) : [];
    return pair.length ? gen((now) => pair.map((s) => markPriceJson(s, now, st))) : undefined;
  }
  return symbolStream(src, stream, sym, suffix, family, st);
}

function symbolStream(src: StreamSource, stream: string, sym: SymbolState, suffix: string, family: string, st: number): StreamGenerator | undefined {
  const gen = (next: Next): StreamGenerator => ({ stream, next, dispose() {} });
  const fut = st > 0;
  const symbol = sym.symbol;
  switch (suffix) {
    case 'aggTrade':
    case 'trade': {
      const tape = src.history.tape(symbol, suffix);
      return tape && tapeGenerator(stream, tape, st);
    }
    case 'bookTicker': {
      const book = src.book(symbol);
      return book && bookTickerGenerator(stream, sym, book, st);
    }
    case 'miniTicker':
      return gen((now) => miniTickerJson(sym, now, st));
    case 'ticker':
      return gen((now) => tickerJson(sym, now, st));
    case 'avgPrice':
      return fut ? undefined : gen((now) => avgPriceJson(sym, now));
    case 'referencePrice':
      return fut ? undefined : gen((now) => referencePriceJson(sym, now));
    case 'blockTrade':
      return fut ? undefined : blockTradeGenerator(stream, src.seed, sym, src.activity ? 1 : undefined);
    case 'markPrice':
    case 'markPrice@1s':
      return fut ? gen((now) => markPriceJson(sym, now, st)) : undefined;
    case 'forceOrder':
      return fut ? rare(stream, (c) => forceOrderNext(stream, src.seed, () => [sym], st, false, c), src.activity) : undefined;
    case 'compositeIndex':
      return st === 1 ? gen((now) => compositeIndexJson(sym, src.all(), now)) : undefined;
    default:
      break;
  }
  if (family === 'rollingTicker') {
    const tape = src.history.tape(symbol, 'trade');
    const path = src.history.createPath(sym);
    const w = suffix.slice(7);
    return fut || !tape || !(w in ROLLING_WINDOWS) ? undefined : gen((now) => rollingTickerJson({ sym, path, tape }, w, now));
  }
  if (family === 'kline' || (st === 2 && family === 'markPriceKline')) {
    const series = src.history.klines(symbol, suffix.slice(suffix.indexOf('_') + 1));
    return series && klineGenerator(stream, series, { kind: family === 'kline' ? 'kline' : 'markPrice_kline' });
  }
  return depthGenerator(stream, suffix, sym, () => src.book(symbol), st);
}

function allMarket(src: StreamSource, stream: string, family: string, st: number): Next | undefined {
  const fut = st > 0;
  const arr =
    (f: (s: SymbolState, now: number) => string): Next =>
    (now) => {
      let out = '[';
      let first = true;
      for (const s of src.all()) {
        s.step();
        out += (first ? '' : ',') + f(s, now);
        first = false;
      }
      return out + ']';
    };
  if (family === '!rollingTicker@arr') {
    if (fut) return undefined;
    const w = stream.slice(8, 10);
    return arr((s, now) => rollingTickerJson({ sym: s, path: src.history.createPath(s), tape: src.history.tape(s.symbol, 'trade')! }, w, now));
  }
  switch (stream) {
    case '!miniTicker@arr':
      return arr((s, now) => miniTickerJson(s, now, st));
    case '!ticker@arr':
      // Retired on spot (2026-03-26).
      return fut ? arr((s, now) => tickerJson(s, now, st)) : undefined;
    case '!markPrice@arr':
    case '!markPrice@arr@1s':
      return fut ? arr((s, now) => markPriceJson(s, now, st)) : undefined;
    case '!assetIndex@arr':
      return st === 1 ? arr((s, now) => assetIndexJson(s, now)) : undefined;
    case 'tradingSession':
      return st === 1 ? (now) => tradingSessionJson(now) : undefined;
    case '!bookTicker':
      if (!fut) return undefined;
      return (now) =>
        src.all().map((s) => {
          const book = src.book(s.symbol);
          if (!book) return '{}';
          book.mutate();
          return futuresBookTickerJson(s, book, now, book.updateId, st);
        });
    default:
      return undefined;
  }
}
