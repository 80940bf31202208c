import type { Clock, TimerHandle } from './clock';
import type { Frame } from './frame';
import type { GroundTruth } from './ground-truth';
import type { MarketData, StreamGenerator } from './market-data';
import type { ResolvedOptions } from './options';
import type { StreamConnection } from './stream-connection';

const TICK_MS = 10;
const HIGH_WATER = 4 * 1024 * 1024;
const FLOOD_BATCH = 256;

interface Active {
  gen: StreamGenerator;
  rate: number;
  credit: number;
  running: boolean;
  linger: TimerHandle | undefined;
  flooding: boolean;
}

export interface FloodOptions {
  /** Stream to flood (must have a generator: a known symbol and kind). */
  stream: string;
  /** Events to publish. */
  count?: number | undefined;
  /** Or: publish for this long (ms). */
  durationMs?: number | undefined;
}

export interface FloodResult {
  sent: number;
  durationMs: number;
}

/**
 * Subscriptions, publishing and data generation. A stream is generated only while
 * it has at least one subscriber that can receive it (plus `generatorLingerMs`);
 * every event is recorded in the ground truth and serialized once for all subscribers.
 */
export class Hub {
  readonly subs = new Map<string, Set<StreamConnection>>();
  private readonly active = new Map<string, Active>();
  private readonly gens = new Map<string, StreamGenerator | null>();
  private tickTimer: TimerHandle | undefined;
  private lastTick = 0;
  eventsPublished = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly data: MarketData,
    private readonly truth: GroundTruth,
  ) {}

  // ---- subscriptions ------------------------------------------------------

  add(conn: StreamConnection, stream: string): void {
    let set = this.subs.get(stream);
    if (!set) {
      set = new Set();
      this.subs.set(stream, set);
    }
    set.add(conn);
    if (set.size === 1) this.startGenerating(stream);
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
  }

  subscribers(stream: string): ReadonlySet<StreamConnection> {
    return this.subs.get(stream) ?? new Set();
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

  // ---- scheduling ---------------------------------------------------------

  private startGenerating(stream: string): void {
    const existing = this.active.get(stream);
    if (existing) {
      this.clock.clear(existing.linger);
      existing.linger = undefined;
      if (!existing.running) {
        existing.running = true;
        existing.credit = 1;
        this.kick(stream, existing);
      }
      return;
    }
    if (!this.opts.autoGenerate) return;
    const gen = this.generator(stream);
    if (!gen) return;
    const rate = this.data.rateFor(stream);
    if (!(rate > 0)) return;
    const a: Active = { gen, rate, credit: 1, running: true, linger: undefined, flooding: false };
    this.active.set(stream, a);
    this.kick(stream, a);
  }

  private kick(stream: string, a: Active): void {
    if (a.rate === Infinity) {
      if (!a.flooding) void this.floodLoop(stream, a.gen, Infinity, Infinity, () => !a.running).finally(() => (a.flooding = false));
      a.flooding = true;
      return;
    }
    this.ensureTicking();
  }

  private stopGenerating(stream: string): void {
    const a = this.active.get(stream);
    if (!a) return;
    a.linger = undefined;
    if ((this.subs.get(stream)?.size ?? 0) > 0) return;
    a.running = false;
  }

  private ensureTicking(): void {
    if (this.tickTimer || this.clock.isDisposed) return;
    this.lastTick = this.clock.now();
    this.tickTimer = this.clock.timeout(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    this.tickTimer = undefined;
    const now = this.clock.now();
    const dt = Math.max(0, now - this.lastTick);
    this.lastTick = now;
    let any = false;
    for (const [stream, a] of this.active) {
      if (!a.running || a.rate === Infinity) continue;
      any = true;
      a.credit = Math.min(a.credit + (a.rate * dt) / 1000, a.rate * 0.5 + 1);
      while (a.credit >= 1) {
        a.credit -= 1;
        this.emit(stream, a.gen);
      }
    }
    if (any) this.ensureTicking();
  }

  /**
   * Publish as fast as the slowest subscriber drains (backpressure on
   * `bufferedAmount`), yielding to I/O between batches.
   */
  async flood(o: FloodOptions): Promise<FloodResult> {
    const gen = this.generator(o.stream);
    if (!gen) throw new RangeError(`flood: no generator for stream ${JSON.stringify(o.stream)} (unknown symbol or stream kind for this market)`);
    const count = o.count ?? Infinity;
    const durationMs = o.durationMs ?? Infinity;
    if (count === Infinity && durationMs === Infinity) throw new RangeError('flood: give count or durationMs');
    const started = this.clock.now();
    const sent = await this.floodLoop(o.stream, gen, count, durationMs, () => false);
    return { sent, durationMs: this.clock.now() - started };
  }

  private async floodLoop(stream: string, gen: StreamGenerator, count: number, durationMs: number, stop: () => boolean): Promise<number> {
    const end = this.clock.now() + durationMs;
    let sent = 0;
    while (sent < count && !this.clock.isDisposed && !stop()) {
      if (durationMs !== Infinity && this.clock.now() >= end) break;
      const set = this.subs.get(stream);
      let blocked: StreamConnection | undefined;
      if (set) for (const c of set) if (c.bufferedAmount > HIGH_WATER) blocked = c;
      if (blocked) {
        await this.drain(blocked);
        continue;
      }
      const n = Math.min(FLOOD_BATCH, count - sent);
      // Cork the subscribers' sockets so a whole batch goes out in one write.
      const corked = set ? [...set] : [];
      for (const c of corked) c.socket.cork();
      try {
        for (let i = 0; i < n; i++) sent += this.emit(stream, gen);
      } finally {
        for (const c of corked) c.socket.uncork();
      }
      await this.clock.yieldIO();
    }
    return sent;
  }

  private drain(c: StreamConnection): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        c.socket.off('drain', finish);
        c.socket.off('close', finish);
        this.clock.clear(t);
        resolve();
      };
      const t = this.clock.timeout(finish, 20);
      c.socket.once('drain', finish);
      c.socket.once('close', finish);
      if (this.clock.isDisposed || c.closed) finish();
    });
  }

  /** Streams currently generating. */
  generating(): string[] {
    return [...this.active].filter(([, a]) => a.running).map(([s]) => s);
  }

  dispose(): void {
    this.clock.clear(this.tickTimer);
    this.tickTimer = undefined;
    for (const a of this.active.values()) {
      a.running = false;
      this.clock.clear(a.linger);
    }
    for (const g of this.gens.values()) g?.dispose();
  }
}
