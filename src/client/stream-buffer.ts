/**
 * The bounded buffer behind `client.stream()`: one FIFO in arrival order across the
 * iterator's streams, a count per stream, and the overflow policy applied per stream at
 * `highWaterMark`. Each message is one `Entry` linked twice: into the arrival-order list
 * (doubly linked: a stream's oldest can leave from the middle in O(1)) and into its stream's
 * list. Every operation is O(1); the entry is the only allocation per message; coalescing
 * replaces the message inside the buffered entry.
 *
 * Policies (`OverflowPolicy`):
 * - `'block'`: never drops while the connections can pause. When a stream's count reaches
 *   `highWaterMark` the buffer calls `hold([stream])` (the pool stops reading the connections
 *   that carry it: TCP back-pressure up to Binance) and releases every hold once each stream
 *   is back at or below `highWaterMark / 2`. A hold that is not `pausable` (a runtime whose
 *   WebSocket cannot pause, e.g. a browser) cannot stop the feed: the stream then buffers up
 *   to `4 × highWaterMark` and beyond that drops its oldest message (counted in `dropped`),
 *   with one WARN line per episode (an episode ends when the holds are released).
 * - `'coalesce'`: keeps only the newest message per key; the key is the stream
 *   (`bookTicker`, `depth5/10/20`, `ticker`, `miniTicker`, `markPrice`, `avgPrice` and other
 *   periodic snapshots) or, for `kline`/`continuousKline`, the stream and the candle's open
 *   time `k.t`, so a candle is never replaced by the next one (and a closed candle is never
 *   replaced by a stray update of itself). The newer message takes the buffered entry's
 *   place: it is yielded at the position of the first message it replaced (the stream does
 *   not lose its turn by updating). Each replaced message counts in `coalesced`. A stream
 *   with `highWaterMark` candles waiting drops its oldest (counted in `dropped`).
 * - `'drop-oldest'`: a stream at `highWaterMark` drops its own oldest message (counted in
 *   `dropped`); other streams keep theirs.
 */
import { errorFields } from '../core/logger';
import type { Logger } from '../core/logger';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';

/** What `client.stream()` does when a stream's buffer is full. See the file doc of ./stream-buffer.ts. */
export type OverflowPolicy = 'block' | 'coalesce' | 'drop-oldest';

export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = Object.freeze(['block', 'coalesce', 'drop-oldest']);

/** A pause of the connections carrying some streams (StreamPool.hold). */
export interface StreamHold {
  /** False when a connection cannot pause (the feed keeps coming). */
  readonly pausable: boolean;
  release(): void;
}

export type HoldFn = (streams: readonly string[]) => StreamHold;

/** How a stream's messages coalesce: per stream, per stream and kline open time, or not at all. */
export type CoalesceKey = 'stream' | 'openTime' | undefined;

const BY_STREAM = new Set<string>(['bookTicker', 'partialDepth', 'ticker', 'miniTicker', 'markPrice']);
/** Periodic snapshots of one symbol that classify as `other`. */
const PERIODIC = /@(?:avgPrice|ticker_\d+[hd]|referencePrice|compositeIndex|assetIndex)$/;

/**
 * The coalescing key of a stream, or undefined when its messages cannot be coalesced:
 * every trade, diff-depth update and liquidation matters, and an all-market stream
 * (`!…`, `@arr`) carries many symbols in one stream.
 */
export function coalesceKey(info: Pick<StreamInfo, 'stream' | 'kind' | 'symbol'>): CoalesceKey {
  if (info.symbol === undefined) return undefined;
  if (info.kind === 'kline' || info.kind === 'continuousKline') return 'openTime';
  if (BY_STREAM.has(info.kind) || (info.kind === 'other' && PERIODIC.test(info.stream))) return 'stream';
  return undefined;
}

/** Per-stream figures of a `client.stream()` iterator. */
export interface BufferedStreamStats {
  /** Messages waiting in the buffer now. */
  buffered: number;
  /** Messages the loop took. */
  delivered: number;
  /** Messages dropped by the overflow policy. */
  dropped: number;
  /** Messages replaced by a newer one of the same key (`'coalesce'`). */
  coalesced: number;
  /** The longest a message waited in the buffer before the loop took it, ms. */
  maxLagMs: number;
}

