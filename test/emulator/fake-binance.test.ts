/** The facade and what it composes (streams, REST, WS API, faults), through the public API only. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as testing from '../../src/testing/index';
import { FakeBinance } from '../../src/testing/index';
import { openSocket } from '../helpers/emulator-client';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const KEY = 'composed-api-key-0123';
const SECRET = 'composed-secret-abcdef';

function signed(params: Record<string, string | number>): Record<string, string | number> {
  const payload = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return { ...params, signature: createHmac('sha256', SECRET).update(payload).digest('hex') };
}

async function open(url: string) {
  const s = await openSocket(url);
  onCleanup(() => s.close());
  return s;
}

async function subscribedWsApi(ex: FakeBinance) {
  ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
  const s = await open(ex.urls.wsApi);
  s.send({ id: 1, method: 'userDataStream.subscribe.signature', params: signed({ apiKey: KEY, timestamp: Date.now() }) });
  await s.next((m) => m.id === 1 && m.status === 200);
  return s;
}

describe('FakeBinance (facade)', () => {
  it('exports FakeBinance as its only value', () => {
    expect(Object.keys(testing)).toEqual(['FakeBinance']);
  });

  it('exposes URLs without trailing slash and client options', async () => {
    const ex = await startEmulator({ market: 'usdm' });
    const u = ex.urls;
    expect(u.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(u.http).toBe(u.ws.replace('ws:', 'http:'));
    expect(u.wsApi).toBe(`${u.ws}/ws-api/v3`);
    expect(ex.clientOptions()).toEqual({ market: 'usdm', baseUrl: u.ws, restBaseUrl: u.http, wsApiUrl: u.wsApi });
    expect(ex.acceptsApiKey('anything')).toBe(true);
    expect(ex.acceptsApiKey('')).toBe(false);
  });

  it('keeps internals off the public objects', async () => {
    const ex = await startEmulator();
    for (const m of ['takeUpgradeRejection', 'applyRestFailure', 'releaseHung']) expect(m in ex.faults, m).toBe(false);
    expect('opts' in ex).toBe(false);
    expect('_extend' in ex).toBe(false);
    for (const m of ['close', 'accept', 'http']) expect(m in ex.wsApi, m).toBe(false);
  });

  it('pushUserEvent reaches WS-API subscriptions of the API key (spot user data)', async () => {
    const ex = await startEmulator();
    const s = await subscribedWsApi(ex);
    expect(ex.pushUserEvent(KEY, { e: 'executionReport', E: 1 })).toBe(1);
    await expect(s.next((m) => m.event?.e === 'executionReport')).resolves.toEqual({ subscriptionId: 0, event: { e: 'executionReport', E: 1 } });
    expect(ex.pushUserEvent('unknown-key', { e: 'executionReport', E: 2 })).toBe(0);
  });

  it('faults.serverShutdown({ all: true }) notifies stream connections and WS-API sessions; a target does not reach the WS API', async () => {
    const ex = await startEmulator();
    const api = await subscribedWsApi(ex);
    const stream = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => ex.connections().length === 1);
    expect(ex.faults.serverShutdown({ connectionId: ex.connections()[0]!.id })).toBe(1);
    expect(ex.faults.serverShutdown({ all: true })).toBe(2);
    await stream.next((m) => m.e === 'serverShutdown');
    await api.next((m) => m.event?.e === 'serverShutdown' && m.subscriptionId === undefined);
    expect(api.messages.filter((m: any) => m.event?.e === 'serverShutdown')).toHaveLength(1);
  });

  it('serves the listenToken REST endpoint beside the market REST on one listener', async () => {
    const ex = await startEmulator();
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const p = signed({ timestamp: Date.now() });
    const qs = Object.entries(p)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const res = await fetch(`${ex.urls.http}/sapi/v1/userListenToken?${qs}`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY } });
    expect(res.status).toBe(200);
    expect(ex.wsApi.listenTokensIssued).toBe(1);
    expect((await fetch(`${ex.urls.http}/api/v3/ping`)).status).toBe(200);
    expect(ex.stats().restRequests).toBe(2);
  });

  it('close() ends WS-API sessions and stream connections (1006) and leaves no timer', async () => {
    const ex = await FakeBinance.start();
    const api = await subscribedWsApi(ex);
    const stream = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await ex.close();
    expect((await api.closed).code).toBe(1006);
    expect((await stream.closed).code).toBe(1006);
    expect(ex.clock.pending).toBe(0);
  });
});
