/**
 * Ending an emulator connection the two ways Binance's end: a close frame (and, if the peer never
 * completes the close handshake, the TCP connection cut after {@link CLOSE_GRACE_MS}), or an
 * abrupt reset with no close frame (the client sees 1006). Shared by stream, SBE and WS-API connections.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Clock } from '../clock';

/** How long a close handshake may take before the TCP connection is cut. */
export const CLOSE_GRACE_MS = 2000;

/** Send a close frame with `code`/`reason`; cut the socket if the handshake does not finish in time (or the frame cannot be sent). */
export function closeWithFrame(ws: WebSocket, socket: Socket, clock: Clock, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    socket.destroy();
  }
  clock.timeout(() => socket.destroy(), CLOSE_GRACE_MS);
}

/** Drop the TCP connection with no close frame. */
export function dropConnection(ws: WebSocket, socket: Socket): void {
  socket.destroy();
  ws.terminate();
}
