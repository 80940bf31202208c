/**
 * Events the stream pool adds to the connection events of its sockets.
 */
import type { SocketEvents } from '../connection/events';
import type { DegradedEvent, RestoredEvent } from './rest-fallback';

export type { DegradedEvent, RestoredEvent };

/**
 * Payload of `connecting`: how far a start (or a large subscribe) has got: streams confirmed out of those wanted, sockets open, dials waiting for the connection budget. Throttled (at most one per `progressIntervalMs`), and only sent when a count changed.
 */
export interface ConnectingProgressEvent {
  /** Streams confirmed live (delivering or acknowledged). */
  streamsReady: number;
  streamsTotal: number;
  socketsOpen: number;
  socketsTotal: number;
  /** Dials waiting for the connection budget. */
  dialsQueued: number;
}

/**
 * Payload of `rotated`: a socket was replaced by a fresh one before Binance would cut it (24 h lifetime), after a `serverShutdown`, or on request; make-before-break: the replacement opens before the old socket closes (a handover forced before the two overlapped is reported as a `gap` with cause `handover`).
 */
export interface RotatedEvent {
  oldSocketId: string;
  newSocketId: string;
  reason: 'lifetime' | 'serverShutdown' | 'manual';
  /** From opening the replacement to closing the old socket. */
  handoverMs: number;
  streams: number;
}

/**
 * A stream went `down` (see `StreamHealth` in ./health.ts): nothing is coming for it and
 * the automatic repair is exhausted for now. One event per stream per outage.
 */
export interface StreamDownEvent {
  stream: string;
  /** The socket carrying it. */
  socketId: string | undefined;
  /**
   * `silent`: it stopped delivering on a live connection and re-subscribing and moving it to
   * a fresh connection did not help (the pool keeps re-subscribing it at a bounded rate);
   * `gaveUp`: its socket's retry policy gave up (revive with reconnect(), start() or a subscribe).
   */
  cause: 'silent' | 'gaveUp';
  reason: string;
  /** Epoch ms of its last message (undefined: never delivered). */
  lastMessageAt: number | undefined;
  /** Repair actions tried in this silence episode (0 for `gaveUp`). */
  repairs: number;
}

/** A stream that was `down`, or under silence repair, is live again. */
export interface StreamRestoredEvent {
  stream: string;
  socketId: string | undefined;
  /** The state it came back from. */
  from: 'down' | 'degraded';
  /** From when it stopped being live to now. */
  downMs: number;
}

/**
 * This process stopped running for `blockedMs` (a listener blocked the event loop, a long
 * GC pause, a suspended machine): measured by timer drift, once per stall that reaches the
 * `loopBlockedMs` option. The silence it caused is never held against Binance (no stale
 * reconnect, no heartbeat timeout); frames that arrived meanwhile are delivered in order.
 */
export interface LoopBlockedEvent {
  blockedMs: number;
  /** Epoch ms: the stall's extent as measured (at most one timer period wider than the stall). */
  from: number;
  to: number;
  /** The `loopBlockedMs` threshold in force. */
  thresholdMs: number;
}

/**
 * A stream's consumer falls behind the feed: its delivery lag exceeds `lagThresholdMs`.
 * - `listener`: Binance's event time `E` → the listener, less the stream's own floor (the
 *   lowest lag seen lately: network delay plus clock offset), judged by the liveness pass;
 * - `iterator`: time a message waited in a `client.stream()` buffer before the loop took it.
 * One event per episode; `caughtUp` ends it.
 */
export interface LaggingEvent {
  stream: string;
  consumer: 'listener' | 'iterator';
  /** The lag that counts (beyond `baselineMs`), ms. */
  lagMs: number;
  /** The part not caused by the consumer (listener: the stream's lag floor; iterator: 0). */
  baselineMs: number;
  thresholdMs: number;
  /** Iterator: messages waiting in its buffer for this stream. */
  buffered?: number | undefined;
}

/** A stream reported `lagging` is back under half its threshold. */
export interface CaughtUpEvent {
  stream: string;
  consumer: 'listener' | 'iterator';
  lagMs: number;
  /** How long the episode lasted. */
  laggingMs: number;
}

/** The pool's events: every connection event of its sockets, plus progress, rotations, stream health, lag and stalls of the process. */
export type PoolEvents = SocketEvents & {
  /** Progress of the connections being opened. */
  connecting: (e: ConnectingProgressEvent) => void;
  /** A socket was handed over to a fresh one. */
  rotated: (e: RotatedEvent) => void;
  /** A stream is `down`: nothing is coming and the automatic repair is exhausted for now. */
  streamDown: (e: StreamDownEvent) => void;
  /** A stream that was down or under repair is live again. */
  streamRestored: (e: StreamRestoredEvent) => void;
  /** This process stopped running for a while (blocked event loop, GC pause, suspended machine). */
  loopBlocked: (e: LoopBlockedEvent) => void;
  /** A socket could not be restored: its streams are served over REST (./rest-fallback.ts). */
  degraded: (e: DegradedEvent) => void;
  /** …and it is back: REST serving ends. */
  restored: (e: RestoredEvent) => void;
  /** A consumer (listener or `stream()` loop) falls behind a stream. */
  lagging: (e: LaggingEvent) => void;
  /** A lagging consumer caught up. */
  caughtUp: (e: CaughtUpEvent) => void;
};

/** The pool's own event names (forwarded by the client after the socket events). */
export const POOL_EVENT_NAMES = [
  'connecting',
  'rotated',
  'streamDown',
  'streamRestored',
  'loopBlocked',
  'lagging',
  'caughtUp',
  'degraded',
  'restored',
] as const satisfies readonly (keyof PoolEvents)[];
