/**
 * The activity model: when the events of one stream happen, for `activity: 'realistic'` in the
 * hub and offline (a benchmark replaying 24 h of 1,000 streams in virtual time). Pure and
 * deterministic: no timers, no I/O, no clock; the same seed and the same calls give the same
 * gaps. `stream(name, baseRate).nextGapMs(now)` costs O(1) (at most {@link MAX_SEGMENTS} steps);
 * a stream keeps about 150 bytes (its rates, a hash, a 4-byte generator state), a symbol about
 * as much more for its cached level.
 *
 * Time is *profile time* in ms: 0 is the start of the profile (the hub: the emulator's start,
 * multiplied by `timeScale`, so a 24 h profile passes in one minute at timeScale 1440).
 *
 * Binance facts it follows (protocol reference §4.1, §4.2; classified in activity-kinds.ts):
 * - trades, aggTrades, bookTicker, forceOrder, blockTrade, `!forceOrder@arr`, `!contractInfo`
 *   arrive when something happens: a Poisson process (`event`);
 * - diff depth (`@depth`, `@depth@100ms`; futures 250 ms default, 500 ms, 100 ms) is pushed at
 *   its update speed, only when the book changed (`depth`): every period on a liquid symbol;
 * - klines (1 s for `kline_1s`, 2 s other spot intervals, 250 ms futures), `@ticker` and
 *   `@miniTicker` (1 s spot, 2 s futures) push at their cadence (`traded`); choice: a push is
 *   skipped when the symbol had no trade in the period, so an illiquid kline goes quiet too.
 *   Every traded stream of a symbol reads the SAME trades (shared-arrivals.ts): its kline_1s,
 *   kline_1m and ticker go quiet and wake together, as on Binance;
 * - markPrice (3 s, `@1s`), avgPrice, partial depth `@depth5/10/20`, `!markPrice@arr`,
 *   `!miniTicker@arr`, `!ticker@arr` (1 s), `!bookTicker` (5 s) always push (`periodic`).
 *   Periodic and traded streams move by ±`jitter` of their period (diff depth by +jitter only:
 *   never faster than its update speed); a `rates` entry can only slow them.
 *
 * Rates. An `event` stream runs at `baseRate × level × m(t)` events/s; `depth` and `traded`
 * streams follow a latent process (book changes at {@link BOOK_CHANGES_PER_SEC}, trades at
 * {@link TRADES_PER_SEC}, × level × m(t)) sampled on their period grid.
 * - level (activity-kinds.ts): the symbol's liquidity, 1 = btcusdt, then ethusdt 0.47 … (Zipf,
 *   exponent 1.1, for 25 majors), a seeded log-normal 1e-5..0.025 for the long tail (median
 *   1e-3: at the default 10 trades/s, one trade every ~100 s), × the quote's share; `levels` overrides.
 * - m(t) = intraday(t) × lull(t) × episode(t), with defaults (activity-options.ts):
 *   intraday 1 + 0.5·cos(2π(t − 14 h)/24 h); lull × 0.2 from 4 h for 1 h; per symbol, a burst
 *   (× 5 for 2.5–10 s) in 10% of the 1-minute windows and a quiet spell (× 0.1 for 1–4 min) in
 *   15% of the 5-minute windows (a quiet spell wins over a burst). Episodes are hashed from the
 *   symbol, the seed and the window, so every stream of a symbol bursts together.
 * - Rare streams default to: forceOrder 1/120 s, blockTrade 1/900 s (× level), `!forceOrder@arr`
 *   1/60 s, `!contractInfo` 1/7200 s; an explicit base rate replaces the default.
 * Arrivals integrate m(t) over its segments (episode, lull and 15-minute intraday boundaries), so
 * a stream minutes apart still feels a lull or a burst; after {@link MAX_SEGMENTS} segments the
 * rest of the draw runs at intraday × lull. `nextGapMs` is never negative or NaN; it is Infinity
 * only when the stream can never fire (level or rate 0).
 */
import { Rng, hashString } from '../data/rng';
import type { MarketId } from '../profile';
import type { StreamPattern } from './activity-kinds';
import { classifyStream, liquidityLevel } from './activity-kinds';
import { SharedArrivals } from './shared-arrivals';
import type { ActivityEpisodes, ActivityProfileOptions, ResolvedActivityProfile } from './activity-options';
import { BURST_WINDOW_MS, QUIET_WINDOW_MS, resolveActivityProfile } from './activity-options';

export type { StreamPattern } from './activity-kinds';

/** Book changes per second behind diff depth on the most liquid symbol. */
export const BOOK_CHANGES_PER_SEC = 500;
/** Trades per second behind klines and tickers on the most liquid symbol. */
export const TRADES_PER_SEC = 20;
/** Segments of m(t) one draw integrates before finishing at intraday × lull. */
export const MAX_SEGMENTS = 256;

