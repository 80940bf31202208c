/**
 * Every event the client emits, each with ONE payload object (adding a field later is
 * never breaking). Data events also pass the delivered {@link StreamMessage} second.
 */
import type { BinanceStreamError } from './core/errors';
import type { MarketDataEvents, StreamMessage } from './streams/types';
import type { UserDataEvents, UserDataMessage } from './user-data/types';

/** States of one resilient socket. */
export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

export interface SocketRef {
  /** Stable id of the logical connection (`spot-1`, `usdm-market-2`, `user-usdm`…). */
  socketId: string;
}

export interface StateChangeEvent extends SocketRef {
  from: SocketState;
  to: SocketState;
  reason?: string | undefined;
}

export interface OpenEvent extends SocketRef {
  /** URL with secrets masked. */
  url: string;
  streams: number;
  /** How many failed attempts preceded this open (0 = first try). */
  retries: number;
}

export interface CloseEvent extends SocketRef {
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
  /** What the client does about it. */
  action: 'reconnect' | 'resubscribe' | 'none';
}

export interface GaveUpEvent extends SocketRef {
  streams: readonly string[];
  attempts: number;
  error: BinanceStreamError;
}

export interface ErrorEvent {
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

export interface ConnectingProgressEvent {
  /** Streams confirmed live (delivering or acknowledged). */
  streamsReady: number;
  streamsTotal: number;
  socketsOpen: number;
  socketsTotal: number;
  /** Dials waiting for the connection budget. */
  dialsQueued: number;
}

export interface RotatedEvent {
  oldSocketId: string;
  newSocketId: string;
  reason: 'lifetime' | 'serverShutdown' | 'manual';
  /** From opening the replacement to closing the old socket. */
  handoverMs: number;
  streams: number;
}

export interface ListenKeyLifecycleEvent {
  action: 'created' | 'refreshed' | 'expired' | 'replaced' | 'closed' | 'refreshFailed';
  market: 'usdm' | 'coinm' | 'portfolio';
  /** Masked listenKey. */
  listenKey: string;
  /** For `replaced`: the masked previous key. */
  previous?: string | undefined;
  error?: BinanceStreamError | undefined;
}

export interface UserDataGapEvent {
  source: UserDataMessage['source'];
  /** Epoch ms from which events may be missing (the last moment the stream was known live). */
  from: number;
  /** Epoch ms when the stream was live again. */
  to: number;
  reason: string;
}

export interface UserDataStateEvent {
  source: UserDataMessage['source'];
  state: 'subscribing' | 'live' | 'reconnecting' | 'stopped' | 'failed';
  error?: BinanceStreamError | undefined;
}

type DataListener<T> = (data: T, message: StreamMessage<T>) => void;

/** Event name → listener signature (eventemitter3 typed map). */
export type ClientEvents = {
  [K in keyof MarketDataEvents]: DataListener<MarketDataEvents[K]>;
} & {
  [K in keyof UserDataEvents]: (data: UserDataEvents[K], message: UserDataMessage) => void;
} & {
  /** Every market-data message, typed or not. */
  message: (message: StreamMessage) => void;
  /** Every user-data message. */
  userData: (message: UserDataMessage) => void;
  stateChange: (e: StateChangeEvent) => void;
  open: (e: OpenEvent) => void;
  close: (e: CloseEvent) => void;
  reconnecting: (e: ReconnectingEvent) => void;
  reconnected: (e: ReconnectedEvent) => void;
  stale: (e: StaleEvent) => void;
  gaveUp: (e: GaveUpEvent) => void;
  error: (e: ErrorEvent) => void;
  subscribed: (e: SubscribedEvent) => void;
  unsubscribed: (e: UnsubscribedEvent) => void;
  subscribeFailed: (e: SubscribeFailedEvent) => void;
  serverShutdown: (e: ServerShutdownNotice) => void;
  connecting: (e: ConnectingProgressEvent) => void;
  rotated: (e: RotatedEvent) => void;
  listenKey: (e: ListenKeyLifecycleEvent) => void;
  userDataGap: (e: UserDataGapEvent) => void;
  userDataState: (e: UserDataStateEvent) => void;
};

export type ClientEventName = keyof ClientEvents;
