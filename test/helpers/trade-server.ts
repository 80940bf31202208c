/**
 * A small Binance-like market (NOT the emulator) for gap-free tests: per symbol, aggTrades
 * happen every `tradeMs` whether or not anyone listens (ids consecutive, kept in memory),
 * `kline_1s` candles are built from them; one port serves both the combined WebSocket streams
 * (`@aggTrade`, `@kline_1s`: an update every 200 ms and the close at each second) and REST
 * (`/api/v3/aggTrades?symbol&fromId&limit`, `/api/v3/klines?symbol&interval=1s&startTime&endTime&limit`,
 * `/api/v3/ticker/bookTicker`). Faults: drop every connection, stall them, reject upgrades.
 * What it generated is the ground truth.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { AggTradeRow } from '../../src/rest/market-types';
import { onCleanup } from './emulator';

/** One aggTrade as REST returns it (spot: with `M`). */
export type Trade = AggTradeRow & { M: boolean };

interface Conn {
  ws: WebSocket;
  streams: Set<string>;
  stalled: boolean;
}

export interface TradeServer {
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** Every aggTrade generated per symbol (upper case), in order. */
  trades(symbol: string): readonly Trade[];
  /** Closed 1 s candles per symbol: [openTime, o, h, l, c, v, closeTime, q, n, V, Q, '0']. */
  candles(symbol: string): readonly unknown[][];
  /** Connections accepted so far, REST calls by path. */
  readonly log: { connections: number; upgradesRejected: number; rest: Record<string, number> };
  dropAll(): void;
  stall(on: boolean): void;
  /** Answer the next `n` upgrades with `status` (and Retry-After seconds). */
  rejectUpgrades(n: number, status?: number, retryAfterSec?: number): void;
  close(): Promise<void>;
}

