/**
 * When a tape's events happen, as the expected number of events Λ(t) since the emulator's start
 * (negative before it) and its inverse, both pure functions of time. Steady streams: Λ grows at the stream's rate. Realistic
 * ones (`activity: 'realistic'`): Λ(t) = base rate × level × ∫ m over emulator time, m the activity
 * model's factor for the symbol (intraday curve, lull, bursts, quiet spells), integrated over its
 * piecewise-constant segments with a checkpoint every {@link CHECK_EVERY} segments (kept for the
 * history window only).
 */
import type { ActivityModel } from '../streams/activity';

export interface Schedule {
  /** Λ(t): events expected from the emulator's start to wall-clock ms `t` (non-decreasing, negative before the start). */
  at(t: number): number;
  /** The earliest wall-clock ms where Λ reaches `x` (Infinity: never). */
  timeOf(x: number): number;
}

/** Λ(t) = (t − origin) × perMs. */
export class LinearSchedule implements Schedule {
  constructor(
    private readonly origin: number,
    private readonly perMs: number,
  ) {}

  at(t: number): number {
    return (t - this.origin) * this.perMs;
  }

  timeOf(x: number): number {
    return this.origin + x / this.perMs;
  }
}

const CHECK_EVERY = 8;
/** Do not integrate further than this past the frontier in one call (a factor of 0 for ever). */
const HORIZON_MS = 10 * 365 * 86_400_000;

/** ∫ m over profile time from `startP`, forward, with checkpoints (one symbol). */
class Integrator {
  private ps: number[];
  private ms: number[];
  private head = 0;
  private endP: number;
  private endM = 0;
  private segs = 0;

  constructor(
    private readonly model: ActivityModel,
    private readonly symbol: string,
    startP: number,
    private readonly floorP: () => number,
  ) {
    this.ps = [startP];
    this.ms = [0];
    this.endP = startP;
  }

  private seg(t: number): { factor: number; end: number } {
    const { factor, endMs } = this.model.segmentAt(this.symbol, t);
    return { factor, end: endMs > t ? endMs : t + 1 };
  }

  private step(): void {
    const { factor, end } = this.seg(this.endP);
    this.endM += factor * (end - this.endP);
    this.endP = end;
    if (++this.segs % CHECK_EVERY === 0) {
      this.ps.push(this.endP);
      this.ms.push(this.endM);
      if (this.ps.length % 64 === 0) this.prune(this.floorP());
    }
  }

  /** Index of the last checkpoint whose value in `arr` is <= `v`. */
  private find(arr: number[], v: number): number {
    let lo = this.head;
    let hi = arr.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((arr[mid] as number) <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Before the first checkpoint: extended at the factor found there (times outside the history stay distinct). */
  private headFactor(): number {
    return this.seg(this.ps[this.head] as number).factor || 1;
  }

  value(p: number): number {
    while (this.endP < p) this.step();
    const p0 = this.ps[this.head] as number;
    if (p < p0) return (this.ms[this.head] as number) - (p0 - p) * this.headFactor();
    const i = this.find(this.ps, p);
    let t = this.ps[i] as number;
    let m = this.ms[i] as number;
    while (t < p) {
      const { factor, end } = this.seg(t);
      if (end >= p) return m + factor * (p - t);
      m += factor * (end - t);
      t = end;
    }
    return m;
  }

  /** The earliest p where the integral reaches `v` (Infinity if not within the horizon). */
  inverse(v: number): number {
    const limit = this.endP + HORIZON_MS;
    while (this.endM < v) {
      if (this.endP > limit) return Infinity;
      this.step();
    }
    const m0 = this.ms[this.head] as number;
    if (v < m0) return (this.ps[this.head] as number) - (m0 - v) / this.headFactor();
    let i = this.find(this.ms, v);
    while (i > this.head && (this.ms[i - 1] as number) >= v) i--;
    let t = this.ps[i] as number;
    let m = this.ms[i] as number;
    for (;;) {
      const { factor, end } = this.seg(t);
      const gain = factor * (end - t);
      if (factor > 0 && m + gain >= v) return t + (v - m) / factor;
      m += gain;
      t = end;
    }
  }

  /** Forget checkpoints before profile time `p` (one at or before it stays). */
  prune(p: number): void {
    while (this.head + 1 < this.ps.length && (this.ps[this.head + 1] as number) <= p) this.head++;
    if (this.head > 256 && this.head * 2 > this.ps.length) {
      this.ps = this.ps.slice(this.head);
      this.ms = this.ms.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * M(p) = ∫ m over profile time from 0 (the emulator's start; negative before it) for one symbol,
 * shared by its tapes. After the start it is integrated forward as time goes; the part before
 * the start (back to the window's start) only when history before the start is asked for.
 */
export class ActivityIntegral {
  private readonly post: Integrator;
  private pre: { integ: Integrator; total: number } | undefined;

  constructor(
    private readonly model: ActivityModel,
    private readonly symbol: string,
    /** Profile time where the history starts (<= 0). */
    private readonly startP: number,
    floorP: () => number,
  ) {
    this.post = new Integrator(model, symbol, 0, floorP);
  }

  private before(): { integ: Integrator; total: number } {
    if (!this.pre) {
      const integ = new Integrator(this.model, this.symbol, this.startP, () => this.startP);
      this.pre = { integ, total: integ.value(0) };
    }
    return this.pre;
  }

  value(p: number): number {
    if (p >= 0) return this.post.value(p);
    const b = this.before();
    return b.integ.value(p) - b.total;
  }

  inverse(v: number): number {
    if (v >= 0) return this.post.inverse(v);
    const b = this.before();
    return b.integ.inverse(v + b.total);
  }

  /** Forget checkpoints before profile time `p`. */
  prune(p: number): void {
    this.post.prune(p);
    if (p > 0) this.pre = undefined;
  }
}

/** Λ(t) = perUnit × M((t − origin) × timeScale): a realistic stream's tape schedule. */
export class ActivitySchedule implements Schedule {
  constructor(
    private readonly integral: ActivityIntegral,
    /** Events per unit of M: base rate × level / 1000. */
    private readonly perUnit: number,
    private readonly origin: number,
    private readonly timeScale: number,
  ) {}

  at(t: number): number {
    return this.perUnit * this.integral.value((t - this.origin) * this.timeScale);
  }

  timeOf(x: number): number {
    const p = this.integral.inverse(x / this.perUnit);
    return p === Infinity ? Infinity : this.origin + p / this.timeScale;
  }
}
