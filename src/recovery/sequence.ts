/**
 * Sequence tracking, always on: one small stage per trackable stream (aggTrade, trade, diff
 * depth, klines) that knows the next id or candle it expects, O(1) per message (one or two
 * field reads and compares, no allocation):
 *
 * - aggTrade `a`, trade `t`: the next id is the last + 1; a higher id is a gap of exactly
 *   the ids in between; a lower or equal one is a duplicate (after a reconnect or an
 *   overlap): dropped, counted.
 * - diff depth: spot `U` must be the last `u` + 1; futures `pu` must be the last `u` (their
 *   `U` jumps); an event whose `u` is not newer passes untouched (a resynced order book may
 *   need it) and is not a gap.
 * - klines: every candle must be seen closed (`x`) before a later one opens; a later open
 *   time with candles never closed in between is a gap of those candles; an update of an
 *   older candle (or a second close) is a duplicate.
 *
 * The cause comes from the stream's last interruption, which the pool records (a reconnect,
 * a silence repair or stale reconnect, a forced handover); a gap with none is a `stall`
 * too short for any detector. A gap is handed to the {@link GapHandler}: with backfill it
 * holds the live message and fills the gap first (./backfill.ts), else it reports it.
 */
import type { StreamMessage } from '../streams/types';
import type { CandleClock, GapCause, GapEvent } from './gap';
import { candleClock, candlesBetween, nextOpen } from './gap';
import type { RecoveryStage, StreamView } from './stage';

/** What the pool records about a stream's interruptions (part of the StreamView the stage reads). */
export interface InterruptionView extends StreamView {
  /** Interruptions so far (a counter the stage compares). */
  readonly interruptions: number;
  /** The kind of the latest one. */
  readonly interruption: GapCause | undefined;
}

export interface GapHandler {
  /**
   * A gap before `message`. Return true to deliver `message` now (the gap was reported),
   * false when the handler took it over (held while the gap is filled).
   */
  gap(gap: GapEvent, message: StreamMessage): boolean;
  /** While the handler holds live data of this stream (filling a gap), later messages go to it too, in order (true: taken). */
  holding(message: StreamMessage): boolean;
}

export type SequenceCounters = {
  gaps: number;
  /** Events (or candles) announced missing. */
  missed: number;
  duplicates: number;
};

type Bag = Record<string, unknown>;

export class SequenceStage implements RecoveryStage {
  readonly name = 'sequence';
  readonly counters: SequenceCounters = { gaps: 0, missed: 0, duplicates: 0 };
  /** trades: next expected id; depth: last `u`; klines: open time of the latest candle. NaN until the first message. */
  private last = NaN;
  /** klines: the latest candle was seen closed. */
  private closed = false;
  private seenInterruptions = 0;
  private readonly clock: CandleClock | undefined;
  private readonly mode: 'a' | 't' | 'spotDepth' | 'futuresDepth' | 'kline';

  constructor(
    kind: 'aggTrade' | 'trade' | 'depth' | 'kline',
    futures: boolean,
    stream: string,
    private readonly handler: GapHandler,
    private readonly now: () => number = Date.now,
  ) {
    this.mode = kind === 'aggTrade' ? 'a' : kind === 'trade' ? 't' : kind === 'depth' ? (futures ? 'futuresDepth' : 'spotDepth') : 'kline';
    this.clock = kind === 'kline' ? candleClock(stream) : undefined;
  }

  /** trades: the next id expected; klines: the open time of the latest candle; depth: the last `u`. Undefined before the first message. */
  get position(): number | undefined {
    return this.last === this.last ? this.last : undefined;
  }

