/**
 * `client.stream(names, options)`: market data as an async iterator with a bounded buffer
 * (./stream-buffer.ts) between the feed and a loop that may be slower than it.
 *
 * - Creating one subscribes the streams not subscribed yet; its end unsubscribes the
 *   streams it added that no other live iterator holds (ref-counted here, in
 *   `MessageStreams`); streams subscribed with `subscribe()` always stay.
 * - It ends on `break`/`return()`, `throw()`, `close()`, its `signal` aborting, or the
 *   client stopping. Ending drops what is buffered, releases any connection hold, and settles
 *   a pending `next()`: `{ done: true }`, except for an abort, which rejects with `ERR_ABORTED`
 *   (as Node's `events.on` rejects with an AbortError; the cause is `signal.reason`). After
 *   the end, `next()` resolves `{ done: true }`.
 * - Delivery lag per stream: how long a message waited in the buffer when the loop takes it
 *   (`Date.now() − receivedAt`). Above the threshold, `lagging` (`consumer: 'iterator'`),
 *   once per episode; `caughtUp` when it is back under half.
 */
import { BinanceStreamError, aborted } from '../core/errors';
import type { Logger } from '../core/logger';
import type { MarketId, MarketProfile } from '../core/markets';
import { knownKeys, num, oneOf, optImplementation, optObject } from '../core/validate';
import type { AbortSignalLike } from '../core/web-types';
import type { StreamPool } from '../pool/stream-pool';
import { checkSbeStream, checkStreamKind } from '../streams/catalog';
import { classifyStream } from '../streams/classify';
import { normalizeStreamName, toStreamList } from '../streams/names';
import type { StreamMessage } from '../streams/types';
import type { EmitFn, MessageTap } from './emitter';
import { OVERFLOW_POLICIES, StreamBuffer, coalesceKey } from './stream-buffer';
import type { BufferedStream, BufferedStreamStats, CoalesceKey, OverflowPolicy } from './stream-buffer';

/**
 * Options of `client.stream(names, options)`: how many messages each stream buffers for a slow loop, what happens when that buffer is full, and a signal that ends the loop.
 */
export interface MessageStreamOptions {
  /** Messages buffered per stream before `overflow` acts. An integer, at least 1. @default 1_000 */
  highWaterMark?: number | undefined;
  /**
   * What a full stream does: `'block'` pauses its connection (nothing lost), `'coalesce'`
   * keeps the newest message per key (snapshot streams only), `'drop-oldest'` drops its oldest.
   * @default 'block'
   */
  overflow?: OverflowPolicy | undefined;
  /** Ends the iterator when it aborts: the loop rejects with `ERR_ABORTED`. */
  signal?: AbortSignalLike | undefined;
}

/** `stats()` of a `client.stream()` iterator: totals (maxLagMs: the largest) and per stream. */
export interface MessageStreamStats extends BufferedStreamStats {
  streams: Record<string, BufferedStreamStats>;
  /** The iterator holds connections paused now (`'block'`). */
  held: boolean;
  /** The iterator ended. */
  ended: boolean;
}

/** What the client gives its iterators. */
export interface MessageStreamHost {
  readonly market: Pick<MarketProfile, 'id' | 'futures'>;
  readonly allowUnknownStreams: boolean;
  readonly sbe?: boolean | undefined; // encoding 'sbe': names are checked against the SBE streams
  readonly log: Logger;
  /** `lagging` threshold (consumer 'iterator'); `false` disables. @default 1_000 */
  readonly lagThresholdMs?: number | false | undefined;
  readonly pool: Pick<StreamPool, 'has' | 'subscribe' | 'unsubscribe' | 'hold'>;
  /** The emitter's taps (./emitter.ts): hand a stream's messages to a buffer. */
  readonly taps: { add(stream: string, tap: MessageTap): void; remove(stream: string, tap: MessageTap): void };
  /** The client's guarded emit (`lagging`, `caughtUp`). */
  readonly emit: EmitFn;
}

interface Resolved {
  readonly highWaterMark: number;
  readonly overflow: OverflowPolicy;
  readonly signal: AbortSignalLike | undefined;
}

const OPTION_KEYS = ['highWaterMark', 'overflow', 'signal'];
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function resolveOptions(options: unknown): Resolved {
  const o = optObject('stream() options', options, 'an object { highWaterMark?, overflow?, signal? }') ?? {};
  knownKeys('stream()', o, OPTION_KEYS);
  return {
    highWaterMark: num('stream().highWaterMark', o.highWaterMark, 1_000, { min: 1, integer: true }),
    overflow: oneOf('stream().overflow', o.overflow, OVERFLOW_POLICIES, 'block'),
    signal: optImplementation<AbortSignalLike>('stream().signal', o.signal, ['addEventListener', 'removeEventListener'], 'an AbortSignal'),
  };
}

