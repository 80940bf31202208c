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
};

/** The realistic default rates (msgs/s) of a market, by kind key. */
export function defaultRates(market: MarketId): RateTable {
  return market === 'spot' ? SPOT_RATES : FUTURES_RATES;
}

/** `btcusdt@depth20@100ms` → `{ symbol: 'btcusdt', suffix: 'depth20@100ms', family: 'depthN@100ms' }`. */
export function parseStream(stream: string): { symbol: string | undefined; suffix: string; family: string } {
  if (stream.startsWith('!')) return { symbol: undefined, suffix: stream, family: stream };
  const at = stream.indexOf('@');
  if (at < 0) return { symbol: undefined, suffix: stream, family: stream };
  const symbol = stream.slice(0, at);
  const suffix = stream.slice(at + 1);
  let family = suffix;
  if (suffix.startsWith('kline_')) family = 'kline';
  else {
    const m = /^depth(5|10|20)(@\d+ms)?$/.exec(suffix);
    if (m) family = `depthN${m[2] ?? ''}`;
  }
  return { symbol, suffix, family };
}
