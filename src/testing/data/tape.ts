/**
 * A trade tape: every event of one `<symbol>@trade` or `<symbol>@aggTrade` stream, whether or not
 * anyone subscribed, as a pure function of its index k (0 = the first event after the emulator's
 * start; negative before it, back to the history's start). Nothing is stored per event: the time
 * of event k comes from its coordinate on the {@link Schedule} (steady: k + phase, evenly spaced;
 * realistic: blocks of {@link BLOCK} events at sorted uniform positions, i.e. a Poisson process
 * with the activity model's intensity), its price from the symbol's {@link PricePath} at that time
 * plus a hashed jitter of at most one step, its quantity, side and (aggTrade) 1–3 trades from
 * hashes of k. aggTrade trade ids telescope (f = F0 + 2k + e0 − e_k with a hashed bit e), so every
 * id is O(1) to compute too.
 *
 * Events published by `flood()` (and rate-`Infinity` streams) are runs inserted into the tape at the
 * moment they were sent: every later id shifts by their count, and their payloads are kept (the
 * flood's own lazy batches) for at most {@link MAX_RUNS} runs; older ones end the history there.
 */
import type { LazyEvents } from './ground-truth';
import { mixIndex } from './price-path';
import type { PricePath } from './price-path';
import { Rng } from './rng';
import type { Schedule } from './schedule';
import type { SymbolState } from './symbol-state';

/** Events per block of a realistic tape. */
const BLOCK = 512;
const CACHE_BLOCKS = 8;
/** Flood runs kept with their payloads (a run is one flood batch, up to 1024 events). */
export const MAX_RUNS = 4096;

export type TapeKind = 'trade' | 'aggTrade';

interface Run {
  /** Tape index before which it was inserted. */
  readonly pos: number;
  readonly n: number;
  readonly at: number;
  readonly events: LazyEvents;
  /** Events of earlier runs (pruned ones included). */
  readonly before: number;
}

/** One event of the merged sequence (tape or flood run). */
export type TapeItem = { run: undefined; k: number; id: number } | { run: Run; i: number; id: number };

export interface TapeOptions {
  readonly kind: TapeKind;
  readonly sym: SymbolState;
  readonly path: PricePath;
  /** When its events happen; undefined: none (rate 0 or `Infinity`, `autoGenerate: false`). */
  readonly schedule: Schedule | undefined;
  /** Poisson positions (realistic) instead of evenly spaced ones. */
  readonly poisson: boolean;
  /** Hash behind every per-event draw. */
  readonly key: number;
  /** Id of event 0 (ids are firstId + k, shifted by flood runs). */
  readonly firstId: number;
  /** aggTrade: the first trade id of event 0. */
  readonly firstTradeId: number;
  /** Wall-clock ms where the history starts: no event before it. */
  readonly start: number;
}

export class TradeTape {
  /** Next tape index the live stream sends (every earlier one was sent or is history). */
  cursor = 0;
  private runs: Run[] = [];
  private injected = 0;
  /** Events of runs dropped (they stay counted in the ids), and where the history now starts. */
  private pruned = 0;
  private runFloor = -Infinity;
  private readonly blocks = new Map<number, Float64Array>();
  private readonly phase: number;
  private kStart: number | undefined;

  constructor(readonly o: TapeOptions) {
    this.phase = ((mixIndex(o.key, -1) % 1000) + 0.5) / 1000;
  }

  /** Index of the first event of the history (its `T` >= the start, its ids >= 1). */
  get first(): number {
    if (this.kStart === undefined) {
      const byId = Math.max(1 - this.o.firstId, this.o.kind === 'aggTrade' ? Math.ceil((2 - this.o.firstTradeId) / 2) : -Infinity);
      this.kStart = this.o.schedule ? Math.max(this.indexAfter(this.o.start - 1), byId) : 0;
    }
    return this.kStart;
  }

  /** Oldest time still served (flood runs beyond {@link MAX_RUNS} cut the history). */
  get floor(): number {
    return this.runFloor;
  }

  // ---- the tape's own events --------------------------------------------------

  private block(j: number): Float64Array {
    let b = this.blocks.get(j);
    if (b) {
      this.blocks.delete(j);
      this.blocks.set(j, b);
      return b;
    }
    const rng = new Rng(mixIndex(this.o.key ^ 0xb10c, j));
    const s = new Float64Array(BLOCK + 1);
    let sum = 0;
    for (let i = 0; i <= BLOCK; i++) s[i] = sum += -Math.log(1 - rng.next());
    b = new Float64Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) b[i] = (BLOCK * (s[i] as number)) / sum;
    this.blocks.set(j, b);
    if (this.blocks.size > CACHE_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
    return b;
  }

  private coord(k: number): number {
    if (!this.o.poisson) return k + this.phase;
    const j = Math.floor(k / BLOCK);
    return j * BLOCK + (this.block(j)[k - j * BLOCK] as number);
  }

