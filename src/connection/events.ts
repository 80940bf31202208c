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

/** Names the connection an event is about; every connection event payload extends it. */
export interface SocketRef {
  /** Stable id of the logical connection (`spot-1`, `usdm-market-2`, `user-usdm`…). */
  socketId: string;
}

/**
 * Payload of `stateChange`: one socket moved from one {@link SocketState} to another (DEBUG-level detail; `reconnecting`, `open` and `gaveUp` say the same with more context).
 */
export interface StateChangeEvent extends SocketRef {
  from: SocketState;
  to: SocketState;
  reason?: string | undefined;
}

/** Payload of `open`: a socket's WebSocket handshake finished and it is carrying `streams` streams. */
export interface SocketOpenEvent extends SocketRef {
  /** URL with secrets masked. */
  url: string;
  streams: number;
  /** How many failed attempts preceded this open (0 = first try). */
  retries: number;
}

/**
 * Payload of `close`: a socket's WebSocket closed, with the close code and reason, and whether the client will dial it again.
 */
export interface SocketCloseEvent extends SocketRef {
  code: number;
  reason: string;
  /** True when the client will reconnect (false after stop() or when the policy gave up). */
  willReconnect: boolean;
  error?: BinanceStreamError | undefined;
}

/**
 * Payload of `reconnecting`: a lost socket will be dialled again after `delayMs`, as the retry policy decided (a server's `Retry-After` wins over the policy's curve).
 */
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

/** Payload of `reconnected`: a socket that was lost is open again; its streams are being re-subscribed. */
export interface ReconnectedEvent extends SocketRef {
  /** Attempts it took (1 = first retry worked). */
  attempts: number;
  /** From losing the previous connection to the new one being open. */
  downtimeMs: number;
}

/**
 * Payload of `stale`: a connection, or one stream on a live connection, delivered nothing for `silentMs` though it should have, and what the client does about it.
 */
export interface StaleEvent extends SocketRef {
  /** `connection`: the whole socket went silent; `stream`: one stream on a live socket did. */
  scope: 'connection' | 'stream';
  streams: readonly string[];
  silentMs: number;
  /** What the client does about it (`move`: the stream goes to a fresh connection). */
  action: 'reconnect' | 'resubscribe' | 'move' | 'none';
}

/**
 * Payload of `gaveUp`: the retry policy stopped retrying a socket (its state becomes `failed`); its streams carry nothing until `start()`, `reconnect()` or a new subscription revives it with a fresh retry budget.
 */
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

/**
 * Payload of `subscribed`: Binance acknowledged these streams on this socket (by a SUBSCRIBE answer, or by opening a URL that names them).
 */
export interface SubscribedEvent extends SocketRef {
  streams: readonly string[];
  /** Request id of the acknowledged SUBSCRIBE (undefined when subscribed via the URL). */
  requestId?: number | undefined;
}

/**
 * Payload of `subscribeFailed`: a SUBSCRIBE or UNSUBSCRIBE request was answered with an error, or got no answer in time.
 */
export interface SubscribeFailedEvent extends SocketRef {
  streams: readonly string[];
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  requestId: number;
  error: BinanceStreamError;
}

/** Payload of `unsubscribed`: these streams were removed from this socket. */
export interface UnsubscribedEvent extends SocketRef {
  streams: readonly string[];
  requestId?: number | undefined;
}

/**
 * Payload of `serverShutdown`: Binance announced that this connection's server is going away; the client hands its streams over to a fresh connection (or, on a lone socket, reconnects without backoff) instead of waiting to be cut.
 */
export interface ServerShutdownNotice extends SocketRef {
  /** Binance's event time. */
  at: number;
}

/** Event name → listener signature of the connection events (eventemitter3 typed map). */
export type SocketEvents = {
  /** The socket's state changed. */
  stateChange: (e: StateChangeEvent) => void;
  /** The socket is open. */
  open: (e: SocketOpenEvent) => void;
  /** The socket closed. */
  close: (e: SocketCloseEvent) => void;
  /** The socket will be dialled again after a delay. */
  reconnecting: (e: ReconnectingEvent) => void;
  /** A lost socket is open again. */
  reconnected: (e: ReconnectedEvent) => void;
  /** The socket, or a stream on it, went silent. */
  stale: (e: StaleEvent) => void;
  /** The retry policy gave up on the socket. */
  gaveUp: (e: GaveUpEvent) => void;
  /** A recovered error (or a listener's throw, `ERR_LISTENER`). */
  error: (e: StreamErrorEvent) => void;
  /** Streams were acknowledged on the socket. */
  subscribed: (e: SubscribedEvent) => void;
  /** Streams were removed from the socket. */
  unsubscribed: (e: UnsubscribedEvent) => void;
  /** A SUBSCRIBE or UNSUBSCRIBE failed. */
  subscribeFailed: (e: SubscribeFailedEvent) => void;
  /** Binance announced the server is going away. */
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