type Kline = { readonly k?: { readonly t?: unknown; readonly x?: unknown } } | null;
/** The candle's open time, NaN when absent (never equal: never coalesced). */
const openTime = (m: StreamMessage): number => ((m.data as Kline)?.k?.t as number | undefined) ?? NaN;
const closed = (m: StreamMessage): boolean => (m.data as Kline)?.k?.x === true;

class Entry {
  prev: Entry | undefined = undefined;
  next: Entry | undefined = undefined;
  /** The next entry of the same stream. */
  nextSame: Entry | undefined = undefined;
  constructor(
    public message: StreamMessage,
    readonly key: number,
    readonly slot: BufferedStream,
  ) {}
}

/** One stream of the buffer; the emitter hands it that stream's messages (`push`). */
export class BufferedStream {
  head: Entry | undefined = undefined;
  tail: Entry | undefined = undefined;
  count = 0;
  delivered = 0;
  dropped = 0;
  coalesced = 0;
  maxLagMs = 0;
  /** Epoch ms when its current lag episode began, -1 when not lagging (kept by the iterator). */
  laggingSince = -1;
  /** A hold was taken for it in the current episode, and whether that hold could pause. */
  held = false;
  pausable = true;

  constructor(
    readonly name: string,
    readonly key: CoalesceKey,
    private readonly buffer: StreamBuffer,
  ) {}

  /** The emitter's tap: one delivered message of this stream. */
  push(message: StreamMessage): void {
    this.buffer.push(this, message);
  }
}

export interface StreamBufferOptions {
  highWaterMark: number;
  overflow: OverflowPolicy;
  /** Pause the connections of these streams (`'block'`). */
  hold: HoldFn;
  logger: Logger;
  /** Called when the buffer goes from empty to one message. */
  onData?: (() => void) | undefined;
  /** Called for each message the loop takes, before it is returned. */
  onTake?: ((stream: BufferedStream, message: StreamMessage) => void) | undefined;
}

export class StreamBuffer {
  readonly streams = new Map<string, BufferedStream>();
  /** Messages buffered, all streams. */
  size = 0;
  private head: Entry | undefined = undefined;
  private tail: Entry | undefined = undefined;
  private readonly hwm: number;
  private readonly overflow: OverflowPolicy;
  private readonly o: StreamBufferOptions;
  private holds: StreamHold[] = [];
  private heldStreams: BufferedStream[] = [];
  /** Streams above highWaterMark / 2 (`'block'`): the holds go when this is 0. */
  private overHalf = 0;
  private warned = false;
  private closed = false;

  constructor(streams: readonly { readonly name: string; readonly key: CoalesceKey }[], o: StreamBufferOptions) {
    this.hwm = o.highWaterMark;
    this.overflow = o.overflow;
    this.o = o;
    for (const s of streams) this.streams.set(s.name, new BufferedStream(s.name, s.key, this));
  }

  /** True while a hold is in force (`'block'`). */
  get holding(): boolean {
    return this.holds.length !== 0;
  }

  push(s: BufferedStream, message: StreamMessage): void {
    if (this.closed) return;
    const hwm = this.hwm;
    if (this.overflow === 'coalesce') {
      if (s.tail !== undefined && this.coalesced(s, s.tail, message)) return;
      if (s.count >= hwm) this.dropOldest(s);
    } else if (this.overflow === 'drop-oldest') {
      if (s.count >= hwm) this.dropOldest(s);
    } else if (!s.pausable && s.count >= 4 * hwm) {
      this.dropOldest(s);
      if (!this.warned) {
        this.warned = true;
        this.o.logger.warn({ stream: s.name, highWaterMark: hwm, cap: 4 * hwm }, 'stream() consumer too slow and the connection cannot pause: dropping the oldest buffered messages');
      }
    }
    const e = new Entry(message, s.key === 'openTime' ? openTime(message) : NaN, s);
    if (this.tail === undefined) this.head = e;
    else {
      this.tail.next = e;
      e.prev = this.tail;
    }
    this.tail = e;
    if (s.tail === undefined) s.head = e;
    else s.tail.nextSame = e;
    s.tail = e;
    s.count++;
    this.size++;
    if (this.overflow === 'block') {
      if (s.count * 2 > hwm && (s.count - 1) * 2 <= hwm) this.overHalf++;
      if (s.count >= hwm && !s.held) this.holdFor(s);
    }
    if (this.size === 1) this.o.onData?.();
  }

