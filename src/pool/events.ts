/**
 * Events the stream pool adds to the connection events of its sockets.
 */
import type { SocketEvents } from '../connection/events';

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

/** The pool's events: every connection event of its sockets, plus progress, rotations and stream health. */
export type PoolEvents = SocketEvents & {
  connecting: (e: ConnectingProgressEvent) => void;
  rotated: (e: RotatedEvent) => void;
  streamDown: (e: StreamDownEvent) => void;
  streamRestored: (e: StreamRestoredEvent) => void;
};

/** The pool's own event names (forwarded by the client after the socket events). */
export const POOL_EVENT_NAMES = ['connecting', 'rotated', 'streamDown', 'streamRestored'] as const satisfies readonly (keyof PoolEvents)[];
