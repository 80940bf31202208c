/**
 * Request/response over one WebSocket-API connection (protocol reference §7):
 * `{"id","method","params"}` out; `{"id","status","result"|"error"}` back. One
 * {@link WsApiRequester} per connection: on close, every pending request fails.
 *
 * Errors become BinanceStreamError `ERR_WS_API` with `httpStatus` (the response's
 * `status`), `binanceCode`, `retryAfterMs` (from `error.data.retryAfter`, epoch ms) and
 * `permanent` when retrying cannot help (bad signature, unknown or revoked key, bad params).
 */
import { BinanceStreamError } from '../core/errors';

export interface WsApiErrorBody {
  code?: number;
  msg?: string;
  data?: { retryAfter?: number; [k: string]: unknown };
}

export interface WsApiResponse {
  id: string | number | null;
  status: number;
  result?: unknown;
  error?: WsApiErrorBody;
}

/** Binance codes after which the same request, re-signed later or elsewhere, can succeed. */
const TRANSIENT_CODES = new Set([-1000, -1001, -1003, -1006, -1007, -1008, -1021, -1209]);

/** Build the error for a failed response. */
export function wsApiError(method: string, res: Pick<WsApiResponse, 'status' | 'error'>, now: number = Date.now()): BinanceStreamError {
  const code = typeof res.error?.code === 'number' ? res.error.code : undefined;
  const msg = typeof res.error?.msg === 'string' ? res.error.msg : '';
  const retryAt = res.error?.data?.retryAfter;
  const retryAfterMs = typeof retryAt === 'number' && Number.isFinite(retryAt) ? Math.max(0, retryAt - now) : undefined;
  const status = res.status;
  const transient = status === 429 || status === 418 || status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code));
  return new BinanceStreamError('ERR_WS_API', `${method} failed with status ${status}${code !== undefined ? ` (Binance ${code}${msg ? `: ${msg}` : ''})` : msg ? `: ${msg}` : ''}`, {
    httpStatus: status,
    ...(code !== undefined ? { binanceCode: code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    permanent: !transient,
  });
}

/** True for a frame shaped like a WS-API response (has `status` and an `id` key). */
export function isWsApiResponse(frame: unknown): frame is WsApiResponse {
  return typeof frame === 'object' && frame !== null && 'id' in frame && typeof (frame as { status?: unknown }).status === 'number';
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: BinanceStreamError) => void;
  timer: ReturnType<typeof setTimeout>;
  cleanup: () => void;
}

export interface WsApiRequesterOptions {
  /** Queue a frame on the socket. */
  send: (frame: object) => void;
  /** How long to wait for an answer. @default 10_000 */
  timeoutMs?: number | undefined;
  /** A response with `id: null` (e.g. a revoked session: 401 / -2015). */
  onUnsolicitedError?: ((err: BinanceStreamError) => void) | undefined;
  now?: (() => number) | undefined;
}

export class WsApiRequester {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWith: BinanceStreamError | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: WsApiRequesterOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Send a request; resolves with `result`, rejects with ERR_WS_API (or ERR_ABORTED / ERR_CLOSED). */
  request<T = unknown>(method: string, params?: Record<string, unknown>, opts: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (opts.signal?.aborted) return Promise.reject(abortError(method, opts.signal.reason));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => this.settle(id, undefined, abortError(method, opts.signal?.reason));
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(
        () => this.settle(id, undefined, new BinanceStreamError('ERR_WS_API', `${method} got no answer within ${timeoutMs} ms`, { permanent: false })),
        timeoutMs,
      );
      this.pending.set(id, {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.opts.send(params === undefined ? { id, method } : { id, method, params });
      } catch (cause) {
        this.settle(id, undefined, new BinanceStreamError('ERR_WS_API', `${method} could not be sent`, { cause, permanent: false }));
      }
    });
  }

  /** Offer an inbound frame. Returns true when it was a response (consumed). */
  handleFrame(frame: unknown): boolean {
    if (!isWsApiResponse(frame)) return false;
    const id = frame.id;
    if (id === null) {
      if (frame.status !== 200) this.opts.onUnsolicitedError?.(wsApiError('session', frame, this.now()));
      return true;
    }
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!p) return true; // late answer to a timed-out request
    if (frame.status === 200) this.settle(id as number, frame.result, undefined);
    else this.settle(id as number, undefined, wsApiError(p.method, frame, this.now()));
    return true;
  }

  /** The connection is gone: fail everything pending and every later request. */
  close(err: BinanceStreamError): void {
    this.closedWith ??= err;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, err);
  }

  private settle(id: number, value: unknown, err: BinanceStreamError | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.cleanup();
    if (err) p.reject(err);
    else p.resolve(value);
  }
}

function abortError(method: string, reason: unknown): BinanceStreamError {
  if (reason instanceof BinanceStreamError && reason.code === 'ERR_ABORTED') return reason;
  return new BinanceStreamError('ERR_ABORTED', `${method} aborted`, { cause: reason, permanent: true });
}
