/**
 * What a user-data driver (futures listenKey stream, WebSocket-API stream) needs from the
 * facade (user-data-stream.ts), and what the facade needs from a driver; plus the one
 * place a driver's socket is built (raw framing, no stale watchdog). Internal.
 */
import { ResilientSocket } from '../connection/resilient-socket';
import type { ResilientSocketLike, ResilientSocketOptions, SocketStats } from '../connection/types';
import type { BinanceStreamError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import { markResolved } from '../core/validate';
import type { ListenKeyLifecycleEvent } from './events';
import type { ResolvedUserDataOptions, SocketFactory } from './options';
import type { UserDataProduct } from './types';

export interface UserStreamContext {
  readonly source: UserDataProduct;
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
  /** A listenKey lifecycle event (futures): forwarded as `listenKey`. */
  listenKey(e: ListenKeyLifecycleEvent): void;
}

export interface UserStreamDriver {
  readonly socket: ResilientSocketLike;
  /** Extra figures for stats (masked key, subscription id…). */
  details(): Record<string, unknown>;
  /** Timers the driver owns right now (0 after stop). */
  readonly timerCount: number;
  /** Stop everything the driver owns (socket, timers, listenKey handle). */
  stop(): Promise<void>;
}

export type { SocketStats };

const defaultSocketFactory: SocketFactory = (o) => new ResilientSocket(o);

/** The socket of a driver: raw framing named after the socket, the resolved tuning (or its fields), no stale watchdog. */
export function createDriverSocket(o: ResolvedUserDataOptions, spec: Pick<ResilientSocketOptions, 'url' | 'onMessage' | 'onOpen'> & { id: string; market: MarketProfile }): ResilientSocketLike {
  // An account stream is silent for hours by nature: liveness is the heartbeat (and, on the WS API, the status probe).
  const tuning = o.tuning ? markResolved({ ...o.tuning, staleAfterMs: false as const }) : undefined;
  return (o.socketFactory ?? defaultSocketFactory)({
    ...spec,
    framing: { kind: 'raw', streamName: spec.id },
    retryPolicy: o.retryPolicy,
    logger: o.logger,
    now: o.now,
    dialGate: o.dialGate,
    webSocketFactory: o.webSocketFactory,
    ...(tuning !== undefined ? { tuning } : { staleAfterMs: false, requestTimeoutMs: o.requestTimeoutMs, heartbeat: o.heartbeat, connectTimeoutMs: o.connectTimeoutMs }),
  });
}
