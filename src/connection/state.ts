/**
 * The socket's state machine: the only legal transitions. `ResilientSocket.setState()`
 * calls `assertTransition()` on every change; an illegal move THROWS (every caller is
 * internal, so it is a bug for the tests to catch, not a log line).
 *
 * ```
 *   idle ──start()──▶ connecting ──ready──▶ open
 *    ▲                  │  ▲                  │
 *    │ (no streams)     │  └──backoff over──┐ │ drop / reconnect() / stale / serverShutdown
 *    │                  ▼                   │ ▼
 *    └──────────────── reconnecting ◀───────┴─┘
 *   any ──stop()──▶ closing ──▶ closed      (idle / failed ──stop()──▶ closed)
 *   connecting / open / reconnecting ──policy gave up──▶ failed ──start() / reconnect() / addStreams()──▶ connecting
 * ```
 *
 * `failed` (the retry policy gave up) is NOT terminal: the socket is visibly down (its
 * streams count as down in the pool's health) until the owner revives it, which starts a
 * new single-flight run of the loop with a fresh retry budget. `closed` (after stop()) is
 * the only terminal state.
 */
import { BinanceStreamError } from '../core/errors';
import type { SocketState } from './events';

/**
 * Every legal move of a socket's state machine: state → the states it may move to. `closed` is terminal. The socket asserts each change against this table.
 */
export const SOCKET_TRANSITIONS: Readonly<Record<SocketState, readonly SocketState[]>> = Object.freeze({
  idle: [
    'connecting', // start() with streams to carry, or streams added to a started socket
    'closed', // stop() with nothing open: no closing phase needed
  ],
  connecting: [
    'open', // handshake and onOpen hook done
    'reconnecting', // the attempt failed and the policy retries
    'idle', // every stream removed while dialing
    'closing', // stop()
    'failed', // the policy gave up (or a permanent error)
  ],
  open: [
    'reconnecting', // the connection ended (drop, reconnect(), stale, heartbeat, serverShutdown)
    'idle', // every stream removed
    'closing', // stop()
    'failed', // the policy gave up after the connection ended
  ],
  reconnecting: [
    'connecting', // backoff over (or skipped by reconnect())
    'idle', // every stream removed during the backoff
    'closing', // stop()
    'failed', // (reserved: a give-up decided during the backoff)
  ],
  failed: [
    'connecting', // revived (start(), reconnect(), a stream added): a new run of the loop, fresh retry budget
    'idle', // revived with no stream left to carry
    'closed', // stop(): nothing open, no closing phase needed
  ],
  closing: [
    'closed', // every socket and timer gone
  ],
  closed: [], // terminal
});

export function canTransition(from: SocketState, to: SocketState): boolean {
  return SOCKET_TRANSITIONS[from].includes(to);
}

/** Throws on a move the table does not allow (a bug in the socket, never a user error). */
export function assertTransition(from: SocketState, to: SocketState): void {
  if (!canTransition(from, to)) throw new BinanceStreamError('ERR_UNEXPECTED', `illegal socket state transition ${from} → ${to}`);
}