const DAY_MS = 86_400_000;
const INTRADAY_STEP_MS = 900_000;
const TWO_32 = 4294967296;

/** 32-bit mix of two integers (murmur3 fmix32). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One stream's arrivals. */
export interface StreamActivity {
  readonly stream: string;
  readonly pattern: StreamPattern;
  /** Update speed in ms (`depth`, `traded`, `periodic`); 0 for `event` streams. */
  readonly periodMs: number;
  /** Liquidity of the stream's symbol (1 = btcusdt; 1 for all-market streams). */
  readonly level: number;
  /** Ms from `nowMs` (profile time of the previous event, or of the start) to the next event: >= 0, Infinity = never. */
  nextGapMs(nowMs: number): number;
}

class Activity implements StreamActivity {
  private readonly rng: Rng;

  constructor(
    private readonly model: ActivityModel,
    readonly stream: string,
    readonly pattern: StreamPattern,
    readonly periodMs: number,
    readonly level: number,
    /** Events per ms of the process behind it at level (before m(t)). */
    private readonly perMs: number,
    /** Whose bursts and quiet spells it follows (its symbol, or the whole market). */
    private readonly key: number,
    seed: number,
    /** `traded`: the symbol's trades, shared with its other traded streams. */
    private readonly trades?: SharedArrivals,
  ) {
    this.rng = new Rng(seed);
  }

  nextGapMs(nowMs: number): number {
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) throw new TypeError(`nextGapMs: nowMs must be a finite number, got ${String(nowMs)}`);
    const p = this.periodMs;
    const jitter = this.model.profile.jitter;
    if (this.pattern === 'periodic') return p * (1 + jitter * (2 * this.rng.next() - 1));
    const at = this.trades ? this.trades.after(nowMs) : this.model.arrival(this.key, nowMs, this.perMs, this.rng);
    if (this.pattern === 'event' || at === Infinity) return at - nowMs;
    // The first period boundary after the next change (depth) or trade (traded).
    const k = Math.max(1, Math.ceil((at - nowMs) / p));
    const j = this.pattern === 'depth' ? this.rng.next() : 2 * this.rng.next() - 1;
    return k * p + p * jitter * j;
  }
}

/**
 * The arrivals of a market's streams under one profile. `stream()` creates a stream's state
 * (keep it; each call starts a fresh one); levels are cached per symbol.
 */
export class ActivityModel {
  readonly profile: ResolvedActivityProfile;
  private readonly levels = new Map<string, number>();
  private readonly keys = new Map<string, number>();
  /** Per symbol (its episode key): the trades its klines and tickers follow. */
  private readonly trades = new Map<number, SharedArrivals>();
  /** Set by segment(): where the current segment ends, and m(t) without its episode. */
  private segEnd = 0;
  private segBase = 1;
  /** Set by episode(): where its answer changes. */
  private epEnd = 0;

  constructor(
    readonly market: MarketId,
    opts: ActivityProfileOptions = {},
  ) {
    if (market !== 'spot' && market !== 'usdm' && market !== 'coinm') throw new TypeError(`ActivityModel: market must be "spot", "usdm" or "coinm", got ${JSON.stringify(market)}`);
    this.profile = resolveActivityProfile(opts, 'ActivityModel option ');
  }

  /** A symbol's liquidity (1 = btcusdt), from `levels` or the model. */
  level(symbol: string): number {
    let l = this.levels.get(symbol);
    if (l === undefined) {
      l = this.profile.levels[symbol] ?? liquidityLevel(symbol, this.profile.seed);
      this.levels.set(symbol, l);
    }
    return l;
  }

  /**
   * A stream's arrivals. `baseRatePerSec`: msgs/s on the most liquid symbol in the normal
   * regime (event streams), or the cadence (others: never faster than the update speed);
   * defaults to Binance's (activity-kinds.ts).
   */
  stream(name: string, baseRatePerSec?: number): StreamActivity {
    if (typeof name !== 'string' || !name) throw new TypeError('ActivityModel.stream: name must be a non-empty string');
    if (baseRatePerSec !== undefined && (typeof baseRatePerSec !== 'number' || !(baseRatePerSec >= 0))) {
      throw new TypeError(`ActivityModel.stream: baseRatePerSec must be a number >= 0, got ${String(baseRatePerSec)}`);
    }
    const k = classifyStream(this.market, name);
    const rate = baseRatePerSec ?? k.defaultRate;
    const level = k.symbol === undefined ? 1 : this.level(k.symbol);
    const key = this.keyOf(k.symbol);
    const seed = hashString(`${name}#activity`, this.profile.seed);
    if (k.pattern === 'event') return new Activity(this, name, 'event', 0, level, (rate * level) / 1000, key, seed);
    const periodMs = rate > 0 ? Math.max(k.periodMs, 1000 / rate) : Infinity;
    const latent = k.pattern === 'depth' ? BOOK_CHANGES_PER_SEC : TRADES_PER_SEC;
    const perMs = periodMs === Infinity ? 0 : (latent * level) / 1000;
    const trades = k.pattern === 'traded' && perMs > 0 ? this.tradesOf(key, perMs) : undefined;
    return new Activity(this, name, k.pattern, periodMs, level, perMs, key, seed, trades);
  }

