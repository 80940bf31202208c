import type { PricePath } from './price-path';
import { mixIndex } from './price-path';
import type { SymbolState } from './symbol-state';
import type { TradeTape } from './tape';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** Fixed-length kline intervals in ms (`1M` is calendar-aligned, handled apart). */
const FIXED: Readonly<Record<string, number>> = {
  '1s': S,
  '1m': M,
  '3m': 3 * M,
  '5m': 5 * M,
  '15m': 15 * M,
  '30m': 30 * M,
  '1h': H,
  '2h': 2 * H,
  '4h': 4 * H,
  '6h': 6 * H,
  '8h': 8 * H,
  '12h': 12 * H,
  '1d': D,
  '3d': 3 * D,
  '1w': 7 * D,
};

export function isKlineInterval(i: string, futures: boolean): boolean {
  if (i === '1M') return true;
  if (i === '1s') return !futures;
  return i in FIXED;
}

/** `+08:00` → 8 h in ms (spot `@kline_<i>@+08:00`: bars open and close in UTC+8; `t`/`T` stay UTC epoch ms). */
export function parseTimezoneOffset(tz: string): number | undefined {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(tz);
  if (!m) return undefined;
  const ms = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '-' ? -ms : ms;
}

/** Open time of the bar containing `t` (UTC, or UTC+`offsetMs` boundaries; weeks start on Monday). */
export function klineOpenTime(interval: string, t: number, offsetMs = 0): number {
  const local = t + offsetMs;
  if (interval === '1M') {
    const d = new Date(local);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - offsetMs;
  }
  const ms = FIXED[interval] ?? M;
  if (interval === '1w') return Math.floor((local - 4 * D) / ms) * ms + 4 * D - offsetMs; // 1970-01-05 was a Monday
  return Math.floor(local / ms) * ms - offsetMs;
}

export function nextOpenTime(interval: string, open: number, dir: 1 | -1 = 1, offsetMs = 0): number {
  if (interval === '1M') {
    const d = new Date(open + offsetMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + dir, 1) - offsetMs;
  }
  return open + dir * (FIXED[interval] ?? M);
}

export interface Bar {
  t: number;
  T: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  q: number;
  n: number;
  f: number;
  L: number;
  V: number;
  Q: number;
}

/** Mean notional of a trade (USDT): the tapes draw it log-uniform in [5, 50,000]. */
const MEAN_NOTIONAL = (50_000 - 5) / Math.log(50_000 / 5);

/** Running extremes of the bar being sent live, so each kline event samples only what is new. */
export interface LiveBar {
  open: number;
  /** Last grid point sampled. */
  until: number;
  h: number;
  l: number;
}

/**
 * One kline series per (symbol, interval), computed, never stored: a bar at any open time is a pure
 * function of the symbol's price path (o/h/l/c: the path sampled at its first instant and every
 * second, 10 s for bars of an hour or more, a minute from 3 days, up to its close or, while open,
 * up to now) and of the symbol's `@trade` tape (`n`,
 * `f`, `L`: the trades whose `T` falls in the bar; volumes n × the mean trade size × a hashed
 * factor). So the live kline stream's closed candles and REST `klines` agree, whether or not the
 * stream was subscribed. Bars reach back to the tape's start (the history window before the start).
 */
export class KlineSeries {
  constructor(
    readonly sym: SymbolState,
    readonly interval: string,
    private readonly tape: TradeTape,
    private readonly path: PricePath,
    /** The history's start (wall ms): nothing is sampled or counted before it. */
    private readonly start: number,
    private readonly key: number,
    /** Bar boundaries in UTC+offset (spot `@+08:00` streams); 0 for UTC. */
    readonly offsetMs = 0,
  ) {
    const len = nextOpenTime(interval, 0) - 0;
    this.grid = len < H ? S : len < 3 * D ? 10 * S : M;
  }

  /** Sampling period of the path: 1 s for bars under an hour, 10 s up to a day, then 1 min. */
  private readonly grid: number;

