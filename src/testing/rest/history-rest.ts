/**
 * REST over the market's history (data/history.ts): `aggTrades`, `trades`, `historicalTrades`
 * and `klines` answer from the same tapes and kline series the streams send, so a client that
 * missed events backfills exactly what the stream would have carried, with the same ids.
 *
 * Binance's rules: aggTrades `limit` default 500, max 1000; `fromId` wins over a time range; a
 * range with `startTime` returns its oldest events first; futures refuse `startTime`/`endTime`
 * more than 1 hour apart (`-1127`, documented; a third-party probe saw USD-M accept 2 h) and a
 * `startTime` older than the window (`-4166`, measured for USD-M's 2 days); spot serves what the
 * window holds. klines `limit` default 500, max 1000 (spot, more is cut) / 1500 (futures, more is
 * `-1130`); COIN-M returns the newest `limit` of a range.
 */
import type { MarketData } from '../data/market-data';
import type { TapeItem, TapeKind, TradeTape } from '../data/tape';
import type { MarketId } from '../profile';
import type { RestError } from './respond';
import { INVALID_LIMIT, bad, intParam } from './respond';

const HOUR = 3_600_000;

function trim(n: string): string {
  return n.includes('.') ? n.replace(/0+$/, '').replace(/\.$/, '') : n;
}

function aggRow(tape: TradeTape, it: TapeItem, market: MarketId): Record<string, unknown> {
  const { sym } = tape.o;
  let row: Record<string, unknown>;
  if (it.run) {
    const p = JSON.parse(it.run.events.payload(it.i)) as Record<string, unknown>;
    row = { a: p['a'], p: p['p'], q: p['q'], f: p['f'], l: p['l'], T: p['T'], m: p['m'] };
  } else {
    const e = tape.event(it.k);
    row = { a: e.id, p: sym.px(e.p), q: sym.qty(e.q), f: e.f, l: e.f + e.n - 1, T: e.T, m: e.m };
  }
  if (market === 'spot') row['M'] = true;
  if (market === 'usdm') row['nq'] = row['q'];
  return row;
}

function tradeRow(tape: TradeTape, it: TapeItem, market: MarketId): Record<string, unknown> {
  const { sym } = tape.o;
  let id: unknown, price: string, qty: string, time: unknown, maker: unknown;
  if (it.run) {
    const p = JSON.parse(it.run.events.payload(it.i)) as Record<string, unknown>;
    [id, price, qty, time, maker] = [p['t'], String(p['p']), String(p['q']), p['T'], p['m']];
  } else {
    const e = tape.event(it.k);
    [id, price, qty, time, maker] = [e.id, sym.px(e.p), sym.qty(e.q), e.T, e.m];
  }
  const row: Record<string, unknown> = { id, price, qty, quoteQty: trim((Number(price) * Number(qty)).toFixed(8)), time, isBuyerMaker: maker };
  if (market === 'spot') row['isBestMatch'] = true;
  if (market === 'usdm') row['isRPITrade'] = false;
  return row;
}

/** Events from id `from` (inclusive) while `T` <= `until`, at most `limit`. */
function collect(tape: TradeTape, from: number, until: number, limit: number, row: (it: TapeItem) => Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let id = from; out.length < limit; id++) {
    const it = tape.item(id);
    if (!it || tape.itemTime(it) > until) break;
    out.push(row(it));
  }
  return out;
}

function windowText(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days} days` : `${Math.round((ms / HOUR) * 100) / 100} hours`;
}

/** aggTrades / trades / historicalTrades rows, or the error Binance answers. */
export function tradeRows(data: MarketData, market: MarketId, endpoint: string, symbol: string, q: URLSearchParams, now: number, retentionMs: number): unknown[] | RestError {
  const kind: TapeKind = endpoint === '/aggTrades' ? 'aggTrade' : 'trade';
  const tape = data.history.tape(symbol, kind);
  if (!tape) return bad(-1121, 'Invalid symbol.');
  data.history.prune(now);
  const floor = Math.max(data.history.floor(now), tape.floor);
  const [limitRaw, fromId, startTime, endTime] = ['limit', 'fromId', 'startTime', 'endTime'].map((n) => intParam(q, n));
  if ([limitRaw, fromId, startTime, endTime].includes('bad')) return bad(-1100, 'Illegal characters found in a parameter.');
  const fut = market !== 'spot';
  const max = endpoint === '/historicalTrades' && fut ? 500 : 1000;
  const dflt = endpoint === '/historicalTrades' && fut ? 100 : 500;
  const limit = Math.min(Math.max((limitRaw as number | undefined) ?? dflt, 1), max);
  const row = kind === 'aggTrade' ? (it: TapeItem) => aggRow(tape, it, market) : (it: TapeItem) => tradeRow(tape, it, market);
  const floorId = tape.nextId(floor - 1);
  if (typeof fromId === 'number' && endpoint !== '/trades') return collect(tape, Math.max(fromId, floorId), now, limit, row);
  if (kind === 'aggTrade' && (startTime !== undefined || endTime !== undefined)) {
    const s = startTime as number | undefined;
    const e = endTime as number | undefined;
    if (fut && s !== undefined && e !== undefined && e - s > HOUR) return bad(-1127, 'More than 1 hours between startTime and endTime.');
    if (fut && Math.min(s ?? Infinity, e ?? Infinity) < floor) return bad(-4166, `Search window is restricted to recent ${windowText(retentionMs)} only.`);
    if (s !== undefined) return collect(tape, Math.max(tape.nextId(s - 1), floorId), Math.min(e ?? now, now), limit, row);
    const until = Math.min(e as number, now);
    return collect(tape, Math.max(floorId, tape.nextId(until) - limit), until, limit, row);
  }
  const end = tape.nextId(now);
  return collect(tape, Math.max(floorId, end - limit), now, limit, row);
}

/** klines rows, or the error Binance answers. */
export function klineRows(data: MarketData, market: MarketId, symbol: string, q: URLSearchParams, now: number): unknown[] | RestError {
  const interval = q.get('interval');
  if (!interval) return bad(-1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
  const series = data.history.klines(symbol, interval);
  if (!series) return bad(-1120, 'Invalid interval.');
  const [limitRaw, startTime, endTime] = ['limit', 'startTime', 'endTime'].map((n) => intParam(q, n));
  if ([limitRaw, startTime, endTime].includes('bad')) return bad(-1100, 'Illegal characters found in a parameter.');
  const max = market === 'spot' ? 1000 : 1500;
  if (market !== 'spot' && typeof limitRaw === 'number' && limitRaw > max) return INVALID_LIMIT;
  const limit = Math.min(Math.max((limitRaw as number | undefined) ?? 500, 1), max);
  const bars = series.select(startTime as number | undefined, endTime as number | undefined, limit, now, data.history.floor(now), market === 'coinm');
  return bars.map((b) => series.restRow(b));
}
