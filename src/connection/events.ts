/**
 * The events one resilient socket emits, each with ONE payload object (adding a field
 * later is never breaking). Defined here, at the connection layer; the pool and the
 * client forward them unchanged and the top-level `ClientEvents` map composes them.
 * No name shadows a DOM global (`CloseEvent`, `ErrorEvent`, `OpenEvent`, `MessageEvent`).
 */
import type { BinanceStreamError } from '../core/errors';

/**
 * States of one resilient socket (transition table: ./state.ts). `failed`: the retry
 * policy gave up; the socket carries nothing until revived (start(), reconnect() or a
 * stream added), with a fresh retry budget. `closed`: stopped for good.
 */
export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closing' | 'closed';

export interface SocketRef {
  /** Stable id of the logical connection (`spot-1`, `usdm-market-2`, `user-usdm`…). */
  socketId: string;
}

export interface StateChangeEvent extends SocketRef {
  from: SocketState;
  to: SocketState;
  reason?: string | undefined;
}

export interface SocketOpenEvent extends SocketRef {
  /** URL with secrets masked. */
  url: string;
  streams: number;
  /** How many failed attempts preceded this open (0 = first try). */
  retries: number;
}

export interface SocketCloseEvent extends SocketRef {
  code: number;
  reason: string;
  /** True when the client will reconnect (false after stop() or when the policy gave up). */
  willReconnect: boolean;
  error?: BinanceStreamError | undefined;
}

export interface ReconnectingEvent extends SocketRef {
  /** 1-based attempt number of the retry that is about to happen. */
  attempt: number;
  /** The policy's maximum, or Infinity. */
  maxRetries: number;
  delayMs: number;
  /** Why the previous connection ended or the previous attempt failed. */
  error: BinanceStreamError;
  streams: readonly string[];
}

export interface ReconnectedEvent extends SocketRef {
  /** Attempts it took (1 = first retry worked). */
  attempts: number;
  /** From losing the previous connection to the new one being open. */
  downtimeMs: number;
}

export interface StaleEvent extends SocketRef {
  /** `connection`: the whole socket went silent; `stream`: one stream on a live socket did. */
  scope: 'connection' | 'stream';
  streams: readonly string[];
  silentMs: number;
  /** What the client does about it (`move`: the stream goes to a fresh connection). */
  action: 'reconnect' | 'resubscribe' | 'move' | 'none';
}

export interface GaveUpEvent extends SocketRef {
  streams: readonly string[];
  attempts: number;
  error: BinanceStreamError;
}

/** An error the client reports and recovers from (or a listener's fault: `ERR_LISTENER`). */
export interface StreamErrorEvent {
  error: BinanceStreamError;
  socketId?: string | undefined;
  stream?: string | undefined;
}

export interface SubscribedEvent extends SocketRef {
  streams: readonly string[];
  /** Request id of the acknowledged SUBSCRIBE (undefined when subscribed via the URL). */
  requestId?: number | undefined;
}

export interface SubscribeFailedEvent extends SocketRef {
  streams: readonly string[];
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  requestId: number;
  error: BinanceStreamError;
}

export interface UnsubscribedEvent extends SocketRef {
  streams: readonly string[];
  requestId?: number | undefined;
}

export interface ServerShutdownNotice extends SocketRef {
  /** Binance's event time. */
  at: number;
}

/** Event name → listener signature of the connection events (eventemitter3 typed map). */
export type SocketEvents = {
  stateChange: (e: StateChangeEvent) => void;
  open: (e: SocketOpenEvent) => void;
  close: (e: SocketCloseEvent) => void;
  reconnecting: (e: ReconnectingEvent) => void;
  reconnected: (e: ReconnectedEvent) => void;
  stale: (e: StaleEvent) => void;
  gaveUp: (e: GaveUpEvent) => void;
  error: (e: StreamErrorEvent) => void;
  subscribed: (e: SubscribedEvent) => void;
  unsubscribed: (e: UnsubscribedEvent) => void;
  subscribeFailed: (e: SubscribeFailedEvent) => void;
  serverShutdown: (e: ServerShutdownNotice) => void;
};

/** Names of the connection events (the pool and the client forward them as they are). */
export const SOCKET_EVENT_NAMES = [
  'stateChange',
  'open',
  'close',
  'reconnecting',
  'reconnected',
  'stale',
  'gaveUp',
  'error',
  'subscribed',
  'unsubscribed',
  'subscribeFailed',
  'serverShutdown',
] as const satisfies readonly (keyof SocketEvents)[];
