/**
 * `RedisStreamSource.stream()`: the source's messages as an async iterator (`for await`), like
 * `client.stream()`. The source hands each batch read from Redis to every iterator and waits
 * until each has TAKEN all of it (called `next()` again after the last message) before it
 * reads on, and its stored position never passes a message an iterator has not taken: a
 * consumer that breaks out of its loop and restarts resumes right after the last message its
 * loop took (an iterator that ends with messages it never took caps the stored position of
 * their streams there until the source closes: after a restart, listeners may see the
 * messages after it again, never miss one); a slow loop slows the reading (Redis keeps the backlog; nothing is lost
 * within the gateway's retention). It ends on `break`/`return()`, `close()` of the source, or
 * its `signal` aborting (the pending `next()` then rejects with ERR_ABORTED).
 */
import type { AbortSignalLike, StreamMessage } from '../index';
import { aborted } from '../core/errors';

export class SourceIterator implements AsyncIterableIterator<StreamMessage> {
  private readonly queue: { m: StreamMessage; taken: (dropped: boolean) => void }[] = [];
  private waiting: { resolve: (r: IteratorResult<StreamMessage>) => void; reject: (e: unknown) => void } | undefined;
  private drainWaiters: (() => void)[] = [];
  private ended = false;
  private readonly onAbort = (): void => this.end(aborted('RedisStreamSource.stream()', this.signal?.reason));

  constructor(
    /** Streams this iterator takes (undefined: all of the source's). */
    private readonly streams: ReadonlySet<string> | undefined,
    private readonly signal: AbortSignalLike | undefined,
    private readonly onEnd: (it: SourceIterator) => void,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted) this.onAbort();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Whether this iterator takes messages of `stream`. */
  wants(stream: string): boolean {
    return !this.ended && (this.streams === undefined || this.streams.has(stream));
  }

  /** Queue `m`; `taken(false)` runs when the loop takes it, `taken(true)` when the iterator ends without taking it. */
  push(m: StreamMessage, taken: (dropped: boolean) => void): void {
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      taken(false);
      w.resolve({ done: false, value: m });
    } else this.queue.push({ m, taken });
  }

  /** Resolves once every message pushed so far was taken and the loop asked for the next one. */
  drained(): Promise<void> {
    if (this.ended || (this.queue.length === 0 && this.waiting)) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  next(): Promise<IteratorResult<StreamMessage>> {
    const item = this.queue.shift();
    if (item) {
      item.taken(false);
      return Promise.resolve({ done: false, value: item.m });
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    const p = new Promise<IteratorResult<StreamMessage>>((resolve, reject) => (this.waiting = { resolve, reject }));
    for (const d of this.drainWaiters.splice(0)) d();
    return p;
  }

  return(): Promise<IteratorResult<StreamMessage>> {
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** End: drop what is queued, settle a pending `next()` (rejecting with `error` when given). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    for (const item of this.queue.splice(0)) item.taken(true);
    this.signal?.removeEventListener('abort', this.onAbort);
    const w = this.waiting;
    this.waiting = undefined;
    if (w) {
      if (error) w.reject(error);
      else w.resolve({ done: true, value: undefined });
    }
    for (const d of this.drainWaiters.splice(0)) d();
    this.onEnd(this);
  }
}