  /** Sample the path on the bar's grid in (from, to] into `acc` (first instant `s0`, then every `grid` ms). */
  private sample(acc: LiveBar, to: number): void {
    const step = this.grid;
    for (let g = Math.floor(acc.until / step) * step + step; g <= to; g += step) {
      const p = this.path.at(g);
      if (p > acc.h) acc.h = p;
      if (p < acc.l) acc.l = p;
      acc.until = g;
    }
  }

  /** The bar opened at `open` as of `upTo` (complete once `upTo` reaches its close time); `live` carries sampling across calls. */
  bar(open: number, upTo: number, live?: LiveBar): Bar {
    const T = nextOpenTime(this.interval, open, 1, this.offsetMs) - 1;
    const end = Math.min(upTo, T);
    const s0 = Math.max(open, this.start);
    const acc = live ?? { open: NaN, until: 0, h: 0, l: 0 };
    if (acc.open !== open) {
      const p0 = this.path.at(s0);
      Object.assign(acc, { open, until: s0, h: p0, l: p0 });
    }
    this.sample(acc, end);
    const o = this.path.at(s0);
    const c = this.path.at(acc.until);
    const first = this.tape.nextId(open - 1);
    const n = Math.max(0, this.tape.nextId(end) - first);
    const h = mixIndex(this.key, Math.floor(open / 1000));
    const size = (MEAN_NOTIONAL / (o * this.sym.tickSize)) * (0.5 + (h % 1000) / 1000);
    const v = n * size;
    const share = 0.3 + ((h >>> 10) % 400) / 1000;
    const px = o * this.sym.tickSize;
    return { t: open, T, o, h: acc.h, l: acc.l, c, v, q: v * px, n, f: n ? first : -1, L: n ? first + n - 1 : -1, V: v * share, Q: v * share * px };
  }

  private n8(x: number): string {
    return x.toFixed(this.sym.futures ? 3 : 8);
  }

  /** The `k` object of a kline event. */
  kJson(bar: Bar, closed: boolean): string {
    const s = this.sym;
    return (
      `{"t":${bar.t},"T":${bar.T},"s":"${s.upper}","i":"${this.interval}","f":${bar.f},"L":${bar.L},` +
      `"o":"${s.px(bar.o)}","c":"${s.px(bar.c)}","h":"${s.px(bar.h)}","l":"${s.px(bar.l)}","v":"${this.n8(bar.v)}",` +
      `"n":${bar.n},"x":${closed},"q":"${this.n8(bar.q)}","V":"${this.n8(bar.V)}","Q":"${this.n8(bar.Q)}","B":"0"}`
    );
  }

  /** REST row: `[t,"o","h","l","c","v",T,"q",n,"V","Q","0"]`. */
  restRow(bar: Bar): unknown[] {
    const s = this.sym;
    return [bar.t, s.px(bar.o), s.px(bar.h), s.px(bar.l), s.px(bar.c), this.n8(bar.v), bar.T, this.n8(bar.q), bar.n, this.n8(bar.V), this.n8(bar.Q), '0'];
  }

  /**
   * Bars for REST `klines`, Binance's selection: open times in [startTime, endTime] (endTime: the
   * bar containing it), within [the bar holding `floor`, the open bar]; with `startTime` the first
   * `limit`, without it (or `newest`, COIN-M's rule) the last `limit`.
   */
  select(startTime: number | undefined, endTime: number | undefined, limit: number, now: number, floor: number, newest: boolean): Bar[] {
    const i = this.interval;
    const z = this.offsetMs;
    let from = klineOpenTime(i, floor, z);
    if (startTime !== undefined) {
      let o = klineOpenTime(i, startTime, z);
      if (o < startTime) o = nextOpenTime(i, o, 1, z);
      if (o > from) from = o;
    }
    let to = klineOpenTime(i, now, z);
    if (endTime !== undefined) to = Math.min(to, klineOpenTime(i, endTime, z));
    const opens: number[] = [];
    if (startTime !== undefined && !newest) {
      for (let o = from; o <= to && opens.length < limit; o = nextOpenTime(i, o, 1, z)) opens.push(o);
    } else {
      for (let o = to; o >= from && opens.length < limit; o = nextOpenTime(i, o, -1, z)) opens.push(o);
      opens.reverse();
    }
    return opens.map((o) => this.bar(o, now));
  }
}
