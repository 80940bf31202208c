/**
 * Events of the user-data streams: lifecycle payloads and the user-data part of the
 * client's event map.
 */
import type { SocketEvents } from '../connection/events';
import type { BinanceStreamError } from '../core/errors';
import type { ListenKeyProduct, UserDataEvents, UserDataMessage } from './types';

/**
 * Payload of `listenKey` (futures and portfolio-margin user data): what happened to the listenKey (created, kept alive, expired, replaced by a new one, closed, or a keepalive failed). The key is always masked.
 */
export interface ListenKeyLifecycleEvent {
  action: 'created' | 'refreshed' | 'expired' | 'replaced' | 'closed' | 'refreshFailed';
  market: ListenKeyProduct;
  /** Masked listenKey. */
  listenKey: string;
  /** For `replaced`: the masked previous key. */
  previous?: string | undefined;
  error?: BinanceStreamError | undefined;
}

/**
 * Payload of `userDataGap`: the user-data stream was down between `from` and `to`, so account events of that span may be missing. Reconcile over REST (open orders, balances, positions) when you get one.
 */
export interface UserDataGapEvent {
  source: UserDataMessage['source'];
  /** Epoch ms from which events may be missing (the last moment the stream was known live). */
  from: number;
  /** Epoch ms when the stream was live again. */
  to: number;
  reason: string;
}

/**
 * Payload of `userDataState`: a user-data stream changed state (`subscribing`, `live`, `reconnecting`, `failed`, `stopped`); `error` says why when it left `live`.
 */
export interface UserDataStateEvent {
  source: UserDataMessage['source'];
  state: 'subscribing' | 'live' | 'reconnecting' | 'stopped' | 'failed';
  error?: BinanceStreamError | undefined;
}

/** Event name → listener signature of everything a user-data stream emits through the client. */
export type UserDataClientEvents = {
  [K in keyof UserDataEvents]: (data: UserDataEvents[K], message: UserDataMessage) => void;
} & {
  /** Every user-data message. */
  userData: (message: UserDataMessage) => void;
  /** The listenKey was created, refreshed, expired, replaced, closed, or a refresh failed. */
  listenKey: (e: ListenKeyLifecycleEvent) => void;
  /** Account events may be missing for a span: reconcile over REST. */
  userDataGap: (e: UserDataGapEvent) => void;
  /** A user-data stream changed state. */
  userDataState: (e: UserDataStateEvent) => void;
};

/** Everything a user-data stream emits through its owner: its own events and its socket's (`user-<product>`). */
export type UserDataStreamEvents = UserDataClientEvents & SocketEvents;

/** How a user-data stream hands an event to its owner (the client's typed emit). */
export type UserDataEmit = <K extends keyof UserDataStreamEvents>(event: K, ...args: Parameters<UserDataStreamEvents[K]>) => void;
