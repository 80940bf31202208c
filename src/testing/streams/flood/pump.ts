/**
 * Full-speed mode ("flood"): streams at rate `Infinity` and `ex.flood()`.
 *
 * Events are not generated one by one. For each stream a few payloads are rendered once
 * (its {@link FloodSource}), framed once per envelope (raw `/ws`, combined `/stream`) as
 * unmasked server WebSocket text frames (0x81, length, payload) and laid out in a chunk
 * template of `k` frames. Each batch copies nothing: a pooled copy of the template gets
 * its sequence fields (`a`/`f`/`l`, `t`, `U`/`u`/`pu`, `u`, `lastUpdateId`) and time fields
 * (`E`, `T`) patched in place (fixed width: a field that would outgrow its width makes the
 * template be rebuilt) and is written straight to every subscriber's TCP socket — the same
 * bytes to each — with backpressure: a stream waits while any subscriber has more than
 * {@link HIGH_WATER} bytes queued, and resumes on that socket's 'drain'.
 *
 * Binance semantics still hold: stalled/blackholed connections drop the frames, latency
 * faults delay them, limits and heartbeats keep running (the pump yields to I/O between
 * turns). The ground truth records each batch as one lazy segment (template + first ids),
 * materialized into the exact payload texts only when read.
 */
import type { Clock, TimerHandle } from './clock';
import type { GroundTruth, LazyEvents } from './ground-truth';
import type { FloodSource } from './market-data';
import type { StreamConnection } from './stream-connection';

/** Target size of one batch of frames of one stream. */
const CHUNK_BYTES = 32 * 1024;
/** A stream waits while a subscriber has more than this queued in user space. */
export const HIGH_WATER = 1024 * 1024;
/** Bytes written per pump turn before yielding to I/O. */
const TURN_BYTES = 4 * 1024 * 1024;
/** Distinct payloads (prices, quantities) a flood cycles through. */
const VARIANTS = 8;
/** Poll period while a continuous flood's subscribers are all stalled. */
const STALLED_POLL_MS = 10;

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

export interface FloodHost {
  readonly clock: Clock;
  readonly truth: GroundTruth;
  subscribers(stream: string): ReadonlySet<StreamConnection> | undefined;
  /** `n` events were published on `stream`. */
  published(stream: string, n: number): void;
}

interface Patch {
  /** Offset just past the last digit. */
  end: number;
  width: number;
  /** Index into the source's ids, or -1 for a time field. */
  field: number;
}

/** Every `"key":<value>` in `text` (top level or nested), as patches ending after the value. */
function findPatches(text: string, key: string, value: number, field: number, out: Patch[]): number {
  const needle = `"${key}":${value}`;
  let found = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    const end = at + needle.length;
    const c = text.charCodeAt(end);
    if (c >= 48 && c <= 57) continue; // a longer number that starts with the same digits
    out.push({ end, width: String(value).length, field });
    found++;
  }
  return found;
}

function wsHeader(len: number): Buffer {
  if (len < 126) return Buffer.from([0x81, len]);
  if (len < 65536) return Buffer.from([0x81, 126, len >> 8, len & 0xff]);
  const h = Buffer.alloc(10);
  h[0] = 0x81;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(len), 2);
  return h;
}

function putDigits(buf: Uint8Array, end: number, width: number, value: number): void {
  let v = value;
  for (let i = end - 1, stop = end - width; i >= stop; i--) {
    const q = Math.floor(v / 10);
    buf[i] = 48 + v - q * 10;
    v = q;
  }
}

interface Slot {
  readonly buf: Buffer;
  refs: number;
  /** Write callback: the socket is done with the buffer. */
  readonly release: () => void;
}

/** One envelope's chunk template: `k` frames, their ends and their patches. */
class FrameTemplate {
  readonly template: Buffer;
  /** frameEnd[j] = byte offset after frame j-1 (frameEnd[0] = 0). */
  readonly frameEnd: Int32Array;
  /** Patches of frame j are pStart[j] .. pStart[j+1]-1. */
  readonly pStart: Int32Array;
  readonly pEnd: Int32Array;
  readonly pWidth: Int32Array;
  readonly pField: Int32Array;
  private readonly free: Slot[] = [];
  dead = false;

