/**
 * The emulator's activity model (src/testing/streams/activity.ts): pure and seeded, so every
 * figure here is exact for its seed; replays run in virtual time (no timers).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FakeBinance } from 'binance-stream-client/testing';
import type { ActivityProfileOptions, StreamActivity } from 'binance-stream-client/testing';
import { resolveOptions } from '../../../src/testing/options';
import { ActivityModel } from '../../../src/testing/streams/activity';

const H = 3_600_000;
const DAY = 24 * H;

/** Event times of one stream over [from, to) of profile time. */
function replay(a: StreamActivity, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = from + a.nextGapMs(from); t < to; t += a.nextGapMs(t)) out.push(t);
  return out;
}
const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => t - ts[i]!);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const min = (xs: number[]): number => xs.reduce((a, b) => Math.min(a, b), Infinity);
const tail = Array.from({ length: 20 }, (_, i) => `sym${String(i + 1).padStart(4, '0')}usdt`);

describe('ActivityModel', () => {
  it('is deterministic for a seed: the same gaps and levels; another seed draws another long tail', () => {
    const names = ['btcusdt@trade', 'sym0001usdt@aggTrade', 'ethusdt@depth@100ms', 'sym0002usdt@kline_1m', 'btcusdt@avgPrice'];
    const run = (seed: number) => {
      const m = new ActivityModel('spot', { seed });
      return names.map((n) => replay(m.stream(n), 0, H / 2));
    };
    expect(run(7)).toEqual(run(7));
    // The public door (FakeBinance stays the testing entry's only value) is the same model.
    expect(names.map((n) => replay(FakeBinance.activityModel('spot', { seed: 7 }).stream(n), 0, H / 2))).toEqual(run(7));
    const a = new ActivityModel('spot', { seed: 7 });
    const b = new ActivityModel('spot', { seed: 8 });
    expect(tail.map((s) => a.level(s))).toEqual(tail.map((s) => new ActivityModel('spot', { seed: 7 }).level(s)));
    expect(tail.map((s) => a.level(s))).not.toEqual(tail.map((s) => b.level(s)));
    // The majors keep their rank whatever the seed.
    expect(a.level('btcusdt')).toBe(1);
    expect(b.level('ethusdt')).toBe(a.level('ethusdt'));
    expect(a.level('ethusdt')).toBeLessThan(1);
    expect(run(7)[0]).not.toEqual(run(8)[0]);
  });

  it('liquid symbols trade orders of magnitude more often than the long tail, whose trades come minutes apart', () => {
    const m = new ActivityModel('spot', { seed: 1 });
    const perDay = (s: string) => replay(m.stream(`${s}@trade`), 0, DAY).length;
    const btc = perDay('btcusdt');
    const eth = perDay('ethusdt');
    const tails = tail.map(perDay);
    expect(btc / 86_400).toBeGreaterThan(5); // ~10/s, the default rate, on average over the day
    expect(eth).toBeLessThan(btc);
    expect(eth).toBeGreaterThan(btc / 4);
    expect(Math.max(...tails) * 30).toBeLessThan(btc);
    expect(median(tails) * 300).toBeLessThan(btc);
    expect(86_400 / median(tails)).toBeGreaterThan(60); // a median tail symbol: trades more than a minute apart
    for (const s of tail) expect(m.level(s)).toBeLessThan(m.level('shibusdt'));
    // Explicit levels and base rates override the model.
    const o = new ActivityModel('spot', { seed: 1, levels: { sym0001usdt: 1 } });
    expect(replay(o.stream('sym0001usdt@trade', 2), 0, H).length).toBeGreaterThan(3_000);
    expect(o.stream('sym0001usdt@trade', 0).nextGapMs(0)).toBe(Infinity);
  });

  it('the lull lowers every symbol’s rate by its factor, for its duration only', () => {
    const base: ActivityProfileOptions = { seed: 3, intraday: false, levels: { sym0001usdt: 0.01 } };
    const lull = { startMs: 2 * H, durationMs: 2 * H, factor: 0.1 };
    const on = new ActivityModel('spot', { ...base, lull });
    const off = new ActivityModel('spot', { ...base, lull: false });
    for (const t of [2 * H, 3 * H + 17, 4 * H - 1]) {
      for (const s of ['btcusdt', 'sym0001usdt', 'sym0007usdt', undefined]) expect(on.modulation(s, t)).toBeCloseTo(off.modulation(s, t) * 0.1, 12);
    }
    expect(on.modulation('btcusdt', 4 * H)).toBe(off.modulation('btcusdt', 4 * H));
    expect(on.modulation('btcusdt', H)).toBe(off.modulation('btcusdt', H));
    const streams = ['btcusdt@trade', 'ethusdt@aggTrade', 'btcusdt@bookTicker', 'sym0001usdt@trade', 'sym0001usdt@depth@100ms', 'sym0001usdt@kline_1m', 'sym0001usdt@ticker'];
    for (const s of streams) {
      const inLull = replay(on.stream(s), lull.startMs, lull.startMs + lull.durationMs).length;
      const normal = replay(off.stream(s), lull.startMs, lull.startMs + lull.durationMs).length;
      expect(inLull, s).toBeLessThan(normal * 0.5);
      expect(replay(on.stream(s), 5 * H, 7 * H).length, s).toBeGreaterThan(inLull * 2);
    }
    // A 24 h curve: the busiest hour around peakMs, the quietest twelve hours away.
    const day = new ActivityModel('spot', { seed: 3, lull: false, bursts: false, quiet: false });
    expect(day.modulation('btcusdt', 14 * H)).toBeCloseTo(1.5, 9);
    expect(day.modulation('btcusdt', 2 * H)).toBeCloseTo(0.5, 9);
  });

  it('bursts multiply the rate for seconds, quiet spells cut it for minutes, per symbol', () => {
    const m = new ActivityModel('spot', { seed: 5, intraday: false, lull: false });
    const fs = new Set<number>();
    let burstMs = 0;
    let quietMs = 0;
    for (let t = 0; t < DAY; t += 500) {
      const f = m.modulation('btcusdt', t);
      fs.add(f);
      if (f === 5) burstMs += 500;
      if (f === 0.1) quietMs += 500;
    }
    expect([...fs].sort()).toEqual([0.1, 1, 5]);
    expect(burstMs / DAY).toBeGreaterThan(0.002);
    expect(burstMs / DAY).toBeLessThan(0.02);
    expect(quietMs / DAY).toBeGreaterThan(0.03);
    expect(quietMs / DAY).toBeLessThan(0.15);
    // Different symbols burst at different times; every stream of one symbol at the same time.
    const pattern = (s: string) => Array.from({ length: 2000 }, (_, i) => m.modulation(s, i * 5000));
    expect(pattern('btcusdt')).not.toEqual(pattern('ethusdt'));
    const trades = gaps(replay(m.stream('btcusdt@trade'), 0, 6 * H));
    expect(min(trades)).toBeGreaterThanOrEqual(0);
  });

  it("a symbol's klines and tickers follow the same trades: they go quiet and wake together", () => {
    // An illiquid symbol (a trade every ~25 s): private draws would scatter its streams' pushes apart.
    const m = new ActivityModel('spot', { seed: 3, levels: { rareusdt: 0.002 } });
    const k1s = replay(m.stream('rareusdt@kline_1s'), 0, H);
    const k1m = replay(m.stream('rareusdt@kline_1m'), 0, H);
    const ticker = replay(m.stream('rareusdt@ticker'), 0, H);
    expect(k1m.length).toBeGreaterThan(30);
    const near = (xs: number[], t: number, ms: number): boolean => xs.some((x) => Math.abs(x - t) <= ms);
    // Each push follows a trade by at most its period (plus jitter): 1 s, 2 s, 1 s.
    expect(k1m.filter((t) => !near(k1s, t, 4_000))).toEqual([]);
    expect(k1s.filter((t) => !near(k1m, t, 4_000))).toEqual([]);
    expect(ticker.filter((t) => !near(k1s, t, 3_000))).toEqual([]);
    // Another symbol's trades are its own.
    const other = replay(m.stream('btcusdt@kline_1m'), 0, H);
    expect(other.length).toBeGreaterThan(k1m.length * 10);
  });

  it('periodic streams keep their cadence with a small jitter; diff depth never runs faster than its update speed', () => {
    const spot = new ActivityModel('spot', { seed: 2 });
    const usdm = new ActivityModel('usdm', { seed: 2 });
    const within = (xs: number[], p: number, tol = 0.021) => xs.every((g) => Math.abs(g - p) <= p * tol);
    expect(within(gaps(replay(spot.stream('sym0009usdt@depth20@100ms'), 0, H)), 100)).toBe(true);
    expect(within(gaps(replay(spot.stream('btcusdt@avgPrice'), 0, H)), 1000)).toBe(true);
    expect(within(gaps(replay(spot.stream('!miniTicker@arr'), 0, H)), 1000)).toBe(true);
    expect(within(gaps(replay(usdm.stream('sym0003usdt@markPrice'), 0, H)), 3000)).toBe(true);
    expect(within(gaps(replay(usdm.stream('btcusdt@markPrice@1s'), 0, H)), 1000)).toBe(true);
    expect(within(gaps(replay(usdm.stream('!bookTicker'), 0, H)), 5000)).toBe(true);
    // Klines and tickers: at their cadence on a liquid symbol, skipped when an illiquid one did not trade.
    const onCadence = (xs: number[], p: number) => xs.filter((g) => Math.abs(g - p) <= p * 0.021).length / xs.length;
    expect(onCadence(gaps(replay(spot.stream('btcusdt@kline_1m'), 5 * H, 7 * H)), 2000)).toBeGreaterThan(0.95);
    expect(onCadence(gaps(replay(spot.stream('btcusdt@kline_1s'), 5 * H, 7 * H)), 1000)).toBeGreaterThan(0.9);
    expect(onCadence(gaps(replay(usdm.stream('btcusdt@kline_5m'), 5 * H, 7 * H)), 250)).toBeGreaterThan(0.9);
    const tailKline = gaps(replay(spot.stream('sym0001usdt@kline_1m'), 0, DAY));
    expect(DAY / tailKline.length).toBeGreaterThan(10_000); // 2 s cadence, pushed about once in 10 s at most
    expect(tailKline.every((g) => g >= 1960 && Math.abs(g / 2000 - Math.round(g / 2000)) <= 0.021)).toBe(true);
    // Diff depth: every gap a whole number of update periods (plus at most the jitter), at that speed when liquid.
    for (const [m, s, p] of [
      [spot, 'btcusdt@depth@100ms', 100],
      [spot, 'sym0004usdt@depth', 1000],
      [usdm, 'btcusdt@depth', 250],
      [usdm, 'ethusdt@depth@500ms', 500],
      [usdm, 'sym0002usdt@depth@100ms', 100],
    ] as const) {
      const g = gaps(replay(m.stream(s), 0, 6 * H));
      expect(min(g), s).toBeGreaterThanOrEqual(p);
      expect(g.every((x) => x / p - Math.floor(x / p) <= 0.021)).toBe(true);
    }
    expect(onCadence(gaps(replay(spot.stream('btcusdt@depth@100ms'), 5 * H, 7 * H)), 100)).toBeGreaterThan(0.9);
    // A rate can slow a periodic stream, never speed it up.
    expect(within(gaps(replay(spot.stream('btcusdt@avgPrice', 0.25), 0, H)), 4000)).toBe(true);
    expect(within(gaps(replay(spot.stream('sym0001usdt@depth20', 50), 0, H)), 1000)).toBe(true);
  });

  it('rare streams come minutes to hours apart', () => {
    const usdm = new ActivityModel('usdm', { seed: 4 });
    const spot = new ActivityModel('spot', { seed: 4 });
    const mean = (a: StreamActivity) => DAY / Math.max(1, replay(a, 0, DAY).length);
    expect(mean(usdm.stream('btcusdt@forceOrder'))).toBeGreaterThan(60_000);
    expect(mean(usdm.stream('!forceOrder@arr'))).toBeGreaterThan(30_000);
    expect(mean(usdm.stream('!contractInfo'))).toBeGreaterThan(H);
    expect(mean(spot.stream('btcusdt@blockTrade'))).toBeGreaterThan(5 * 60_000);
    expect(replay(usdm.stream('sym0001usdt@forceOrder'), 0, DAY).length).toBeLessThan(5);
  });

  it('never returns a negative or NaN gap, whatever the stream, time or profile', () => {
    const kinds = [
      'trade',
      'aggTrade',
      'bookTicker',
      'depth',
      'depth@100ms',
      'depth@250ms',
      'depth5',
      'depth10@100ms',
      'kline_1s',
      'kline_1M',
      'ticker',
      'miniTicker',
      'avgPrice',
      'markPrice',
      'markPrice@1s',
      'forceOrder',
      'blockTrade',
      'rpiDepth@500ms',
      'whatever',
    ];
    const all = ['!forceOrder@arr', '!contractInfo', '!miniTicker@arr', '!ticker@arr', '!markPrice@arr', '!bookTicker', '!assetIndex@arr'];
    const profiles: ActivityProfileOptions[] = [
      {},
      { lull: { startMs: 0, durationMs: DAY, factor: 0 }, quiet: { chance: 1, factor: 0 } },
      { intraday: { amplitude: 1, peakMs: 0 }, bursts: { chance: 1, factor: 1000, durationMs: 60_000 }, jitter: 0.5 },
      { levels: { btcusdt: 0 } },
    ];
    let checked = 0;
    const bad: string[] = [];
    for (const market of ['spot', 'usdm', 'coinm'] as const) {
      for (const p of profiles) {
        const m = new ActivityModel(market, { seed: 9, ...p });
        const names = [...all, ...['btcusdt', 'sym0042usdt', 'ethbtc', 'btcusd_perp', 'btcusd_250926'].flatMap((s) => kinds.map((k) => `${s}@${k}`))];
        for (const n of names) {
          for (const rate of [undefined, 0, 0.001, 3, 1e6, Infinity]) {
            const a = m.stream(n, rate);
            for (const t of [0, 1.5, 4 * H, DAY - 1, 7 * DAY + 12_345, -H, 1.75e12]) {
              const g = a.nextGapMs(t);
              if (!(g >= 0)) bad.push(`${market} ${n} rate ${rate} at ${t}: ${g}`);
              checked++;
            }
          }
        }
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
    expect(() => new ActivityModel('spot').stream('btcusdt@trade').nextGapMs(NaN)).toThrow(TypeError);
  });

  it('keeps a stream’s state to a few hundred bytes', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const n = 20_000;
    const names = Array.from({ length: n }, (_, i) => `sym${i}usdt@${['trade', 'depth@100ms', 'kline_1m', 'markPrice'][i % 4]}`);
    const m = new ActivityModel('usdm', { seed: 1 });
    gc();
    const before = process.memoryUsage().heapUsed;
    const streams = names.map((s) => m.stream(s));
    gc();
    const perStream = (process.memoryUsage().heapUsed - before) / n;
    expect(streams.length).toBe(n);
    // Includes the per-symbol caches (every stream here has its own symbol): about 300 bytes on Node 22.
    expect(perStream).toBeLessThan(500);
  });

  it('validates its options with TypeErrors naming the field, and so does FakeBinance', () => {
    expect(() => new ActivityModel('spot', { lull: { factor: 2 } })).toThrow(/ActivityModel option lull\.factor: expected a finite number in \[0, 1\], got 2/);
    expect(() => new ActivityModel('spot', { bursts: { durationMs: 120_000 } })).toThrow(TypeError);
    expect(() => new ActivityModel('spot', { jitter: -1 })).toThrow(/jitter/);
    expect(() => new ActivityModel('spot', { levels: { btcusdt: NaN } })).toThrow(/levels\.btcusdt/);
    expect(() => new ActivityModel('spot', { nope: 1 } as never)).toThrow(/unknown field "nope"/);
    expect(() => new ActivityModel('bogus' as never)).toThrow(TypeError);
    expect(() => resolveOptions({ activity: 'fast' as never })).toThrow(/FakeBinance option activity: expected "steady", "realistic" or \{ mode: "realistic"/);
    expect(() => resolveOptions({ activity: { lull: false } as never })).toThrow(TypeError);
    expect(() => resolveOptions({ activity: { mode: 'realistic', quiet: { chance: 1.5 } } })).toThrow(/FakeBinance option activity\.quiet\.chance/);
    expect(() => resolveOptions({ activity: { mode: 'realistic', intraday: 'flat' as never } })).toThrow(/activity\.intraday: expected an object or false/);
    expect(resolveOptions({}).activity).toBeUndefined();
    expect(resolveOptions({ activity: 'steady' }).activity).toBeUndefined();
    expect(resolveOptions({ seed: 5, activity: 'realistic' }).activity).toEqual({ seed: 5 });
    expect(resolveOptions({ seed: 5, activity: { mode: 'realistic', seed: 6, lull: false } }).activity).toEqual({ seed: 6, lull: false });
  });
});
