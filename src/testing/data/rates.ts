/** Default generation rates per stream kind, and how a stream name maps to its rate keys. */
import type { MarketId } from '../profile';
import type { RateTable } from '../options';

const SPOT_RATES: RateTable = {
  aggTrade: 10,
  trade: 10,
  bookTicker: 20,
  depth: 1,
  'depth@100ms': 10,
  'depth@1000ms': 1,
  depthN: 1,
  'depthN@100ms': 10,
  'depthN@1000ms': 1,
  kline: 0.5,
  kline_1s: 1,
  miniTicker: 1,
  ticker: 1,
  avgPrice: 1,
  referencePrice: 1,
  /** `<s>@ticker_<1h|4h|1d>` */
  rollingTicker: 1,
  /** `!ticker_<1h|4h|1d>@arr` */
  '!rollingTicker@arr': 1,
  /** Checks per second; a block trade is rare (data/futures-streams.ts). */
  blockTrade: 1,
  '!miniTicker@arr': 1,
};

const FUTURES_RATES: RateTable = {
  aggTrade: 10,
  trade: 10,
  bookTicker: 20,
  depth: 4,
  'depth@100ms': 10,
  'depth@250ms': 4,
  'depth@500ms': 2,
  depthN: 4,
  'depthN@100ms': 10,
  'depthN@250ms': 4,
  'depthN@500ms': 2,
  kline: 4,
  markPrice: 1 / 3,
  'markPrice@1s': 1,
  miniTicker: 0.5,
  ticker: 0.5,
  '!markPrice@arr': 1 / 3,
  '!markPrice@arr@1s': 1,
  '!miniTicker@arr': 1,
  '!ticker@arr': 1,
  '!bookTicker': 0.2,
  continuousKline: 4,
  /** Checks per second (a 1 s liquidation snapshot); liquidations themselves are rare (data/futures-streams.ts). */
  forceOrder: 1,
  '!forceOrder@arr': 1,
  /** Checks per second; a contract-info change is rare. */
  '!contractInfo': 1,
  compositeIndex: 1,
  assetIndex: 1,
  '!assetIndex@arr': 1,
  'rpiDepth@500ms': 2,
  tradingSession: 1,
};

/** COIN-M: tickers every 500 ms, index price 3 s / 1 s, mark and index klines 250 ms. */
const COINM_RATES: RateTable = {
  ...FUTURES_RATES,
  miniTicker: 2,
  ticker: 2,
  indexPrice: 1 / 3,
  'indexPrice@1s': 1,
  indexPriceKline: 4,
  markPriceKline: 4,
};

/** The realistic default rates (msgs/s) of a market, by kind key. */
export function defaultRates(market: MarketId): RateTable {
  return market === 'spot' ? SPOT_RATES : market === 'coinm' ? COINM_RATES : FUTURES_RATES;
}

/** Interval-suffixed kinds whose rate key is the kind alone (`continuousKline_1m` → `continuousKline`). */
const INTERVAL_KINDS = ['kline_', 'continuousKline_', 'indexPriceKline_', 'markPriceKline_'];

/**
 * `btcusdt@depth20@100ms` → `{ symbol: 'btcusdt', suffix: 'depth20@100ms', family: 'depthN@100ms' }`;
 * `btcusdt@kline_1d@+08:00` → suffix `kline_1d@+08:00`, base `kline_1d`, family `kline`, tz `+08:00`;
 * `btcusdt@ticker_1h` → family `rollingTicker`, `!ticker_4h@arr` → family `!rollingTicker@arr`.
 */
export function parseStream(stream: string): { symbol: string | undefined; suffix: string; base: string; family: string; tz: string | undefined } {
  if (stream.startsWith('!')) {
    const family = /^!ticker_(1h|4h|1d)@arr$/.test(stream) ? '!rollingTicker@arr' : stream;
    return { symbol: undefined, suffix: stream, base: stream, family, tz: undefined };
  }
  const at = stream.indexOf('@');
  if (at < 0) return { symbol: undefined, suffix: stream, base: stream, family: stream, tz: undefined };
  const symbol = stream.slice(0, at);
  const suffix = stream.slice(at + 1);
  const tzm = /@([+-]\d{2}:\d{2})$/.exec(suffix);
  const tz = tzm?.[1];
  const base = tz ? suffix.slice(0, -tz.length - 1) : suffix;
  let family = base;
  const kind = INTERVAL_KINDS.find((k) => base.startsWith(k));
  if (kind) family = kind.slice(0, -1);
  else if (/^ticker_(1h|4h|1d)$/.test(base)) family = 'rollingTicker';
  else {
    const m = /^depth(5|10|20)(@\d+ms)?$/.exec(base);
    if (m) family = `depthN${m[2] ?? ''}`;
  }
  return { symbol, suffix, base, family, tz };
}
