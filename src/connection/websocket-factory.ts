/**
 * The default WebSocket factory: `ws` in Node (with `autoPong: false`, so the socket
 * answers pings itself and counts the pongs against Binance's message limit), the
 * native WebSocket in browsers (through isomorphic-ws).
 */
import WebSocket from 'isomorphic-ws';
import type { WebSocketLike } from './types';

/** Node `ws` extras the socket uses when present (feature-detected, never required). */
export interface NodeWebSocketExtras {
  on?(event: string, listener: (...args: any[]) => void): unknown;
  ping?(data?: unknown): void;
  pong?(data?: unknown): void;
  terminate?(): void;
  /** `ws` ≥ 8.16: false when constructed with `autoPong: false`. */
  _autoPong?: boolean;
}

export type ExtendedWebSocket = WebSocketLike & NodeWebSocketExtras;

type Ctor = new (url: string, options?: unknown) => WebSocketLike;

export function defaultWebSocketFactory(url: string): WebSocketLike {
  const C = WebSocket as unknown as Ctor;
  // `ws` (Node) has pong() on its prototype; a browser WebSocket does not and must not get an options object.
  const isNodeWs = typeof (C as unknown as { prototype?: { pong?: unknown } }).prototype?.pong === 'function';
  return isNodeWs ? new C(url, { autoPong: false }) : new C(url);
}
