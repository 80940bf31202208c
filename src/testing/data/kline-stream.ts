/**
 * Live kline-shaped streams, all read from a symbol's kline series (klines.ts), so closed
 * candles agree with REST `klines`: spot/futures `<s>@kline_<i>` (spot also `@+08:00`,
 * bars in UTC+8), USD-M/COIN-M `<pair>_<contract>@continuousKline_<i>` (`continuous_kline`)
 * and COIN-M `<pair>@indexPriceKline_<i>` / `<s>@markPriceKline_<i>` (`indexPrice_kline`,
 * `markPrice_kline`: the mark and index follow the symbol's price path; volumes are "0").
 */
import type { Bar, KlineSeries, LiveBar } from './klines';
import { klineOpenTime, nextOpenTime } from './klines';
import type { StreamGenerator } from './stream-generators';

export type KlineVariant = { kind: 'kline' } | { kind: 'continuous_kline'; contractType: string } | { kind: 'markPrice_kline' } | { kind: 'indexPrice_kline' };

/** The `k` object of a continuous, mark-price or index-price kline (Binance's field order). */
function variantK(series: KlineSeries, bar: Bar, closed: boolean, v: KlineVariant, now: number): string {
  const s = series.sym;
  const prices = `"o":"${s.px(bar.o)}","c":"${s.px(bar.c)}","h":"${s.px(bar.h)}","l":"${s.px(bar.l)}"`;
  const head = `"t":${bar.t},"T":${bar.T}`;
  if (v.kind === 'continuous_kline') {
    const n8 = (x: number): string => x.toFixed(3);
    return `{${head},"i":"${series.interval}","f":${bar.f},"L":${bar.L},${prices},"v":"${n8(bar.v)}","n":${bar.n},"x":${closed},"q":"${n8(bar.q)}","V":"${n8(bar.V)}","Q":"${n8(bar.Q)}","B":"0"}`;
  }
  // Mark / index klines: `f`/`L` are the first and last sample times, `n` the samples (one a second).
  const last = Math.min(now, bar.T) - (Math.min(now, bar.T) % 1000);
  const n = Math.max(1, Math.floor((last - bar.t) / 1000) + 1);
  const sym = v.kind === 'indexPrice_kline' ? '0' : s.upper;
  return `{${head},"s":"${sym}","i":"${series.interval}","f":${bar.t},"L":${last},${prices},"v":"0","n":${n},"x":${closed},"q":"0","V":"0","Q":"0","B":"0"}`;
}

/**
 * A kline generator: each event carries the open bar; when bars closed since the previous event,
 * their final (`x: true`) versions go first (the last 3 at most).
 */
export function klineGenerator(stream: string, series: KlineSeries, v: KlineVariant): StreamGenerator {
  const sym = series.sym;
  const interval = series.interval;
  const z = series.offsetMs;
  let lastOpen: number | undefined;
  const live: LiveBar = { open: NaN, until: 0, h: 0, l: 0 };
  const event = (now: number, bar: Bar, closed: boolean): string => {
    switch (v.kind) {
      case 'kline':
        return `{"e":"kline","E":${now},"s":"${sym.upper}","k":${series.kJson(bar, closed)}}`;
      case 'continuous_kline':
        return `{"e":"continuous_kline","E":${now},"ps":"${sym.pair}","ct":"${v.contractType.toUpperCase()}","k":${variantK(series, bar, closed, v, now)}}`;
      default:
        return `{"e":"${v.kind}","E":${now},"ps":"${sym.pair}","k":${variantK(series, bar, closed, v, now)}}`;
    }
  };
  return {
    stream,
    next: (now) => {
      const open = klineOpenTime(interval, now, z);
      const out: string[] = [];
      if (lastOpen !== undefined && open > lastOpen) {
        const closed: number[] = [];
        for (let o = lastOpen; o < open; o = nextOpenTime(interval, o, 1, z)) if (closed.push(o) > 3) closed.shift();
        for (const o of closed) out.push(event(now, series.bar(o, now), true));
      }
      lastOpen = open;
      out.push(event(now, series.bar(open, now, live), false));
      return out.length === 1 ? out[0] : out;
    },
    dispose() {},
  };
}
