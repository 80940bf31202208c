/**
 * Request/response over the WebSocket API (protocol reference §7): `{"id","method","params"}`
 * out, `{"id","status","result"|"error"}` back, on the socket's own `request()` (the
 * connection's pending-request engine, connection/requests.ts): an answer is matched by id,
 * and every request still pending fails when its connection ends.
 *
 * Errors become BinanceStreamError `ERR_WS_API` with `httpStatus` (the response's
 * `status`), `binanceCode`, `retryAfterMs` (from `error.data.retryAfter`, epoch ms) and
 * `permanent` when retrying cannot help (bad signature, unknown or revoked key, bad params).
 * A request left unanswered fails with `ERR_WS_API` without `httpStatus`.
 */
import type { AbortSignalLike } from '../../core/web-types';
import type { ResilientSocketLike } from '../../connection/types';
import { BinanceStreamError } from '../../core/errors';

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
  const detail = code !== undefined ? ` (Binance ${code}${msg ? `: ${msg}` : ''})` : msg ? `: ${msg}` : '';
  return new BinanceStreamError('ERR_WS_API', `${method} failed with status ${status}${detail}`, {
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

export interface WsApiCallOptions {
  signal?: AbortSignalLike | undefined;
  /** @default the client's timeoutMs */
  timeoutMs?: number | undefined;
}

export class WsApiClient {
  /**
   * @param timeoutMs how long a request may stay unanswered
   * @param onSessionError a response with `id: null` (e.g. a revoked session: 401 / -2015)
   */
  constructor(
    private readonly socket: ResilientSocketLike,
    private readonly timeoutMs: number,
    private readonly now: () => number,
    private readonly onSessionError: (err: BinanceStreamError) => void,
  ) {}

  /** Send a request on the current connection; resolves with `result`, rejects with ERR_WS_API (or ERR_ABORTED / the connection's end). */
  async call<T = unknown>(method: string, params?: Record<string, unknown>, options: WsApiCallOptions = {}): Promise<T> {
    const frame = await this.socket.request<unknown>(method, (id) => (params === undefined ? { id, method } : { id, method, params }), {
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
      onTimeout: (_id, ms) => new BinanceStreamError('ERR_WS_API', `${method} got no answer within ${ms} ms`, { permanent: false }),
    });
    if (!isWsApiResponse(frame)) throw new BinanceStreamError('ERR_WS_API', `${method} was answered with a frame that is not a WebSocket API response`, { permanent: false });
    if (frame.status === 200) return frame.result as T;
    throw wsApiError(method, frame, this.now());
  }

  /**
   * Offer a data frame (one the socket did not match to a pending request). True when it
   * was a response: an `id: null` error (reported) or a late answer to a request that
   * timed out (dropped).
   */
  handleFrame(frame: unknown): boolean {
    if (!isWsApiResponse(frame)) return false;
    if (frame.id === null && frame.status !== 200) this.onSessionError(wsApiError('session', frame, this.now()));
    return true;
  }
}
