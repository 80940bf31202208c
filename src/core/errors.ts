/**
 * Errors raised or emitted by the client. Every error is a {@link BinanceStreamError}
 * with a stable string `code` (match on `code`, not `instanceof`: it survives the
 * dual ESM/CJS package hazard) and, where one exists, the underlying `cause`.
 *
 * An error message is never empty: `describeError` (./describe-error.ts) names the error
 * type even when the underlying message is empty (the first field report's `WebSocket错误: ，`).
 *
 * The factories at the end are the one way to build the common errors (as ws' `createError`).
 */
import { describeError } from './describe-error';

export { describeError };

/** Stable error codes. Adding a code is not a breaking change; renaming one is. */
export type ErrorCode =
  /** A bad option, stream name or argument. Never retried. */
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_STREAM'
  /** The TCP/TLS/WebSocket handshake did not finish in time. */
  | 'ERR_CONNECT_TIMEOUT'
  /** The server answered the WebSocket upgrade with an HTTP status (429, 418, 403, 5xx...). */
  | 'ERR_HANDSHAKE_REJECTED'
  /** The socket failed at the transport level (reset, refused, DNS...). */
  | 'ERR_SOCKET'
  /** The socket closed (see `closeCode` / `closeReason`). */
  | 'ERR_CLOSED'
  /** No pong arrived within the heartbeat deadline: the peer is dead. */
  | 'ERR_HEARTBEAT_TIMEOUT'
  /** The socket answered pings but delivered no data for too long. */
  | 'ERR_STALE'
  /** Binance announced `serverShutdown`. */
  | 'ERR_SERVER_SHUTDOWN'
  /** A SUBSCRIBE/UNSUBSCRIBE/LIST request was answered with an error object, or timed out. */
  | 'ERR_SUBSCRIBE_FAILED'
  /** A frame could not be parsed. */
  | 'ERR_PARSE'
  /** A binary SBE frame was rejected: truncated, oversized, unknown template, or another schema id/version. */
  | 'ERR_SBE_DECODE'
  /** A REST call failed (see `httpStatus`, `binanceCode`). */
  | 'ERR_HTTP'
  /** A WebSocket API request failed (see `httpStatus`, `binanceCode`). */
  | 'ERR_WS_API'
  /** The listenKey no longer exists or expired. */
  | 'ERR_LISTEN_KEY'
  /** A call to an endpoint Binance retired (e.g. spot listenKey, HTTP 410). Never retried. */
  | 'ERR_ENDPOINT_RETIRED'
  /** Credentials are missing or rejected. */
  | 'ERR_AUTH'
  /** The operation was aborted (e.g. by `stop()`). */
  | 'ERR_ABORTED'
  /** The retry policy gave up. */
  | 'ERR_GAVE_UP'
  /** A user listener threw. The client keeps running. */
  | 'ERR_LISTENER'
  /** Anything else; carries the original error as `cause`. */
  | 'ERR_UNEXPECTED';

/**
 * The optional facts a {@link BinanceStreamError} carries besides its code and message.
 * Each field is copied onto the error; absent fields stay `undefined` (`permanent` becomes `false`).
 */
export interface BinanceStreamErrorDetails {
  cause?: unknown;
  /** WebSocket close code, when the error is a close. */
  closeCode?: number;
  /** WebSocket close reason, when the error is a close. */
  closeReason?: string;
  /** HTTP status of a rejected upgrade or a REST/WS-API answer. */
  httpStatus?: number;
  /** Server-requested wait in milliseconds (`Retry-After`, WS-API `retryAfter`). */
  retryAfterMs?: number;
  /** Binance error code (e.g. -1125, -1003). */
  binanceCode?: number;
  /** Stream names involved, when known. */
  streams?: readonly string[];
  /** True when retrying can never help (bad stream name, retired endpoint, bad key). */
  permanent?: boolean;
}

