/**
 * Which market-data streams each market serves (Binance's lists as of late 2026, see
 * the protocol reference §4), so a mistyped name fails at `subscribe()` with the bad
 * part named instead of being acknowledged by Binance and delivering nothing.
 * `allowUnknownStreams` (a client option) is the escape hatch for streams newer than
 * this library: the charset rule still applies, the kind check does not.
 */
import type { MarketId } from '../core/markets';
import { invalidStream } from './names';
import { parseStreamName } from './parse';
import { SBE_STREAM_KINDS } from './sbe/schema';

const SPOT_INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'] as const;
/** Futures klines have no `1s` (continuous klines do). */
const FUTURES_INTERVALS = SPOT_INTERVALS.slice(1);

interface KindRule {
  /** How the kind reads in messages (`kline_<interval>`). */
  readonly label: string;
  /** The kind without its inline parameter (`kline` for `kline_1m`, `depth` for `depth20`). */
  readonly base: string;
  /** Allowed inline parameters (`kline_<p>`, `depth<p>`); undefined: none. */
  readonly params?: readonly string[];
  /** How the parameter is joined to the base. @default '_' */
  readonly join?: '' | '_';
  /** Allowed suffixes after `@`; undefined: none. */
  readonly suffixes?: readonly string[];
  /** The suffix may be left out. @default true */
  readonly suffixOptional?: boolean;
  /** What the parameter is called in messages. @default 'parameter' */
  readonly paramName?: string;
}

const exact = (...names: string[]): KindRule[] => names.map((n) => ({ label: n, base: n }));
const kline = (base: string, intervals: readonly string[], suffixes?: readonly string[]): KindRule => ({
  label: `${base}_<interval>`,
  base,
  params: intervals,
  paramName: 'interval',
  ...(suffixes ? { suffixes } : {}),
});
const depth = (speeds: readonly string[]): KindRule[] => [
  { label: 'depth', base: 'depth', suffixes: speeds },
  { label: 'depth<5|10|20>', base: 'depth', params: ['5', '10', '20'], join: '', paramName: 'levels', suffixes: speeds },
];
const arr = (base: string, extra: readonly string[] = []): KindRule => ({ label: `${base}@arr`, base, suffixes: ['arr', ...extra], suffixOptional: false });

interface MarketCatalog {
  readonly symbol: readonly KindRule[];
  readonly allMarket: readonly KindRule[];
  /** All-market names Binance retired on this market, with what to use instead. */
  readonly retired: Readonly<Record<string, string>>;
}

const FUTURES_COMMON: readonly KindRule[] = [
  ...exact('aggTrade', 'miniTicker', 'ticker', 'bookTicker', 'forceOrder'),
  { label: 'markPrice', base: 'markPrice', suffixes: ['1s'] },
  kline('kline', FUTURES_INTERVALS),
  kline('continuousKline', SPOT_INTERVALS),
];
const FUTURES_ALL: readonly KindRule[] = [arr('!miniTicker'), arr('!ticker'), arr('!forceOrder'), arr('!markPrice', ['arr@1s']), ...exact('!bookTicker', '!contractInfo')];

/**
 * The stream names each market serves (per-symbol kinds with their allowed intervals, levels and speeds, all-market streams), and the ones Binance retired there with what to use instead. `subscribe()` checks names against it unless `allowUnknownStreams` is set.
 */
export const STREAM_CATALOG: Readonly<Record<MarketId, MarketCatalog>> = Object.freeze({
  spot: {
    symbol: [
      ...exact('aggTrade', 'trade', 'blockTrade', 'miniTicker', 'ticker', 'bookTicker', 'avgPrice', 'referencePrice'),
      { label: 'ticker_<1h|4h|1d>', base: 'ticker', params: ['1h', '4h', '1d'], paramName: 'window' },
      kline('kline', SPOT_INTERVALS, ['+08:00']),
      ...depth(['100ms', '1000ms']),
    ],
    allMarket: [arr('!miniTicker'), { label: '!ticker_<1h|4h|1d>@arr', base: '!ticker', params: ['1h', '4h', '1d'], paramName: 'window', suffixes: ['arr'], suffixOptional: false }],
    retired: {
      '!ticker@arr': 'retired on spot on 2026-03-26: use a rolling window, streams.allTickers("1d") → "!ticker_1d@arr", or "!miniTicker@arr"',
      '!bookTicker': 'removed from spot in December 2022: subscribe "<symbol>@bookTicker" per symbol',
    },
  },
  usdm: {
    symbol: [
      ...FUTURES_COMMON,
      ...exact('trade', 'compositeIndex', 'assetIndex'),
      ...depth(['100ms', '250ms', '500ms']),
      { label: 'rpiDepth@500ms', base: 'rpiDepth', suffixes: ['500ms'], suffixOptional: false },
    ],
    allMarket: [...FUTURES_ALL, arr('!assetIndex'), ...exact('tradingSession')],
    retired: {},
  },
  coinm: {
    symbol: [
      ...FUTURES_COMMON,
      // `<pair>@markPrice[@1s]` (every symbol of the pair) is the markPrice rule above; Binance documents no `@markPrice@arr` on COIN-M.
      { label: 'indexPrice', base: 'indexPrice', suffixes: ['1s'] },
      kline('indexPriceKline', FUTURES_INTERVALS),
      kline('markPriceKline', FUTURES_INTERVALS),
      ...depth(['100ms', '250ms', '500ms']),
    ],
    allMarket: FUTURES_ALL,
    retired: {},
  },
});

