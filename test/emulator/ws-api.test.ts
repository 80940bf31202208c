/** The emulator's spot WebSocket API, driven by a plain `ws` client (no client code involved). */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeBinance } from '../../src/testing/index';
import type { WsApiEmulator } from '../../src/testing/ws-api/ws-api-emulator';

const HMAC_KEY = 'hmac-api-key-0123456789';
const HMAC_SECRET = 'hmac-secret-abcdefghijklmnop';
const ED_KEY = 'ed25519-api-key-0123456789';
const ed = generateKeyPairSync('ed25519');

function payload(params: Record<string, unknown>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
}
const hmac = (p: Record<string, unknown>, secret = HMAC_SECRET) => createHmac('sha256', secret).update(payload(p)).digest('hex');
const edSign = (p: Record<string, unknown>) => sign(null, Buffer.from(payload(p)), ed.privateKey).toString('base64');

class Client {
  readonly frames: any[] = [];
  private waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  private nextId = 1;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
  }
  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    return new Client(ws);
  }
  waitFor(pred: (f: any) => boolean, ms = 3000): Promise<any> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout waiting for frame')), ms);
      this.waiters.push({ pred, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
  }
  request(method: string, params?: object): Promise<any> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }));
    return this.waitFor((f) => f.id === id);
  }
  close() {
    this.ws.close();
  }
}

