import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep, tryUpgrade } from '../helpers/emulator-client';
import { until } from '../helpers/wait';
import type { TestSocket } from '../helpers/emulator-client';

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

describe('connection faults', () => {
  it.each([1000, 1001, 1008, 1011])('close with code %i', async (code) => {
    ex = await FakeBinance.start();
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => ex!.connections().length === 1, { timeoutMs: 3000 });
    expect(ex.faults.close({ all: true }, { code, reason: 'bye' })).toBe(1);
    expect(await s.closed).toEqual({ code, reason: 'bye' });
  });

  it('close 1006: abrupt TCP reset without a close frame', async () => {
    ex = await FakeBinance.start();
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => ex!.connections().length === 1, { timeoutMs: 3000 });
    ex.faults.close({ all: true }, { code: 1006 });
    expect((await s.closed).code).toBe(1006);
    expect(ex.connections()).toEqual([]);
  });

  it('targets one connection by id, or the connections carrying a stream', async () => {
    ex = await FakeBinance.start({ autoGenerate: false });
    const a = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    const b = await open(`${ex.urls.ws}/stream?streams=ethusdt@trade`);
    const c = await open(`${ex.urls.ws}/ws`);
    await until(() => ex!.connections().length === 3, { timeoutMs: 3000 });
    expect(ex.faults.close({ stream: 'ethusdt@trade' }, { code: 1011 })).toBe(1);
    expect((await b.closed).code).toBe(1011);
    const idA = ex.connections().find((x) => x.streams.includes('btcusdt@trade'))!.id;
    ex.faults.close({ connectionId: idA }, { code: 1001 });
    expect((await a.closed).code).toBe(1001);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(() => ex!.faults.close({ all: true }, { code: 999 })).toThrow(RangeError);
  });

  it('stall: data stops while pings and control answers continue; resumes after durationMs with a real gap', async () => {
    ex = await FakeBinance.start({ rates: { aggTrade: 200 }, pingIntervalMs: 30, maxIncomingMessagesPerSecond: 100 });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    await s.next((x) => x.e === 'aggTrade');
    ex.faults.stall({ stream: 'btcusdt@aggTrade' }, { durationMs: 300 });
    await sleep(20);
    const n = s.messages.length;
    const pings = s.pings.length;
    s.send({ method: 'LIST_SUBSCRIPTIONS', id: 7 });
    await s.next((x) => x.id === 7, 1000, n);
    await sleep(150);
    expect(s.messages.length).toBe(n + 1); // only the LIST answer
    expect(s.pings.length).toBeGreaterThan(pings);
    expect(ex.connections()[0]!.stalled).toBe(true);
    await sleep(250);
    const trades = s.messages.filter((x: any) => x.e === 'aggTrade') as { a: number }[];
    const ids = trades.map((t) => t.a);
    const gaps = ids.slice(1).filter((id, i) => id !== ids[i]! + 1);
    expect(gaps.length).toBe(1); // the stall window is missing, the ground truth has it
    const gt = ex.groundTruth('btcusdt@aggTrade').map((e) => (e.payload as { a: number }).a);
    expect(gt.length).toBeGreaterThan(ids.length);
  });

  it('stall without duration lasts until heal()', async () => {
    ex = await FakeBinance.start({ rates: { trade: 200 } });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await s.next((x) => x.e === 'trade');
    ex.faults.stall({ all: true });
    await sleep(20);
    const n = s.messages.length;
    await sleep(100);
    expect(s.messages.length).toBe(n);
    ex.faults.heal();
    await s.next((x) => x.e === 'trade', 1000, n);
  });

  it('blackhole: nothing in or out, no close; heal() restores', async () => {
    ex = await FakeBinance.start({ rates: { trade: 200 }, pingIntervalMs: 30, pongTimeoutMs: 60 });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`, { autoPong: false });
    await s.next((x) => x.e === 'trade');
    ex.faults.blackhole({ all: true });
    await sleep(20);
    const n = s.messages.length;
    const pings = s.pings.length;
    let pong = false;
    s.ws.on('pong', () => (pong = true));
    s.ws.ping('x');
    s.send({ method: 'LIST_SUBSCRIPTIONS', id: 1 });
    await sleep(200); // longer than the pong timeout: the server does not time it out either
    expect(s.messages.length).toBe(n);
    expect(s.pings.length).toBe(pings);
    expect(pong).toBe(false);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    expect(ex.connections()[0]!.blackholed).toBe(true);
    ex.faults.heal();
    await s.next((x) => x.e === 'trade', 1000, n);
  });

  it('serverShutdown: raw and combined shapes, optional close', async () => {
    ex = await FakeBinance.start({ autoGenerate: false });
    const raw = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    const comb = await open(`${ex.urls.ws}/stream?streams=btcusdt@trade`);
    await until(() => ex!.connections().length === 2, { timeoutMs: 3000 });
    expect(ex.faults.serverShutdown({ all: true }, { closeAfterMs: 50 })).toBe(2);
    expect(await raw.next((x) => x.e === 'serverShutdown')).toEqual({ e: 'serverShutdown', E: expect.any(Number) });
    expect(await comb.next((x) => x.stream === '!serverShutdown')).toEqual({ stream: '!serverShutdown', data: { e: 'serverShutdown', E: expect.any(Number) } });
    expect((await raw.closed).code).toBe(1001);
  });

  it('rejectUpgrades: status, Retry-After, count', async () => {
    ex = await FakeBinance.start();
    ex.faults.rejectUpgrades({ status: 503, retryAfterSec: 7, count: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await tryUpgrade(`${ex.urls.ws}/ws`);
      expect(r).toMatchObject({ ok: false, status: 503, headers: { 'retry-after': '7' } });
    }
    const ok = await tryUpgrade(`${ex.urls.ws}/ws`);
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.ws.terminate();
    ex.faults.rejectUpgrades({ status: 429 });
    expect(await tryUpgrade(`${ex.urls.ws}/ws`)).toMatchObject({ ok: false, status: 429 });
    ex.faults.heal();
    const healed = await tryUpgrade(`${ex.urls.ws}/ws`);
    expect(healed.ok).toBe(true);
    if (healed.ok) healed.ws.terminate();
    expect(ex.stats().upgradesRejected.injected).toBe(3);
  });

  it('malformedFrame: bad JSON text, invalid UTF-8 (client closes 1007), protocol garbage (1002)', async () => {
    ex = await FakeBinance.start({ autoGenerate: false });
    const a = await open(`${ex.urls.ws}/ws`);
    await until(() => ex!.connections().length === 1, { timeoutMs: 3000 });
    ex.faults.malformedFrame({ all: true });
    const bad = await a.next((x) => typeof x === 'string');
    expect(() => JSON.parse(bad)).toThrow();
    ex.faults.malformedFrame({ all: true }, { kind: 'utf8' });
    expect((await a.closed).code).toBe(1006);
    expect(a.errors[0]?.message).toMatch(/UTF-8/i);
    const b = await open(`${ex.urls.ws}/ws`);
    await until(() => ex!.connections().length === 1, { timeoutMs: 3000 });
    ex.faults.malformedFrame({ all: true }, { kind: 'protocol' });
    await b.closed;
    expect(b.errors[0]).toBeDefined();
  });

  it('latency delays frames for the target connections', async () => {
    ex = await FakeBinance.start({ autoGenerate: false });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => ex!.connections().length === 1, { timeoutMs: 3000 });
    ex.faults.latency({ stream: 'btcusdt@trade' }, 150);
    const t0 = Date.now();
    ex.publish('btcusdt@trade', { e: 'trade', t: 1 });
    ex.publish('btcusdt@trade', { e: 'trade', t: 2 });
    await s.next((x) => x.t === 2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(s.messages.map((x: any) => x.t)).toEqual([1, 2]);
    ex.faults.latency({ all: true }, 0);
    const t1 = Date.now();
    ex.publish('btcusdt@trade', { e: 'trade', t: 3 });
    await s.next((x) => x.t === 3);
    expect(Date.now() - t1).toBeLessThan(100);
  });
});

describe('REST faults', () => {
  it('failRest: N failures with a status, then normal answers', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    ex.faults.failRest({ method: 'POST', path: '/fapi/v1/listenKey', status: 429, retryAfterSec: 3, times: 2 });
    const h = { method: 'POST', headers: { 'X-MBX-APIKEY': 'k' } };
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${ex.urls.http}/fapi/v1/listenKey`, h);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(((await r.json()) as { code: number }).code).toBe(-1003);
    }
    expect((await fetch(`${ex.urls.http}/fapi/v1/listenKey`, h)).status).toBe(200);
  });

  it('failRest hang: the request never answers until heal()', async () => {
    ex = await FakeBinance.start();
    ex.faults.failRest({ path: '/api/v3/depth', hang: true, times: 1 });
    const p = fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT`).then(
      (r) => r.status,
      () => 'failed' as const,
    );
    const winner = await Promise.race([p, sleep(200).then(() => 'pending' as const)]);
    expect(winner).toBe('pending');
    ex.faults.heal();
    expect(await p).toBe('failed');
    expect((await fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT`)).status).toBe(200);
  });
});
