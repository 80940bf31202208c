/**
 * Full-speed mode ("flood", behind `Hub.flood()`): streams at rate `Infinity` and `ex.flood()`, as pre-built frames (plan.ts,
 * frame-template.ts) written straight to the TCP sockets. Invariants:
 * - every subscriber of a stream gets the same bytes, in publish order, with the stream's own sequence continued (ids patched in place; a
 *   plan is rebuilt before an id outgrows it);
 * - backpressure: a stream waits while any subscriber has more than {@link HIGH_WATER} bytes queued and resumes on 'drain'; a turn writes
 *   at most TURN_BYTES, then yields to I/O, so limits, heartbeats and control answers keep running;
 * - faults hold: stalled/blackholed connections drop the frames, latency delays them;
 * - the ground truth records each batch as one lazy segment, exact when read.
 */
import type { Clock, TimerHandle } from '../../clock';
import type { GroundTruth } from '../../data/ground-truth';
import type { FrameTemplate, Slot } from './frame-template';
import { writeTimeDigits } from './frame-template';
import type { FloodSource, Plan } from './plan';
import { Batch, buildPlan } from './plan';

/** A stream waits while a subscriber has more than this queued in user space. */
export const HIGH_WATER = 1024 * 1024;
/** Bytes written per pump turn before yielding to I/O. */
const TURN_BYTES = 4 * 1024 * 1024;
const STALLED_POLL_MS = 10; // poll period while a continuous flood's subscribers are all stalled

/** Options of `ex.flood(options)`: the stream to publish on as fast as its slowest subscriber drains, and for how many events or how long. */
export interface FloodOptions {
  /** Stream to flood (must have a generator: a known symbol and kind). */
  stream: string;
  /** Events to publish. */
  count?: number | undefined;
  /** Or: publish for this long (ms). */
  durationMs?: number | undefined;
}

/** What `ex.flood()` resolves with: events sent and the time it took (ms). */ export interface FloodResult {
  sent: number;
  durationMs: number;
}

export interface FloodHost {
  readonly clock: Clock;
  readonly truth: GroundTruth;
  subscribers(stream: string): ReadonlySet<FloodTarget> | undefined;
  /** `n` events were published on `stream`. */
  published(stream: string, n: number): void;
}

/** A subscriber as the pump sees it (stream connections implement it). */
export interface FloodTarget {
  readonly combined: boolean;
  readonly closed: boolean;
  /** Open, not stalled or blackholed. */
  acceptsFlood(): boolean;
  /** Bytes queued for it in user space. */
  readonly floodBacklog: number;
  /** True when `done` will be called once the socket is done with `bytes`. */
  writeFlood(stream: string, bytes: Buffer, frames: number, done: () => void): boolean;
  cork(): void;
  uncork(): void;
}

interface Request {
  readonly count: number;
  readonly endAt: number;
  readonly startedAt: number;
  sent: number;
  timer: TimerHandle | undefined;
  resolve: (r: FloodResult) => void;
}

class StreamFlood {
  plan: Plan | undefined;
  continuous = false;
  readonly requests: Request[] = [];
  constructor(
    readonly stream: string,
    readonly source: FloodSource,
  ) {}
}

const BLOCKED = 1;
const STALLED = 2;

/** Runs every flood of one emulator: one pump, round-robin over streams, one drain listener per socket. */
export class Flooder {
  private readonly floods = new Map<string, StreamFlood>();
  private list: StreamFlood[] = [];
  private cursor = 0;
  private scheduled: TimerHandle | undefined;
  private poll: TimerHandle | undefined;
  private readonly time = new Uint8Array(13);
  private readonly corked = new Set<FloodTarget>();
  private readonly targets: FloodTarget[] = [];

  constructor(private readonly host: FloodHost) {}

  /** Whether `stream` floods continuously (rate Infinity) while it has subscribers. */
  setContinuous(stream: string, source: FloodSource, on: boolean): void {
    const f = this.get(stream, source);
    f.continuous = on;
    this.cleanup(f);
    if (on) this.wake();
  }

  /** Publish `count` events or for `durationMs`, as fast as the slowest subscriber drains. */
  request(stream: string, source: FloodSource, count: number, durationMs: number): Promise<FloodResult> {
    const clock = this.host.clock;
    if (clock.isDisposed) return Promise.resolve({ sent: 0, durationMs: 0 });
    const f = this.get(stream, source);
    return new Promise((resolve) => {
      const startedAt = clock.now();
      const req: Request = { count, endAt: startedAt + durationMs, startedAt, sent: 0, timer: undefined, resolve };
      if (durationMs !== Infinity) req.timer = clock.timeout(() => this.wake(), durationMs);
      f.requests.push(req);
      this.wake();
    });
  }

  /** Something changed (subscribers, a socket drained): run a turn soon. */
  wake(): void {
    if (this.scheduled || this.list.length === 0 || this.host.clock.isDisposed) return;
    this.scheduled = this.host.clock.immediate(() => this.turn());
  }

  isFlooding(stream: string): boolean {
    const f = this.floods.get(stream);
    return !!f && (f.continuous || f.requests.length > 0);
  }

  dispose(): void {
    const clock = this.host.clock;
    clock.clear(this.scheduled);
    clock.clear(this.poll);
    this.scheduled = undefined;
    this.poll = undefined;
    for (const f of this.floods.values()) {
      for (const r of f.requests.splice(0)) this.finish(r);
      f.plan?.retire();
    }
    this.floods.clear();
    this.list = [];
  }

