/**
 * `encoding: 'sbe'` and the client's consumers: `client.stream()` takes SBE stream names and
 * rejects JSON-only ones; `client.orderBook()` keeps a local book from SBE's `<symbol>@depth`
 * (U/u update ids) and REST snapshots, equal to the emulator's own book; `decimals: 'number'`
 * makes the decoded prices and quantities numbers, and is refused without `encoding: 'sbe'`. The
 * book also against a small server of its own (hand-built SBE diff frames, a REST snapshot), so
 * the emulator's encoder and the client's decoder cannot agree by construction.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { LocalOrderBook, StreamMessage } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const KEY = 'sbe-ed25519-key-consumers';

async function emulator(): Promise<FakeBinance> {
  const ex = await startEmulator({ seed: 7, symbols: ['btcusdt', 'ethusdt'], rates: { trade: 100, bookTicker: 100, depth: 40, depth20: 20 } });
  ex.wsApi.addAccount({ apiKey: KEY, publicKeyPem: String(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' })) });
  return ex;
}

function client(ex: FakeBinance, extra: Record<string, unknown> = {}): BinanceStreamClient {
  const c = new BinanceStreamClient({
    ...ex.sbe.clientOptions(KEY),
    restBaseUrl: ex.urls.http,
    restFallback: false,
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 50 }),
    ...extra,
  });
  onCleanup(() => c.stop());
  return c;
}

/** Waits until the local book is at the emulator's update id, then compares every level (both read in one tick). */
async function matchesEmulator(ex: FakeBinance, book: LocalOrderBook, symbol: string): Promise<void> {
  let last = '';
  await until(
    () => {
      const want = ex.orderBook(symbol);
      last = `local ${book.state} at ${book.lastUpdateId}, emulator at ${want.lastUpdateId}`;
      if (book.state !== 'live' || book.lastUpdateId !== want.lastUpdateId) return false;
      const num = (ls: readonly (readonly [unknown, unknown])[]) => ls.map(([p, q]) => [Number(p), Number(q)]);
      expect(num(book.bids())).toEqual(num(want.bids));
      expect(num(book.asks())).toEqual(num(want.asks));
      return true;
    },
    { timeoutMs: 10_000, message: () => last },
  );
}

describe('encoding sbe: client.stream()', () => {
  it('iterates SBE streams (@trade, @bestBidAsk, @depth, @depth20) over the SBE endpoint', async () => {
    const ex = await emulator();
    const c = client(ex);
    const it = c.stream(['btcusdt@trade', 'btcusdt@bestBidAsk', 'btcusdt@depth', 'btcusdt@depth20']);
    await c.start();
    const seen = new Map<string, StreamMessage[]>();
    for await (const m of it) {
      seen.set(m.stream, [...(seen.get(m.stream) ?? []), m]);
      if (seen.size === 4 && [...seen.values()].every((l) => l.length >= 2)) break;
    }
    expect([...seen.keys()].sort()).toEqual(['btcusdt@bestBidAsk', 'btcusdt@depth', 'btcusdt@depth20', 'btcusdt@trade']);
    const trade = seen.get('btcusdt@trade')![0]!.data as { e: string; Eus: number; p: unknown };
    expect(trade).toMatchObject({ e: 'trade', Eus: expect.any(Number), p: expect.any(String) });
    expect(ex.sbe.connections()).toHaveLength(1);
    expect(ex.connections()).toEqual([]);
    // The iterator's end unsubscribes what it added.
    await until(() => c.streams.length === 0, { message: () => JSON.stringify(c.streams) });
  });

  it('rejects JSON-only names with ERR_INVALID_STREAM naming them, before anything is subscribed', () => {
    const c = new BinanceStreamClient({ encoding: 'sbe', apiKey: 'k' });
    for (const bad of ['btcusdt@aggTrade', 'btcusdt@bookTicker', 'btcusdt@depth@100ms', 'btcusdt@kline_1m', '!miniTicker@arr']) {
      expect(() => c.stream(['btcusdt@trade', bad])).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_STREAM', streams: [bad], message: expect.stringMatching(/stream\(\).*not served by Binance's SBE streams/) }),
      );
    }
    expect(c.streams).toEqual([]);
    // And the JSON client still refuses the SBE-only name.
    expect(() => new BinanceStreamClient().stream(['btcusdt@bestBidAsk'])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
  });
});