  /** The oldest message of any stream, or undefined when empty. */
  shift(): StreamMessage | undefined {
    const e = this.head;
    if (e === undefined) return undefined;
    this.unlink(e);
    e.slot.delivered++;
    this.o.onTake?.(e.slot, e.message);
    return e.message;
  }

  /** Drop everything and release every hold; later pushes are ignored. Idempotent. */
  close(): void {
    this.closed = true;
    this.head = this.tail = undefined;
    this.size = 0;
    for (const s of this.streams.values()) {
      s.head = s.tail = undefined;
      s.count = 0;
    }
    this.overHalf = 0;
    this.releaseHolds();
  }

  /** Per-stream figures, and their totals (maxLagMs: the largest). */
  stats(): BufferedStreamStats & { streams: Record<string, BufferedStreamStats> } {
    const t: BufferedStreamStats = { buffered: 0, delivered: 0, dropped: 0, coalesced: 0, maxLagMs: 0 };
    const streams: Record<string, BufferedStreamStats> = {};
    for (const s of this.streams.values()) {
      const x = (streams[s.name] = { buffered: s.count, delivered: s.delivered, dropped: s.dropped, coalesced: s.coalesced, maxLagMs: s.maxLagMs });
      for (const k of ['buffered', 'delivered', 'dropped', 'coalesced'] as const) t[k] += x[k];
      t.maxLagMs = Math.max(t.maxLagMs, x.maxLagMs);
    }
    return { ...t, streams };
  }

  /** Replace the stream's newest buffered message when `message` has its key. */
  private coalesced(s: BufferedStream, tail: Entry, message: StreamMessage): boolean {
    if (s.key === 'openTime') {
      if (tail.key !== openTime(message)) return false; // another candle (NaN never matches)
      s.coalesced++;
      if (!closed(tail.message) || closed(message)) tail.message = message; // the final candle stays
      return true;
    }
    if (s.key === undefined) return false;
    s.coalesced++;
    tail.message = message;
    return true;
  }

  private dropOldest(s: BufferedStream): void {
    const e = s.head;
    if (e === undefined) return;
    this.unlink(e);
    s.dropped++;
  }

  /** Take `e` (the oldest of its stream) out of both lists. */
  private unlink(e: Entry): void {
    if (e.prev === undefined) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === undefined) this.tail = e.prev;
    else e.next.prev = e.prev;
    const s = e.slot;
    s.head = e.nextSame;
    if (s.head === undefined) s.tail = undefined;
    s.count--;
    this.size--;
    if (this.overflow === 'block' && s.count * 2 <= this.hwm && (s.count + 1) * 2 > this.hwm && --this.overHalf === 0) this.releaseHolds();
  }

  private holdFor(s: BufferedStream): void {
    s.held = true;
    this.heldStreams.push(s);
    let h: StreamHold;
    try {
      h = this.o.hold([s.name]);
    } catch (err) {
      this.o.logger.warn({ stream: s.name, error: errorFields(err) }, 'stream(): could not pause the connection; buffering without back-pressure');
      h = { pausable: false, release: () => undefined };
    }
    s.pausable = h.pausable;
    this.holds.push(h);
  }

  private releaseHolds(): void {
    if (this.holds.length === 0) return;
    const holds = this.holds;
    this.holds = [];
    for (const s of this.heldStreams) {
      s.held = false;
      s.pausable = true;
    }
    this.heldStreams = [];
    this.warned = false;
    for (const h of holds) {
      try {
        h.release();
      } catch (err) {
        this.o.logger.warn({ error: errorFields(err) }, 'stream(): releasing a connection hold threw');
      }
    }
  }
}