  constructor(prefix: string, suffix: string, variants: readonly string[], patches: readonly Patch[][], k: number) {
    const frames: Buffer[] = [];
    const frameEnd = new Int32Array(k + 1);
    const pStart = new Int32Array(k + 1);
    const flat: Patch[] = [];
    let offset = 0;
    for (let j = 0; j < k; j++) {
      const v = j % variants.length;
      const body = Buffer.from(prefix + (variants[v] ?? '') + suffix, 'utf8');
      const head = wsHeader(body.length);
      frames.push(head, body);
      // Payload offsets are string offsets; the payload is ASCII up to its last patch
      // (checked when the plan is built), so they are byte offsets too.
      const base = offset + head.length + Buffer.byteLength(prefix);
      pStart[j] = flat.length;
      for (const p of patches[v] ?? []) flat.push({ end: base + p.end, width: p.width, field: p.field });
      offset += head.length + body.length;
      frameEnd[j + 1] = offset;
    }
    pStart[k] = flat.length;
    this.template = Buffer.concat(frames, offset);
    this.frameEnd = frameEnd;
    this.pStart = pStart;
    this.pEnd = Int32Array.from(flat, (p) => p.end);
    this.pWidth = Int32Array.from(flat, (p) => p.width);
    this.pField = Int32Array.from(flat, (p) => p.field);
  }

  /** A template copy not in use by any pending write. */
  take(): Slot {
    const s = this.free.pop();
    if (s) return s;
    const slot: Slot = {
      buf: Buffer.from(this.template),
      refs: 0,
      release: () => {
        if (--slot.refs === 0 && !this.dead) this.free.push(slot);
      },
    };
    return slot;
  }

  /** Return a slot no write took. */
  giveBack(slot: Slot): void {
    if (slot.refs === 0 && !this.dead) this.free.push(slot);
  }

  /** Write ids and time into the first `n` frames of `buf`. */
  patch(buf: Buffer, n: number, ids: readonly number[], steps: readonly number[], time: Uint8Array): void {
    const { pStart, pEnd, pWidth, pField } = this;
    for (let j = 0; j < n; j++) {
      for (let p = pStart[j] ?? 0, stop = pStart[j + 1] ?? 0; p < stop; p++) {
        const f = pField[p] ?? -1;
        const end = pEnd[p] ?? 0;
        if (f < 0) {
          for (let i = 0, at = end - 13; i < 13; i++) buf[at + i] = time[i] ?? 48;
        } else {
          putDigits(buf, end, pWidth[p] ?? 0, (ids[f] ?? 0) + j * (steps[f] ?? 0));
        }
      }
    }
  }
}

/** A stream's flood templates, valid while every id keeps its width. */
class Plan {
  readonly k: number;
  /** Highest value each id field can take in this plan. */
  readonly limits: number[];
  readonly steps: number[];
  private readonly formats: (FrameTemplate | undefined)[] = [undefined, undefined];

  constructor(
    readonly stream: string,
    readonly variants: readonly string[],
    /** Per variant, sorted by offset. */
    readonly patches: readonly Patch[][],
    source: FloodSource,
    ids: readonly number[],
  ) {
    this.steps = source.ids.map((f) => f.step);
    this.limits = ids.map((v) => 10 ** String(v).length - 1);
    const avg = variants.reduce((a, v) => a + v.length, 0) / variants.length + stream.length + 24;
    this.k = Math.max(1, Math.min(1024, Math.floor(CHUNK_BYTES / avg)));
  }

  /** Events (≤ k) that fit before an id outgrows its width. */
  room(ids: readonly number[]): number {
    let n = this.k;
    for (let f = 0; f < ids.length; f++) {
      const step = this.steps[f] ?? 1;
      const fit = Math.floor(((this.limits[f] ?? 0) - (ids[f] ?? 0)) / step) + 1;
      if (fit < n) n = fit;
    }
    return Math.max(0, n);
  }

