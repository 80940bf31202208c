/**
 * One symbol's trades as a single realised sequence of times, shared by every stream that
 * follows them (activity.ts: klines and tickers, the `traded` pattern). On Binance a symbol's
 * kline_1s, kline_1m, ticker and miniTicker all move because the same trades happened; drawing
 * each from a private generator instead would let one of them see a trade that another, of the
 * same symbol and the same moment, did not: a kline silent for two minutes beside a busy
 * kline_1s, which no real market shows.
 *
 * The times are generated forward, lazily, from the first question (a pure function of the
 * seed, the symbol and that first time; the same calls give the same answers), and kept for
 * {@link RETAIN_MS} behind the latest question so that streams of the symbol that lag one
 * another by up to that much read the same trades; at most {@link MAX_KEPT} are kept. A
 * question before what is kept, or more than {@link RETAIN_MS} past the last generated time,
 * starts the sequence anew from it (work stays bounded whatever the questions).
 */
import { Rng } from '../data/rng';

/** How far behind the latest question the generated times stay readable (profile ms). */
export const RETAIN_MS = 600_000;
/** Upper bound on the times kept per symbol (a busy symbol in a burst: 100/s for 10 min is 60k). */
export const MAX_KEPT = 65_536;

/** The time of the next event after `now` of a process at `perMs` × m(t) (Infinity: never). */
export type ArrivalFn = (now: number, rng: Rng) => number;

export class SharedArrivals {
  private rng: Rng;
  private times: number[] = [];
  private head = 0;
  /** The latest generated time (undefined until the first question). */
  private cursor: number | undefined;
  /** `times` holds every arrival after this time. */
  private from = 0;
  private latestQuestion = -Infinity;

  constructor(
    private readonly arrival: ArrivalFn,
    private readonly seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** The first trade strictly after `t` (Infinity: none will come). */
  after(t: number): number {
    if (this.cursor === undefined || t < this.from || t - this.cursor > RETAIN_MS) {
      this.times = [];
      this.head = 0;
      this.from = t;
      this.cursor = t;
      this.latestQuestion = -Infinity;
      // The sequence from t is a function of (seed, t): a stream of the symbol that asks the
      // same question again (even after the others moved on) reads the same trades.
      const ms = Math.floor(t);
      this.rng = new Rng((this.seed ^ Math.imul(ms | 0, 0x9e3779b1) ^ Math.floor(ms / 4294967296)) >>> 0);
    }
    while (this.cursor <= t) {
      const next = this.arrival(this.cursor, this.rng);
      if (next === Infinity) return Infinity;
      this.times.push(next);
      this.cursor = next;
    }
    if (t > this.latestQuestion) {
      this.latestQuestion = t;
      this.prune();
    }
    // Binary search: the first kept time > t (a question older than what is kept reads the oldest kept).
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) > t) hi = mid;
      else lo = mid + 1;
    }
    return this.times[lo] as number;
  }

  /** Times kept (for tests and memory accounting). */
  get kept(): number {
    return this.times.length - this.head;
  }

  private prune(): void {
    const keepFrom = this.latestQuestion - RETAIN_MS;
    const last = this.times.length - 1;
    // Never drop the newest time: it answers the next question.
    while (this.head < last && ((this.times[this.head] as number) < keepFrom || this.times.length - this.head > MAX_KEPT)) {
      this.from = this.times[this.head] as number;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