  /** The first index whose coordinate is >= `x`. */
  private firstAtOrAfter(x: number): number {
    if (!this.o.poisson) return Math.ceil(x - this.phase) || 0;
    const j = Math.floor(x / BLOCK);
    const rem = x - j * BLOCK;
    const b = this.block(j);
    let lo = 0;
    let hi = BLOCK;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((b[mid] as number) < rem) lo = mid + 1;
      else hi = mid;
    }
    return j * BLOCK + lo;
  }

  /** `T` of tape event k (wall ms). */
  time(k: number): number {
    const s = this.o.schedule;
    return s ? Math.floor(s.timeOf(this.coord(k))) : Infinity;
  }

  /** The first index whose `T` > t (events before the history's start included: clamp with `first`). */
  indexAfter(t: number): number {
    const s = this.o.schedule;
    if (!s) return 0;
    const x = s.at(t + 1);
    if (!Number.isFinite(x)) return x > 0 ? Number.MAX_SAFE_INTEGER : 0;
    let c = this.firstAtOrAfter(x);
    // time() is the authority: settle float error at the boundary.
    while (this.time(c - 1) > t) c--;
    while (this.time(c) <= t) c++;
    return c;
  }

  private bit(salt: number, k: number): number {
    return mixIndex(this.o.key ^ salt, k) & 1;
  }

  /** Price (ticks), quantity, buyer-is-maker, trades (aggTrade) and first trade id of tape event k. */
  fields(k: number): { T: number; p: number; q: number; m: boolean; n: number; f: number } {
    const { sym, path, key } = this.o;
    const T = this.time(k);
    const h = mixIndex(key, k);
    const jitter = (h & 3) === 2 ? 1 : (h & 3) === 3 ? -1 : 0;
    const p = Math.max(sym.stepTicks, path.at(T) + jitter * sym.stepTicks);
    const u = mixIndex(key ^ 0x5bd1e995, k) / 4294967296;
    const notional = Math.exp(Math.log(5) + u * (Math.log(50_000) - Math.log(5)));
    const unit = 10 ** (sym.futures ? 3 : 5);
    const q = Math.max(1, Math.round((notional / (p * sym.tickSize)) * unit)) / unit;
    const e0 = this.bit(0x27d4eb2f, 0);
    const ek = this.bit(0x27d4eb2f, k);
    const n = 2 + ek - this.bit(0x27d4eb2f, k + 1);
    return { T, p, q, m: ((h >>> 2) & 1) === 1, n, f: this.o.firstTradeId + 2 * k + e0 - ek };
  }

  // ---- flood runs and the merged sequence -------------------------------------

  private lastRunAtOrBefore(pos: number): Run | undefined {
    let lo = 0;
    let hi = this.runs.length - 1;
    let best: Run | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.runs[mid] as Run;
      if (r.pos <= pos) {
        best = r;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** Events of runs inserted at or before tape index k. */
  private injectedBefore(k: number): number {
    const r = this.lastRunAtOrBefore(k);
    return r ? r.before + r.n : this.pruned;
  }

  /** The id (aggTrade `a`, trade `t`) of tape event k. */
  idOf(k: number): number {
    return this.o.firstId + k + this.injectedBefore(k);
  }

  /** Tape event k with its ids after the runs before it (aggTrade `f`; `l` = f + n − 1). */
  event(k: number): { T: number; p: number; q: number; m: boolean; n: number; f: number; id: number } {
    const e = this.fields(k);
    const inj = this.injectedBefore(k);
    return { ...e, f: e.f + inj, id: this.o.firstId + k + inj };
  }

  /** The event with id `id` (tape or run), if it exists (it may lie in the future). */
  item(id: number): TapeItem | undefined {
    const g = id - this.o.firstId;
    let lo = 0;
    let hi = this.runs.length - 1;
    let r: Run | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const x = this.runs[mid] as Run;
      if (x.pos + x.before <= g) {
        r = x;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (r && g < r.pos + r.before + r.n) return { run: r, i: g - r.pos - r.before, id };
    const k = g - (r ? r.before + r.n : this.pruned);
    return k >= this.first ? { run: undefined, k, id } : undefined;
  }

  /** `T` of an item. */
  itemTime(it: TapeItem): number {
    return it.run ? it.run.at : this.time(it.k);
  }

  /** Id of the first event with `T` > t. */
  nextId(t: number): number {
    let inj = this.injected;
    for (let i = this.runs.length - 1; i >= 0 && (this.runs[i] as Run).at > t; i--) inj -= (this.runs[i] as Run).n;
    return this.o.firstId + Math.max(this.first, this.indexAfter(t)) + inj;
  }

  /** Ids of the next event the stream would carry (flood templates continue from them). */
  peekIds(): { id: number; tradeId: number } {
    const k = this.cursor;
    const g = k + this.injected;
    return { id: this.o.firstId + g, tradeId: this.o.kind === 'aggTrade' ? this.fields(k).f + this.injected : 0 };
  }

  /** `n` flood events were published at `at` (after every tape event the stream sent). */
  commitRun(n: number, events: LazyEvents, at: number): void {
    const pos = Math.max(this.cursor, this.indexAfter(at));
    this.runs.push({ pos, n, at, events, before: this.injected });
    this.injected += n;
    this.cursor = pos;
    if (this.runs.length > MAX_RUNS) {
      const drop = this.runs.length >> 1;
      this.runFloor = (this.runs[drop - 1] as Run).at + 1;
      this.dropRuns(drop);
    }
  }

  /** Forget runs older than `t` (outside the history window). */
  pruneRuns(t: number): void {
    let i = 0;
    while (i < this.runs.length && (this.runs[i] as Run).at < t) i++;
    if (i > 0) this.dropRuns(i);
  }

  private dropRuns(count: number): void {
    for (let i = 0; i < count; i++) this.pruned += (this.runs[i] as Run).n;
    this.runs = this.runs.slice(count);
  }
}
