import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';
import { until } from '../helpers/wait';

let ex: FakeBinance | undefined;
const socks: TestSocket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.close();
  await ex?.close();
  ex = undefined;
});
async function open(url: string, opts: WebSocket.ClientOptions = {}): Promise<TestSocket> {
  const s = await openSocket(url, opts);
  socks.push(s);
  return s;
}

describe('heartbeat', () => {
  it('uses Binance defaults per market', async () => {
    ex = await FakeBinance.start();
    expect(ex.options).toMatchObject({ pingIntervalMs: 20_000, pongTimeoutMs: 60_000, maxConnectionLifetimeMs: 86_400_000 });
    await ex.close();
    ex = await FakeBinance.start({ market: 'usdm' });
    expect(ex.options).toMatchObject({ pingIntervalMs: 180_000, pongTimeoutMs: 600_000 });
  });

  it('pings periodically; a client that answers stays connected', async () => {
    ex = await FakeBinance.start({ pingIntervalMs: 50, pongTimeoutMs: 120, maxIncomingMessagesPerSecond: 100 });
    const s = await open(`${ex.urls.ws}/ws`);
    await sleep(400);
    expect(s.pings.length).toBeGreaterThanOrEqual(4);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    expect(ex.controlLog().filter((m) => m.kind === 'pong').length).toBeGreaterThanOrEqual(4);
  });

  it('disconnects when no pong arrives within the pong timeout', async () => {
    ex = await FakeBinance.start({ pingIntervalMs: 50, pongTimeoutMs: 150 });
    const s = await open(`${ex.urls.ws}/ws`, { autoPong: false });
    const t0 = Date.now();
    const { code } = await s.closed;
    expect(code).toBe(1008);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(ex.stats().limitViolations.pongTimeout).toBe(1);
  });

  it('spot: unsolicited pongs (not echoing a ping) do not keep the connection alive', async () => {
    ex = await FakeBinance.start({ pingIntervalMs: 50, pongTimeoutMs: 150 });
    const s = await open(`${ex.urls.ws}/ws`, { autoPong: false });
    const timer = setInterval(() => s.ws.readyState === WebSocket.OPEN && s.ws.pong('unsolicited'), 60);
    try {
      expect((await s.closed).code).toBe(1008);
    } finally {
      clearInterval(timer);
    }
  });

  it('futures: any pong keeps the connection alive', async () => {
    ex = await FakeBinance.start({ market: 'usdm', pingIntervalMs: 50, pongTimeoutMs: 150, maxIncomingMessagesPerSecond: 100 });
    const s = await open(`${ex.urls.ws}/public/ws`, { autoPong: false });
    const timer = setInterval(() => s.ws.readyState === WebSocket.OPEN && s.ws.pong(), 60);
    await sleep(400);
    clearInterval(timer);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('cuts every connection at 24 h: timeScale makes a day pass in half a second', async () => {
    ex = await FakeBinance.start({ timeScale: 172_800 });
    const t0 = Date.now();
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    const { code, reason } = await s.closed;
    expect(code).toBe(1001);
    expect(reason).toMatch(/lifetime/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('maxConnectionLifetimeMs can be set directly', async () => {
    ex = await FakeBinance.start({ maxConnectionLifetimeMs: 100 });
    const s = await open(`${ex.urls.ws}/ws`);
    expect((await s.closed).code).toBe(1001);
  });

  it('WS API: the same policy — at timeScale 1440 pings stay at least 500 ms apart (not ~14 ms)', async () => {
    ex = await FakeBinance.start({ timeScale: 1440 });
    const stamps: number[] = [];
    const s = await open(ex.urls.wsApi);
    s.ws.on('ping', () => stamps.push(Date.now()));
    await until(() => stamps.length >= 2, { timeoutMs: 3000, message: 'two WS-API pings' });
    expect((stamps[1] ?? 0) - (stamps[0] ?? 0)).toBeGreaterThanOrEqual(450);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('WS API: a pong timeout disconnects with 1008 and counts as a violation; unsolicited pongs do not help', async () => {
    ex = await FakeBinance.start({ pingIntervalMs: 50, pongTimeoutMs: 150 });
    const s = await open(ex.urls.wsApi, { autoPong: false });
    const timer = setInterval(() => s.ws.readyState === WebSocket.OPEN && s.ws.pong('unsolicited'), 60);
    try {
      expect(await s.closed).toEqual({ code: 1008, reason: 'Pong timeout' });
    } finally {
      clearInterval(timer);
    }
    expect(ex.stats().limitViolations.pongTimeout).toBe(1);
    expect(ex.wsApi.connections()).toEqual([]);
  });

  it('WS API: a client that echoes pings stays connected', async () => {
    ex = await FakeBinance.start({ pingIntervalMs: 50, pongTimeoutMs: 150 });
    const s = await open(ex.urls.wsApi);
    await until(() => s.pings.length >= 6, { message: 'six WS-API pings' });
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    expect(ex.stats().limitViolations.pongTimeout).toBe(0);
  });
});
