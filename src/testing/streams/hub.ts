import type { Clock, TimerHandle } from '../clock';
import type { GroundTruth } from '../data/ground-truth';
import type { MarketData, StreamGenerator } from '../data/market-data';
import { hashString } from '../data/rng';
import type { ResolvedOptions } from '../options';
import type { FloodSource } from './flood/plan';
import { genericSource } from './flood/plan';
import type { FloodOptions, FloodResult } from './flood/pump';
import { Flooder } from './flood/pump';
import type { Frame } from './frame';
import { ScheduleHeap } from './schedule-heap';
import type { StreamConnection } from './stream-connection';

/** A paced stream behind by more than this catches up at most this much (then skips ahead). */
const MAX_BACKLOG_MS = 500;

interface Active {
  readonly stream: string;
  readonly gen: StreamGenerator;
  readonly rate: number;
  /** ms between events (Infinity: flood). */
  readonly interval: number;
  /** High-resolution ms when the next event is due. */
  due: number;
  /** Position in the schedule heap, -1 when not scheduled. */
  slot: number;
  /** Fraction of an interval between an out-of-cadence event and the next one, so streams started together do not stay in phase. */
  readonly phase: number;
  /** The due event is out of cadence (first one, or initialEvent): the next follows after `phase` intervals. */
  jump: boolean;
  running: boolean;
  linger: TimerHandle | undefined;
}

/**
 * Subscriptions, publishing and data generation. A stream is generated only while
 * it has at least one subscriber that can receive it (plus `generatorLingerMs`);
 * every event is recorded in the ground truth and serialized once for all subscribers.
 *
 * Finite rates are paced by one timer armed for the earliest due stream (a min-heap by
 * due time), waking at most every `tickMs`: smooth at any rate, no timer when idle.
 * Rate `Infinity` and `flood()` go through the {@link Flooder} (pre-built frames).
 */
