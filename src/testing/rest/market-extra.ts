/**
 * The other read-only market endpoints peers call at startup, from the same price path, book and
 * tapes as the streams:
 * - spot `avgPrice` (mean of the last 5 minutes of the price path), the rolling-window `ticker`
 *   (`windowSize` 1m–59m, 1h–23h, 1d–7d, default 1d) and `ticker/tradingDay` (since the start of
 *   the day in `timeZone`, default UTC), both `type` FULL or MINI with `symbol` or up to 100
 *   `symbols` required, and `uiKlines` (= `klines`, as Binance documents it for charts);
 * - futures `premiumIndex` (mark, index and estimated settle price around the price path, the
 *   funding rate the `@markPrice` stream states, next funding at the next 8-hour mark).
 */
import type { MarketData } from '../data/market-data';
import type { MarketId } from '../profile';
import { tickerSymbols, ticker } from './market-rest';
import type { RestError } from './respond';
import { INVALID_SYMBOL, bad } from './respond';

const MINUTE = 60_000;
const EIGHT_HOURS = 28_800_000;

export const SPOT_EXTRA: ReadonlySet<string> = new Set(['/avgPrice', '/ticker', '/ticker/tradingDay']);
export const FUTURES_EXTRA: ReadonlySet<string> = new Set(['/premiumIndex']);

/** `windowSize` in ms, or undefined when not one of Binance's (1m–59m, 1h–23h, 1d–7d). */
export function windowSizeMs(raw: string | null): number | undefined {
  if (raw === null || raw === '') return 1440 * MINUTE;
  const m = /^(\d{1,2})([mhd])$/.exec(raw);
  if (!m) return undefined;
  const n = Number(m[1]);
  const max = m[2] === 'm' ? 59 : m[2] === 'h' ? 23 : 7;
  if (n < 1 || n > max) return undefined;
  return n * (m[2] === 'm' ? MINUTE : m[2] === 'h' ? 60 * MINUTE : 1440 * MINUTE);
}

function avgPrice(data: MarketData, q: URLSearchParams, now: number): object | RestError {
  const s = q.get('symbol');
  if (!s) return bad(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  const sym = data.symbol(s.toLowerCase());
  if (!sym) return INVALID_SYMBOL;
  const path = data.history.createPath(sym);
  const from = Math.max(now - 5 * MINUTE, data.history.start);
  let sum = 0;
  let n = 0;
  for (let t = from; t <= now; t += 1000, n++) sum += path.at(t);
  return { mins: 5, price: sym.px(Math.round(sum / Math.max(1, n))), closeTime: now };
}

/** `timeZone` of `ticker/tradingDay` as an offset in ms (`0`, `8`, `-1:00`, `05:45`; -12:00 to +14:00), or undefined. */
export function timeZoneMs(raw: string | null): number | undefined {
  if (raw === null || raw === '') return 0;
  const m = /^([+-]?)(\d{1,2})(?::(\d{2}))?$/.exec(raw);
  if (!m) return undefined;
  const mins = (Number(m[2]) * 60 + Number(m[3] ?? 0)) * (m[1] === '-' ? -1 : 1);
  return mins < -12 * 60 || mins > 14 * 60 || Number(m[3] ?? 0) > 59 ? undefined : mins * MINUTE;
}

/** The window of `ticker` (`windowSize`) or `ticker/tradingDay` (since the start of the day in `timeZone`). */
function windowOf(endpoint: string, q: URLSearchParams, now: number): number | RestError {
  if (endpoint === '/ticker') {
    const w = windowSizeMs(q.get('windowSize'));
    return w ?? bad(-1100, "Illegal characters found in parameter 'windowSize'; legal range is '1m-59m, 1h-23h, 1d-7d'.");
  }
  const tz = timeZoneMs(q.get('timeZone'));
  if (tz === undefined) return bad(-1100, "Illegal characters found in parameter 'timeZone'; legal range is '-12:00 to +14:00'.");
  const DAY = 1440 * MINUTE;
  const local = now + tz;
  return local - Math.floor(local / DAY) * DAY;
}

function rollingTicker(data: MarketData, endpoint: string, q: URLSearchParams, now: number): unknown {
  if (!q.get('symbol') && !q.get('symbols')) return bad(-1102, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!");
  const windowMs = windowOf(endpoint, q, now);
  if (typeof windowMs !== 'number') return windowMs;
  const type = q.get('type') ?? 'FULL';
  if (type !== 'FULL' && type !== 'MINI') return bad(-1100, "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'.");
  const which = tickerSymbols(data, q);
  if ('code' in which) return which;
  if (which.list.length > 100) return bad(-1101, "Too many values sent for parameter 'symbols', maximum allowed up to 100.");
  const rows = which.list.map((s) => ticker(data, 'spot', '/ticker', s, now, windowMs, type === 'MINI'));
  return which.single ? rows[0] : rows;
}

function premiumRow(data: MarketData, market: MarketId, symbol: string, now: number): Record<string, unknown> {
  const sym = data.symbol(symbol);
  if (!sym) return {};
  const m = data.history.createPath(sym).at(now);
  return {
    symbol: sym.upper,
    ...(market === 'coinm' ? { pair: sym.pair } : {}),
    markPrice: sym.px(m),
    indexPrice: sym.px(m - sym.stepTicks),
    estimatedSettlePrice: sym.px(m + sym.stepTicks),
    lastFundingRate: '0.00010000',
    interestRate: '0.00010000',
    nextFundingTime: Math.floor(now / EIGHT_HOURS) * EIGHT_HOURS + EIGHT_HOURS,
    time: now,
  };
}

function premiumIndex(data: MarketData, market: MarketId, q: URLSearchParams, now: number): unknown {
  const one = q.get('symbol');
  // COIN-M also takes `pair` (every contract of the pair) and always answers an array.
  const pair = market === 'coinm' ? q.get('pair') : null;
  if (one && !data.hasSymbol(one.toLowerCase())) return INVALID_SYMBOL;
  let list = one ? [one.toLowerCase()] : [...data.symbols];
  if (pair) list = list.filter((s) => data.symbol(s)?.pair === pair.toUpperCase());
  const rows = list.map((s) => premiumRow(data, market, s, now));
  return one && market === 'usdm' ? rows[0] : rows;
}

/** Answer one of the endpoints above (`SPOT_EXTRA` on spot, `FUTURES_EXTRA` on futures). */
export function extraEndpoint(data: MarketData, market: MarketId, endpoint: string, q: URLSearchParams, now: number): unknown {
  if (endpoint === '/avgPrice') return avgPrice(data, q, now);
  if (endpoint === '/ticker' || endpoint === '/ticker/tradingDay') return rollingTicker(data, endpoint, q, now);
  return premiumIndex(data, market, q, now);
}