describe('encoding sbe: client.orderBook()', () => {
  it("keeps a local book from SBE's @depth and REST snapshots, equal to the emulator's book, and after a drop", async () => {
    const ex = await emulator();
    const c = client(ex);
    const resyncs: string[] = [];
    c.on('bookResync', (e) => void resyncs.push(e.reason));
    const book = c.orderBook('BTCUSDT');
    expect(book.stream).toBe('btcusdt@depth');
    await c.start();
    await book.ready();
    await until(() => book.stats().updatesApplied >= 5, { message: () => JSON.stringify(book.stats()) });
    await matchesEmulator(ex, book, 'btcusdt');
    expect(ex.sbe.connections().map((x) => x.streams)).toEqual([['btcusdt@depth']]);
    expect(ex.connections()).toEqual([]); // the book's stream is on the SBE endpoint only
    // An abrupt drop: the book resyncs and matches again.
    expect(ex.sbe.drop()).toBe(1);
    await until(() => resyncs.includes('reconnect'), { message: () => JSON.stringify(resyncs) });
    await matchesEmulator(ex, book, 'btcusdt');
    book.close();
    await until(() => c.streams.length === 0);
  });

  it('refuses a speed with encoding sbe (its @depth has one speed) with ERR_INVALID_OPTION', () => {
    const c = new BinanceStreamClient({ encoding: 'sbe', apiKey: 'k' });
    expect(() => c.orderBook('BTCUSDT', { speed: 100 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/orderBook\(\)\.speed.*encoding 'sbe'/) }));
    expect(c.streams).toEqual([]);
  });
});

describe('encoding sbe: decimals', () => {
  it("'number' delivers prices and quantities as numbers; the book works with them", async () => {
    const ex = await emulator();
    const c = client(ex, { decimals: 'number' });
    const trades: { p: unknown; q: unknown; t: number }[] = [];
    const tickers: { b: unknown; A: unknown }[] = [];
    c.on('trade', (t) => void trades.push(t as never));
    c.on('bookTicker', (t) => void tickers.push(t as never));
    c.subscribe(['ethusdt@trade', 'ethusdt@bestBidAsk']);
    const book = c.orderBook('ETHUSDT', { depth: 100 });
    await c.start();
    await until(() => trades.length >= 3 && tickers.length >= 3);
    const truth = new Map(ex.groundTruth('ethusdt@trade').map((e) => [(e.payload as { t: number }).t, e.payload as { p: string; q: string }]));
    for (const t of trades) {
      expect(typeof t.p).toBe('number');
      expect(typeof t.q).toBe('number');
      expect(t.p).toBe(Number(truth.get(t.t)!.p));
      expect(t.q).toBe(Number(truth.get(t.t)!.q));
    }
    expect(typeof tickers[0]!.b).toBe('number');
    expect(typeof tickers[0]!.A).toBe('number');
    await book.ready();
    const best = book.best();
    expect(Number(best.bid)).toBeLessThan(Number(best.ask));
  });

  it("'string' is the default; 'number' without encoding sbe and any other value are ERR_INVALID_OPTION", () => {
    expect(() => new BinanceStreamClient({ decimals: 'number' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/option decimals: expected 'string' with encoding 'json'/) }),
    );
    expect(() => new BinanceStreamClient({ encoding: 'sbe', apiKey: 'k', decimals: 'float' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/option decimals: expected one of "string", "number", got "float"/) }),
    );
    expect(() => new BinanceStreamClient({ decimals: 'string' })).not.toThrow();
    expect(() => new BinanceStreamClient({ encoding: 'sbe', apiKey: 'k', decimals: 'number' })).not.toThrow();
  });
});

// ---- an independent server: SBE diff-depth frames built here (stream_1_0.xml) and a REST depth snapshot ----