export class Hub {
  readonly subs = new Map<string, Set<StreamConnection>>();
  private readonly active = new Map<string, Active>();
  private readonly gens = new Map<string, StreamGenerator | null>();
  private readonly heap = new ScheduleHeap<Active>();
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = Infinity;
  private lastWake = -Infinity;
  private readonly flooder: Flooder;
  private readonly sources = new Map<string, FloodSource>();
  eventsPublished = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly data: MarketData,
    private readonly truth: GroundTruth,
  ) {
    this.flooder = new Flooder({
      clock,
      truth,
      subscribers: (s) => this.subs.get(s),
      published: (_s, n) => {
        this.eventsPublished += n;
      },
    });
  }

  // ---- subscriptions ------------------------------------------------------

  add(conn: StreamConnection, stream: string): void {
    let set = this.subs.get(stream);
    if (!set) {
      set = new Set();
      this.subs.set(stream, set);
    }
    set.add(conn);
    if (set.size === 1) this.startGenerating(stream);
    else if (this.opts.initialEvent) this.dueNow(stream);
    if (this.flooder.isFlooding(stream)) this.flooder.wake();
  }

  remove(conn: StreamConnection, stream: string): void {
    const set = this.subs.get(stream);
    if (!set || !set.delete(conn)) return;
    if (set.size === 0) {
      this.subs.delete(stream);
      const a = this.active.get(stream);
      if (a && a.running) {
        this.clock.clear(a.linger);
        a.linger = this.clock.timeout(() => this.stopGenerating(stream), this.opts.generatorLingerMs);
      }
    }
    // A slow subscriber that left may have been holding a flood back.
    if (this.flooder.isFlooding(stream)) this.flooder.wake();
  }

  subscribers(stream: string): ReadonlySet<StreamConnection> {
    return this.subs.get(stream) ?? new Set();
  }

  /** A subscriber's socket drained: floods waiting for it may continue. */
  drained(): void {
    this.flooder.wake();
  }

  // ---- publishing ---------------------------------------------------------

  /** Record and deliver one payload (JSON text). */
  publishRaw(stream: string, raw: string, eventType?: string): Frame {
    const seq = this.truth.record(stream, raw, this.clock.now());
    this.eventsPublished++;
    const frame: Frame = { stream, raw, seq, eventType };
    const set = this.subs.get(stream);
    if (set) for (const c of set) c.deliver(frame);
    return frame;
  }

  private stamp(raw: string): string {
    const f = this.opts.stampField;
    if (!f || raw.charCodeAt(raw.length - 1) !== 125 /* } */) return raw;
    const t = this.clock.hrNow().toFixed(3);
    return raw.length === 2 ? `{"${f}":${t}}` : `${raw.slice(0, -1)},"${f}":${t}}`;
  }

  /** Generate and publish the next event(s) of a stream; returns how many. */
  private emit(stream: string, gen: StreamGenerator): number {
    const out = gen.next(this.clock.now());
    if (out === undefined) return 0;
    if (typeof out === 'string') {
      this.publishRaw(stream, this.stamp(out));
      return 1;
    }
    for (const raw of out) this.publishRaw(stream, this.stamp(raw));
    return out.length;
  }

  generator(stream: string): StreamGenerator | undefined {
    let g = this.gens.get(stream);
    if (g === undefined) {
      g = this.data.createGenerator(stream, this.clock.now()) ?? null;
      this.gens.set(stream, g);
    }
    return g ?? undefined;
  }

  private floodSource(stream: string, gen: StreamGenerator): FloodSource {
    let s = this.sources.get(stream);
    if (!s) {
      s = gen.flood ?? genericSource((now) => gen.next(now));
      this.sources.set(stream, s);
    }
    return s;
  }

  // ---- scheduling ---------------------------------------------------------

  private startGenerating(stream: string): void {
    const existing = this.active.get(stream);
    if (existing) {
      this.clock.clear(existing.linger);
      existing.linger = undefined;
      if (!existing.running) {
        existing.running = true;
        existing.jump = true;
        if (existing.rate === Infinity) this.flooder.setContinuous(stream, this.floodSource(stream, existing.gen), true);
        else this.schedule(existing, this.clock.hrNow());
      } else if (this.opts.initialEvent) this.dueNow(stream);
      return;
    }
    if (!this.opts.autoGenerate) return;
    const gen = this.generator(stream);
    if (!gen) return;
    const rate = this.data.rateFor(stream);
    if (!(rate > 0)) return;
    const phase = ((hashString(stream, this.data.seed) % 1000) + 1) / 1000;
    const a: Active = { stream, gen, rate, interval: 1000 / rate, due: 0, slot: -1, phase, jump: true, running: true, linger: undefined };
    this.active.set(stream, a);
    // The first event of a stream that starts generating goes out at once.
    if (rate === Infinity) this.flooder.setContinuous(stream, this.floodSource(stream, gen), true);
    else this.schedule(a, this.clock.hrNow());
  }

  /** initialEvent: make a running paced stream due now (its cadence restarts from this event). */
  private dueNow(stream: string): void {
    const a = this.active.get(stream);
    if (!a || !a.running || a.rate === Infinity) return;
    a.jump = true;
    this.schedule(a, this.clock.hrNow());
  }

  private stopGenerating(stream: string): void {
    const a = this.active.get(stream);
    if (!a) return;
    a.linger = undefined;
    if ((this.subs.get(stream)?.size ?? 0) > 0) return;
    a.running = false;
    if (a.rate === Infinity) this.flooder.setContinuous(stream, this.floodSource(stream, a.gen), false);
    else this.unschedule(a);
  }

  private schedule(a: Active, due: number): void {
    this.heap.schedule(a, due);
    this.arm();
  }

  private unschedule(a: Active): void {
    this.heap.remove(a);
    this.arm();
  }

  /** Arm the one pacing timer for the earliest due stream (no timer when nothing is due). */
  private arm(): void {
    const top = this.heap.top;
    if (!top || this.clock.isDisposed) {
      this.clock.clear(this.wakeTimer);
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      return;
    }
    const at = Math.max(top.due, this.lastWake + this.opts.tickMs);
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
        if (top.jump) {
          top.jump = false;
          this.emit(top.stream, top.gen);
          top.due = now + top.phase * top.interval;
          h.topChanged();
          continue;
        }
        let k = Math.floor((now - top.due) / top.interval) + 1;
        const cap = Math.ceil(MAX_BACKLOG_MS / top.interval) + 1;
        if (k > cap) {
          top.due = now - (cap - 1) * top.interval;
          k = cap;
        }
        for (let i = 0; i < k; i++) this.emit(top.stream, top.gen);
        top.due += k * top.interval;
        h.topChanged();
      }
    } finally {
      this.arm();
    }
  }

  /** Publish `count` events (or for `durationMs`) as fast as the subscribers drain. */
  flood(o: FloodOptions): Promise<FloodResult> {
    if (!o || typeof o !== 'object' || typeof o.stream !== 'string') return Promise.reject(new TypeError('flood: expected { stream, count | durationMs }'));
    const gen = this.generator(o.stream);
    if (!gen) return Promise.reject(new RangeError(`flood: no generator for stream ${JSON.stringify(o.stream)} (unknown symbol or stream kind for this market)`));
    const count = o.count ?? Infinity;
    const durationMs = o.durationMs ?? Infinity;
    if (count === Infinity && durationMs === Infinity) return Promise.reject(new RangeError('flood: give count or durationMs'));
    if (!(count >= 0) || !(durationMs >= 0)) return Promise.reject(new RangeError(`flood: count and durationMs must be >= 0, got ${o.count} / ${o.durationMs}`));
    return this.flooder.request(o.stream, this.floodSource(o.stream, gen), count, durationMs);
  }

  /** Streams currently generating. */
  generating(): string[] {
    return [...this.active].filter(([, a]) => a.running).map(([s]) => s);
  }

  dispose(): void {
    this.clock.clear(this.wakeTimer);
    this.wakeTimer = undefined;
    this.heap.clear();
    for (const a of this.active.values()) {
      a.running = false;
      a.slot = -1;
      this.clock.clear(a.linger);
    }
    this.flooder.dispose();
    for (const g of this.gens.values()) g?.dispose();
  }
}
