/**
 * Ticker-shaped payloads (Binance's field names and order, decimals as strings): the 24 h
 * mini-ticker and ticker (spot and futures; futures add `ps` and the post-merger `st`), spot
 * rolling-window tickers `<s>@ticker_<1h|4h|1d>` (`1hTicker`…: `O` on a minute, `C` now, stats
 * from the symbol's price path and `@trade` tape), spot `avgPrice` and `referencePrice`.
 */
import type { PricePath } from './price-path';
import type { SymbolState } from './symbol-state';
import type { TradeTape } from './tape';

/** `,"ps":"BTCUSDT","st":1` on futures (st: 1 = USD-M, 2 = COIN-M), nothing on spot. */
export function futuresTail(s: SymbolState, st: number): string {
  return st ? `,"ps":"${s.pair}","st":${st}` : '';
}

export function miniTickerJson(s: SymbolState, now: number, st: number): string {
  const c = s.step();
  return `{"e":"24hrMiniTicker","E":${now},"s":"${s.upper}","c":"${s.px(c)}","o":"${s.px(s.open24)}","h":"${s.px(s.high24)}","l":"${s.px(s.low24)}","v":"${s.volume24.toFixed(3)}","q":"${s.quoteVolume24.toFixed(3)}"${futuresTail(s, st)}}`;
}

export function tickerJson(s: SymbolState, now: number, st: number): string {
  const c = s.step();
  const change = c - s.open24;
  const pct = ((change / s.open24) * 100).toFixed(3);
  const w = s.px(Math.round((c + s.open24) / 2));
  const lastId = s.firstTradeId24 + s.count24 - 1;
  const common = `"p":"${s.px(change)}","P":"${pct}","w":"${w}"`;
  const tail = `"o":"${s.px(s.open24)}","h":"${s.px(s.high24)}","l":"${s.px(s.low24)}","v":"${s.volume24.toFixed(3)}","q":"${s.quoteVolume24.toFixed(3)}","O":${now - 86_400_000},"C":${now},"F":${s.firstTradeId24},"L":${lastId},"n":${s.count24}`;
  if (st) return `{"e":"24hrTicker","E":${now},"s":"${s.upper}",${common},"c":"${s.px(c)}","Q":"${s.qty(s.lastQty || 1)}",${tail}${futuresTail(s, st)}}`;
  return `{"e":"24hrTicker","E":${now},"s":"${s.upper}",${common},"x":"${s.px(s.open24)}","c":"${s.px(c)}","Q":"${s.qty(s.lastQty || 1)}","b":"${s.px(c - s.stepTicks)}","B":"${s.qty(1)}","a":"${s.px(c + s.stepTicks)}","A":"${s.qty(1)}",${tail}}`;
}

/** Window sizes of spot rolling-window tickers, in ms. */
export const ROLLING_WINDOWS: Readonly<Record<string, number>> = { '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 };

/** Mean notional of a tape trade (log-uniform in [5, 50,000] USDT), as klines.ts assumes. */
const MEAN_NOTIONAL = (50_000 - 5) / Math.log(50_000 / 5);

/** What a rolling-window ticker reads: the symbol's price path and `@trade` tape. */
export interface RollingSource {
  readonly sym: SymbolState;
  readonly path: PricePath;
  readonly tape: TradeTape;
}

/** `<s>@ticker_<w>` payload at `now` (`e` = `1hTicker`, `4hTicker`, `1dTicker`). */
export function rollingTickerJson(src: RollingSource, window: string, now: number): string {
  const { sym: s, path, tape } = src;
  const span = ROLLING_WINDOWS[window] ?? 3_600_000;
  const O = Math.floor((now - span) / 60_000) * 60_000;
  const o = path.at(O);
  const c = s.step();
  let h = Math.max(o, c);
  let l = Math.min(o, c);
  let sum = 0;
  const samples = 60;
  for (let k = 0; k <= samples; k++) {
    const p = path.at(O + ((now - O) * k) / samples);
    if (p > h) h = p;
    if (p < l) l = p;
    sum += p;
  }
  const wavg = Math.round(sum / (samples + 1));
  const first = tape.nextId(O - 1);
  const n = Math.max(0, tape.nextId(now) - first);
  const px = wavg * s.tickSize;
  const v = px > 0 ? (n * MEAN_NOTIONAL) / px : 0;
  const pct = o ? (((c - o) / o) * 100).toFixed(3) : '0.000';
  return (
    `{"e":"${window}Ticker","E":${now},"s":"${s.upper}","p":"${s.px(c - o)}","P":"${pct}","o":"${s.px(o)}","h":"${s.px(h)}","l":"${s.px(l)}",` +
    `"c":"${s.px(c)}","w":"${s.px(wavg)}","v":"${v.toFixed(8)}","q":"${(v * px).toFixed(8)}","O":${O},"C":${now},"F":${n ? first : -1},"L":${n ? first + n - 1 : -1},"n":${n}}`
  );
}

export function avgPriceJson(s: SymbolState, now: number): string {
  return `{"e":"avgPrice","E":${now},"s":"${s.upper}","i":"5m","w":"${s.px(s.step())}","T":${now}}`;
}

/** Spot `<s>@referencePrice` (since 2026-03): no `E`; `t` = when the price was valid. */
export function referencePriceJson(s: SymbolState, now: number): string {
  const r = s.anchor ? s.anchor() : s.mid;
  return `{"e":"referencePrice","s":"${s.upper}","r":"${s.px(r)}","t":${now}}`;
}