  accept(view: StreamView, message: StreamMessage): boolean {
    const d = message.data as Bag | null;
    if (d === null || typeof d !== 'object') return !this.handler.holding(message);
    let deliver: boolean;
    switch (this.mode) {
      case 'a':
        deliver = this.trade(view as InterruptionView, message, d.a);
        break;
      case 't':
        deliver = this.trade(view as InterruptionView, message, d.t);
        break;
      case 'kline':
        deliver = this.kline(view as InterruptionView, message, d.k as Bag | undefined);
        break;
      default:
        deliver = this.depth(view as InterruptionView, message, d);
    }
    // In order behind a gap being filled: the handler holds it (it was tracked above).
    return deliver && !this.handler.holding(message);
  }

  private cause(view: InterruptionView): GapCause {
    const n = view.interruptions;
    if (n === this.seenInterruptions) return 'stall';
    this.seenInterruptions = n;
    return view.interruption ?? 'stall';
  }

  private trade(view: InterruptionView, message: StreamMessage, id: unknown): boolean {
    if (typeof id !== 'number') return true;
    const next = this.last;
    if (id === next || next !== next) {
      this.last = id + 1;
      return true;
    }
    if (id < next) return this.duplicate();
    this.last = id + 1;
    const count = id - next;
    return this.report(
      view,
      message,
      { stream: view.name, kind: this.mode === 'a' ? 'aggTrade' : 'trade', fromId: next, toId: id - 1, count, cause: this.cause(view), detectedAt: this.now(), filled: false },
      count,
    );
  }

  private depth(view: InterruptionView, message: StreamMessage, d: Bag): boolean {
    const first = d.U;
    const u = d.u;
    if (typeof u !== 'number' || typeof first !== 'number') return true;
    const last = this.last;
    if (last !== last) {
      this.last = u;
      return true;
    }
    // Never dropped: a local order book that resynced after a reconnect may need events at or
    // below the last `u` it saw before (its new snapshot can be older); it ignores what it does not need.
    if (u <= last) return true;
    this.last = u;
    const pu = d.pu;
    const chained = this.mode === 'futuresDepth' && typeof pu === 'number' ? pu === last : first <= last + 1;
    if (chained) return true;
    const gap: GapEvent = { stream: view.name, kind: 'depth', lastUpdateId: last, nextFirstUpdateId: first, cause: this.cause(view), detectedAt: this.now(), filled: false };
    if (typeof pu === 'number') gap.previousUpdateId = pu;
    return this.report(view, message, gap, 1);
  }

  private kline(view: InterruptionView, message: StreamMessage, k: Bag | undefined): boolean {
    const clock = this.clock;
    if (k === undefined || k === null || clock === undefined) return true;
    const t = k.t;
    if (typeof t !== 'number') return true;
    const closed = k.x === true;
    const last = this.last;
    if (last !== last || t === last) {
      if (t === last && this.closed) return this.duplicate(); // the candle was already delivered closed
      this.last = t;
      this.closed = closed;
      return true;
    }
    if (t < last) return this.duplicate();
    const from = this.closed ? nextOpen(clock, last) : last;
    const to = t - (Number.isNaN(clock.ms) ? 0 : clock.ms);
    this.last = t;
    this.closed = closed;
    const toOpen = Number.isNaN(clock.ms) ? previousOpen(clock, from, t) : to;
    if (toOpen < from) return true; // the next candle, as expected
    const count = candlesBetween(clock, from, toOpen);
    return this.report(
      view,
      message,
      { stream: view.name, kind: 'kline', interval: clock.interval, fromOpenTime: from, toOpenTime: toOpen, count, cause: this.cause(view), detectedAt: this.now(), filled: false },
      count,
    );
  }

  private duplicate(): boolean {
    this.counters.duplicates++;
    return false;
  }

  private report(_view: InterruptionView, message: StreamMessage, gap: GapEvent, missed: number): boolean {
    this.counters.gaps++;
    this.counters.missed += missed;
    return this.handler.gap(gap, message);
  }
}

/** Months: the open time of the last candle before `t` (walking from `from`). */
function previousOpen(c: CandleClock, from: number, t: number): number {
  let prev = from - 1;
  for (let x = from, n = 0; x < t && n < 1_200; x = nextOpen(c, x), n++) prev = x;
  return prev;
}