/**
 * The one error class of the library, thrown by calls and emitted as `error` events.
 *
 * Match on {@link BinanceStreamError.code | code} (an {@link ErrorCode}), not on `instanceof`: a
 * process that loads both the ESM and the CJS build has two copies of the class, but the code
 * string is the same in both. The message is never empty and never holds a key, secret or full
 * listenKey; the fields say what happened (close code, HTTP status, Binance error code, the
 * server's requested wait) and `cause` keeps the underlying error.
 *
 * @example
 * ```ts
 * client.on('error', (err) => {
 *   if (err.code === 'ERR_HANDSHAKE_REJECTED' && err.httpStatus === 429) {
 *     console.warn(`rate limited, Binance asks us to wait ${err.retryAfterMs ?? '?'} ms`);
 *   }
 * });
 * ```
 */
export class BinanceStreamError extends Error {
  override readonly name: string = 'BinanceStreamError';
  readonly code: ErrorCode;
  readonly closeCode: number | undefined;
  readonly closeReason: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly binanceCode: number | undefined;
  readonly streams: readonly string[] | undefined;
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, details: BinanceStreamErrorDetails = {}) {
    super(message && message.trim() ? message : `${code} (no message)`, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.closeCode = details.closeCode;
    this.closeReason = details.closeReason;
    this.httpStatus = details.httpStatus;
    this.retryAfterMs = details.retryAfterMs;
    this.binanceCode = details.binanceCode;
    this.streams = details.streams;
    this.permanent = details.permanent ?? false;
  }

  /** A compact, never-empty, secret-free description: `ERR_CLOSED: closed 1006 (abnormal) [code=1006]`. */
  override toString(): string {
    return describeError(this);
  }
}

/** Wrap anything thrown into a BinanceStreamError, keeping it as `cause`. */
export function toStreamError(err: unknown, code: ErrorCode = 'ERR_UNEXPECTED', details: BinanceStreamErrorDetails = {}): BinanceStreamError {
  if (err instanceof BinanceStreamError) return err;
  return new BinanceStreamError(code, describeError(err), { ...details, cause: err });
}

/** Well-known close codes, for readable logs. */
export const CLOSE_CODE_NAMES: Readonly<Record<number, string>> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status received',
  1006: 'abnormal closure',
  1007: 'invalid payload',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1015: 'TLS handshake failure',
};

/** The error for a closed socket: `socket closed with 1006 (abnormal closure): reason`. */
export function closeError(code: number, reason: string, streams?: readonly string[], cause?: unknown): BinanceStreamError {
  const name = CLOSE_CODE_NAMES[code] ?? 'unknown close code';
  return new BinanceStreamError('ERR_CLOSED', `socket closed with ${code} (${name})${reason ? `: ${reason}` : ''}`, {
    closeCode: code,
    closeReason: reason,
    ...(streams ? { streams } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Parse an HTTP `Retry-After` header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | null | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v == null || v === '') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Show a user-given value in an error message: strings quoted, objects by their type. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  const ctor = (v as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/**
 * `ERR_INVALID_OPTION` naming the option, the expected form and the value given:
 * `option staleAfterMs: expected a number >= 1000, got 1`. Pass `secret: true` for keys
 * and secrets: their value is never echoed.
 */
export function invalidOption(name: string, expected: string, got: unknown, opts: { secret?: boolean } = {}): BinanceStreamError {
  const shown = opts.secret ? (typeof got === 'string' ? `a string of ${got.length} characters` : typeof got) : showValue(got);
  return new BinanceStreamError('ERR_INVALID_OPTION', `option ${name}: expected ${expected}, got ${shown}`, { permanent: true });
}

/** `ERR_ABORTED`: `what` was aborted (by stop(), or the caller's signal). */
export function aborted(what: string, cause?: unknown): BinanceStreamError {
  if (cause instanceof BinanceStreamError && cause.code === 'ERR_ABORTED') return cause;
  return new BinanceStreamError('ERR_ABORTED', `${what} aborted`, cause === undefined ? {} : { cause });
}
