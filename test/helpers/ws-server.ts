/**
 * A tiny loopback WebSocket server for socket tests (127.0.0.1, port 0): accept,
 * reject upgrades with an HTTP status (+ Retry-After), hang upgrades, count
 * handshakes, and script each accepted connection. The project's emulator
 * (src/testing, FakeBinance) is the richer alternative; this one exists for the
 * transport-level cases (a handshake that never completes, a raw TCP blackhole).
 */
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

export interface LoopbackConnection {
  readonly ws: WebSocket;
  readonly url: string;
  /** Text frames received, oldest first. */
  readonly received: string[];
  pingsReceived: number;
  pongsReceived: number;
  /** Set by blackhole(): such a connection never notices the client leaving, like a real dead peer. */
  blackholed: boolean;
  send(frame: unknown): void;
  /** Stop reading and writing without closing (a dead peer). */
  blackhole(): void;
}

export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  /** Upgrade requests seen (accepted, rejected or hung). */
  readonly upgrades: number;
  /** Connections currently open on the server side (blackholed ones excluded). */
  readonly openConnections: number;
  readonly connections: LoopbackConnection[];
  /** Answer the next `count` upgrades with `status` (and headers, e.g. Retry-After). */
  rejectUpgrades(status: number, headers?: Record<string, string>, count?: number): void;
  /** Accept TCP but never answer the next upgrades (until `false`). */
  hangUpgrades(on: boolean): void;
  onConnection(fn: (c: LoopbackConnection) => void): void;
  close(): Promise<void>;
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
  const http = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  const raw = new Set<Duplex>();
  const connections: LoopbackConnection[] = [];
  const listeners: ((c: LoopbackConnection) => void)[] = [];
  let upgrades = 0;
  let reject: { status: number; headers: Record<string, string>; count: number } | undefined;
  let hang = false;

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades++;
    raw.add(socket);
    socket.on('close', () => raw.delete(socket));
    socket.on('error', () => {});
    if (reject && reject.count > 0) {
      reject.count--;
      const extra = Object.entries(reject.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.end(`HTTP/1.1 ${reject.status} Rejected\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    if (hang) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: LoopbackConnection = {
        ws,
        url: req.url ?? '',
        received: [],
        pingsReceived: 0,
        pongsReceived: 0,
        blackholed: false,
        send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
        blackhole: () => {
          c.blackholed = true;
          (ws as unknown as { _socket: Duplex })._socket.pause();
          ws.removeAllListeners('ping');
        },
      };
      ws.on('message', (d) => c.received.push(String(d)));
      ws.on('ping', () => c.pingsReceived++);
      ws.on('pong', () => c.pongsReceived++);
      ws.on('error', () => {});
      connections.push(c);
      for (const fn of listeners) fn(c);
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get upgrades() {
      return upgrades;
    },
    get openConnections() {
      return connections.filter((c) => !c.blackholed && (c.ws.readyState === c.ws.OPEN || c.ws.readyState === c.ws.CLOSING)).length;
    },
    connections,
    rejectUpgrades(status, headers = {}, count = 1) {
      reject = { status, headers, count };
    },
    hangUpgrades(on) {
      hang = on;
    },
    onConnection(fn) {
      listeners.push(fn);
    },
    async close() {
      for (const c of connections) c.ws.terminate();
      for (const s of raw) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
