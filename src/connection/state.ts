/**
 * The socket's state machine: the only legal transitions. `ResilientSocket.setState()`
 * checks every change against this table.
 *
 * ```
 *   idle ──start()──▶ connecting ──open──▶ open
 *    ▲                  │  ▲                │
 *    │ (no streams)     │  └──backoff──┐    │ drop / reconnect() / stale / serverShutdown
 *    │                  ▼              │    ▼
 *    └──────────────── reconnecting ◀──┴────┘
 *   any ──stop()──▶ closing ──▶ closed      (gave up: ──▶ closed)
 * ```
 */
import type { SocketState } from './events';

export const SOCKET_TRANSITIONS: Readonly<Record<SocketState, readonly SocketState[]>> = Object.freeze({
  idle: ['connecting', 'closed'],
  connecting: ['open', 'reconnecting', 'idle', 'closing', 'closed'],
  open: ['reconnecting', 'idle', 'closing', 'closed'],
  reconnecting: ['connecting', 'idle', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
});

export function canTransition(from: SocketState, to: SocketState): boolean {
  return SOCKET_TRANSITIONS[from].includes(to);
}
