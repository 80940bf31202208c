/**
 * ResilientSocket against the emulator (FakeBinance on 127.0.0.1:0), real timers with
 * shrunken durations. Each test stays well under 3 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MARKETS } from '../../src/core/markets';
import { combinedStreamUrl, routeFor } from '../../src/streams/routes';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import { RetryPolicy } from '../../src/retry/policy';
import type { RetryContext } from '../../src/retry/policy';
import type { FakeBinance, FakeBinanceOptions } from '../../src/testing';
import { startEmulator } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';
import { makeLiveSocket } from './socket-helpers';

let fb: FakeBinance | undefined;
let live: ReturnType<typeof makeLiveSocket> | undefined;

async function setup(fbOptions: FakeBinanceOptions = {}, socketOptions: Parameters<typeof makeLiveSocket>[1] = {}) {
  fb = await startEmulator({ market: 'spot', symbols: ['btcusdt', 'ethusdt', 'bnbusdt'], ...fbOptions });
  live = makeLiveSocket(fb.urls.ws, socketOptions);
  return { fb, ...live };
}

afterEach(async () => {
  if (live) {
    await live.socket.stop();
    // zero sockets after stop(): client side closed, server side gone
    expect(live.allClosed()).toBe(true);
    // (a blackholed server connection never reads the FIN, like a real dead peer: not counted)
    if (fb) await until(() => fb!.connections().filter((c) => !c.blackholed).length === 0, { timeoutMs: 1000, message: 'server-side sockets to close' });
    // no log line is an empty error text
    for (const l of live.lines) {
      expect(l.message.trim()).not.toBe('');
      if ('error' in l.fields && l.fields.error !== undefined) expect((l.fields.error as { message: string }).message).toMatch(/^\S.*\S$/);
    }
  }
  live = undefined;
  fb = undefined; // closed by the global afterEach (test/helpers/setup.ts)
});

const open = () => until(() => live!.socket.state === 'open', { timeoutMs: 2000, message: 'state open' });

describe('ResilientSocket ⇄ FakeBinance', () => {
  it('never opens with no stream; subscribe before start goes in the URL, after start via SUBSCRIBE', async () => {
    const { fb, socket, messages, of } = await setup();
    socket.start();
    expect(socket.state).toBe('idle');
    expect(fb.stats().connectionsOpened).toBe(0);
    socket.addStreams(['btcusdt@aggTrade']);
    await open();
    expect(fb.connections()[0]!.streams).toEqual(['btcusdt@aggTrade']);
    socket.addStreams(['ethusdt@depth@100ms']);
    await until(() => of('subscribed').some((e) => e.payload.requestId !== undefined), { timeoutMs: 2000, message: 'SUBSCRIBE ack' });
    expect(
      fb
        .connections()[0]!
        .received.filter((m) => m.kind === 'text')
        .map((m) => [m.method, m.params]),
    ).toEqual([['SUBSCRIBE', ['ethusdt@depth@100ms']]]);
    await until(() => messages.some((m) => m.stream === 'ethusdt@depth@100ms'), { timeoutMs: 2000, message: 'depth data' });
    expect(fb.stats().connectionsOpened).toBe(1);
    // One dial in the whole test, and it carried the stream in its URL: start() with no stream dialled nothing.
    expect(of('stateChange').filter((e) => e.payload.to === 'connecting')).toHaveLength(1);
  });

  it('abrupt drop (1006 reset): reconnects, re-subscribes, data resumes', async () => {
    const { fb, socket, messages, of } = await setup({}, { streams: ['btcusdt@depth@100ms'] });
    socket.start();
    await open();
    socket.addStreams(['ethusdt@depth@100ms']);
    await until(() => of('subscribed').length >= 2, { timeoutMs: 2000 });
    expect(fb.faults.close({ all: true }, { code: 1006 })).toBe(1);
    await until(() => of('reconnected').length === 1, { timeoutMs: 2500, message: 'reconnected' });
    const closeEv = of('close')[0]!.payload;
    expect(closeEv).toMatchObject({ code: 1006, willReconnect: true });
    expect(of('reconnecting')[0]!.payload.error.closeCode).toBe(1006);
    const conn = fb.connections()[0]!;
    expect(new Set(conn.streams)).toEqual(new Set(['btcusdt@depth@100ms', 'ethusdt@depth@100ms']));
    const before = messages.length;
    await until(() => messages.length > before + 3, { timeoutMs: 2000, message: 'data after reconnect' });
  });

  it.each([1000, 1001, 1012])('clean close %i redials within 100 ms the first time (quick first redial)', async (code) => {
    const { fb, socket, of } = await setup({}, { streams: ['btcusdt@aggTrade'] });
    socket.start();
    await open();
    fb.faults.close({ all: true }, { code, reason: 'bye' });
    await until(() => of('reconnected').length === 1, { timeoutMs: 2000, message: 'reconnected' });
    const r = of('reconnecting')[0]!.payload;
    expect(r.error.closeCode).toBe(code);
    expect(r.delayMs).toBe(50); // a connection that was up: random() = 0.5 of the 100 ms window
  });

  it('1008 backs off hard; stop() during that backoff resolves at once and dials nothing', async () => {
    const { fb, socket, of } = await setup({}, { streams: ['btcusdt@aggTrade'] });
    socket.start();
    await open();
    fb.faults.close({ all: true }, { code: 1008, reason: 'Too many requests' });
    await until(() => socket.state === 'reconnecting', { timeoutMs: 2000 });
    expect(of('reconnecting')[0]!.payload.delayMs).toBe(11_250); // 15 s throttled base, equal jitter
    const t0 = Date.now();
    await socket.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(socket.state).toBe('closed');
    await sleep(200); // no condition can show a dial that must not happen: give a stray timer the chance to fire
    expect(fb.stats().connectionsOpened).toBe(1);
  });

  it('handshake 429 with Retry-After: waits at least Retry-After and tells the dial gate', async () => {
    const reported: [number, number | undefined][] = [];
    const { fb, socket, of } = await setup(
      {},
      {
        streams: ['btcusdt@aggTrade'],
        retryPolicy: new ConstantBackoff({ delayMs: 10 }),
        dialGate: { acquire: async () => {}, reportRejection: (s, r) => void reported.push([s, r]) },
      },
    );
    fb.faults.rejectUpgrades({ status: 429, retryAfterSec: 1, count: 1 });
    socket.start();
    await until(() => of('reconnecting').length === 1, { timeoutMs: 2000 });
    const t0 = Date.now();
    const r = of('reconnecting')[0]!.payload;
    expect(r.delayMs).toBe(1000);
    expect(r.error).toMatchObject({ code: 'ERR_HANDSHAKE_REJECTED', httpStatus: 429, retryAfterMs: 1000 });
    expect(reported).toEqual([[429, 1000]]);
    await open();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(of('open')[0]!.payload.retries).toBe(1);
  });

  it('stall with pings still answered: the stale watchdog reconnects', async () => {
    const { fb, socket, of, messages } = await setup(
      { pingIntervalMs: 100 },
      { streams: ['btcusdt@depth@100ms'], staleAfterMs: 400, staleDebounceMs: 5_000, heartbeat: { idlePingMs: 300, pongTimeoutMs: 300 } },
    );
    socket.start();
    await open();
    await until(() => messages.length > 2, { timeoutMs: 2000 });
    fb.faults.stall({ all: true });
    await until(() => of('stale').length === 1, { timeoutMs: 2000, message: 'stale' });
    expect(of('stale')[0]!.payload).toMatchObject({ scope: 'connection', action: 'reconnect', streams: ['btcusdt@depth@100ms'] });
    expect(of('stale')[0]!.payload.silentMs).toBeGreaterThanOrEqual(400);
    expect(of('reconnecting')[0]!.payload.error.code).toBe('ERR_STALE');
    await until(() => of('reconnected').length === 1, { timeoutMs: 2000, message: 'reconnected' });
    const n = messages.length;
    await until(() => messages.length > n, { timeoutMs: 2000, message: 'data on the new connection' });
  });

  it('blackhole (nothing in or out): the heartbeat declares the peer dead and reconnects', async () => {
    const { fb, socket, of } = await setup({}, { streams: ['btcusdt@aggTrade'], heartbeat: { idlePingMs: 200, pongTimeoutMs: 200 }, staleAfterMs: false });
    socket.start();
    await open();
    fb.faults.blackhole({ all: true });
    await until(() => of('reconnecting').length === 1, { timeoutMs: 2000, message: 'reconnecting' });
    expect(of('reconnecting')[0]!.payload.error.code).toBe('ERR_HEARTBEAT_TIMEOUT');
    await until(() => of('reconnected').length === 1, { timeoutMs: 2500, message: 'reconnected' });
  });

  it('serverShutdown: event, then an immediate reconnect', async () => {
    const { fb, socket, of } = await setup({}, { streams: ['btcusdt@aggTrade'] });
    socket.start();
    await open();
    fb.faults.serverShutdown({ all: true });
    await until(() => of('reconnected').length === 1, { timeoutMs: 1000, message: 'reconnected' });
    expect(of('serverShutdown')).toHaveLength(1);
    expect(of('reconnecting')[0]!.payload).toMatchObject({ delayMs: 0 });
    expect(of('reconnecting')[0]!.payload.error.code).toBe('ERR_SERVER_SHUTDOWN');
    expect(of('reconnected')[0]!.at - of('serverShutdown')[0]!.at).toBeLessThan(500);
  });

  it('reconnect() called 10 times at once = one reconnect', async () => {
    const { fb, socket, of, messages } = await setup({}, { streams: ['btcusdt@aggTrade'] });
    socket.start();
    await open();
    for (let i = 0; i < 10; i++) socket.reconnect(`burst ${i}`);
    await until(() => of('reconnected').length === 1, { timeoutMs: 2000 });
    const n = messages.length;
    await until(() => messages.length > n + 2, { timeoutMs: 2000, message: 'data on the new connection' }); // a second reconnect from the burst would show by then
    expect(fb.stats().connectionsOpened).toBe(2);
    expect(of('reconnecting')).toHaveLength(1);
  });

  it('1,000 streams at once stay under the 5 msg/s limit (URL + paced SUBSCRIBE batches)', async () => {
    const symbols = Array.from({ length: 250 }, (_, i) => `s${String(i).padStart(3, '0')}usdt`);
    const streams = symbols.flatMap((s) => [`${s}@aggTrade`, `${s}@trade`, `${s}@bookTicker`, `${s}@kline_1m`]);
    const { fb, socket, of } = await setup({ symbols, autoGenerate: false }, { streams, maxUrlLength: 1024, maxStreamsPerRequest: 150, heartbeat: false, staleAfterMs: false });
    socket.start();
    await open();
    await until(() => fb.connections()[0]?.streams.length === 1000, { timeoutMs: 2800, message: 'all 1000 streams subscribed' });
    // 7 SUBSCRIBE frames: sent at once they would break the 5/s limit
    expect(fb.connections()[0]!.received.filter((m) => m.method === 'SUBSCRIBE').length).toBeGreaterThan(5);
    expect(fb.stats().limitViolations.messageRate).toBe(0);
    expect(of('close')).toHaveLength(0);
    expect(of('subscribeFailed')).toHaveLength(0);
  });

  it('a RetryPolicy subclass governs the real reconnect delays', async () => {
    class Fixed extends RetryPolicy {
      readonly asked: RetryContext[] = [];
      delayMs(ctx: RetryContext): number {
        this.asked.push(ctx);
        return 321;
      }
    }
    const policy = new Fixed();
    const { fb, socket, of } = await setup({}, { streams: ['btcusdt@aggTrade'], retryPolicy: policy });
    socket.start();
    await open();
    fb.faults.close({ all: true }, { code: 1011, reason: 'internal' });
    await until(() => of('reconnected').length === 1, { timeoutMs: 2000 });
    expect(of('reconnecting')[0]!.payload.delayMs).toBe(321);
    expect(policy.asked[0]).toMatchObject({ attempt: 1, socketId: 'it-1', streams: ['btcusdt@aggTrade'] });
    expect(policy.asked[0]!.uptimeMs).toBeGreaterThan(0);
    const gap = of('reconnected')[0]!.at - of('reconnecting')[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(300);
  });

  it('futures market: routed URL, data flows', async () => {
    fb = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    const base = fb.urls.ws;
    live = makeLiveSocket(base, {
      market: MARKETS.usdm,
      streams: ['btcusdt@markPrice@1s'],
      url: ({ streams }) => combinedStreamUrl(base, routeFor(MARKETS.usdm, streams[0] ?? ''), streams),
    });
    live.socket.start();
    await open();
    expect(fb.connections()[0]!.route).toBe('market');
    await until(() => live!.messages.length > 0, { timeoutMs: 2500, message: 'markPrice data' });
  });
});