/** Normalised, de-duplicated names, each checked like `subscribe()` does (the SBE catalog with `sbe`): ERR_INVALID_STREAM naming the bad one. */
function streamList(names: unknown, market: MarketId, allowUnknown: boolean, sbe = false): string[] {
  const out = new Set<string>();
  const check = sbe ? (n: string) => checkSbeStream(n, allowUnknown) : (n: string) => checkStreamKind(n, market, allowUnknown);
  for (const raw of toStreamList(names, 'stream()')) {
    try {
      const name = normalizeStreamName(raw);
      check(name);
      out.add(name);
    } catch (err) {
      throw new BinanceStreamError('ERR_INVALID_STREAM', `stream(): ${(err as Error).message}`, { streams: [String(raw)], permanent: true, cause: err });
    }
  }
  if (out.size === 0) throw new BinanceStreamError('ERR_INVALID_STREAM', 'stream(): expected at least one stream name', { permanent: true });
  return [...out];
}

function notCoalescable(name: string): BinanceStreamError {
  const why = name.startsWith('!') || name.includes('@arr') ? 'an all-market stream carries many symbols in one stream' : 'its messages are events, not snapshots: each one counts';
  return new BinanceStreamError('ERR_INVALID_OPTION', `option stream().overflow: 'coalesce' cannot apply to ${JSON.stringify(name)} (${why}); use 'block' or 'drop-oldest' for it`, {
    permanent: true,
    streams: [name],
  });
}

/** Every live iterator of one client, and the streams they subscribed (ref-counted). */
export class MessageStreams {
  private readonly live = new Set<MessageStream<unknown>>();
  /** Streams an iterator subscribed → live iterators holding them. */
  private readonly owned = new Map<string, number>();
  private stopping = false;

  constructor(private readonly host: MessageStreamHost) {}

  /** A new iterator; validates everything before anything changes. */
  open<T>(names: unknown, options: unknown): MessageStream<T> {
    const o = resolveOptions(options);
    const h = this.host;
    const list = streamList(names, h.market.id, h.allowUnknownStreams, h.sbe);
    const specs = list.map((name) => ({ name, key: coalesceKey(classifyStream(name, h.market.futures)) }));
    if (o.overflow === 'coalesce') for (const s of specs) if (s.key === undefined) throw notCoalescable(s.name);
    if (o.signal?.aborted) throw aborted('stream()', o.signal.reason);
    const missing = list.filter((n) => !h.pool.has(n));
    const owns = list.filter((n) => this.owned.has(n) || !h.pool.has(n));
    if (missing.length) h.pool.subscribe(missing);
    for (const n of owns) this.owned.set(n, (this.owned.get(n) ?? 0) + 1);
    const it = new MessageStream<T>(specs, o, h, (ended) => this.release(ended as MessageStream<unknown>, owns), h.lagThresholdMs);
    this.live.add(it as MessageStream<unknown>);
    return it;
  }

  /** `subscribe()` took these streams: they are the user's now and outlive the iterators. */
  adopt(streams: string | readonly string[]): void {
    if (this.owned.size === 0) return;
    for (const raw of typeof streams === 'string' ? [streams] : streams) {
      try {
        this.owned.delete(normalizeStreamName(raw));
      } catch {
        // not a stream name: subscribe() rejected it already
      }
    }
  }

  /** The client stops: end every iterator (done), leaving the subscriptions to stop(). */
  closeAll(): void {
    this.stopping = true;
    for (const it of [...this.live]) it.close();
  }

  private release(it: MessageStream<unknown>, owns: readonly string[]): void {
    this.live.delete(it);
    const gone: string[] = [];
    for (const n of owns) {
      const refs = this.owned.get(n);
      if (refs === undefined) continue; // adopted by subscribe()
      if (refs > 1) this.owned.set(n, refs - 1);
      else {
        this.owned.delete(n);
        gone.push(n);
      }
    }
    if (gone.length && !this.stopping) this.host.pool.unsubscribe(gone);
  }
}

interface Waiter<T> {
  resolve(r: IteratorResult<StreamMessage<T>, undefined>): void;
  reject(err: unknown): void;
}

