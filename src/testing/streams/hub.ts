import type { Clock, TimerHandle } from '../clock';
import type { GroundTruth } from '../data/ground-truth';
import type { MarketData, StreamGenerator } from '../data/market-data';
import { hashString } from '../data/rng';
import type { TapeControl } from '../data/stream-generators';
import type { ResolvedOptions } from '../options';
import type { ActivityModel } from './activity';
import type { FloodSource } from './flood/plan';
import { genericSource } from './flood/plan';
import type { FloodOptions, FloodResult } from './flood/pump';
import { Flooder } from './flood/pump';
import type { Frame } from './frame';
import type { Paced } from './pacer';
import { Pacer } from './pacer';
import type { StreamConnection } from './stream-connection';

interface Active extends Paced {
  readonly gen: StreamGenerator;
  readonly rate: number;
  running: boolean;
  linger: TimerHandle | undefined;
}

/**
 * Subscriptions, publishing and data generation. A stream is generated (sent) only while
 * it has at least one subscriber that can receive it (plus `generatorLingerMs`);
 * every event is recorded in the ground truth and serialized once for all subscribers.
 * Trade and aggTrade streams read their tape (data/tape.ts): their events exist in time
 * whatever is subscribed, the stream sends each when its time comes, and what happened
 * while it was not generating is history (REST), not sent.
 *
 * Finite rates are paced by the {@link Pacer} (one timer for the earliest due stream, at
 * most every `tickMs`), at fixed intervals or, with `activity: 'realistic'`, when the
 * {@link ActivityModel} says. Rate `Infinity` and `flood()` go through the {@link Flooder}
 * (pre-built frames). A muted stream (`faults.muteStream`) reaches no connection.
 */
