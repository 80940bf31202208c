/**
 * `client.orderBook()` on USD-M against a small independent server (not the emulator): `ws` and
 * `node:http` on 127.0.0.1, port 0, with its own book. Every change skips 0 to 7 update ids (ids
 * used elsewhere, as on Binance), the first of an event at least 1, so `U` is never the previous
 * `u` + 1 and only `pu` chains the events; `/fapi/v1/depth` serves the book at the last id. `loseNext()` drops
 * one event on the floor (its changes stay in the book): the client must see the `pu` break,
 * resync with reason `pu-mismatch`, and end up with the server's book again.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { BinanceStreamClient } from 'binance-stream-client';
import type { BookResyncEvent, LocalOrderBook } from 'binance-stream-client';
import { onCleanup } from '../helpers/emulator';
import { until } from '../helpers/wait';

const STREAM = 'btcusdt@depth';

interface FuturesDepthServer {
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** `u` of the last event generated (sent or lost). */
  readonly lastU: number;
  /** Events sent, and how many of them had U === previous u + 1 (none should). */
  readonly sent: number;
  readonly contiguous: number;
  readonly snapshots: number;
  view(): { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
  loseNext(): void;
  close(): Promise<void>;
}

async function startFuturesDepthServer(intervalMs = 8): Promise<FuturesDepthServer> {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const px = (t: number) => (t / 10).toFixed(1);
  const bids = new Map<number, string>();
  const asks = new Map<number, string>();
  let mid = 100_000;
  for (let i = 1; i <= 40; i++) {
    bids.set(mid - i, `${1 + rand(9)}.${rand(1000)}`);
    asks.set(mid + i, `${1 + rand(9)}.${rand(1000)}`);
  }
  let id = 8_000_000_000_000;
  let lastU = id;
  let sent = 0;
  let contiguous = 0;
  let snapshots = 0;
  let lose = false;
  const conns = new Map<WebSocket, Set<string>>();
  const sorted = (m: Map<number, string>, desc: boolean): [string, string][] => [...m.keys()].sort((a, b) => (desc ? b - a : a - b)).map((t): [string, string] => [px(t), m.get(t)!]);

  const step = () => {
    const b: [string, string][] = [];
    const a: [string, string][] = [];
    let U = 0;
    const change = (bid: boolean, tick: number, qty: string) => {
      id += (U === 0 ? 2 : 1) + rand(7); // ids skipped (used by other symbols): U is never the previous u + 1
      if (U === 0) U = id;
      const side = bid ? bids : asks;
      if (qty === '0') side.delete(tick);
      else side.set(tick, qty);
      (bid ? b : a).push([px(tick), qty]);
    };
    mid += rand(3) - 1;
    for (const t of [...bids.keys()]) if (t >= mid) change(true, t, '0');
    for (const t of [...asks.keys()]) if (t <= mid) change(false, t, '0');
    for (let k = 0, n = 1 + rand(3); k < n; k++) {
      const bid = rand(2) === 0;
      const tick = bid ? mid - 1 - rand(20) : mid + 1 + rand(20);
      const has = (bid ? bids : asks).has(tick);
      change(bid, tick, has && rand(5) === 0 ? '0' : `${1 + rand(9)}.${rand(1000)}`);
    }
    const pu = lastU;
    lastU = id;
    if (lose) {
      lose = false;
      return;
    }
    const data = { e: 'depthUpdate', E: Date.now(), T: Date.now(), s: 'BTCUSDT', U, u: id, pu, b, a };
    if (U === pu + 1) contiguous++;
    const frame = JSON.stringify({ stream: STREAM, data });
    for (const [ws, streams] of conns) if (streams.has(STREAM) && ws.readyState === ws.OPEN) ws.send(frame);
    sent++;
  };
  const timer = setInterval(step, intervalMs);

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/fapi/v1/depth' || url.searchParams.get('symbol') !== 'BTCUSDT') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"code":-1121,"msg":"Invalid symbol."}');
      return;
    }
    snapshots++;
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const now = Date.now();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ lastUpdateId: lastU, E: now, T: now, bids: sorted(bids, true).slice(0, limit), asks: sorted(asks, false).slice(0, limit) }));
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const streams = new Set((new URL(req.url ?? '/', 'ws://x').searchParams.get('streams') ?? '').split('/').filter(Boolean));
      conns.set(ws, streams);
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { method?: string; params?: string[]; id?: number };
        for (const s of m.params ?? []) m.method === 'SUBSCRIBE' ? streams.add(s) : m.method === 'UNSUBSCRIBE' && streams.delete(s);
        ws.send(JSON.stringify({ result: null, id: m.id }));
      });
      ws.on('close', () => conns.delete(ws));
      ws.on('error', () => undefined);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const server: FuturesDepthServer = {
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    get lastU() {
      return lastU;
    },
    get sent() {
      return sent;
    },
    get contiguous() {
      return contiguous;
    },
    get snapshots() {
      return snapshots;
    },
    view: () => ({ lastUpdateId: lastU, bids: sorted(bids, true), asks: sorted(asks, false) }),
    loseNext: () => void (lose = true),
    close: () =>
      (closed ??= (async () => {
        clearInterval(timer);
        for (const ws of conns.keys()) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })()),
  };
  onCleanup(() => server.close());
  return server;
}

