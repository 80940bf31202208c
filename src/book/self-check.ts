/**
 * The self-check: does a REST snapshot taken while the book was live agree with the book?
 *
 * The snapshot (update id L) and the book (update id B) are rarely at the same id. Every
 * level touched by an applied event with `u > L` may legitimately differ (the event is newer
 * than the snapshot, or straddles it), so those prices are left out; every other level must be
 * equal. That needs the history of applied events back to L: when the history does not reach
 * that far (or the book was rebuilt from a snapshot newer than L) the check is `skipped`. A book
 * behind the snapshot (B < L) waits until it reaches L (the caller's job).
 *
 * Compared per side: the snapshot's best ⌊depth / 2⌋ levels, both ways (every one of them is in
 * the book with the same quantity; every book level up to the worst of them is in the
 * snapshot; a snapshot side shorter than that is the whole side, so the book's best ⌊depth / 2⌋
 * must all be in it). The snapshot must hold at least `depth` levels a side, or the whole side. Half the cap leaves room for the deep end of a capped book, which may miss levels
 * that were beyond the cap when they last changed.
 */
import type { AbortSignalLike } from '../core/web-types';
import { errorFields } from '../core/logger';
import type { Logger } from '../core/logger';
import { TimerSlots } from '../core/timers';
import type { PriceLevel } from '../streams/types';
import type { DepthSnapshot, OrderBook } from './order-book';
import type { UpdateRing } from './update-buffer';

export type CheckResult = { verdict: 'ok' } | { verdict: 'mismatch' | 'skipped'; detail: string };

/** Where the book's history starts: the snapshot it was built from, and whether the ring dropped events since. */
export interface HistoryCoverage {
  readonly history: UpdateRing;
  readonly baseUpdateId: number;
  readonly overflowed: boolean;
}

/** Prices (numbers) per side touched by applied events newer than `L`; undefined when the history does not reach back to `L`. */
export function touchedSince(L: number, c: HistoryCoverage): { bids: Set<number>; asks: Set<number> } | undefined {
  const out = { bids: new Set<number>(), asks: new Set<number>() };
  let reached = false;
  for (let i = 0; ; i++) {
    const e = c.history.fromNewest(i);
    if (e === undefined) break;
    if (e.u <= L) {
      reached = true;
      break;
    }
    for (const l of e.b) out.bids.add(Number(l[0]));
    for (const l of e.a) out.asks.add(Number(l[0]));
  }
  if (!reached && (c.overflowed || c.baseUpdateId > L)) return undefined;
  return out;
}

function compareSide(book: OrderBook, side: 'bids' | 'asks', levels: readonly PriceLevel[], skip: Set<number>): string | undefined {
  const window = Math.max(1, Math.floor(book.depth / 2));
  const snap = new Map<number, number>();
  let worst = NaN;
  for (let i = 0; i < levels.length && i < window; i++) {
    const l = levels[i] as PriceLevel;
    const p = Number(l[0]);
    snap.set(p, Number(l[1]));
    worst = p;
  }
  for (const [p, q] of snap) {
    if (skip.has(p)) continue;
    const local = book.level(side, p);
    if (local === undefined) return `${side} ${p}: missing from the book (snapshot qty ${q})`;
    if (Number(local[1]) !== q) return `${side} ${p}: book qty ${local[1]}, snapshot qty ${q}`;
  }
  // A snapshot side shorter than the window is the whole side: every book level in the window must be in it.
  const whole = levels.length < window;
  let extra: string | undefined;
  book.forEach(side, (l, rank) => {
    const p = Number(l[0]);
    if (whole ? rank >= window : side === 'bids' ? p < worst : p > worst) return false;
    if (!skip.has(p) && !snap.has(p)) {
      extra = `${side} ${l[0]}: in the book (qty ${l[1]}), not in the snapshot`;
      return false;
    }
    return true;
  });
  return extra;
}

/** Compare `book` (at or past the snapshot's update id) with `snapshot`. */
export function checkBook(book: OrderBook, snapshot: DepthSnapshot, coverage: HistoryCoverage): CheckResult {
  const L = snapshot.lastUpdateId;
  const touched = touchedSince(L, coverage);
  if (touched === undefined) return { verdict: 'skipped', detail: `the book's history does not reach back to the snapshot's lastUpdateId=${L}` };
  const diff = compareSide(book, 'bids', snapshot.bids, touched.bids) ?? compareSide(book, 'asks', snapshot.asks, touched.asks);
  if (diff === undefined) return { verdict: 'ok' };
  return { verdict: 'mismatch', detail: `snapshot lastUpdateId=${L}, book at ${book.lastUpdateId}: ${diff}` };
}

/** What the periodic self-check needs from its book's synchroniser. */
export interface SelfCheckHost {
  readonly stream: string;
  /** Period in ms; `false`/undefined: never. */
  readonly periodMs: number | false | undefined;
  readonly book: OrderBook;
  readonly log: Logger;
  readonly counts: { ok: number; mismatches: number; skipped: number; failed: number };
  coverage(): HistoryCoverage;
  /** One snapshot (shape-checked). */
  fetch(signal: AbortSignalLike): Promise<DepthSnapshot>;
  /** Whether the book is live (a check runs only then). */
  live(): boolean;
  mismatch(detail: string): void;
}

/**
 * Runs the check every `periodMs` while the book is live (re-armed after each run, never an
 * interval). A snapshot ahead of the book waits until the book reaches it (`afterApply()`, one
 * branch per applied event). `cancel()` (any resync, close) drops the timer, the fetch in flight
 * and a waiting snapshot.
 */
export class SelfCheckRunner {
  private readonly timers = new TimerSlots<'selfCheck'>();
  private ac: AbortController | undefined;
  private pending: DepthSnapshot | undefined;
  private epoch = 0;

  constructor(private readonly h: SelfCheckHost) {}

  get timersArmed(): number {
    return this.timers.size;
  }

  arm(): void {
    const ms = this.h.periodMs;
    if (ms === undefined || ms === false) return;
    this.timers.set('selfCheck', ms, () => void this.run());
  }

  cancel(): void {
    this.epoch++;
    this.timers.clearAll();
    this.ac?.abort();
    this.ac = undefined;
    this.pending = undefined;
  }

  afterApply(): void {
    const p = this.pending;
    if (p !== undefined && this.h.book.lastUpdateId >= p.lastUpdateId) this.compare(p);
  }

  private async run(): Promise<void> {
    const h = this.h;
    if (!h.live()) return;
    const epoch = this.epoch;
    const ac = (this.ac = new AbortController());
    let snap: DepthSnapshot;
    try {
      snap = await h.fetch(ac.signal);
    } catch (err) {
      if (epoch !== this.epoch) return;
      this.ac = undefined;
      h.counts.failed++;
      h.log.debug({ stream: h.stream, error: errorFields(err) }, 'order book self-check: snapshot failed');
      return this.arm();
    }
    if (epoch !== this.epoch) return;
    this.ac = undefined;
    if (h.book.lastUpdateId < snap.lastUpdateId) this.pending = snap;
    else this.compare(snap);
    if (epoch === this.epoch && h.live()) this.arm();
  }

  private compare(snap: DepthSnapshot): void {
    this.pending = undefined;
    const h = this.h;
    const r = checkBook(h.book, snap, h.coverage());
    if (r.verdict === 'ok') h.counts.ok++;
    else if (r.verdict === 'skipped') {
      h.counts.skipped++;
      h.log.debug({ stream: h.stream, detail: r.detail }, 'order book self-check skipped');
    } else {
      h.counts.mismatches++;
      h.mismatch(r.detail);
    }
  }
}