export class Hub {
  readonly subs = new Map<string, Set<StreamConnection>>();
  private readonly active = new Map<string, Active>();
  private readonly gens = new Map<string, StreamGenerator | null>();
  private readonly pacer: Pacer<Active>;
  private readonly activity: ActivityModel | undefined;
  private readonly flooder: Flooder;
  private readonly sources = new Map<string, FloodSource>();
  /** Muted streams (faults.muteStream) → the timer that ends the mute. */
  private readonly muted = new Map<string, TimerHandle | undefined>();
  /** Per stream, the seq ranges [first, last, first, last…] recorded while muted (published, never sent). */
  private readonly mutedSeqs = new Map<string, number[]>();
  eventsPublished = 0;
  eventsMuted = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly data: MarketData,
    private readonly truth: GroundTruth,
  ) {
    this.pacer = new Pacer(clock, opts.tickMs, (a) => this.emit(a.stream, a.gen));
    this.activity = data.activity;
    this.flooder = new Flooder({
      clock,
      truth,
      // A muted stream has no one to flood: continuous floods pause, flood() requests go to no one (marked muted).
      subscribers: (s) => (this.muted.size && this.muted.has(s) ? undefined : this.subs.get(s)),
      published: (s, n) => {
        this.eventsPublished += n;
        if (this.muted.size && this.muted.has(s)) this.markMuted(s, n);
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

  /** Record and deliver one payload (JSON text); a muted stream's is recorded as muted and delivered to no one. */
  publishRaw(stream: string, raw: string, eventType?: string): Frame {
    const seq = this.truth.record(stream, raw, this.clock.now());
    this.eventsPublished++;
    const frame: Frame = { stream, raw, seq, eventType };
    if (this.muted.size && this.muted.has(stream)) this.markMuted(stream, 1);
    else {
      const set = this.subs.get(stream);
      if (set) for (const c of set) c.deliver(frame);
    }
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
      g = this.data.createGenerator(stream) ?? null;
      this.gens.set(stream, g);
    }
    return g ?? undefined;
  }

  private floodSource(stream: string, gen: StreamGenerator): FloodSource {
    let s = this.sources.get(stream);
    if (!s) {
      const base = gen.flood ?? genericSource((now) => gen.next(now));
      const tape = gen.tape;
      // A flood goes into the tape after every event due so far: send those first.
      s = tape ? { ...base, peek: () => (this.catchUp(stream, tape), base.peek()) } : base;
      this.sources.set(stream, s);
    }
    return s;
  }

  /** Publish a tape stream's due events now (or, not generating, move it to the present). */
  private catchUp(stream: string, tape: TapeControl): void {
    const a = this.active.get(stream);
    const now = this.clock.now();
    if (a && a.running && a.rate !== Infinity) for (const raw of tape.drain(now)) this.publishRaw(stream, this.stamp(raw));
    else tape.resume(now);
  }

  // ---- mute fault ---------------------------------------------------------

  /**
   * Stop a stream's data frames on every connection (current and future) for `durationMs`
   * (wall ms, not scaled, like a stall) or until {@link unmute}. Its events are still generated
   * and recorded (REST backfill sees them), marked muted: the public ground truth leaves them out.
   */
  mute(stream: string, durationMs = Infinity): void {
    this.clock.clear(this.muted.get(stream));
    this.muted.set(stream, durationMs === Infinity ? undefined : this.clock.timeout(() => this.unmute(stream), durationMs));
  }

  unmute(stream?: string): void {
    for (const s of stream === undefined ? [...this.muted.keys()] : [stream]) {
      if (!this.muted.has(s)) continue;
      this.clock.clear(this.muted.get(s));
      this.muted.delete(s);
      if (this.flooder.isFlooding(s)) this.flooder.wake();
    }
  }

  isMuted(stream: string): boolean {
    return this.muted.has(stream);
  }

  /** Whether the event `seq` of `stream` was published while the stream was muted (sent to no one). */
  wasMuted(stream: string, seq: number): boolean {
    const r = this.mutedSeqs.get(stream);
    if (r) for (let i = 0; i < r.length; i += 2) if (seq >= (r[i] as number) && seq <= (r[i + 1] as number)) return true;
    return false;
  }

  /** The last `n` events recorded on `stream` were muted. */
  private markMuted(stream: string, n: number): void {
    this.eventsMuted += n;
    const last = this.truth.count(stream);
    let r = this.mutedSeqs.get(stream);
    if (!r) this.mutedSeqs.set(stream, (r = []));
    if (r.length && r[r.length - 1] === last - n) r[r.length - 1] = last;
    else r.push(last - n + 1, last);
    // Ranges that left the ground-truth ring are not needed any more.
    while (r.length > 2 && (r[1] as number) <= last - this.opts.groundTruthLimit) r.splice(0, 2);
  }

  // ---- scheduling ---------------------------------------------------------

  private startGenerating(stream: string): void {
    const existing = this.active.get(stream);
    if (existing) {
      this.clock.clear(existing.linger);
      existing.linger = undefined;
      if (!existing.running) {
        existing.running = true;
        existing.gen.tape?.resume(this.clock.now());
        if (existing.rate === Infinity) this.flooder.setContinuous(stream, this.floodSource(stream, existing.gen), true);
        else this.pacer.start(existing);
      } else if (this.opts.initialEvent) this.dueNow(stream);
      return;
    }
    if (!this.opts.autoGenerate) return;
    const gen = this.generator(stream);
    if (!gen) return;
    const rate = this.data.rateFor(stream);
    if (!(rate > 0)) return;
    const phase = ((hashString(stream, this.data.seed) % 1000) + 1) / 1000;
    const tape = gen.tape;
    const activity = rate === Infinity || tape ? undefined : this.activity?.stream(stream, rate);
    const tapeDue = tape && (() => tape.nextDueAt());
    const a: Active = { stream, gen, rate, interval: 1000 / rate, due: 0, slot: -1, phase, activity, tapeDue, jump: true, running: true, linger: undefined };
    tape?.resume(this.clock.now());
    this.active.set(stream, a);
    // Steady: the first event of a stream that starts generating goes out at once (realistic: when the model says).
    if (rate === Infinity) this.flooder.setContinuous(stream, this.floodSource(stream, gen), true);
    else this.pacer.start(a);
  }

  /** initialEvent: make a running paced stream due now (its cadence restarts from this event). Not for tape streams: a trade cannot be invented. */
  private dueNow(stream: string): void {
    const a = this.active.get(stream);
    if (!a || !a.running || a.rate === Infinity || a.gen.tape) return;
    this.pacer.dueNow(a);
  }

  private stopGenerating(stream: string): void {
    const a = this.active.get(stream);
    if (!a) return;
    a.linger = undefined;
    if ((this.subs.get(stream)?.size ?? 0) > 0) return;
    a.running = false;
    if (a.rate === Infinity) this.flooder.setContinuous(stream, this.floodSource(stream, a.gen), false);
    else this.pacer.stop(a);
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
    this.pacer.dispose();
    for (const t of this.muted.values()) this.clock.clear(t);
    this.muted.clear();
    for (const a of this.active.values()) {
      a.running = false;
      a.slot = -1;
      this.clock.clear(a.linger);
    }
    this.flooder.dispose();
    for (const g of this.gens.values()) g?.dispose();
  }
}
