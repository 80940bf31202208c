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

/** The pool's events: every connection event of its sockets, plus progress and rotations. */
export type PoolEvents = SocketEvents & {
  connecting: (e: ConnectingProgressEvent) => void;
  rotated: (e: RotatedEvent) => void;
};
