/**
 * What a stream is: which typed event it feeds, how often Binance updates it, and how
 * long it may stay silent before the client calls it stale. Computed once per stream
 * at subscribe time, never per message.
 */
import type { MarketDataEventName } from './types';

/**
 * The kind of a market-data stream, from its name (`btcusdt@kline_1m` → `kline`, `!miniTicker@arr` → `arr`); `other` for names the client passes through without a typed event.
 */
export type StreamKind = 'aggTrade' | 'trade' | 'kline' | 'continuousKline' | 'bookTicker' | 'depth' | 'partialDepth' | 'miniTicker' | 'ticker' | 'markPrice' | 'arr' | 'other';

/**
 * What the client knows about one stream from its name alone, computed once at subscribe time: its kind, symbol, the typed event it feeds, how often Binance updates it and whether silence can mean it is dead. Given to the pool's sink and to recovery stages with every message.
 */
export interface StreamInfo {
  readonly stream: string;
  readonly kind: StreamKind;
  /** Symbol part (lower case), or undefined for `!…` all-market streams. */
  readonly symbol: string | undefined;
  /** Typed event the client emits for it, if any (`message` is always emitted). */
  readonly event: MarketDataEventName | undefined;
  /** Binance's nominal update period in ms, or undefined where updates are event-driven (trades). */
  readonly cadenceMs: number | undefined;
  /**
   * Binance pushes it every `cadenceMs` whether or not anything changed (partial-book
   * snapshots, mark prices, `!markPrice@arr`, futures `!bookTicker`, average and index prices).
   * False for event-driven streams and for those that may skip a push when nothing traded:
   * trades, bookTicker, diff depth (`@depth@100ms` is pushed at most every 100 ms, and only
   * when the book changed), klines, tickers and their all-market arrays.
   */
  readonly periodic: boolean;
  /**
   * Quiet by nature: Binance pushes it only when something happens (liquidations,
   * `!contractInfo`, block trades), so silence alone never makes it stale (./cadence.ts).
   */
  readonly quiet: boolean;
  /**
   * The fixed per-kind threshold of a standalone socket's connection watch (the pool learns
   * each stream's own, ./cadence.ts). Infinity for quiet streams. See {@link DEFAULT_STALE_AFTER_MS}.
   */
  readonly staleAfterMs: number;
}

/**
 * Kinds Binance pushes on their cadence whatever happens (snapshots and computed prices).
 * Klines, tickers and diff depth of an illiquid symbol can skip pushes when nothing traded or
 * changed, so they are judged like trades: once they have shown themselves busy.
 */
const PERIODIC_KINDS: ReadonlySet<StreamKind> = new Set<StreamKind>(['partialDepth', 'markPrice', 'arr', 'bookTicker', 'other']);

/** Quiet-by-nature streams (pushed only when something happens). */
const QUIET = /^(?:!forceOrder@arr|!contractInfo|[^@]+@forceOrder|[^@]+@blockTrade|tradingSession)$/;

/**
 * Default silence thresholds per stream kind, in ms. Chosen so that a healthy stream is
 * never called stale (several times Binance's update period, with a floor of 5 s, the
 * second field report's threshold) while a dead feed is caught within a minute, not ten.
 * Trade streams of an illiquid symbol can legitimately be quiet, so they get the longest.
 */
export const DEFAULT_STALE_AFTER_MS: Readonly<Record<StreamKind, number>> = Object.freeze({
  aggTrade: 60_000,
  trade: 60_000,
  kline: 30_000,
  continuousKline: 30_000,
  bookTicker: 30_000,
  depth: 10_000,
  partialDepth: 10_000,
  miniTicker: 10_000,
  ticker: 10_000,
  markPrice: 15_000,
  arr: 10_000,
  other: 60_000,
});

function speedSuffix(rest: string): number | undefined {
  const m = /@(\d+)ms$/.exec(rest);
  return m ? Number(m[1]) : undefined;
}

/** Classify a (normalised) stream name. `futures` changes a few cadences. */
export function classifyStream(stream: string, futures = false): StreamInfo {
  const at = stream.indexOf('@');
  const symbol = stream.startsWith('!') || at < 0 ? undefined : stream.slice(0, at);
  const rest = at < 0 ? stream : stream.slice(at + 1);
  let kind: StreamKind = 'other';
  let event: MarketDataEventName | undefined;
  let cadenceMs: number | undefined;

  const quiet = QUIET.test(stream);
  if (quiet) {
    if (stream === '!forceOrder@arr') kind = 'arr';
  } else if (stream.startsWith('!')) {
    if (stream.endsWith('@arr') || rest.includes('@arr')) {
      kind = 'arr';
      cadenceMs = stream.startsWith('!markPrice@arr') && !stream.endsWith('@1s') ? 3000 : 1000;
    } else if (stream === '!bookTicker') {
      kind = 'bookTicker';
      event = 'bookTicker';
      if (futures) cadenceMs = 5000; // futures !bookTicker is a 5 s snapshot, no longer realtime
    }
  } else if (rest === 'aggTrade') {
    kind = 'aggTrade';
    event = 'aggTrade';
  } else if (rest === 'trade') {
    kind = 'trade';
    event = 'trade';
  } else if (rest.startsWith('kline_')) {
    kind = 'kline';
    event = 'kline';
    cadenceMs = futures ? 250 : /^kline_1s(@|$)/.test(rest) ? 1000 : 2000;
  } else if (rest.startsWith('continuousKline_')) {
    kind = 'continuousKline';
    cadenceMs = 250;
  } else if (rest === 'bookTicker' || rest === 'bestBidAsk') {
    // SBE `@bestBidAsk` is spot JSON's bookTicker with an event time (src/streams/sbe/).
    kind = 'bookTicker';
    event = 'bookTicker';
  } else if (/^depth(5|10|20)(@\d+ms)?$/.test(rest)) {
    kind = 'partialDepth';
    event = 'partialDepth';
    cadenceMs = speedSuffix(rest) ?? (futures ? 250 : 1000);
  } else if (/^depth(@\d+ms)?$/.test(rest)) {
    kind = 'depth';
    event = 'depth';
    cadenceMs = speedSuffix(rest) ?? (futures ? 250 : 1000);
  } else if (rest === 'miniTicker') {
    kind = 'miniTicker';
    event = 'miniTicker';
    cadenceMs = futures ? 2000 : 1000;
  } else if (rest === 'ticker') {
    kind = 'ticker';
    event = 'ticker';
    cadenceMs = futures ? 2000 : 1000;
  } else if (/^ticker_\d+[hd]$|^avgPrice$|^referencePrice$|^compositeIndex$|^assetIndex$/.test(rest)) {
    cadenceMs = 1000;
  } else if (rest === 'rpiDepth@500ms') {
    cadenceMs = 500;
  } else if (rest.startsWith('markPrice')) {
    kind = 'markPrice';
    event = 'markPrice';
    cadenceMs = rest.endsWith('@1s') ? 1000 : 3000;
  }
  const periodic = cadenceMs !== undefined && PERIODIC_KINDS.has(kind) && !/^!(?:mini)?ticker/i.test(stream);
  return { stream, kind, symbol, event, cadenceMs, periodic, quiet, staleAfterMs: quiet ? Infinity : DEFAULT_STALE_AFTER_MS[kind] };
}
