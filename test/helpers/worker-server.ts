/**
 * A small combined-stream server that is NOT the emulator and runs in its own thread, so a
 * test can block the client's event loop while the server keeps sending (as Binance would).
 * Every stream of a connection gets a `depthUpdate`-shaped frame with consecutive update
 * ids (`U` = `u`, one per frame per stream, shared across connections) every `intervalMs`.
 * Controls: stall every connection (data stops, pings are still answered), mute one stream
 * until the client SUBSCRIBEs it again, and a snapshot of what was sent.
 */
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { onCleanup } from './emulator';

const SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const conns = new Set();
const ids = new Map();
const muted = new Set();
const sticky = new Set();
const log = { connections: 0, subscribes: {}, sent: {} };
let stalled = false;
wss.on('listening', () => parentPort.postMessage({ type: 'listening', port: wss.address().port }));
wss.on('connection', (ws, req) => {
  log.connections++;
  const url = new URL(req.url || '/', 'ws://x');
  const c = { ws, streams: new Set((url.searchParams.get('streams') || '').split('/').filter(Boolean)) };
  conns.add(c);
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    for (const s of m.params || []) {
      if (m.method === 'SUBSCRIBE') { c.streams.add(s); if (!sticky.has(s)) muted.delete(s); log.subscribes[s] = (log.subscribes[s] || 0) + 1; }
      else if (m.method === 'UNSUBSCRIBE') c.streams.delete(s);
    }
    ws.send(JSON.stringify({ result: null, id: m.id }));
  });
  ws.on('close', () => conns.delete(c));
});
const timer = setInterval(() => {
  if (stalled) return;
  for (const c of conns) {
    if (c.ws.readyState !== 1) continue;
    for (const s of c.streams) {
      if (muted.has(s)) continue;
      const id = (ids.get(s) || 0) + 1;
      ids.set(s, id);
      log.sent[s] = id;
      const sym = s.split('@')[0].toUpperCase();
      c.ws.send(JSON.stringify({ stream: s, data: { e: 'depthUpdate', E: Date.now(), s: sym, U: id, u: id, b: [['1.0', '2']], a: [] } }));
    }
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.type === 'stall') stalled = m.on;
  else if (m.type === 'mute') {
    if (m.on) muted.add(m.stream); else muted.delete(m.stream);
    if (m.on && m.sticky) sticky.add(m.stream); else sticky.delete(m.stream);
  }
  else if (m.type === 'log') parentPort.postMessage({ type: 'log', log });
  else if (m.type === 'close') {
    clearInterval(timer);
    for (const c of conns) c.ws.terminate();
    wss.close(() => parentPort.postMessage({ type: 'closed' }));
  }
});
`;

export interface ServerLog {
  connections: number;
  subscribes: Record<string, number>;
  /** The last update id sent per stream (ids start at 1). */
  sent: Record<string, number>;
}

export interface WorkerServer {
  readonly url: string;
  /** Stop (true) or resume every connection's data; pings are still answered. */
  stall(on: boolean): void;
  /** Stop one stream until the client SUBSCRIBEs it again (or `mute(stream, false)`); `sticky`: a SUBSCRIBE does not help. */
  mute(stream: string, on: boolean, sticky?: boolean): void;
  log(): Promise<ServerLog>;
  close(): Promise<void>;
}

export async function startWorkerServer(opts: { intervalMs: number }): Promise<WorkerServer> {
  const worker = new Worker(SERVER, { eval: true, workerData: opts });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: string; port?: number }) => m.type === 'listening' && resolve(m.port as number));
  });
  const request = <T>(type: string, answer: string): Promise<T> =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string } & Record<string, unknown>) => {
        if (m.type !== answer) return;
        worker.off('message', on);
        resolve(m as T);
      };
      worker.on('message', on);
      worker.postMessage({ type });
    });
  let closed: Promise<void> | undefined;
  const server: WorkerServer = {
    url: `ws://127.0.0.1:${port}`,
    stall: (on) => worker.postMessage({ type: 'stall', on }),
    mute: (stream, on, sticky = false) => worker.postMessage({ type: 'mute', stream, on, sticky }),
    log: async () => (await request<{ log: ServerLog }>('log', 'log')).log,
    close: () =>
      (closed ??= (async () => {
        await request('close', 'closed');
        await worker.terminate();
      })()),
  };
  onCleanup(() => server.close());
  return server;
}

export type { AddressInfo };
