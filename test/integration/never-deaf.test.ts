/**
 * Issue 10, "never deaf, never a crash" (items 1, 2 and 7), end to end:
 * - a connection whose retry policy gave up is visibly down (health(), stats(), streamDown) and
 *   start(), reconnect() and a subscribe() on it revive it (emulator);
 * - a stream silenced on a busy connection escalates: re-subscribe → fresh connection → streamDown,
 *   keeps being retried, and streamRestored when it delivers again (a tiny ws server: the emulator
 *   has no fault that silences one stream while the connection stays busy);
 * - reconnect() calls 30 ms apart cause one reconnect per socket (emulator).
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { StreamMessage } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { MARKETS } from '../../src/core/markets';
import type { StreamDownEvent, StreamRestoredEvent } from '../../src/pool/events';
import { StreamPool } from '../../src/pool/stream-pool';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';

const fastBudget = () => new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 });

describe('never deaf after gaveUp (item 1)', () => {
  it('a given-up connection is down in health()/stats() with streamDown; start(), reconnect() and subscribe() revive it with a fresh budget', async () => {
    const ex = await startEmulator({ rates: { aggTrade: 50 } });
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: fastBudget(), retryPolicy: new ConstantBackoff({ delayMs: 20, maxRetries: 1 }) });
    onCleanup(() => c.stop());
    const got = new Map<string, number>();
    c.on('message', (m: StreamMessage) => got.set(m.stream, (got.get(m.stream) ?? 0) + 1));
    const down: StreamDownEvent[] = [];
    const restored: StreamRestoredEvent[] = [];
    c.on('streamDown', (e) => down.push(e));
    c.on('streamRestored', (e) => restored.push(e));
    const giveUp = async (n: number) => {
      ex.faults.rejectUpgrades({ status: 503 });
      ex.faults.close({ all: true }, { code: 1011 });
      await until(() => down.length === n, { message: () => `streamDown #${n} (got ${down.length})` });
    };

    ex.faults.rejectUpgrades({ status: 503 });
    c.subscribe('btcusdt@aggTrade');
    await expect(c.start()).rejects.toMatchObject({ code: expect.any(String) });
    await until(() => down.length === 1, { message: 'streamDown after gaveUp' });
    expect(down[0]).toMatchObject({ stream: 'btcusdt@aggTrade', cause: 'gaveUp' });
    const h = c.health();
    expect(h).toMatchObject({ ok: false, down: 1, live: 0, streams: { 'btcusdt@aggTrade': { state: 'down', socketId: expect.any(String), reason: expect.stringContaining('gave up') } } });
    expect(c.stats().pool.streams[0]).toMatchObject({ state: 'down' });
    expect(c.stats().pool.sockets[0]).toMatchObject({ state: 'failed' });

    // 1. start() again: a new attempt (not the old rejection) that revives the socket.
    ex.faults.heal();
    await c.start();
    await until(() => (got.get('btcusdt@aggTrade') ?? 0) > 0, { message: 'data after start()' });
    expect(c.health()).toMatchObject({ ok: true, live: 1, down: 0 });
    expect(restored).toHaveLength(1);

    // 2. reconnect() revives it.
    await giveUp(2);
    ex.faults.heal();
    const before = got.get('btcusdt@aggTrade') ?? 0;
    c.reconnect('operator');
    await until(() => (got.get('btcusdt@aggTrade') ?? 0) > before, { message: 'data after reconnect()' });
    await until(() => c.health().live === 1, { message: 'live after reconnect()' });

    // 3. subscribe() of a stream placed on it revives it.
    await giveUp(3);
    ex.faults.heal();
    c.subscribe('ethusdt@aggTrade');
    await until(() => (got.get('ethusdt@aggTrade') ?? 0) > 0, { message: 'data for the new stream' });
    await until(() => c.health().live === 2, { message: () => `both live (${JSON.stringify(c.health())})` });
    expect(c.stats().pool.sockets).toHaveLength(1);
  }, 20_000);
});

/** A combined-stream server that sends every stream of each connection every 10 ms, except the `silenced` ones. */
async function tinyServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const silenced = new Set<string>();
  const log = { connections: 0, subscribes: new Map<string, number>() };
  const conns = new Set<{ ws: WebSocket; streams: Set<string> }>();
  let seq = 0;
  wss.on('connection', (ws, req) => {
    log.connections++;
    const url = new URL(req.url ?? '/', 'ws://x');
    const c = { ws, streams: new Set((url.searchParams.get('streams') ?? '').split('/').filter(Boolean)) };
    conns.add(c);
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { method: string; params: string[]; id: number };
      for (const s of m.params ?? []) {
        if (m.method === 'SUBSCRIBE') {
          c.streams.add(s);
          log.subscribes.set(s, (log.subscribes.get(s) ?? 0) + 1);
        } else if (m.method === 'UNSUBSCRIBE') c.streams.delete(s);
      }
      ws.send(JSON.stringify({ result: null, id: m.id }));
    });
    ws.on('close', () => conns.delete(c));
  });
  const timer = setInterval(() => {
    for (const c of conns) for (const s of c.streams) if (!silenced.has(s)) c.ws.send(JSON.stringify({ stream: s, data: { e: 'trade', E: Date.now(), t: ++seq } }));
  }, 10);
  const close = async () => {
    clearInterval(timer);
    for (const c of conns) c.ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  };
  onCleanup(close);
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, silenced, log };
}

