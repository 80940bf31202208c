/**
 * `encoding: 'sbe'` end to end: the client against the emulator's SBE streams (typed events
 * equal to the ground truth, reconnect with gap tracking on trade ids and depth update ids,
 * the serverShutdown handover exactly once) and against a small SBE server written here with
 * hand-built frames (so the emulator's encoder and the client's decoder cannot agree by
 * construction): the header on the upgrade, trades/depth gaps, a malformed frame reported and
 * survived, serverShutdown as a JSON text frame.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { BinanceStreamError, GapEvent, StreamMessage } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const KEY = 'sbe-ed25519-key-0123456789';
const STREAMS = ['btcusdt@trade', 'btcusdt@bestBidAsk', 'btcusdt@depth', 'btcusdt@depth20'];

function client(baseUrl: string, extra: Record<string, unknown> = {}) {
  const c = new BinanceStreamClient({
    market: 'spot',
    baseUrl,
    encoding: 'sbe',
    apiKey: KEY,
    restFallback: false,
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 50 }),
    ...extra,
  });
  onCleanup(() => c.stop());
  const got = new Map<string, StreamMessage[]>();
  const events: Record<string, unknown[]> = { trade: [], bookTicker: [], depth: [], partialDepth: [] };
  const gaps: GapEvent[] = [];
  const errors: BinanceStreamError[] = [];
  c.on('message', (m) => void got.set(m.stream, [...(got.get(m.stream) ?? []), m]));
  for (const name of Object.keys(events)) c.on(name as 'trade', (d: unknown) => void events[name]!.push(d));
  c.on('gap', (g) => void gaps.push(g));
  c.on('error', (e) => void errors.push(((e as { error?: unknown }).error ?? e) as BinanceStreamError));
  const data = (s: string) => (got.get(s) ?? []).map((m) => m.data as any);
  return { c, got, events, gaps, errors, data };
}

async function emulator(): Promise<FakeBinance> {
  const ex = await startEmulator({ symbols: ['btcusdt'], rates: { trade: 100, bookTicker: 100, depth: 40, depth20: 20 } });
  ex.wsApi.addAccount({ apiKey: KEY, publicKeyPem: String(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' })) });
  return ex;
}

const contiguous = (ids: number[]) => ids.every((v, i) => i === 0 || v === ids[i - 1]! + 1);

describe('encoding sbe against the emulator', () => {
  it('delivers trade, bookTicker, depth and partialDepth events equal to the ground truth, with µs times', async () => {
    const ex = await emulator();
    expect(ex.sbe.clientOptions(KEY)).toEqual({ market: 'spot', baseUrl: ex.sbe.url, encoding: 'sbe', apiKey: KEY });
    const { c, events, data, errors } = client(ex.sbe.url);
    c.subscribe(STREAMS);
    await c.start();
    await until(() => Object.values(events).every((l) => l.length >= 3), {
      timeoutMs: 10_000,
      message: () => JSON.stringify(Object.fromEntries(Object.entries(events).map(([k, l]) => [k, l.length]))),
    });
    const truth = new Map(ex.groundTruth('btcusdt@trade').map((e) => [(e.payload as any).t, e.payload as any]));
    for (const t of data('btcusdt@trade')) expect(t).toEqual({ ...truth.get(t.t), M: true, Eus: t.E * 1000, Tus: t.T * 1000 });
    const books = new Map(ex.groundTruth('btcusdt@bookTicker').map((e) => [(e.payload as any).u, e.payload as any]));
    for (const b of data('btcusdt@bestBidAsk')) expect(b).toMatchObject(books.get(b.u));
    const depth = new Map(ex.groundTruth('btcusdt@depth').map((e) => [(e.payload as any).u, e.payload as any]));
    for (const d of data('btcusdt@depth')) expect(d).toEqual({ ...depth.get(d.u), Eus: d.E * 1000 });
    expect(events.trade![0]).toBe(data('btcusdt@trade')[0]);
    expect(errors).toEqual([]);
    expect(ex.connections()).toEqual([]); // nothing on the JSON endpoint
    expect(ex.sbe.connections()).toHaveLength(1);
  });

  it('reconnects after a drop and reports the lost trade ids and depth updates as gaps', async () => {
    const ex = await emulator();
    const { c, data, gaps } = client(ex.sbe.url);
    c.subscribe(['btcusdt@trade', 'btcusdt@depth']);
    await c.start();
    await until(() => data('btcusdt@trade').length >= 10 && data('btcusdt@depth').length >= 3, { timeoutMs: 10_000 });
    const before = data('btcusdt@trade').length;
    const lastId = data('btcusdt@trade').at(-1).t;
    const lastU = data('btcusdt@depth').at(-1).u;
    const opened = ex.sbe.stats().connectionsOpened;
    expect(ex.sbe.drop()).toBe(1);
    await until(() => ex.sbe.stats().connectionsOpened > opened && data('btcusdt@trade').length >= before + 10 && gaps.some((g) => g.kind === 'depth'), {
      timeoutMs: 10_000,
      message: () => `reconnect and gaps (${JSON.stringify(gaps)})`,
    });
    // The gaps are exactly the jumps in what was delivered (ids and update ids are the emulator's, continuing in time).
    const ids = data('btcusdt@trade').map((t) => t.t);
    const idJumps = ids.flatMap((v, i) => (i > 0 && v > ids[i - 1]! + 1 ? [[ids[i - 1]! + 1, v - 1]] : []));
    expect(gaps.filter((g) => g.kind === 'trade').map((g: any) => [g.fromId, g.toId, g.cause])).toEqual(idJumps.map((j) => [...j, 'reconnect']));
    const d = data('btcusdt@depth');
    const uJumps = d.flatMap((m, i) => (i > 0 && m.U !== d[i - 1].u + 1 ? [[d[i - 1].u, m.U]] : []));
    expect(uJumps.length).toBeGreaterThanOrEqual(1);
    expect(uJumps[0]![0]).toBeGreaterThanOrEqual(lastU);
    expect(gaps.filter((g) => g.kind === 'depth').map((g: any) => [g.lastUpdateId, g.nextFirstUpdateId])).toEqual(uJumps);
    expect(ids.slice(0, before).at(-1)).toBe(lastId);
  });

  it('hands over on serverShutdown (JSON text frame): every trade exactly once, in order, on a new connection', async () => {
    const ex = await emulator();
    const { c, data, gaps } = client(ex.sbe.url);
    c.subscribe(['btcusdt@trade']);
    await c.start();
    await until(() => data('btcusdt@trade').length >= 10, { timeoutMs: 10_000 });
    const [old] = ex.sbe.connections();
    expect(ex.sbe.serverShutdown()).toBe(1);
    await until(() => ex.sbe.connections().length === 1 && ex.sbe.connections()[0]!.id !== old!.id, { timeoutMs: 10_000, message: () => JSON.stringify(ex.sbe.connections()) });
    const n = data('btcusdt@trade').length;
    await until(() => data('btcusdt@trade').length >= n + 20, { timeoutMs: 10_000 });
    const ids = data('btcusdt@trade').map((t) => t.t);
    expect(contiguous(ids), ids.join(',')).toBe(true);
    expect(gaps).toEqual([]);
  });

  it('a key the server refuses is a handshake error that never shows the key', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'] });
    const { c, errors } = client(ex.sbe.url);
    const seen: unknown[] = [];
    c.on('reconnecting', (e) => void seen.push(e));
    c.subscribe(['btcusdt@trade']);
    void c.start().catch(() => {});
    await until(() => seen.length >= 1, { timeoutMs: 10_000 });
    const text = JSON.stringify([seen, errors.map((e) => [e.message, e.code])]);
    expect(text).toContain('401');
    expect(text).not.toContain(KEY);
  });
});

describe('encoding sbe: options', () => {
  it('needs spot and an apiKey; SBE serves four stream kinds', () => {
    expect(() => new BinanceStreamClient({ market: 'usdm', encoding: 'sbe', apiKey: 'k' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/encoding.*spot only/) }),
    );
    expect(() => new BinanceStreamClient({ encoding: 'sbe' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/apiKey.*Ed25519/) }));
    expect(() => new BinanceStreamClient({ encoding: 'xml' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/encoding/) }));
    const c = new BinanceStreamClient({ encoding: 'sbe', apiKey: 'k' });
    expect(() => c.subscribe('btcusdt@aggTrade')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: expect.stringMatching(/not served by Binance's SBE streams/) }));
    expect(() => c.subscribe(['btcusdt@trade', 'btcusdt@bestBidAsk', 'btcusdt@depth', 'btcusdt@depth20'])).not.toThrow();
    expect(() => new BinanceStreamClient().subscribe('btcusdt@bestBidAsk')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
  });
});

// ---- an independent SBE server: frames built here from stream_1_0.xml ----

function le(bytes: number, v: bigint): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigInt64LE(v);
  else for (let i = 0; i < bytes; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
}
const sym = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
const header = (block: number, template: number) => Buffer.concat([le(2, BigInt(block)), le(2, BigInt(template)), le(2, 1n), le(2, 0n)]);
function trades(ids: number[]): Buffer {
  const t = BigInt(1_770_000_000_000_000 + ids[0]! * 1000);
  const entries = ids.map((id) => Buffer.concat([le(8, BigInt(id)), le(8, 2_500_050n), le(8, 3n), Buffer.from([id % 2])]));
  return Buffer.concat([header(18, 10000), le(8, t + 7n), le(8, t), Buffer.from([0xfe, 0xfd]), le(2, 25n), le(4, BigInt(ids.length)), ...entries, sym('ETHBTC')]);
}
function diff(U: number, u: number): Buffer {
  const level = Buffer.concat([le(8, 1234n), le(8, 0n)]);
  return Buffer.concat([
    header(26, 10003),
    le(8, 1_770_000_000_000_001n),
    le(8, BigInt(U)),
    le(8, BigInt(u)),
    Buffer.from([0xfc, 0xff]),
    le(2, 16n),
    le(2, 1n),
    level,
    le(2, 16n),
    le(2, 0n),
    sym('ETHBTC'),
  ]);
}

describe('encoding sbe against an independent SBE server', () => {
  it('sends X-MBX-APIKEY, decodes hand-built frames, tracks gaps, survives a malformed frame, hands over on serverShutdown', async () => {
    const upgrades: IncomingMessage[] = [];
    const sockets: WebSocket[] = [];
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => {
      upgrades.push(req);
      wss.handleUpgrade(req, socket, head, (ws) => void sockets.push(ws));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise<void>((r) => (wss.close(), http.closeAllConnections(), http.close(() => r()))));
    const { c, data, gaps, errors, events } = client(`ws://127.0.0.1:${(http.address() as { port: number }).port}`);
    c.subscribe(['ethbtc@trade', 'ethbtc@depth']);
    await c.start();
    await until(() => sockets.length === 1);
    expect(upgrades[0]!.headers['x-mbx-apikey']).toBe(KEY);
    expect(upgrades[0]!.url).toBe('/stream?streams=ethbtc@trade/ethbtc@depth');
    const ws = sockets[0]!;
    ws.send(trades([10, 11]), { binary: true });
    ws.send(diff(100, 104), { binary: true });
    ws.send(trades([12, 15]), { binary: true }); // 13, 14 missing
    ws.send(diff(106, 110), { binary: true }); // 105 missing
    ws.send(trades([16]).subarray(0, 20), { binary: true }); // truncated: an error, not the end
    ws.send(trades([16]), { binary: true });
    await until(() => data('ethbtc@trade').length === 5 && data('ethbtc@depth').length === 2 && errors.length === 1);
    expect(data('ethbtc@trade')[0]).toEqual({
      e: 'trade',
      E: 1_770_000_000_010,
      s: 'ETHBTC',
      t: 10,
      p: '25000.50',
      q: '0.003',
      T: 1_770_000_000_010,
      m: false,
      M: true,
      Eus: 1_770_000_000_010_007,
      Tus: 1_770_000_000_010_000,
    });
    expect(data('ethbtc@trade').map((t) => [t.t, t.m])).toEqual([
      [10, false],
      [11, true],
      [12, false],
      [15, true],
      [16, false],
    ]);
    expect(events.depth![0]).toEqual({ e: 'depthUpdate', E: 1_770_000_000_000, s: 'ETHBTC', U: 100, u: 104, b: [['0.1234', '0.0']], a: [], Eus: 1_770_000_000_000_001 });
    expect(gaps).toEqual([
      expect.objectContaining({ kind: 'trade', stream: 'ethbtc@trade', fromId: 13, toId: 14 }),
      expect.objectContaining({ kind: 'depth', stream: 'ethbtc@depth', lastUpdateId: 104, nextFirstUpdateId: 106 }),
    ]);
    expect(errors[0]).toMatchObject({ code: 'ERR_SBE_DECODE', message: expect.stringMatching(/truncated.*template 10000 \(TradesStreamEvent\), schema 1:0/) });
    ws.send(JSON.stringify({ e: 'serverShutdown', E: Date.now() }));
    await until(() => sockets.length === 2, { message: 'the handover connection' });
    sockets[1]!.send(trades([16, 17]), { binary: true }); // 16 again: the overlap, delivered once
    await until(() => data('ethbtc@trade').length === 6);
    expect(data('ethbtc@trade').map((t) => t.t)).toEqual([10, 11, 12, 15, 16, 17]);
    expect(upgrades[1]!.headers['x-mbx-apikey']).toBe(KEY);
  });
});