/** The local book at the server's last id, compared in the same tick. */
async function matchesServer(server: FuturesDepthServer, book: LocalOrderBook): Promise<void> {
  await until(
    () => {
      const want = server.view();
      if (book.state !== 'live' || book.lastUpdateId !== want.lastUpdateId) return false;
      expect(book.bids()).toEqual(want.bids);
      expect(book.asks()).toEqual(want.asks);
      return true;
    },
    { timeoutMs: 8_000, message: () => `local ${book.state} at ${book.lastUpdateId}, server at ${server.lastU}` },
  );
}

describe('client.orderBook() on USD-M against an independent depth server', () => {
  it('chains by pu while U jumps, resyncs on a forced pu break (pu-mismatch) and has the server book after', async () => {
    const server = await startFuturesDepthServer();
    const c = new BinanceStreamClient({ market: 'usdm', baseUrl: server.wsUrl, restBaseUrl: server.httpUrl, connectionBudget: new ConnectionBudget() });
    onCleanup(() => c.stop());
    const resyncs: BookResyncEvent[] = [];
    c.on('bookResync', (e) => resyncs.push(e));
    const book = c.orderBook('BTCUSDT', { depth: 100 });
    await c.start();
    await book.ready();
    await until(() => book.stats().updatesApplied >= 60, { timeoutMs: 8_000, message: () => `60 updates (got ${book.stats().updatesApplied})` });
    await matchesServer(server, book);
    expect(server.contiguous).toBe(0); // every U jumped
    expect(resyncs).toEqual([]);

    server.loseNext();
    await until(() => resyncs.length > 0, { timeoutMs: 8_000, message: 'a resync' });
    expect(resyncs).toHaveLength(1);
    const r = resyncs[0]!;
    expect(r).toMatchObject({ symbol: 'BTCUSDT', market: 'usdm', stream: STREAM, reason: 'pu-mismatch', resyncs: 1 });
    expect(r.ids!.pu).toBeGreaterThan(r.ids!.lastUpdateId); // the lost event's u
    expect(r.detail).toBe(`expected pu=${r.ids!.lastUpdateId}, got U=${r.ids!.U} u=${r.ids!.u} pu=${r.ids!.pu}`);
    await until(() => book.state === 'live', { timeoutMs: 8_000 });
    await matchesServer(server, book);
    expect(book.stats()).toMatchObject({ resyncs: 1, resyncsByReason: { 'pu-mismatch': 1 }, snapshots: server.snapshots, snapshotFailures: 0 });
    await c.stop();
    expect(book.state).toBe('closed');
  });
});
