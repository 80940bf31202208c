/**
 * When the hub's paced (finite-rate) streams are due: one timer armed for the earliest due
 * stream (a min-heap by due time), waking at most every `tickMs`; no timer while nothing is due.
 * A steady stream is due every `interval` ms (with a phase after an out-of-cadence event); a
 * stream with an activity (activity.ts, `activity: 'realistic'`) is due when its model says,
 * in profile time: ms since the pacer started × `timeScale`. A tape stream (trade, aggTrade) is
 * due when its tape's next event is.
 */
import type { Clock, TimerHandle } from '../clock';
import type { StreamActivity } from './activity';
import type { Scheduled } from './schedule-heap';
import { ScheduleHeap } from './schedule-heap';

/** A paced stream behind by more than this catches up at most this much (then skips ahead). */
const MAX_BACKLOG_MS = 500;
/** At most this many events of one activity-paced stream per wake (then it skips ahead). */
const MAX_EVENTS_PER_WAKE = 10_000;

export interface Paced extends Scheduled {
  readonly stream: string;
  /** ms between events of a steady stream. */
  readonly interval: number;
  /** Fraction of an interval between an out-of-cadence event and the next one, so streams started together do not stay in phase. */
  readonly phase: number;
  /** When set, the model decides every gap (interval and phase are unused). */
  readonly activity: StreamActivity | undefined;
  /** When set (tape streams), the wall-clock ms of the stream's next event (Infinity: none). */
  readonly tapeDue?: (() => number) | undefined;
  /** The due event is out of cadence (first one, or initialEvent): steady streams follow after `phase` intervals. */
  jump: boolean;
}

export class Pacer<T extends Paced> {
  private readonly heap = new ScheduleHeap<T>();
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = Infinity;
  private lastWake = -Infinity;
  private readonly origin: number;

  constructor(
    private readonly clock: Clock,
    private readonly tickMs: number,
    /** Publish the next event(s) of a stream. */
    private readonly emit: (a: T) => void,
  ) {
    this.origin = clock.hrNow();
  }

  /**
   * Start pacing a stream that starts generating: a steady one sends at once; an activity-paced
   * one when its model says (an illiquid symbol stays quiet after a subscribe, as on Binance).
   */
  start(a: T): void {
    const now = this.clock.hrNow();
    if (a.tapeDue) {
      a.jump = false;
      this.place(a, this.toHr(a.tapeDue()));
    } else if (a.activity) {
      a.jump = false;
      this.place(a, now + this.gap(a, now));
    } else {
      a.jump = true;
      this.place(a, now);
    }
  }

  /** Make a stream due now (initialEvent): its cadence restarts from this event. */
  dueNow(a: T): void {
    a.jump = true;
    this.place(a, this.clock.hrNow());
  }

  stop(a: T): void {
    this.heap.remove(a);
    this.arm();
  }

  dispose(): void {
    this.clock.clear(this.wakeTimer);
    this.wakeTimer = undefined;
    this.heap.clear();
  }

  /** A wall-clock ms (Date.now) as a due time on the high-resolution clock. */
  private toHr(wall: number): number {
    return wall === Infinity ? Infinity : this.clock.hrNow() + (wall - this.clock.now());
  }

  /** The model's next gap after high-resolution wall time `t`, in wall ms. */
  private gap(a: T, t: number): number {
    const scale = this.clock.timeScale;
    return (a.activity as StreamActivity).nextGapMs((t - this.origin) * scale) / scale;
  }

  private place(a: T, due: number): void {
    this.heap.schedule(a, due);
    this.arm();
  }

  /** Arm the one pacing timer for the earliest due stream (no timer when nothing is due). */
  private arm(): void {
    const top = this.heap.top;
    if (!top || top.due === Infinity || this.clock.isDisposed) {
      this.clock.clear(this.wakeTimer);
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      return;
    }
    const at = Math.max(top.due, this.lastWake + this.tickMs);
    if (this.wakeTimer && this.wakeAt <= at) return;
    this.clock.clear(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = this.clock.timeout(() => this.tick(), Math.max(0, at - this.clock.hrNow()));
  }

  private tick(): void {
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
    const now = this.clock.hrNow();
    this.lastWake = now;
    const h = this.heap;
    // Everything due by now (a timer fires a little late, never early on purpose).
    try {
      for (let top = h.top; top && top.due <= now; top = h.top) {
        if (top.tapeDue) this.advanceTape(top, now);
        else if (top.activity) this.advanceModelled(top, now);
        else this.advanceSteady(top, now);
        h.topChanged();
      }
    } finally {
      this.arm();
    }
  }

  /** Send what the tape has due (late events included, in order); more due than one call sends: next wake. */
  private advanceTape(a: T, now: number): void {
    this.emit(a);
    const next = (a.tapeDue as () => number)();
    a.due = next <= this.clock.now() ? now + 0.001 : this.toHr(next);
  }

  private advanceSteady(a: T, now: number): void {
    if (a.jump) {
      a.jump = false;
      this.emit(a);
      a.due = now + a.phase * a.interval;
      return;
    }
    let k = Math.floor((now - a.due) / a.interval) + 1;
    const cap = Math.ceil(MAX_BACKLOG_MS / a.interval) + 1;
    if (k > cap) {
      a.due = now - (cap - 1) * a.interval;
      k = cap;
    }
    for (let i = 0; i < k; i++) this.emit(a);
    a.due += k * a.interval;
  }

  /** Emit every event the model placed by now (each next gap drawn from the previous event's time). */
  private advanceModelled(a: T, now: number): void {
    if (a.jump) {
      a.jump = false;
      this.emit(a);
      a.due = now + this.gap(a, now);
      return;
    }
    if (now - a.due > MAX_BACKLOG_MS) {
      // Too far behind: what was due before the backlog window is not generated.
      const from = now - MAX_BACKLOG_MS;
      a.due = from + this.gap(a, from);
    }
    for (let n = 0; a.due <= now && n < MAX_EVENTS_PER_WAKE; n++) {
      this.emit(a);
      a.due += this.gap(a, a.due);
    }
    if (a.due <= now) a.due = now + this.gap(a, now);
  }
}
