/**
 * The market's history: what happened whether or not anyone subscribed, regenerated on demand
 * from the seed and the time (nothing per event is stored). Per symbol a price path
 * (price-path.ts); per `@trade` / `@aggTrade` stream a tape (tape.ts) on a schedule
 * (schedule.ts: the stream's rate, or the activity model with `activity: 'realistic'`); per kline
 * interval a series computed from the path and the `@trade` tape (klines.ts).
 *
 * The window: the history starts `historyRetentionMs` of emulator time (divided by `timeScale`
 * on the wall clock) before the emulator's start and REST serves the last `historyRetentionMs`
 * of it (Binance keeps spot trades for ever and USD-M aggTrades for 2 days, by a third-party
 * measurement; the emulator keeps this window). A tape has events only while its stream has a
 * finite rate > 0 and `autoGenerate` is on; `flood()` and rate-`Infinity` events are added to it.
 */
import type { ActivityModel } from '../streams/activity';
import { KlineSeries, isKlineInterval } from './klines';
import { PricePath } from './price-path';
import { Rng, hashString } from './rng';
import type { Schedule } from './schedule';
import { ActivityIntegral, ActivitySchedule, LinearSchedule } from './schedule';
import type { SymbolState } from './symbol-state';
import type { TapeKind } from './tape';
import { TradeTape } from './tape';

export interface HistoryOptions {
  readonly seed: number;
  readonly futures: boolean;
  /** Wall-clock ms of emulator time 0 (the emulator's start). */
  readonly origin: number;
  readonly timeScale: number;
  /** The window, in emulator ms. */
  readonly retentionMs: number;
  readonly autoGenerate: boolean;
  /** The realistic activity model, if on. */
  readonly activity: ActivityModel | undefined;
  /** A stream's msgs/s. */
  rateFor(stream: string): number;
  /** Wall-clock ms now. */
  now(): number;
  symbol(symbol: string): SymbolState | undefined;
}

export class History {
  /** Wall-clock ms where the history starts. */
  readonly start: number;
  private readonly paths = new Map<string, PricePath>();
  private readonly tapes = new Map<string, TradeTape>();
  private readonly integrals = new Map<string, ActivityIntegral>();
  private readonly series = new Map<string, KlineSeries>();

  constructor(private readonly o: HistoryOptions) {
    this.start = o.origin - o.retentionMs / o.timeScale;
  }

  /** Wall-clock ms of the oldest history REST serves at `now`. */
  floor(now: number): number {
    return Math.max(this.start, now - this.o.retentionMs / this.o.timeScale);
  }

  /** The price path of a symbol whose state was just created (its initial mid anchors the path). */
  createPath(sym: SymbolState): PricePath {
    let p = this.paths.get(sym.symbol);
    if (!p) {
      p = new PricePath(sym.symbol, this.o.seed, sym.mid, sym.stepTicks, this.o.origin, this.o.timeScale);
      this.paths.set(sym.symbol, p);
    }
    return p;
  }

  private schedule(symbol: string, stream: string): { schedule: Schedule | undefined; poisson: boolean } {
    const rate = this.o.autoGenerate ? this.o.rateFor(stream) : 0;
    if (!(rate > 0) || rate === Infinity) return { schedule: undefined, poisson: false };
    const model = this.o.activity;
    if (!model) return { schedule: new LinearSchedule(this.o.origin, rate / 1000), poisson: false };
    const perUnit = (rate * model.level(symbol)) / 1000;
    if (!(perUnit > 0)) return { schedule: undefined, poisson: true };
    let integral = this.integrals.get(symbol);
    if (!integral) {
      const o = this.o;
      integral = new ActivityIntegral(model, symbol, -o.retentionMs, () => (this.floor(o.now()) - o.origin) * o.timeScale);
      this.integrals.set(symbol, integral);
    }
    return { schedule: new ActivitySchedule(integral, perUnit, this.o.origin, this.o.timeScale), poisson: true };
  }

  /** The tape of `<symbol>@<kind>` (undefined: unknown symbol). */
  tape(symbol: string, kind: TapeKind): TradeTape | undefined {
    const stream = `${symbol}@${kind}`;
    let t = this.tapes.get(stream);
    if (!t) {
      const sym = this.o.symbol(symbol);
      if (!sym) return undefined;
      // The same first ids as the generators before the history existed (seeded by the stream name).
      const rng = new Rng(hashString(stream, this.o.seed));
      const firstId = kind === 'aggTrade' ? 100_000_000 + rng.int(1e9) : 1_000_000_000 + rng.int(1e9);
      const firstTradeId = kind === 'aggTrade' ? 1_000_000_000 + rng.int(1e9) : 0;
      const path = this.createPath(sym);
      t = new TradeTape({ kind, sym, path, ...this.schedule(symbol, stream), key: hashString(`${stream}#tape`, this.o.seed), firstId, firstTradeId, start: this.start });
      this.tapes.set(stream, t);
    }
    return t;
  }

  /** The kline series of a symbol and interval, bars in UTC+`offsetMs` (undefined: unknown symbol or interval; `allow1s`: futures continuous klines). */
  klines(symbol: string, interval: string, offsetMs = 0, allow1s = false): KlineSeries | undefined {
    if (!isKlineInterval(interval, this.o.futures && !allow1s)) return undefined;
    const key = offsetMs ? `${symbol}@${interval}@${offsetMs}` : `${symbol}@${interval}`;
    let k = this.series.get(key);
    if (!k) {
      const sym = this.o.symbol(symbol);
      const tape = this.tape(symbol, 'trade');
      if (!sym || !tape) return undefined;
      k = new KlineSeries(sym, interval, tape, this.createPath(sym), this.start, hashString(`${symbol}@${interval}#kline`, this.o.seed), offsetMs);
      this.series.set(key, k);
    }
    return k;
  }

  /** Forget what fell out of the window (flood runs, activity checkpoints). */
  prune(now: number): void {
    const floor = this.floor(now);
    for (const t of this.tapes.values()) t.pruneRuns(floor);
    const p = (floor - this.o.origin) * this.o.timeScale;
    for (const i of this.integrals.values()) i.prune(p);
  }
}
