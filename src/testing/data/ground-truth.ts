/**
 * Ground truth: every event the emulator published, per stream, in a bounded ring.
 * Frames are stored as the exact JSON text that went out (the unwrapped payload),
 * so recording costs no allocation beyond the string the sender already built.
 * Flood batches (streams/flood/) are recorded as one lazy segment each (template + first ids),
 * turned into the exact payload texts only when read: O(1) per batch to record.
 */

/** A batch of consecutive events whose payload texts are built on demand. */
export interface LazyEvents {
  /** Payload text of the batch's `i`-th event (0-based). */
  payload(i: number): string;
}

interface Segment {
  /** seq of the first event. */
  readonly first: number;
  readonly n: number;
  readonly at: number;
  readonly events: LazyEvents;
}

/**
 * One event the emulator published on a stream, as `ex.groundTruth(stream)` returns it: compare what your client received with these to prove nothing was lost, doubled or reordered.
 */
export interface GroundTruthEvent {
  /** 1-based publish sequence number within the stream (never reused; survives ring eviction). */
  readonly seq: number;
  /** Wall-clock ms when the event was published. */
  readonly publishedAt: number;
  /** The payload as sent (parsed from the frame). */
  readonly payload: unknown;
  /** The payload JSON text, byte-identical to what subscribers received (`data` in combined mode). */
  readonly raw: string;
}

class Ring {
  readonly frames: (string | undefined)[];
  readonly times: Float64Array;
  count = 0;
  /** Lazy segments still (partly) inside the ring window, oldest first. */
  segments: Segment[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    this.frames = new Array<string | undefined>(limit);
    this.times = new Float64Array(limit);
  }

  push(frame: string, at: number): number {
    const idx = this.count % this.limit;
    this.frames[idx] = frame;
    this.times[idx] = at;
    return ++this.count;
  }

  pushLazy(n: number, at: number, events: LazyEvents): number {
    const first = this.count + 1;
    this.count += n;
    this.segments.push({ first, n, at, events });
    const oldest = this.count - this.limit + 1;
    while (this.head < this.segments.length) {
      const s = this.segments[this.head] as Segment;
      if (s.first + s.n > oldest) break;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head);
      this.head = 0;
    }
    return first;
  }

  live(): Segment[] {
    return this.head ? this.segments.slice(this.head) : this.segments;
  }
}

export class GroundTruth {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly limit: number) {}

  record(stream: string, frame: string, at: number): number {
    let ring = this.rings.get(stream);
    if (!ring) {
      ring = new Ring(this.limit);
      this.rings.set(stream, ring);
    }
    return ring.push(frame, at);
  }

  /** Record `n` consecutive events at once (flood); returns the seq of the first. */
  recordLazy(stream: string, n: number, at: number, events: LazyEvents): number {
    let ring = this.rings.get(stream);
    if (!ring) {
      ring = new Ring(this.limit);
      this.rings.set(stream, ring);
    }
    return ring.pushLazy(n, at, events);
  }

  /** Total events ever published on the stream (including evicted ones). */
  count(stream: string): number {
    return this.rings.get(stream)?.count ?? 0;
  }

  /** Raw frames still in the ring, oldest first, with their seq numbers. */
  rawEntries(stream: string): { seq: number; publishedAt: number; raw: string }[] {
    const ring = this.rings.get(stream);
    if (!ring) return [];
    const n = Math.min(ring.count, ring.limit);
    const out: { seq: number; publishedAt: number; raw: string }[] = [];
    const segs = ring.live();
    let k = 0;
    for (let seq = ring.count - n + 1; seq <= ring.count; seq++) {
      while (k < segs.length && (segs[k] as Segment).first + (segs[k] as Segment).n <= seq) k++;
      const s = segs[k];
      if (s && s.first <= seq) {
        out.push({ seq, publishedAt: s.at, raw: s.events.payload(seq - s.first) });
        continue;
      }
      const idx = (seq - 1) % ring.limit;
      out.push({ seq, publishedAt: ring.times[idx] ?? 0, raw: ring.frames[idx] ?? '' });
    }
    return out;
  }

  events(stream: string): GroundTruthEvent[] {
    return this.rawEntries(stream).map((e) => ({ ...e, payload: JSON.parse(e.raw) as unknown }));
  }

  streams(): string[] {
    return [...this.rings.keys()];
  }

  clear(stream?: string): void {
    if (stream === undefined) this.rings.clear();
    else this.rings.delete(stream);
  }
}
