/**
 * Pending requests of one connection, by id, each with its own timeout: the one engine
 * behind SUBSCRIBE/UNSUBSCRIBE acknowledgements (./subscriptions.ts) and WebSocket-API
 * request/response (user-data). Created with its connection and dropped with it:
 * `failAll(cause)` settles everything still pending and refuses later requests, so no
 * timer and no promise outlives the connection. A timeout that fires late (this process
 * stalled: the answer may be waiting in the socket buffer) waits one more grace period
 * before it rejects (./liveness.ts LATE_MS, LATE_GRACE_MS).
 */
import type { AbortSignalLike } from '../core/web-types';
import { onAbort } from '../core/abort';
import { aborted, BinanceStreamError } from '../core/errors';
import { LATE_GRACE_MS, LATE_MS } from './liveness';

export interface RequestOptions {
  /** Overrides the engine's default timeout for this request. */
  timeoutMs?: number | undefined;
  /** Aborting settles the request with ERR_ABORTED. */
  signal?: AbortSignalLike | undefined;
  /** Builds the error of a request that got no answer in time. */
  onTimeout: (id: number, timeoutMs: number) => BinanceStreamError;
}

interface Pending<M> {
  readonly meta: M;
  resolve(value: unknown): void;
  reject(error: BinanceStreamError): void;
  timer: ReturnType<typeof setTimeout>;
  readonly cleanup: () => void;
}

export class PendingRequests<M = string> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<M>>();
  private closedWith: BinanceStreamError | undefined;

  /** @param defaultTimeoutMs used when a request names none */
  constructor(private readonly defaultTimeoutMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: unknown): id is number {
    return typeof id === 'number' && this.pending.has(id);
  }

  /** What was stored with request `id`. */
  meta(id: number): M | undefined {
    return this.pending.get(id)?.meta;
  }

  /**
   * Register a request (call `send` with the id it gets) and wait for its answer.
   * A `send` that throws settles the request with that error.
   */
  request<T = unknown>(meta: M, send: (id: number) => void, options: RequestOptions): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(aborted(String(meta), signal.reason));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const abort = (): void => {
        this.reject(id, aborted(String(meta), signal?.reason));
      };
      const due = Date.now() + timeoutMs;
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p !== undefined && Date.now() - due >= LATE_MS) p.timer = setTimeout(() => this.reject(id, options.onTimeout(id, timeoutMs)), LATE_GRACE_MS);
        else this.reject(id, options.onTimeout(id, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { meta, resolve: resolve as (v: unknown) => void, reject, timer, cleanup: () => unlisten?.() });
      const unlisten = signal ? onAbort(signal, abort) : undefined;
      try {
        send(id);
      } catch (cause) {
        this.reject(id, cause instanceof BinanceStreamError ? cause : new BinanceStreamError('ERR_UNEXPECTED', `${String(meta)} could not be sent`, { cause }));
      }
    });
  }

  /** Answer `id` with a value. False when it is not pending (late answer, unknown id). */
  resolve(id: number, value: unknown): boolean {
    const p = this.take(id);
    p?.resolve(value);
    return p !== undefined;
  }

  /** Answer `id` with an error. False when it is not pending. */
  reject(id: number, error: BinanceStreamError): boolean {
    const p = this.take(id);
    p?.reject(error);
    return p !== undefined;
  }

  /** The id of the oldest pending request (an error frame without an id blames it). */
  oldest(): number | undefined {
    const first = this.pending.keys().next();
    return first.done ? undefined : first.value;
  }

  /** The connection is gone: reject everything pending, and every later request, with `cause`. */
  failAll(cause: BinanceStreamError): void {
    this.closedWith ??= cause;
    for (const id of [...this.pending.keys()]) this.reject(id, cause);
  }

  private take(id: number): Pending<M> | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.cleanup();
    return p;
  }
}