  frames(combined: boolean): FrameTemplate {
    const i = combined ? 1 : 0;
    let t = this.formats[i];
    if (!t) {
      t = combined
        ? new FrameTemplate(`{"stream":${JSON.stringify(this.stream)},"data":`, '}', this.variants, this.patches, this.k)
        : new FrameTemplate('', '', this.variants, this.patches, this.k);
      this.formats[i] = t;
    }
    return t;
  }

  retire(): void {
    for (const t of this.formats) if (t) t.dead = true;
  }

  /** The exact payload text of event `i` of a batch. */
  payload(i: number, ids: readonly number[], now: number): string {
    const v = i % this.variants.length;
    const text = this.variants[v] ?? '';
    let out = '';
    let from = 0;
    for (const p of this.patches[v] ?? []) {
      const value = p.field < 0 ? now : (ids[p.field] ?? 0) + i * (this.steps[p.field] ?? 0);
      out += text.slice(from, p.end - p.width) + String(value).padStart(p.width, '0');
      from = p.end;
    }
    return out + text.slice(from);
  }
}

/** Ground-truth view of one batch. */
class Batch implements LazyEvents {
  constructor(
    private readonly plan: Plan,
    private readonly ids: readonly number[],
    private readonly now: number,
  ) {}

  payload(i: number): string {
    return this.plan.payload(i, this.ids, this.now);
  }
}

function buildPlan(stream: string, source: FloodSource, now: number): Plan | undefined {
  const ids = source.peek();
  const variants = source.render(VARIANTS, ids, now);
  if (!variants.length) return undefined;
  const patches = variants.map((text) => {
    const out: Patch[] = [];
    source.ids.forEach((f, i) => {
      if (!findPatches(text, f.key, ids[i] ?? 0, i, out)) throw new Error(`flood: field "${f.key}" not found in ${stream} payload`);
    });
    for (const k of source.timeKeys) findPatches(text, k, now, -1, out);
    out.sort((a, b) => a.end - b.end);
    const last = out.at(-1)?.end ?? 0;
    if (Buffer.byteLength(text.slice(0, last)) !== last) throw new Error(`flood: ${stream} payload is not ASCII before its last patched field`);
    return out;
  });
  return new Plan(stream, variants, patches, source, ids);
}

/** A source for generators without their own: a few generated payloads, `E` patched. */
export function genericSource(next: (now: number) => string | string[] | undefined): FloodSource {
  return {
    ids: [],
    timeKeys: ['E'],
    peek: () => [],
    render: (count, _ids, now) => {
      const out: string[] = [];
      for (let i = 0; i < count * 4 && out.length < count; i++) {
        const r = next(now);
        if (r === undefined) continue;
        if (typeof r === 'string') out.push(r);
        else out.push(...r);
      }
      return out.slice(0, count);
    },
    commit: () => undefined,
  };
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
  private readonly corked: StreamConnection[] = [];
  private readonly targets: StreamConnection[] = [];

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
    let t = now;
    for (let i = 12; i >= 0; i--) {
      this.time[i] = 48 + (t % 10);
      t = Math.floor(t / 10);
    }
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
      for (const c of this.corked) {
        c.corked = false;
        c.socket.uncork();
      }
      this.corked.length = 0;
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
      if (!c.corked) {
        c.socket.cork();
        c.corked = true;
        this.corked.push(c);
      }
      slot.refs++;
      if (!c.writeFlood(f.stream, view, n, slot.release)) slot.refs--;
      bytes += view.length;
    }
    for (let i = 0; i < 2; i++) {
      const s = slots[i];
      if (s) tpls[i]?.giveBack(s);
    }
    this.host.truth.recordLazy(f.stream, n, now, new Batch(plan, ids, now));
    source.commit(n);
    this.host.published(f.stream, n);
    const r = f.requests[0];
    if (r) r.sent += n;
    // Batches nobody receives still cost their size against the turn budget.
    return bytes || n * 64;
  }
}