describe('a stream silenced on a busy connection (item 2)', () => {
  it('escalates re-subscribe → fresh connection → streamDown, keeps retrying, and comes back with streamRestored', async () => {
    const srv = await tinyServer();
    srv.silenced.add('ethusdt@trade');
    const got = new Map<string, number>();
    const pool = new StreamPool({
      market: MARKETS.spot,
      baseUrl: srv.url,
      sink: (m) => got.set(m.stream, (got.get(m.stream) ?? 0) + 1),
      budget: fastBudget(),
      retryPolicy: new ConstantBackoff({ delayMs: 10 }),
      streamStaleAfterMs: 150,
      sweepIntervalMs: 25,
    });
    onCleanup(() => pool.stop());
    const actions: string[] = [];
    const down: StreamDownEvent[] = [];
    const restored: StreamRestoredEvent[] = [];
    pool.on('stale', (e) => e.scope === 'stream' && actions.push(e.action));
    pool.on('streamDown', (e) => down.push(e));
    pool.on('streamRestored', (e) => restored.push(e));
    pool.subscribe(['btcusdt@trade', 'ethusdt@trade']);
    await pool.start();
    expect(srv.log.connections).toBe(1);

    await until(() => actions.includes('resubscribe'), { message: 'a reported re-subscribe (the first was a quiet probe)' });
    await until(() => (srv.log.subscribes.get('ethusdt@trade') ?? 0) >= 2, { message: 'both SUBSCRIBEs at the server' });
    expect(pool.health().streams['ethusdt@trade']).toMatchObject({ state: 'degraded' });
    await until(() => actions.includes('move'), { timeoutMs: 5_000, message: () => `a move (actions ${actions})` });
    expect(actions.slice(0, 2)).toEqual(['resubscribe', 'move']);
    await until(() => srv.log.connections === 2, { message: 'the fresh connection' });
    await until(() => down.length === 1, { timeoutMs: 5_000, message: 'streamDown' });
    expect(down[0]).toMatchObject({ stream: 'ethusdt@trade', cause: 'silent' });
    expect(pool.health()).toMatchObject({ live: 1, down: 1, streams: { 'ethusdt@trade': { state: 'down' } } });
    expect(pool.stats().streams.find((s) => s.stream === 'ethusdt@trade')).toMatchObject({ state: 'down', repair: 'down' });
    expect(pool.stats().streams.find((s) => s.stream === 'btcusdt@trade')).toMatchObject({ state: 'live' });
    // Still trying (bounded: one try per backoff step, not per sweep).
    const subs = srv.log.subscribes.get('ethusdt@trade') ?? 0;
    await until(() => (srv.log.subscribes.get('ethusdt@trade') ?? 0) > subs, { timeoutMs: 5_000, message: 'a re-subscribe while down' });
    expect(down).toHaveLength(1);

    srv.silenced.delete('ethusdt@trade');
    await until(() => restored.length === 1, { message: 'streamRestored' });
    expect(restored[0]).toMatchObject({ stream: 'ethusdt@trade', from: 'down' });
    expect(pool.health()).toMatchObject({ live: 2, down: 0, degraded: 0 });
    expect(got.get('ethusdt@trade')).toBeGreaterThan(0);
    // Bounded: far fewer than one action per sweep over the whole run.
    expect(srv.log.subscribes.get('ethusdt@trade') ?? 0).toBeLessThan(15);
  }, 20_000);
});

describe('reconnect() debounce (item 7)', () => {
  it('10 calls 30 ms apart: one reconnect per socket (2 sockets, 2 extra dials, not 20)', async () => {
    const ex = await startEmulator({ rates: { aggTrade: 20 } });
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: fastBudget() });
    onCleanup(() => c.stop());
    c.subscribe('btcusdt@aggTrade');
    c.subscribe('ethusdt@aggTrade', { group: 'solo' });
    await c.start();
    expect(ex.stats().connectionsOpened).toBe(2);
    for (let i = 0; i < 10; i++) {
      c.reconnect(`call ${i}`);
      await sleep(30); // the spacing IS the scenario (the report: 10 calls 30 ms apart)
    }
    await until(() => ex.stats().connectionsOpen === 2 && c.stats().pool.sockets.every((s) => s.state === 'open'), { message: 'both sockets open again' });
    expect(ex.stats().connectionsOpened).toBe(4);
  }, 15_000);
});
