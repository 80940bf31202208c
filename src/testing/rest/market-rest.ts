/**
 * Symbol endpoints of the market REST: depth snapshots (the book behind the depth streams),
 * the history endpoints (history-rest.ts) and tickers (`ticker/price`, `ticker/bookTicker`,
 * `ticker/24hr`: the price path, the book, and 24 h of the `@trade` tape).
 */
import type { MarketData } from '../data/market-data';
import type { MarketId } from '../profile';
import { klineRows, tradeRows } from './history-rest';
import type { RestError } from './respond';
import { INVALID_LIMIT, INVALID_SYMBOL, MANDATORY, bad, intParam } from './respond';

const DAY = 86_400_000;
const FUTURES_DEPTH_LIMITS: ReadonlySet<number> = new Set([5, 10, 20, 50, 100, 500, 1000]);
const MEAN_NOTIONAL = (50_000 - 5) / Math.log(50_000 / 5);

export const SYMBOL_ENDPOINTS: ReadonlySet<string> = new Set(['/depth', '/aggTrades', '/trades', '/historicalTrades', '/klines']);
export const TICKER_ENDPOINTS: ReadonlySet<string> = new Set(['/ticker/price', '/ticker/bookTicker', '/ticker/24hr']);

/**
 * Depth `limit` as Binance takes it: spot 1–5000 (default 100; more is cut to 5000, per its docs);
 * futures one of 5/10/20/50/100/500/1000 (default 500): outside 1–1000 `-1130`, another value in
 * range `-4021 "<n> is not valid depth limit"` (both observed on fapi.binance.com, third party).
 */
function depthLimit(market: MarketId, raw: number | undefined): number | RestError {
  if (market === 'spot') {
    if (raw === undefined) return 100;
    return raw < 1 ? INVALID_LIMIT : Math.min(raw, 5000);
  }
  if (raw === undefined) return 500;
  if (raw < 1 || raw > 1000) return INVALID_LIMIT;
  return FUTURES_DEPTH_LIMITS.has(raw) ? raw : bad(-4021, `${raw} is not valid depth limit`);
}

/** `depth`, `aggTrades`, `trades`, `historicalTrades`, `klines` for one symbol. */
export function symbolEndpoint(data: MarketData, market: MarketId, endpoint: string, q: URLSearchParams, now: number, retentionMs: number): unknown {
  const symbolParam = q.get('symbol');
  if (!symbolParam) return MANDATORY('symbol');
  const symbol = symbolParam.toLowerCase();
  if (!data.hasSymbol(symbol)) return INVALID_SYMBOL;
  if (endpoint === '/klines') return klineRows(data, market, symbol, q, now);
  if (endpoint !== '/depth') return tradeRows(data, market, endpoint, symbol, q, now, retentionMs);
  const raw = intParam(q, 'limit');
  if (raw === 'bad') return bad(-1100, 'Illegal characters found in a parameter.');
  const limit = depthLimit(market, raw);
  return typeof limit === 'number' ? (data.depthSnapshot(symbol, limit, now) ?? '{}') : limit;
}

/** The symbols a ticker request names (`symbol`, `symbols` as a JSON array, or every one). */
export function tickerSymbols(data: MarketData, q: URLSearchParams): { list: string[]; single: boolean } | RestError {
  const one = q.get('symbol');
  const many = q.get('symbols');
  let list: string[];
  if (one) list = [one];
  else if (many) {
    try {
      const arr = JSON.parse(many) as unknown;
      if (!Array.isArray(arr) || arr.some((x) => typeof x !== 'string')) throw new TypeError();
      list = arr as string[];
    } catch {
      return bad(-1100, "Illegal characters found in parameter 'symbols'.");
    }
  } else list = [...data.symbols];
  list = list.map((s) => s.toLowerCase());
  return list.every((s) => data.hasSymbol(s)) ? { list, single: !!one } : INVALID_SYMBOL;
}

/**
 * One ticker row. `windowMs` is the statistics window (24 h; spot's rolling `ticker` takes others);
 * `mini` (spot `type=MINI`) leaves out the change and average fields.
 */
export function ticker(data: MarketData, market: MarketId, endpoint: string, symbol: string, now: number, windowMs = DAY, mini = false): Record<string, unknown> {
  const sym = data.symbol(symbol);
  const path = sym && data.history.createPath(sym);
  const book = data.book(symbol);
  if (!sym || !path || !book) return {};
  const S = sym.upper;
  const fut = market !== 'spot';
  if (endpoint === '/ticker/price') return fut ? { symbol: S, price: sym.px(path.at(now)), time: now } : { symbol: S, price: sym.px(path.at(now)) };
  const { bid, ask } = book.best();
  const top = { bidPrice: sym.px(bid[0]), bidQty: sym.qty(bid[1]), askPrice: sym.px(ask[0]), askQty: sym.qty(ask[1]) };
  if (endpoint === '/ticker/bookTicker') return fut ? { symbol: S, ...top, time: now } : { symbol: S, ...top };
  const openTime = Math.max(now - windowMs, data.history.start);
  const tape = data.history.tape(symbol, 'trade');
  const firstId = tape ? tape.nextId(openTime - 1) : 0;
  const count = tape ? tape.nextId(now) - firstId : 0;
  const open = path.at(openTime);
  const last = path.at(now);
  let high = Math.max(open, last);
  let low = Math.min(open, last);
  for (let t = openTime; t < now; t += 60_000) {
    const p = path.at(t);
    if (p > high) high = p;
    if (p < low) low = p;
  }
  const volume = (count * MEAN_NOTIONAL) / (open * sym.tickSize);
  const avg = (open + last) / 2;
  const n8 = (x: number): string => x.toFixed(fut ? 3 : 8);
  const ids = { firstId: count ? firstId : -1, lastId: count ? firstId + count - 1 : -1, count };
  if (endpoint === '/ticker') {
    // Spot's rolling window, in its documented order; MINI leaves out the change and average.
    const change = mini ? {} : { priceChange: sym.px(last - open), priceChangePercent: (((last - open) / open) * 100).toFixed(3), weightedAvgPrice: sym.px(Math.round(avg)) };
    const ohlc = { openPrice: sym.px(open), highPrice: sym.px(high), lowPrice: sym.px(low), lastPrice: sym.px(last) };
    return { symbol: S, ...change, ...ohlc, volume: n8(volume), quoteVolume: n8(volume * avg * sym.tickSize), openTime, closeTime: now, ...ids };
  }
  return {
    symbol: S,
    priceChange: sym.px(last - open),
    priceChangePercent: (((last - open) / open) * 100).toFixed(3),
    weightedAvgPrice: sym.px(Math.round(avg)),
    ...(fut ? {} : { prevClosePrice: sym.px(open) }),
    lastPrice: sym.px(last),
    lastQty: sym.qty(1),
    ...(fut ? {} : top),
    openPrice: sym.px(open),
    highPrice: sym.px(high),
    lowPrice: sym.px(low),
    volume: n8(volume),
    quoteVolume: n8(volume * avg * sym.tickSize),
    openTime,
    closeTime: now,
    ...ids,
  };
}

/** `ticker/price`, `ticker/bookTicker`, `ticker/24hr`: one object for `symbol`, else an array. */
export function tickerEndpoint(data: MarketData, market: MarketId, endpoint: string, q: URLSearchParams, now: number): unknown {
  const which = tickerSymbols(data, q);
  if ('code' in which) return which;
  const rows = which.list.map((s) => ticker(data, market, endpoint, s, now));
  return which.single ? rows[0] : rows;
}