function le(bytes: number, v: bigint): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigInt64LE(v);
  else for (let i = 0; i < bytes; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
}
/** DepthDiffStreamEvent (template 10003): prices ×10⁻⁴, quantities ×10⁻¹, levels as [price, qty] mantissas. */
function diff(U: number, u: number, bids: [number, number][], asks: [number, number][]): Buffer {
  const group = (ls: [number, number][]) => Buffer.concat([le(2, 16n), le(2, BigInt(ls.length)), ...ls.map(([p, q]) => Buffer.concat([le(8, BigInt(p)), le(8, BigInt(q))]))]);
  const head = Buffer.concat([le(2, 26n), le(2, 10003n), le(2, 1n), le(2, 0n)]);
  return Buffer.concat([head, le(8, 1_770_000_000_000_001n), le(8, BigInt(U)), le(8, BigInt(u)), Buffer.from([0xfc, 0xff]), group(bids), group(asks), Buffer.from([6]), Buffer.from('ETHBTC')]);
}

describe('encoding sbe: client.orderBook() against an independent server', () => {
  it('applies SBE diffs on a REST snapshot by U/u (older ones skipped), and resyncs on a gap', async () => {
    const sockets: WebSocket[] = [];
    const restCalls: string[] = [];
    const http = createServer((req, res) => {
      restCalls.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      // Snapshot 103, then (after the gap's resync) 120.
      const first = restCalls.length === 1;
      res.end(JSON.stringify(first ? { lastUpdateId: 103, bids: [['0.1230', '5.0']], asks: [['0.1240', '1.0']] } : { lastUpdateId: 120, bids: [['0.1200', '1.0']], asks: [['0.1300', '1.0']] }));
    });
    const wss = new WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => void sockets.push(ws)));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise<void>((r) => (wss.close(), http.closeAllConnections(), http.close(() => r()))));
    const port = (http.address() as { port: number }).port;
    const c = new BinanceStreamClient({
      market: 'spot',
      baseUrl: `ws://127.0.0.1:${port}`,
      restBaseUrl: `http://127.0.0.1:${port}`,
      encoding: 'sbe',
      apiKey: KEY,
      restFallback: false,
      connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    });
    onCleanup(() => c.stop());
    const resyncs: string[] = [];
    c.on('bookResync', (e) => void resyncs.push(e.reason));
    const book = c.orderBook('ETHBTC', { depth: 10 });
    await c.start();
    await until(() => sockets.length === 1);
    const ws = sockets[0]!;
    ws.send(diff(100, 102, [[1235, 90]], []), { binary: true }); // older than the snapshot: skipped (0.1235 never appears)
    ws.send(diff(103, 105, [[1230, 70]], []), { binary: true }); // straddles 104: the first applied
    ws.send(diff(106, 106, [], [[1250, 20]]), { binary: true });
    await until(() => book.state === 'live' && book.lastUpdateId === 106, { message: () => `${book.state} at ${book.lastUpdateId}, REST ${JSON.stringify(restCalls)}` });
    expect(restCalls[0]).toBe('/api/v3/depth?symbol=ETHBTC&limit=10');
    const num = (ls: readonly (readonly [unknown, unknown])[]) => ls.map(([p, q]) => [Number(p), Number(q)]);
    expect(num(book.bids())).toEqual([[0.123, 7]]);
    expect(num(book.asks())).toEqual([
      [0.124, 1],
      [0.125, 2],
    ]);
    // 107 is missing: a gap, a new snapshot.
    ws.send(diff(108, 110, [[1220, 10]], []), { binary: true });
    await until(() => resyncs.includes('gap') && restCalls.length === 2, { message: () => JSON.stringify([resyncs, restCalls]) });
    ws.send(diff(115, 121, [[1210, 30]], []), { binary: true });
    await until(() => book.state === 'live' && book.lastUpdateId === 121, { message: () => `${book.state} at ${book.lastUpdateId}` });
    expect(num(book.bids())).toEqual([
      [0.121, 3],
      [0.12, 1],
    ]);
  });
});
