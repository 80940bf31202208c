/**
 * Events of the user-data streams: lifecycle payloads and the user-data part of the
 * client's event map.
 */
import type { SocketEvents } from '../connection/events';
import type { BinanceStreamError } from '../core/errors';
import type { ListenKeyProduct, UserDataEvents, UserDataMessage } from './types';

export interface ListenKeyLifecycleEvent {
  action: 'created' | 'refreshed' | 'expired' | 'replaced' | 'closed' | 'refreshFailed';
  market: ListenKeyProduct;
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

/** Event name → listener signature of everything a user-data stream emits through the client. */
export type UserDataClientEvents = {
  [K in keyof UserDataEvents]: (data: UserDataEvents[K], message: UserDataMessage) => void;
} & {
  /** Every user-data message. */
  userData: (message: UserDataMessage) => void;
  listenKey: (e: ListenKeyLifecycleEvent) => void;
  userDataGap: (e: UserDataGapEvent) => void;
  userDataState: (e: UserDataStateEvent) => void;
};

/** Everything a user-data stream emits through its owner: its own events and its socket's (`user-<product>`). */
export type UserDataStreamEvents = UserDataClientEvents & SocketEvents;

/** How a user-data stream hands an event to its owner (the client's typed emit). */
export type UserDataEmit = <K extends keyof UserDataStreamEvents>(event: K, ...args: Parameters<UserDataStreamEvents[K]>) => void;