  private get(stream: string, source: FloodSource): StreamFlood {
    let f = this.floods.get(stream);
    if (!f) {
      f = new StreamFlood(stream, source);
      this.floods.set(stream, f);
      this.list.push(f);
    }
    return f;
  }

  private cleanup(f: StreamFlood): void {
    if (f.continuous || f.requests.length) return;
    f.plan?.retire();
    this.floods.delete(f.stream);
    this.list = this.list.filter((x) => x !== f);
  }

  private finish(r: Request): void {
    this.host.clock.clear(r.timer);
    r.resolve({ sent: r.sent, durationMs: this.host.clock.now() - r.startedAt });
  }

  /** Events wanted now: Infinity (continuous), the head request's remainder, or 0. */
  private demand(f: StreamFlood, now: number): number {
    while (f.requests.length) {
      const r = f.requests[0] as Request;
      if (r.sent < r.count && now < r.endAt) return r.count - r.sent;
      f.requests.shift();
      this.finish(r);
    }
    return f.continuous ? Infinity : 0;
  }

  /** Fill `this.targets` with the connections to write to; BLOCKED/STALLED when it must wait. */
  private collect(f: StreamFlood): number {
    this.targets.length = 0;
    const subs = this.host.subscribers(f.stream);
    let suppressed = false;
    if (subs) {
      for (const c of subs) {
        if (!c.acceptsFlood()) {
          suppressed ||= !c.closed;
          continue;
        }
        if (c.floodBacklog > HIGH_WATER) return BLOCKED;
        this.targets.push(c);
      }
    }
    // A continuous flood publishes only while someone can receive it.
    if (f.continuous && f.requests.length === 0 && this.targets.length === 0) return suppressed ? STALLED : BLOCKED;
    return 0;
  }

  private turn(): void {
    this.scheduled = undefined;
    const clock = this.host.clock;
    if (clock.isDisposed) return;
    const now = clock.now();
    writeTimeDigits(this.time, now);
    let budget = TURN_BYTES;
    let more = false;
    let stalled = false;
    try {
      let progressed = true;
      while (progressed && budget > 0) {
        progressed = false;
        const list = this.list;
        const n = list.length;
        for (let i = 0; i < n && budget > 0; i++) {
          const f = list[(this.cursor + i) % n] as StreamFlood;
          const want = this.demand(f, now);
          if (want <= 0) continue;
          const state = this.collect(f);
          if (state === STALLED) stalled = true;
          if (state !== 0) continue;
          budget -= this.produce(f, want, now);
          progressed = true;
        }
        this.cursor = n ? (this.cursor + 1) % n : 0;
        if (progressed && budget <= 0) more = true;
      }
    } finally {
      for (const c of this.corked) c.uncork();
      this.corked.clear();
      this.targets.length = 0;
    }
    for (const f of [...this.list]) {
      this.demand(f, clock.now());
      this.cleanup(f);
    }
    if (more) this.wake();
    else if (stalled && !this.poll) {
      this.poll = clock.timeout(() => {
        this.poll = undefined;
        this.wake();
      }, STALLED_POLL_MS);
    }
  }

  /** Publish one batch of `f` to `this.targets`; returns the bytes it accounts for. */
  private produce(f: StreamFlood, want: number, now: number): number {
    const source = f.source;
    let ids = source.peek();
    let plan = f.plan;
    let n = plan ? Math.min(plan.room(ids), want) : 0;
    if (!plan || n <= 0) {
      plan?.retire();
      plan = buildPlan(f.stream, source, now);
      if (!plan) {
        // Nothing to send for this stream (e.g. an empty all-market array): give up on it.
        f.continuous = false;
        for (const r of f.requests.splice(0)) this.finish(r);
        return 0;
      }
      f.plan = plan;
      ids = source.peek();
      n = Math.min(plan.room(ids), want);
      if (n <= 0) throw new Error(`flood: ${f.stream} ids do not fit their template`);
    }
    let bytes = 0;
    const slots: (Slot | undefined)[] = [undefined, undefined];
    const views: (Buffer | undefined)[] = [undefined, undefined];
    const tpls: (FrameTemplate | undefined)[] = [undefined, undefined];
    for (const c of this.targets) {
      const i = c.combined ? 1 : 0;
      let view = views[i];
      if (!view) {
        const tpl = plan.frames(c.combined);
        const slot = tpl.take();
        tpl.patch(slot.buf, n, ids, plan.steps, this.time);
        view = n === plan.k ? slot.buf : slot.buf.subarray(0, tpl.frameEnd[n] ?? 0);
        slots[i] = slot;
        views[i] = view;
        tpls[i] = tpl;
      }
      const slot = slots[i] as Slot;
      if (!this.corked.has(c)) {
        c.cork();
        this.corked.add(c);
      }
      slot.refs++;
      if (!c.writeFlood(f.stream, view, n, slot.release)) slot.refs--;
      bytes += view.length;
    }
    for (let i = 0; i < 2; i++) {
      const s = slots[i];
      if (s) tpls[i]?.giveBack(s);
    }
    const batch = new Batch(plan, ids, now);
    this.host.truth.recordLazy(f.stream, n, now, batch);
    source.commit(n, batch, now);
    this.host.published(f.stream, n);
    const r = f.requests[0];
    if (r) r.sent += n;
    // Batches nobody receives still cost their size against the turn budget.
    return bytes || n * 64;
  }
}