export async function startTradeServer(opts: { symbols: string[]; tradeMs?: number }): Promise<TradeServer> {
  const tradeMs = opts.tradeMs ?? 10;
  const symbols = opts.symbols.map((s) => s.toUpperCase());
  const trades = new Map<string, Trade[]>(symbols.map((s) => [s, []]));
  const candles = new Map<string, unknown[][]>(symbols.map((s) => [s, []]));
  const open = new Map<string, { t: number; o: number; h: number; l: number; c: number; v: number; n: number }>();
  const conns = new Set<Conn>();
  const log = { connections: 0, upgradesRejected: 0, rest: {} as Record<string, number> };
  let reject = { n: 0, status: 503, retryAfterSec: undefined as number | undefined };
  let stalled = false;
  let tick = 0;

  const send = (stream: string, data: unknown): void => {
    const text = JSON.stringify({ stream, data });
    for (const c of conns) if (!c.stalled && !stalled && c.streams.has(stream) && c.ws.readyState === 1) c.ws.send(text);
  };
  const klineOf = (sym: string, k: { t: number; o: number; h: number; l: number; c: number; v: number; n: number }, closed: boolean) => ({
    e: 'kline',
    E: Date.now(),
    s: sym,
    k: { t: k.t, T: k.t + 999, s: sym, i: '1s', f: 0, L: 0, o: String(k.o), c: String(k.c), h: String(k.h), l: String(k.l), v: String(k.v), n: k.n, x: closed, q: '0', V: '0', Q: '0', B: '0' },
  });
  const generate = (): void => {
    const now = Date.now();
    tick++;
    for (const sym of symbols) {
      const list = trades.get(sym) as Trade[];
      const a = list.length + 1;
      const price = 100 + (a % 50) / 10;
      const t: Trade = { a, p: price.toFixed(2), q: '1.00', f: a, l: a, T: now, m: a % 2 === 0, M: true };
      list.push(t);
      send(`${sym.toLowerCase()}@aggTrade`, { e: 'aggTrade', E: now, s: sym, ...t });
      const openTime = Math.floor(now / 1000) * 1000;
      let k = open.get(sym);
      if (k !== undefined && k.t !== openTime) {
        (candles.get(sym) as unknown[][]).push([k.t, String(k.o), String(k.h), String(k.l), String(k.c), String(k.v), k.t + 999, '0', k.n, '0', '0', '0']);
        send(`${sym.toLowerCase()}@kline_1s`, klineOf(sym, k, true));
        k = undefined;
      }
      if (k === undefined) open.set(sym, (k = { t: openTime, o: price, h: price, l: price, c: price, v: 0, n: 0 }));
      k.h = Math.max(k.h, price);
      k.l = Math.min(k.l, price);
      k.c = price;
      k.v += 1;
      k.n += 1;
      if (tick % Math.max(1, Math.round(200 / tradeMs)) === 0) send(`${sym.toLowerCase()}@kline_1s`, klineOf(sym, k, false));
    }
  };
  const timer = setInterval(generate, tradeMs);

  const rest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.rest[url.pathname] = (log.rest[url.pathname] ?? 0) + 1;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '1' });
      res.end(JSON.stringify(body));
    };
    const sym = (url.searchParams.get('symbol') ?? '').toUpperCase();
    const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 500));
    if (!trades.has(sym)) return json(400, { code: -1121, msg: 'Invalid symbol.' });
    if (url.pathname === '/api/v3/aggTrades') {
      const list = trades.get(sym) as Trade[];
      const fromId = url.searchParams.get('fromId');
      const rows = fromId === null ? list.slice(-limit) : list.slice(Number(fromId) - 1, Number(fromId) - 1 + limit);
      return json(200, rows);
    }
    if (url.pathname === '/api/v3/klines') {
      const start = Number(url.searchParams.get('startTime') ?? 0);
      const end = Number(url.searchParams.get('endTime') ?? Infinity);
      const closed = (candles.get(sym) as unknown[][]).filter((c) => (c[0] as number) >= start && (c[0] as number) <= end);
      const cur = open.get(sym);
      const rows =
        cur && cur.t >= start && cur.t <= end ? [...closed, [cur.t, String(cur.o), String(cur.h), String(cur.l), String(cur.c), String(cur.v), cur.t + 999, '0', cur.n, '0', '0', '0']] : closed;
      return json(200, url.searchParams.get('startTime') === null ? rows.slice(-limit) : rows.slice(0, limit));
    }
    if (url.pathname === '/api/v3/ticker/bookTicker') return json(200, { symbol: sym, bidPrice: '100.00', bidQty: '1', askPrice: '100.10', askQty: '1' });
    return json(404, { code: -1, msg: 'no such path' });
  };

  const http = createServer(rest);
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if (reject.n > 0) {
      reject.n--;
      log.upgradesRejected++;
      const ra = reject.retryAfterSec !== undefined ? `Retry-After: ${reject.retryAfterSec}\r\n` : '';
      socket.end(`HTTP/1.1 ${reject.status} Rejected\r\n${ra}Content-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      log.connections++;
      const url = new URL(req.url ?? '/', 'ws://x');
      const c: Conn = { ws, streams: new Set((url.searchParams.get('streams') ?? '').split('/').filter(Boolean)), stalled: false };
      conns.add(c);
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { method: string; params?: string[]; id: number };
        for (const s of m.params ?? []) m.method === 'SUBSCRIBE' ? c.streams.add(s) : m.method === 'UNSUBSCRIBE' && c.streams.delete(s);
        ws.send(JSON.stringify({ result: null, id: m.id }));
      });
      ws.on('close', () => conns.delete(c));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const server: TradeServer = {
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    trades: (s) => trades.get(s.toUpperCase()) ?? [],
    candles: (s) => candles.get(s.toUpperCase()) ?? [],
    log,
    dropAll: () => {
      for (const c of conns) c.ws.terminate();
    },
    stall: (on) => void (stalled = on),
    rejectUpgrades: (n, status = 503, retryAfterSec) => void (reject = { n, status, retryAfterSec }),
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        for (const c of conns) c.ws.terminate();
        const closed = new Promise<void>((r) => http.close(() => r()));
        http.closeAllConnections();
        await closed;
      })()),
  };
  onCleanup(() => server.close());
  return server;
}
