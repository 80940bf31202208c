import type { Rng } from './rng';
import type { SymbolState } from './symbol-state';

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

/** Open time of the bar containing `t` (UTC; weeks start on Monday). */
export function klineOpenTime(interval: string, t: number): number {
  if (interval === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = FIXED[interval] ?? M;
  if (interval === '1w') return Math.floor((t - 4 * D) / ms) * ms + 4 * D; // 1970-01-05 was a Monday
  return Math.floor(t / ms) * ms;
}

export function nextOpenTime(interval: string, open: number, dir: 1 | -1 = 1): number {
  if (interval === '1M') {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + dir, 1);
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

const HISTORY = 1000;
const SYNTH = 100;

/**
 * One kline series per (symbol, interval), shared by the stream and REST `klines`,
 * so a client that backfills a gap over REST gets the bars the stream would have shown.
 * Bars that closed while nobody was subscribed are filled in (flat, zero volume) on
 * the next access, as Binance keeps producing bars whether or not anyone listens.
 */
export class KlineSeries {
  readonly history: Bar[] = [];
  current: Bar;
  private nextTradeId: number;

  constructor(
    readonly sym: SymbolState,
    readonly interval: string,
    private readonly rng: Rng,
    now: number,
  ) {
    this.nextTradeId = 1_000_000 + rng.int(1_000_000_000);
    const open = klineOpenTime(interval, now);
    // Synthesize plausible past bars walking backwards from the current price.
    let price = sym.mid;
    let t = open;
    const past: Bar[] = [];
    for (let i = 0; i < SYNTH; i++) {
      t = nextOpenTime(interval, t, -1);
      const c = price;
      const o = Math.max(10, c + Math.round((rng.next() - 0.5) * sym.mid * 0.002));
      const bar = this.bar(t, o);
      bar.c = c;
      bar.h = Math.max(o, c) + rng.int(3) * sym.stepTicks;
      bar.l = Math.min(o, c) - rng.int(3) * sym.stepTicks;
      this.fillVolume(bar, 5 + rng.int(50));
      past.push(bar);
      price = o;
    }
    past.reverse();
    // trade ids must increase with time
    let id = this.nextTradeId - past.reduce((s, b) => s + b.n, 0);
    for (const b of past) {
      b.f = id;
      b.L = id + b.n - 1;
      id += b.n;
      this.history.push(b);
    }
    this.current = this.bar(open, sym.mid);
  }

  private bar(t: number, o: number): Bar {
    return { t, T: nextOpenTime(this.interval, t) - 1, o, h: o, l: o, c: o, v: 0, q: 0, n: 0, f: -1, L: -1, V: 0, Q: 0 };
  }

  private fillVolume(bar: Bar, n: number): void {
    for (let i = 0; i < n; i++) {
      const qty = this.sym.randomQty(this.rng);
      bar.v += qty;
      bar.q += qty * bar.c * this.sym.tickSize;
      if (this.rng.bool()) {
        bar.V += qty;
        bar.Q += qty * bar.c * this.sym.tickSize;
      }
    }
    bar.n += n;
  }

  /** Close every bar that ended before `now`; returns the bars closed by this call. */
  advance(now: number): Bar[] {
    const closed: Bar[] = [];
    let guard = 0;
    while (now > this.current.T) {
      const prev = this.current;
      this.history.push(prev);
      closed.push(prev);
      if (this.history.length > HISTORY) this.history.shift();
      let nextOpen = prev.T + 1;
      if (++guard > HISTORY) {
        // Long idle: skip straight to the bar containing now.
        nextOpen = klineOpenTime(this.interval, now);
      }
      this.current = this.bar(nextOpen, prev.c);
    }
    return closed.length > HISTORY ? closed.slice(-HISTORY) : closed;
  }

  /** Simulate a few trades in the current bar. */
  trade(): void {
    const bar = this.current;
    const k = 1 + this.rng.int(4);
    for (let i = 0; i < k; i++) {
      const p = this.sym.step();
      const qty = this.sym.randomQty(this.rng);
      if (bar.n === 0) {
        bar.o = bar.h = bar.l = p;
        bar.f = this.nextTradeId;
      }
      bar.c = p;
      if (p > bar.h) bar.h = p;
      if (p < bar.l) bar.l = p;
      bar.v += qty;
      bar.q += qty * p * this.sym.tickSize;
      if (this.rng.bool()) {
        bar.V += qty;
        bar.Q += qty * p * this.sym.tickSize;
      }
      bar.n++;
      bar.L = this.nextTradeId++;
    }
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

  /** Bars for REST `klines` (history plus the open bar), Binance's selection rules. */
  select(startTime: number | undefined, endTime: number | undefined, limit: number): Bar[] {
    let bars = [...this.history, this.current];
    if (startTime !== undefined) bars = bars.filter((b) => b.t >= startTime);
    if (endTime !== undefined) bars = bars.filter((b) => b.t <= endTime);
    return startTime !== undefined ? bars.slice(0, limit) : bars.slice(-limit);
  }
}
