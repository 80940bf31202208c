/** Spot/margin user data over the WebSocket API, on a fake socket under fake timers: flows, re-subscribe, probe, token renewal. */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CreateUserDataStreamOptions } from '../../../../src/user-data/options';
import type { FetchLike } from '../../../../src/user-data/rest';
import { createUserDataStream } from '../../../../src/user-data/user-data-stream';
import { FakeSocket, fakeSocketFactory } from '../fake-socket';
import { fastPolicy, recorder } from '../harness';

const API_KEY = 'spot-api-key-0123456789';
const SECRET = 'spot-secret-abcdefghijklmnop';
const MIN = 60_000;

function tokenRest(validityMs = 60 * MIN) {
  const minted: string[] = [];
  const expirations: number[] = [];
  const fetch: FetchLike = async (url) => {
    const u = new URL(url);
    const token = `tok${minted.length}${'t'.repeat(40)}`;
    minted.push(u.search);
    expirations.push(Date.now() + validityMs);
    return { status: 200, headers: { get: () => null }, text: async () => JSON.stringify({ token, expirationTime: expirations.at(-1) }) };
  };
  return { fetch, minted, expirations };
}

describe('WsApiUserStream (fake socket, fake timers)', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  function make(extra: Partial<CreateUserDataStreamOptions> = {}) {
    const rec = recorder();
    const ctl = createUserDataStream({
      product: 'spot',
      apiKey: API_KEY,
      apiSecret: SECRET,
      restBaseUrl: 'https://api.test',
      streamBaseUrl: 'wss://stream.test',
      wsApiUrl: 'wss://ws-api.test/ws-api/v3',
      logger: undefined,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      socketFactory: fakeSocketFactory(),
      statusProbeIntervalMs: 0,
      ...extra,
    });
    const socket = () => FakeSocket.all[0]!;
    /** Wait until a `method` request is pending, then answer it. */
    const answer = (method: string, status: number, body: unknown) => vi.waitFor(() => socket().answer(method, status, body));
    return { ctl, rec, socket, answer };
  }

  async function live(m: ReturnType<typeof make>, method = 'userDataStream.subscribe.signature', id = 0) {
    const p = m.ctl.start();
    await m.answer(method, 200, { subscriptionId: id });
    await p;
  }

  it('spot HMAC: userDataStream.subscribe.signature, signed, in onOpen; events routed by type', async () => {
    const m = make();
    const t0 = Date.now();
    await live(m);
    const s = m.socket();
    expect(s.options).toMatchObject({ id: 'user-spot', framing: { kind: 'raw', streamName: 'user-spot' }, staleAfterMs: false });
    expect(s.options.market.id).toBe('spot');
    const frame = s.sentOf('userDataStream.subscribe.signature')[0] as { params: Record<string, string | number> };
    const { signature, ...rest } = frame.params;
    const payload = Object.keys(rest)
      .sort()
      .map((k) => `${k}=${rest[k]}`)
      .join('&');
    expect(signature).toBe(createHmac('sha256', SECRET).update(payload).digest('hex'));
    expect(rest).toEqual({ apiKey: API_KEY, timestamp: expect.any(Number) });
    expect(rest.timestamp).toBeGreaterThanOrEqual(t0);
    expect(rest.timestamp).toBeLessThanOrEqual(Date.now());
    s.push({ subscriptionId: 0, event: { e: 'executionReport', E: 1, i: 7 } });
    s.push({ subscriptionId: 5, event: { e: 'executionReport', E: 1, i: 8 } }); // not ours
    expect(m.rec.of('executionReport').map((e: any) => e.i)).toEqual([7]);
    expect(m.ctl.stats()).toMatchObject({ state: 'live', events: 1, details: { subscriptionId: 0, flow: 'subscribe.signature' } });
    await m.ctl.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('spot Ed25519: session.logon then userDataStream.subscribe; useSessionLogon: false → the signature flow', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const a = make({ apiSecret: undefined, privateKey: pem });
    const p = a.ctl.start();
    await a.answer('session.logon', 200, {});
    await a.answer('userDataStream.subscribe', 200, { subscriptionId: 3 });
    await p;
    expect(a.socket().sent.map((f) => f.method)).toEqual(['session.logon', 'userDataStream.subscribe']);
    expect(a.ctl.stats().details).toMatchObject({ flow: 'session.logon', subscriptionId: 3 });
    await a.ctl.stop();
    FakeSocket.all = [];
    const b = make({ apiSecret: undefined, privateKey: pem, useSessionLogon: false });
    await live(b);
    expect(b.socket().sent.map((f) => f.method)).toEqual(['userDataStream.subscribe.signature']);
    await b.ctl.stop();
  });

  it('a refused subscription (-1022, permanent) gives up: start() rejects, failed', async () => {
    const m = make();
    const p = m.ctl.start();
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_WS_API', binanceCode: -1022, permanent: true });
    await m.answer('userDataStream.subscribe.signature', 400, { code: -1022, msg: 'Signature for this request is not valid.' });
    await done;
    await vi.advanceTimersByTimeAsync(0);
    expect(m.rec.of('userDataState').map((e: any) => e.state)).toEqual(['subscribing', 'failed']);
    expect(m.rec.of('gaveUp')).toHaveLength(1);
    await m.ctl.stop();
  });

  it('eventStreamTerminated → re-subscribe on the same connection, with a userDataGap', async () => {
    const m = make();
    await live(m);
    const at = Date.now();
    m.socket().push({ subscriptionId: 9, event: { e: 'eventStreamTerminated', E: at } }); // not ours: ignored
    expect(m.ctl.stats().state).toBe('live');
    m.socket().push({ subscriptionId: 0, event: { e: 'eventStreamTerminated', E: at } });
    expect(m.ctl.stats().state).toBe('subscribing');
    await m.answer('userDataStream.subscribe.signature', 200, { subscriptionId: 1 });
    await vi.waitFor(() => expect(m.rec.of('userDataGap')).toHaveLength(1));
    expect(m.rec.of('userDataGap')[0]).toMatchObject({ source: 'spot', from: at, reason: 'eventStreamTerminated' });
    expect(m.socket().urls).toHaveLength(1);
    expect(m.ctl.stats()).toMatchObject({ state: 'live', details: { subscriptionId: 1 } });
    await m.ctl.stop();
  });

  it('the status probe: answered → proof; ours missing → re-subscribe; unanswered → reconnect; no timer after stop', async () => {
    const m = make({ statusProbeIntervalMs: MIN, requestTimeoutMs: 1000 });
    await live(m);
    expect(m.ctl.stats().timers).toBe(1);
    await vi.advanceTimersByTimeAsync(MIN);
    m.socket().answer('session.subscriptions', 200, [{ subscriptionId: 0 }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.rec.of('userDataGap')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(MIN);
    m.socket().answer('session.subscriptions', 200, []);
    await m.answer('userDataStream.subscribe.signature', 200, { subscriptionId: 1 });
    await vi.waitFor(() => expect(m.rec.of('userDataGap').map((g: any) => g.reason)).toEqual(['subscription missing']));
    await vi.advanceTimersByTimeAsync(MIN + 1000); // the next probe is never answered
    expect(m.socket().reconnects).toEqual(['status probe unanswered']);
    await m.answer('userDataStream.subscribe.signature', 200, { subscriptionId: 0 });
    await vi.waitFor(() => expect(m.socket().urls).toHaveLength(2));
    await m.ctl.stop();
    expect(m.ctl.stats().timers).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an id:null 401 (session revoked) → error event and a reconnect', async () => {
    const m = make();
    await live(m);
    m.socket().push({ id: null, status: 401, error: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
    expect(m.rec.of('error').map((e: any) => e.error.binanceCode)).toEqual([-2015]);
    expect(m.socket().reconnects).toEqual(['WebSocket API session revoked']);
    await m.ctl.stop();
  });

  it('margin: a signed listenToken, renewed before expiry on the SAME connection (subscribe new, unsubscribe old, no gap)', async () => {
    const rest = tokenRest(10 * MIN);
    const m = make({ product: 'margin', fetch: rest.fetch, symbol: 'BTCUSDT', listenTokenRenewFraction: 0.5 });
    await live(m, 'userDataStream.subscribe.listenToken', 0);
    expect(rest.minted[0]).toMatch(/^\?isIsolated=TRUE&symbol=BTCUSDT&timestamp=\d+&signature=[0-9a-f]{64}$/);
    expect(m.socket().sentOf('userDataStream.subscribe.listenToken')[0]?.params).toEqual({ listenToken: `tok0${'t'.repeat(40)}` });
    expect(m.ctl.stats().details).toMatchObject({ flow: 'listenToken', listenTokenExpiresAt: rest.expirations[0] });
    await vi.advanceTimersByTimeAsync(5 * MIN);
    await m.answer('userDataStream.subscribe.listenToken', 200, { subscriptionId: 1 });
    await vi.waitFor(() => expect(m.socket().sentOf('userDataStream.unsubscribe')).toHaveLength(1));
    expect(m.socket().sentOf('userDataStream.unsubscribe')[0]?.params).toEqual({ subscriptionId: 0 });
    m.socket().push({ subscriptionId: 0, event: { e: 'balanceUpdate', E: 1 } }); // the old one, retiring: dropped
    m.socket().push({ subscriptionId: 1, event: { e: 'balanceUpdate', E: 2 } });
    m.socket().answer('userDataStream.unsubscribe', 200, {});
    m.socket().push({ subscriptionId: 0, event: { e: 'eventStreamTerminated', E: Date.now() } }); // the old one ending: ignored
    await vi.advanceTimersByTimeAsync(0);
    expect(m.rec.of('balanceUpdate').map((e: any) => e.E)).toEqual([2]);
    expect(m.rec.of('userDataGap')).toHaveLength(0);
    expect(rest.minted).toHaveLength(2);
    expect(m.socket().urls).toHaveLength(1);
    expect(m.ctl.stats()).toMatchObject({ state: 'live', timers: 1, details: { subscriptionId: 1 } });
    await m.ctl.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