function splitKind(rule: KindRule, kind: string): { ok: boolean; param?: string } {
  if (!rule.params) return { ok: kind === rule.base };
  const sep = rule.join ?? '_';
  if (!kind.startsWith(rule.base + sep) || kind.length === rule.base.length + sep.length) return { ok: false };
  return { ok: true, param: kind.slice(rule.base.length + sep.length) };
}

/** `market|!|kind|suffix` of stream kinds already found valid (bounded). */
const VALID_KINDS = new Set<string>();

/**
 * Throw `ERR_INVALID_STREAM` unless `market` serves `name` (already charset-checked by
 * `normalizeStreamName`), naming the bad part: an unknown kind, interval, depth level,
 * speed, or a stream Binance retired there.
 */
export function checkStreamKind(name: string, market: MarketId, allowUnknown = false): void {
  if (allowUnknown) return;
  const catalog = STREAM_CATALOG[market];
  const retired = catalog.retired[name];
  if (retired) throw invalidStream(`stream ${JSON.stringify(name)} is not served on ${market}: ${retired}`, name);
  const parsed = parseStreamName(name);
  if (!parsed) throw invalidStream(`stream ${JSON.stringify(name)} is invalid: expected "<symbol>@<type>"`, name);
  // A kind found valid once is valid for every symbol (10,000 subscriptions check a few kinds once each).
  const key = `${market}|${parsed.symbol === undefined ? '!' : ''}|${parsed.kind}|${parsed.suffix ?? ''}`;
  if (VALID_KINDS.has(key)) return;
  if (VALID_KINDS.size >= 4096) VALID_KINDS.clear();
  const rules = parsed.symbol === undefined ? catalog.allMarket : catalog.symbol;
  const candidates = rules.map((r) => ({ r, m: splitKind(r, parsed.kind) })).filter((c) => c.m.ok);
  if (!candidates.length) {
    const what = parsed.symbol === undefined ? `unknown all-market stream ${JSON.stringify(parsed.kind)}` : `unknown stream type ${JSON.stringify(parsed.kind)}`;
    throw invalidStream(
      `stream ${JSON.stringify(name)}: ${what} on ${market} (known: ${rules.map((r) => r.label).join(', ')}); for a stream newer than this library set the client option allowUnknownStreams`,
      name,
    );
  }
  const problems: string[] = [];
  for (const { r, m } of candidates) {
    if (m.param !== undefined && !r.params?.includes(m.param)) {
      problems.push(`${r.paramName ?? 'parameter'} ${JSON.stringify(m.param)} is not valid for ${r.base} on ${market} (expected one of ${r.params?.join(', ')})`);
      continue;
    }
    if (parsed.suffix === undefined) {
      if (r.suffixes && r.suffixOptional === false) problems.push(`${r.label} needs "@${r.suffixes.join('" or "@')}"`);
      else return void VALID_KINDS.add(key);
      continue;
    }
    if (!r.suffixes?.includes(parsed.suffix)) {
      problems.push(`"@${parsed.suffix}" is not valid after ${parsed.kind} on ${market} (${r.suffixes ? `expected "@${r.suffixes.join('" or "@')}"` : 'no suffix expected'})`);
      continue;
    }
    return void VALID_KINDS.add(key);
  }
  throw invalidStream(`stream ${JSON.stringify(name)}: ${problems[0]}`, name);
}

/** Throw `ERR_INVALID_STREAM` unless Binance's SBE streams (`encoding: 'sbe'`, spot) serve `name`: `<symbol>@trade|bestBidAsk|depth|depth20`. */
export function checkSbeStream(name: string, allowUnknown = false): void {
  if (allowUnknown) return;
  const parsed = parseStreamName(name);
  if (parsed?.symbol !== undefined && parsed.suffix === undefined && SBE_STREAM_KINDS.includes(parsed.kind)) return;
  throw invalidStream(`stream ${JSON.stringify(name)} is not served by Binance's SBE streams (encoding: 'sbe' carries only <symbol>@${SBE_STREAM_KINDS.join(', @')})`, name);
}