/**
 * What `client.stream()` returns: an async iterator of {@link StreamMessage} (use it with
 * `for await`, once), with `stats()` and `close()`. `T` is the payload type you assert
 * (`unknown` by default: no type is inferred from the names); narrow a union per message:
 * @example
 * for await (const m of client.stream<BookTickerEvent | KlineEvent>(['btcusdt@bookTicker', 'btcusdt@kline_1m'])) {
 *   if ('k' in m.data) onCandle(m.data.k); // KlineEvent
 *   else onBook(m.data.b, m.data.a); // BookTickerEvent
 * }
 */
export class MessageStream<T = unknown> implements AsyncIterableIterator<StreamMessage<T>, undefined> {
  private readonly buffer: StreamBuffer;
  private readonly waiters: Waiter<T>[] = [];
  private readonly lagThresholdMs: number;
  private ended = false;
  /** An abort to report on the next `next()` (once). */
  private error: BinanceStreamError | undefined;
  private readonly signal: AbortSignalLike | undefined;
  private readonly onAbort = (): void => this.end(aborted('stream()', this.signal?.reason));

  /** @param lagThresholdMs `lagging` above this delivery lag; `false` never. @default 1_000 */
  constructor(
    streams: readonly { readonly name: string; readonly key: CoalesceKey }[],
    options: Resolved,
    private readonly host: MessageStreamHost,
    private readonly onEnd: (it: MessageStream<T>) => void,
    lagThresholdMs: number | false | undefined = 1_000,
  ) {
    this.lagThresholdMs = lagThresholdMs === false ? Infinity : lagThresholdMs;
    this.buffer = new StreamBuffer(streams, {
      highWaterMark: options.highWaterMark,
      overflow: options.overflow,
      hold: (streams) => host.pool.hold(streams),
      logger: host.log,
      onData: () => this.onData(),
      onTake: (s, m) => this.onTake(s, m),
    });
    for (const s of this.buffer.streams.values()) host.taps.add(s.name, s);
    this.signal = options.signal;
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * The iterator itself, so `for await (const m of client.stream(…))` works. Iterate it once: a second loop shares the same buffer.
   */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next message in arrival order; waits while the buffer is empty. */
  next(): Promise<IteratorResult<StreamMessage<T>, undefined>> {
    const error = this.error;
    if (error !== undefined) {
      this.error = undefined;
      return Promise.reject(error);
    }
    const m = this.buffer.shift();
    if (m !== undefined) return Promise.resolve({ value: m as StreamMessage<T>, done: false });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** End (what `break` calls): unsubscribes what only this iterator held. */
  return(): Promise<IteratorReturnResult<undefined>> {
    this.end();
    return Promise.resolve(DONE);
  }

  /** End, then reject with `err` (as an async generator does). */
  throw(err?: unknown): Promise<IteratorResult<StreamMessage<T>, undefined>> {
    this.end();
    return Promise.reject(err);
  }

  /** End now; a pending `next()` resolves `{ done: true }`. Idempotent. */
  close(): void {
    this.end();
  }

  /** Per-stream buffered, delivered, dropped and coalesced counts and the longest wait, with totals. */
  stats(): MessageStreamStats {
    return { ...this.buffer.stats(), held: this.buffer.holding, ended: this.ended };
  }

  private onData(): void {
    const w = this.waiters.shift();
    if (w !== undefined) w.resolve({ value: this.buffer.shift() as StreamMessage<T>, done: false });
  }

  private onTake(s: BufferedStream, m: StreamMessage): void {
    const now = Date.now();
    const lag = now - m.receivedAt;
    if (lag > s.maxLagMs) s.maxLagMs = lag;
    const thresholdMs = this.lagThresholdMs;
    if (s.laggingSince < 0) {
      if (lag <= thresholdMs) return;
      s.laggingSince = now;
      this.host.emit('lagging', { stream: s.name, consumer: 'iterator', lagMs: lag, baselineMs: 0, thresholdMs, buffered: s.count });
    } else if (lag * 2 < thresholdMs) {
      const since = s.laggingSince;
      s.laggingSince = -1;
      this.host.emit('caughtUp', { stream: s.name, consumer: 'iterator', lagMs: lag, laggingMs: now - since });
    }
  }

  private end(error?: BinanceStreamError): void {
    if (this.ended) return;
    this.ended = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    for (const s of this.buffer.streams.values()) this.host.taps.remove(s.name, s);
    this.buffer.close();
    this.onEnd(this);
    const waiters = this.waiters.splice(0);
    if (error !== undefined) {
      const first = waiters.shift();
      if (first === undefined) this.error = error;
      else first.reject(error);
    }
    for (const w of waiters) w.resolve(DONE);
  }
}
