/**
 * How a Connection ended: one typed value the reconnect loop branches on, so no callback
 * has to work it out from flags. `error` is what the retry policy and the `close` /
 * `reconnecting` events see; `code`/`reason` are the close code and reason to report.
 * Also the errors of the two transport endings (a close, a rejected upgrade).
 */
import { BinanceStreamError, closeError, describeError, parseRetryAfter } from '../core/errors';
import type { ErrorCode } from '../core/errors';
import type { UpgradeResponse } from './transport';

export type EndKind =
  /** The WebSocket closed (peer, network, or a failed dial before the handshake). */
  | 'closed'
  /** The dial failed before a WebSocket existed (gate, url provider, factory). */
  | 'error'
  /** The upgrade was answered with an HTTP status (429, 418, 403, 410, 5xx…). */
  | 'rejected'
  /** The handshake or the onOpen hook did not finish in time. */
  | 'timeout'
  /** The onOpen hook rejected. */
  | 'hookFailed'
  /** Nothing at all arrived after our ping: the peer is dead. */
  | 'heartbeat'
  /** No data for too long (routine restart, no backoff). */
  | 'stale'
  /** Binance announced serverShutdown (routine restart, no backoff). */
  | 'shutdown'
  /** reconnect() was called (routine restart, no backoff). */
  | 'reconnect'
  /** A combined socket lost its last stream: go idle. */
  | 'noStreams'
  /** stop(). */
  | 'stop';

export interface EndCause {
  readonly kind: EndKind;
  readonly error: BinanceStreamError;
  /** Close code to report (the peer's, or the one we closed with). */
  readonly code?: number;
  readonly reason?: string;
}

/** Restarts that are not failures: dial again at once, and the next failure starts a new streak. */
export const ROUTINE_KINDS: ReadonlySet<EndKind> = new Set<EndKind>(['stale', 'shutdown', 'reconnect']);

export function endCause(kind: EndKind, error: BinanceStreamError, code?: number, reason?: string): EndCause {
  return { kind, error, ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/** The error of a WebSocket close: before the handshake a failed dial (ERR_SOCKET), after it a close (ERR_CLOSED). */
export function transportCloseError(code: number, reason: string, opened: boolean, streams: readonly string[], cause: unknown): BinanceStreamError {
  if (opened) return closeError(code, reason, streams, cause);
  const text = cause !== undefined ? `connection failed: ${describeError(cause)}` : `connection failed before the handshake completed (close ${code})`;
  return new BinanceStreamError('ERR_SOCKET', text, { closeCode: code, streams, ...(cause !== undefined ? { cause } : {}) });
}

/** The error of an upgrade answered with an HTTP status (410: the endpoint is retired, permanent). */
export function rejectionError(res: UpgradeResponse, now: number, streams: readonly string[]): BinanceStreamError {
  const status = typeof res?.statusCode === 'number' ? res.statusCode : 0;
  const retryAfterMs = parseRetryAfter(res?.headers?.['retry-after'], now);
  const code: ErrorCode = status === 410 ? 'ERR_ENDPOINT_RETIRED' : 'ERR_HANDSHAKE_REJECTED';
  return new BinanceStreamError(code, `WebSocket upgrade rejected with HTTP ${status}${res?.statusMessage ? ` ${res.statusMessage}` : ''}`, {
    httpStatus: status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    streams,
    permanent: status === 410,
  });
}
