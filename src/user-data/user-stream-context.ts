/**
 * What a user-data driver (futures listenKey stream, WebSocket-API stream) needs from the
 * facade (user-data-stream.ts), and what the facade needs from a driver. Internal.
 */
import type { ResilientSocketLike, SocketStats } from '../connection/types';
import type { BinanceStreamError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { UserDataMessage } from './types';

export type UserDataSource = UserDataMessage['source'];

export interface UserStreamContext {
  readonly source: UserDataSource;
  readonly logger: Logger;
  readonly now: () => number;
  /** A user-data event arrived: route it to the typed event and `userData`. */
  deliver(data: { e: string; E: number | string; [k: string]: unknown }, receivedAt: number): void;
  /** Events may be missing from `since` on (key expired, subscription terminated…); a `userDataGap` follows once live again. */
  markInterrupted(since: number, reason: string): void;
  /** Live again on the same connection (re-subscribed after `eventStreamTerminated`). */
  markLive(): void;
  /** Proof the stream is alive (a status probe answered). */
  markProof(): void;
  /** A recoverable problem worth an `error` event. */
  reportError(error: BinanceStreamError): void;
}

export interface UserStreamDriver {
  readonly socket: ResilientSocketLike;
  /** Extra figures for stats (masked key, subscription id…). */
  details(): Record<string, unknown>;
  /** Stop everything the driver owns (socket, timers, listenKey handle). */
  stop(): Promise<void>;
}

export type { SocketStats };