describe('FakeBinance WS-API', () => {
  let ex: FakeBinance;
  let wsApi: WsApiEmulator;
  let clients: Client[] = [];
  const open = async () => {
    const c = await Client.open(ex.urls.wsApi);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    ex = await FakeBinance.start();
    wsApi = ex.wsApi;
    wsApi.addAccount({ apiKey: HMAC_KEY, secret: HMAC_SECRET });
    wsApi.addAccount({ apiKey: ED_KEY, publicKeyPem: ed.publicKey.export({ type: 'spki', format: 'pem' }) as string });
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    await ex.close();
  });

  it('userDataStream.subscribe.signature with HMAC: subscribes and delivers {subscriptionId, event}', async () => {
    const c = await open();
    const p = { apiKey: HMAC_KEY, timestamp: Date.now() };
    const r = await c.request('userDataStream.subscribe.signature', { ...p, signature: hmac(p) });
    expect(r).toEqual({ id: r.id, status: 200, result: { subscriptionId: 0 }, rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: 4 }] }); // 2 to connect + 2
    expect(wsApi.pushEvent(HMAC_KEY, { e: 'executionReport', E: 1 })).toBe(1);
    await expect(c.waitFor((f) => f.event)).resolves.toEqual({ subscriptionId: 0, event: { e: 'executionReport', E: 1 } });
    const subs = await c.request('session.subscriptions');
    expect(subs.result).toEqual([{ subscriptionId: 0 }]);
  });

  it("rejects a wrong signature with Binance's error", async () => {
    const c = await open();
    const p = { apiKey: HMAC_KEY, timestamp: Date.now() };
    const r = await c.request('userDataStream.subscribe.signature', { ...p, signature: hmac(p, 'wrong-secret') });
    expect(r).toEqual({
      id: r.id,
      status: 400,
      error: { code: -1022, msg: 'Signature for this request is not valid.' },
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: 4 }], // 2 to connect + 2
    });
    expect(wsApi.pushEvent(HMAC_KEY, { e: 'x', E: 1 })).toBe(0);
  });

  it('checks timestamp / recvWindow (-1021) and unknown keys (401 -2015)', async () => {
    const c = await open();
    const old = { apiKey: HMAC_KEY, timestamp: Date.now() - 10_000 };
    expect((await c.request('userDataStream.subscribe.signature', { ...old, signature: hmac(old) })).error.code).toBe(-1021);
    const wide = { apiKey: HMAC_KEY, timestamp: Date.now() - 10_000, recvWindow: 20_000 };
    expect((await c.request('userDataStream.subscribe.signature', { ...wide, signature: hmac(wide) })).status).toBe(200);
    const future = { apiKey: HMAC_KEY, timestamp: Date.now() + 5000 };
    expect((await c.request('userDataStream.subscribe.signature', { ...future, signature: hmac(future) })).error.code).toBe(-1021);
    const unknown = { apiKey: 'nope', timestamp: Date.now() };
    const r = await c.request('userDataStream.subscribe.signature', { ...unknown, signature: hmac(unknown) });
    expect(r).toMatchObject({ status: 401, error: { code: -2015 } });
  });

  it('Ed25519: session.logon then userDataStream.subscribe; HMAC logon is refused', async () => {
    const c = await open();
    expect((await c.request('userDataStream.subscribe')).error.code).toBe(-1193);
    const h = { apiKey: HMAC_KEY, timestamp: Date.now() };
    expect((await c.request('session.logon', { ...h, signature: hmac(h) })).error.code).toBe(-2028);
    const p = { apiKey: ED_KEY, timestamp: Date.now() };
    const logon = await c.request('session.logon', { ...p, signature: edSign(p) });
    expect(logon.result).toMatchObject({ apiKey: ED_KEY, userDataStream: false });
    const sub = await c.request('userDataStream.subscribe');
    expect(sub.result).toEqual({ subscriptionId: 0 });
    expect((await c.request('session.status')).result.userDataStream).toBe(true);
    // A second subscription for the same account on this connection is refused.
    expect((await c.request('userDataStream.subscribe')).error.code).toBe(-2035);
    // Ed25519 signature subscriptions work too.
    const c2 = await open();
    const q = { apiKey: ED_KEY, timestamp: Date.now() };
    expect((await c2.request('userDataStream.subscribe.signature', { ...q, signature: edSign(q) })).status).toBe(200);
    expect(wsApi.pushEvent(ED_KEY, { e: 'balanceUpdate', E: 2 })).toBe(2);
  });

  it('terminate() and unsubscribe send eventStreamTerminated', async () => {
    const c = await open();
    const p = { apiKey: HMAC_KEY, timestamp: Date.now() };
    await c.request('userDataStream.subscribe.signature', { ...p, signature: hmac(p) });
    expect(wsApi.terminate(HMAC_KEY)).toBe(1);
    await expect(c.waitFor((f) => f.event?.e === 'eventStreamTerminated')).resolves.toMatchObject({ subscriptionId: 0 });
    const q = { apiKey: HMAC_KEY, timestamp: Date.now() };
    const again = await c.request('userDataStream.subscribe.signature', { ...q, signature: hmac(q) });
    expect(again.result).toEqual({ subscriptionId: 1 });
    expect((await c.request('userDataStream.unsubscribe', { subscriptionId: 1 })).status).toBe(200);
    await c.waitFor((f) => f.event?.e === 'eventStreamTerminated' && f.subscriptionId === 1);
    expect(wsApi.connections()[0]?.subscriptions).toEqual([]);
  });

  it('margin: signed POST /sapi/v1/userListenToken, subscribe.listenToken, expiry → eventStreamTerminated', async () => {
    const params = { validity: 300, timestamp: Date.now() };
    const qs = payload(params);
    const res = await fetch(`${ex.urls.http}/sapi/v1/userListenToken?${qs}&signature=${hmac(params)}`, { method: 'POST', headers: { 'X-MBX-APIKEY': HMAC_KEY } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; expirationTime: number };
    expect(body.expirationTime).toBeGreaterThan(Date.now());
    const bad = await fetch(`${ex.urls.http}/sapi/v1/userListenToken?${qs}&signature=${hmac(params, 'x')}`, { method: 'POST', headers: { 'X-MBX-APIKEY': HMAC_KEY } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });

    const c = await open();
    expect((await c.request('userDataStream.subscribe.listenToken', { listenToken: 'nope' })).error.code).toBe(-1209);
    const r = await c.request('userDataStream.subscribe.listenToken', { listenToken: body.token });
    expect(r.result).toEqual({ subscriptionId: 0 });
    expect(wsApi.pushEvent(HMAC_KEY, { e: 'outboundAccountPosition', E: 3 }, { product: 'margin' })).toBe(1);
    expect(wsApi.pushEvent(HMAC_KEY, { e: 'outboundAccountPosition', E: 3 }, { product: 'spot' })).toBe(0);
    await c.waitFor((f) => f.event?.e === 'eventStreamTerminated', 3000);
  });

  it('the spot listenKey REST endpoint answers 410 Gone', async () => {
    const res = await fetch(`${ex.urls.http}/api/v3/userDataStream`, { method: 'POST', headers: { 'X-MBX-APIKEY': HMAC_KEY } });
    expect(res.status).toBe(410);
  });

  it('serverShutdown, revoke and disconnectAll', async () => {
    const c = await open();
    const p = { apiKey: HMAC_KEY, timestamp: Date.now() };
    await c.request('userDataStream.subscribe.signature', { ...p, signature: hmac(p) });
    expect(wsApi.serverShutdown()).toBe(1);
    await c.waitFor((f) => f.event?.e === 'serverShutdown' && f.subscriptionId === undefined);
    expect(wsApi.revoke(HMAC_KEY)).toBe(1);
    await expect(c.waitFor((f) => f.status === 401)).resolves.toMatchObject({ id: null, error: { code: -2015 } });
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    expect(wsApi.disconnectAll()).toBe(1);
    expect(await closed).toBe(1006);
    expect(wsApi.connections()).toHaveLength(0);
  });

  it('records requests without signatures and with masked keys', async () => {
    const c = await open();
    const p = { apiKey: HMAC_KEY, timestamp: Date.now() };
    await c.request('userDataStream.subscribe.signature', { ...p, signature: hmac(p) });
    const rec = wsApi.requests();
    expect(rec[0]).toMatchObject({ method: 'userDataStream.subscribe.signature', status: 200 });
    expect(JSON.stringify(rec)).not.toContain(HMAC_KEY);
    expect(rec[0]?.params.signature).toBeUndefined();
  });

  it('request weight: over 6000 per minute a request is answered 429 / -1003 with retryAfter, not executed', async () => {
    const c = await open();
    const n = 3000; // session.status weighs 2, connecting 2: the 3000th request is one too many
    for (let id = 1; id <= n; id++) c.ws.send(JSON.stringify({ id: `w${id}`, method: 'session.status' }));
    const last = await c.waitFor((f) => f.id === `w${n}`, 5000);
    expect(last).toMatchObject({ status: 429, error: { code: -1003 } });
    expect(last.error.data.retryAfter).toBeGreaterThan(Date.now());
    expect(c.frames.filter((f) => f.status === 200)).toHaveLength(n - 1);
    expect(ex.stats().limitViolations.messageRate).toBe(1);
    expect(wsApi.requests().at(-1)).toMatchObject({ method: 'session.status', status: 429, errorCode: -1003 });
  });
});