  /** m(t): the factor on every rate of `symbol` (undefined: the whole market) at `nowMs`. */
  modulation(symbol: string | undefined, nowMs: number): number {
    return this.segment(this.keyOf(symbol), nowMs);
  }

  /** m(t) of `symbol` at `nowMs` and the profile time where it may change next (to integrate m piecewise). */
  segmentAt(symbol: string | undefined, nowMs: number): { factor: number; endMs: number } {
    const factor = this.segment(this.keyOf(symbol), nowMs);
    return { factor, endMs: this.segEnd };
  }

  /** The shared trade sequence of a symbol's episode key (every traded stream of it has the same `perMs`: its level × {@link TRADES_PER_SEC}). */
  private tradesOf(key: number, perMs: number): SharedArrivals {
    let t = this.trades.get(key);
    if (t === undefined) {
      t = new SharedArrivals((now, rng) => this.arrival(key, now, perMs, rng), mix(key, 0x7ade5));
      this.trades.set(key, t);
    }
    return t;
  }

  private keyOf(symbol: string | undefined): number {
    const s = symbol ?? '!';
    let k = this.keys.get(s);
    if (k === undefined) {
      k = hashString(`${s}#episodes`, this.profile.seed);
      this.keys.set(s, k);
    }
    return k;
  }

  /** @internal The time of the next event of a process at `perMs` × m(t) after `now` (Infinity: never). */
  arrival(key: number, now: number, perMs: number, rng: Rng): number {
    if (!(perMs > 0)) return Infinity;
    let e = -Math.log(1 - rng.next());
    let t = now;
    for (let i = 0; i < MAX_SEGMENTS; i++) {
      const r = perMs * this.segment(key, t);
      const end = this.segEnd;
      if (r > 0) {
        const need = e / r;
        if (t + need <= end) return t + need;
        e = Math.max(0, e - r * (end - t));
      }
      t = end;
    }
    this.segment(key, t);
    const r = perMs * this.segBase;
    return r > 0 ? t + e / r : Infinity;
  }

  /** m(t) for `key`; sets `segEnd` (the next time it may change) and `segBase` (without the episode). */
  private segment(key: number, t: number): number {
    const { intraday, lull, bursts, quiet } = this.profile;
    let end = (Math.floor(t / INTRADAY_STEP_MS) + 1) * INTRADAY_STEP_MS;
    let f = intraday ? 1 + intraday.amplitude * Math.cos((2 * Math.PI * (t - intraday.peakMs)) / DAY_MS) : 1;
    if (lull) {
      const stop = lull.startMs + lull.durationMs;
      if (t < lull.startMs) end = Math.min(end, lull.startMs);
      else if (t < stop) {
        f *= lull.factor;
        end = Math.min(end, stop);
      }
    }
    this.segBase = f;
    let isQuiet = false;
    if (quiet) {
      isQuiet = this.episode(key, 0x51e7, t, QUIET_WINDOW_MS, quiet);
      end = Math.min(end, this.epEnd);
      if (isQuiet) f *= quiet.factor;
    }
    if (bursts) {
      const inBurst = this.episode(key, 0xb0a5, t, BURST_WINDOW_MS, bursts);
      end = Math.min(end, this.epEnd);
      if (inBurst && !isQuiet) f *= bursts.factor;
    }
    this.segEnd = end;
    return f;
  }

  /** Whether `t` is inside the episode of its window (at most one per window); sets `epEnd`. */
  private episode(key: number, salt: number, t: number, windowMs: number, o: ActivityEpisodes): boolean {
    const w = Math.floor(t / windowMs);
    const w0 = w * windowMs;
    const windowEnd = w0 + windowMs;
    const x = mix(key ^ salt, w);
    if (x / TWO_32 >= o.chance) {
      this.epEnd = windowEnd;
      return false;
    }
    const dur = o.durationMs * (0.25 + (0.75 * mix(x, 1)) / TWO_32);
    const start = w0 + ((windowMs - dur) * mix(x, 2)) / TWO_32;
    if (t < start) {
      this.epEnd = start;
      return false;
    }
    if (t < start + dur) {
      this.epEnd = start + dur;
      return true;
    }
    this.epEnd = windowEnd;
    return false;
  }
}
