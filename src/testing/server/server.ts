import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  418: "I'm a teapot",
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export interface ServerHandlers {
  http(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/**
 * The HTTP + WebSocket listener. Tracks every TCP socket (HTTP keep-alive and
 * upgraded ones) so `close()` leaves nothing open.
 */
export class EmulatorServer {
  readonly http: Server;
  readonly wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(handlers: ServerHandlers) {
    this.http = createServer({ keepAlive: true }, (req, res) => handlers.http(req, res));
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false, clientTracking: false, maxPayload: 1024 * 1024 });
    this.http.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {});
      handlers.upgrade(req, socket as Socket, head);
    });
    this.http.on('clientError', (_err, socket: Duplex) => socket.destroy());
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        const addr = this.http.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      });
    });
  }

  /** Answer an upgrade with an HTTP status instead of switching protocols. */
  static rejectUpgrade(socket: Socket, status: number, retryAfterSec: number | undefined, body: string): void {
    const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Content-Type: application/json;charset=UTF-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
    if (retryAfterSec !== undefined) lines.push(`Retry-After: ${retryAfterSec}`);
    try {
      socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    } catch {
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}
