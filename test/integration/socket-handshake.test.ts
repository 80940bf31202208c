/**
 * Transport-level cases against the tiny loopback server (test/helpers/ws-server.ts):
 * a handshake that never completes, WAF 403, an HTTP-date Retry-After, a retired
 * endpoint (410), server pings answered by the client itself, and zero sockets after stop().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rawFraming } from '../../src/connection/framing';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import { startLoopbackServer } from '../helpers/ws-server';
import type { LoopbackServer } from '../helpers/ws-server';
import { until } from '../helpers/wait';
import { makeLiveSocket } from './socket-helpers';

let server: LoopbackServer | undefined;
let live: ReturnType<typeof makeLiveSocket> | undefined;

afterEach(async () => {
  await live?.socket.stop();
  if (live) expect(live.allClosed()).toBe(true);
  if (server) await until(() => server!.openConnections === 0, { timeoutMs: 1000, message: 'server-side sockets to close' });
  live = undefined;
  await server?.close();
  server = undefined;
});

describe('ResilientSocket ⇄ loopback server', () => {
  it('a handshake that never completes hits the connect timeout and is retried', async () => {
    server = await startLoopbackServer();
    server.hangUpgrades(true);
    live = makeLiveSocket(server.url, { streams: ['a@trade'], connectTimeoutMs: 300, retryPolicy: new ConstantBackoff({ delayMs: 50 }) });
    live.socket.start();
    await until(() => live!.of('reconnecting').length === 1, { timeoutMs: 1500 });
    expect(live.of('reconnecting')[0]!.payload.error.code).toBe('ERR_CONNECT_TIMEOUT');
    server.hangUpgrades(false);
    await until(() => live!.socket.state === 'open', { timeoutMs: 1500 });
    expect(server.upgrades).toBe(2);
    expect(live.of('open')[0]!.payload.retries).toBe(1);
  });

  it('403 (WAF) is reported to the dial gate; an HTTP-date Retry-After is honoured', async () => {
    server = await startLoopbackServer();
    const reported: [number, number | undefined][] = [];
    server.rejectUpgrades(403, { 'Retry-After': new Date(Date.now() + 2000).toUTCString() });
    live = makeLiveSocket(server.url, {
      streams: ['a@trade'],
      retryPolicy: new ConstantBackoff({ delayMs: 20 }),
      dialGate: { acquire: async () => {}, reportRejection: (s, r) => void reported.push([s, r]) },
    });
    live.socket.start();
    await until(() => live!.of('reconnecting').length === 1, { timeoutMs: 2000 });
    const r = live.of('reconnecting')[0]!.payload;
    expect(r.error).toMatchObject({ code: 'ERR_HANDSHAKE_REJECTED', httpStatus: 403 });
    expect(r.delayMs).toBeGreaterThan(500); // HTTP-date precision is 1 s
    expect(reported[0]![0]).toBe(403);
    expect(live.lines.some((l) => l.level === 'warn' && (l.fields.error as { message?: string } | undefined)?.message?.includes('http=403'))).toBe(true);
  });

  it('429 without Retry-After: the dial pause is the delay logged, emitted and actually waited', async () => {
    server = await startLoopbackServer();
    server.rejectUpgrades(429);
    let pausedUntil = 0;
    live = makeLiveSocket(server.url, {
      streams: ['a@trade'],
      retryPolicy: new ConstantBackoff({ delayMs: 20 }),
      dialGate: {
        acquire: async () => {},
        reportRejection: () => ((pausedUntil = Date.now() + 600), 600),
        pausedForMs: () => Math.max(0, pausedUntil - Date.now()),
      },
    });
    live.socket.start();
    await until(() => live!.of('reconnecting').length === 1);
    const r = live.of('reconnecting')[0]!;
    expect(r.payload.delayMs).toBeGreaterThan(500);
    expect(r.payload.delayMs).toBeLessThanOrEqual(600);
    const warn = live.lines.find((l) => l.level === 'warn')!;
    expect(warn.fields).toMatchObject({ delayMs: r.payload.delayMs, delaySource: 'pause', attempt: 1, maxRetries: null });
    await until(() => live!.socket.state === 'open', { timeoutMs: 2000 });
    expect(live.of('open')[0]!.at - r.at).toBeGreaterThanOrEqual(r.payload.delayMs - 5);
  });

  it('410 on the upgrade is permanent: gaveUp without retrying', async () => {
    server = await startLoopbackServer();
    server.rejectUpgrades(410);
    live = makeLiveSocket(server.url, { framing: rawFraming('user-data'), url: () => `${server!.url}/ws/listenKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` });
    live.socket.start();
    await until(() => live!.of('gaveUp').length === 1, { timeoutMs: 2000 });
    expect(live.of('gaveUp')[0]!.payload.error.code).toBe('ERR_ENDPOINT_RETIRED');
    expect(server.upgrades).toBe(1);
    expect(JSON.stringify(live.lines)).not.toContain('listenKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  });

  it('answers server pings itself (autoPong off) with the same payload', async () => {
    server = await startLoopbackServer();
    server.onConnection((c) => c.ws.ping('hello'));
    let pongPayload = '';
    server.onConnection((c) => c.ws.on('pong', (d) => (pongPayload = String(d))));
    live = makeLiveSocket(server.url, { streams: ['a@trade'] });
    live.socket.start();
    await until(() => pongPayload === 'hello', { timeoutMs: 1000, message: 'pong' });
    expect(live.socket.stats().outboundTotal).toBe(1);
  });

  it('a client heartbeat ping goes out after idle silence and the answer keeps the socket', async () => {
    server = await startLoopbackServer();
    live = makeLiveSocket(server.url, { streams: ['a@trade'], heartbeat: { idlePingMs: 150, pongTimeoutMs: 150 }, staleAfterMs: false });
    live.socket.start();
    await until(() => live!.socket.state === 'open', { timeoutMs: 2000 });
    // Three idle pings on the first connection: it outlived two 150 ms pong deadlines because the answers arrived.
    await until(() => server!.connections[0]!.pingsReceived >= 3, { timeoutMs: 900, message: 'three heartbeat pings' });
    expect(server.connections).toHaveLength(1);
    expect(live.of('reconnecting')).toHaveLength(0);
  });

  it('stop() leaves zero sockets on either side, even when the server ignores the close', async () => {
    server = await startLoopbackServer();
    live = makeLiveSocket(server.url, { streams: ['a@trade'] });
    live.socket.start();
    await until(() => live!.socket.state === 'open', { timeoutMs: 2000 });
    server.connections[0]!.blackhole(); // the close handshake never completes
    const t0 = Date.now();
    await live.socket.stop();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(live.allClosed()).toBe(true);
    expect(live.socket.state).toBe('closed');
  });
});
