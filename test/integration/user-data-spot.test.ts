/** Spot user data over the emulated WebSocket API: HMAC / Ed25519 / RSA signatures checked by the emulator. */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/fake-binance';
import type { WsApiEmulator } from '../../src/testing/ws-api/ws-api-emulator';
import type { CreateUserDataStreamOptions, UserDataController } from '../../src/user-data/user-data-stream';
import { createUserDataStream } from '../../src/user-data/user-data-stream';
import { captureLogger, fastPolicy, recorder } from '../unit/user-data/harness';
import { startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const HMAC_KEY = 'spot-hmac-api-key-0123456789';
const HMAC_SECRET = 'spot-hmac-secret-abcdefghijklmnopqrstuvwxyz';
const ED_KEY = 'spot-ed25519-api-key-0123456789';
const RSA_KEY = 'spot-rsa-api-key-0123456789';
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof ed.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const pub = (k: typeof ed.publicKey) => k.export({ type: 'spki', format: 'pem' }) as string;

const execReport = (i: number) => ({ e: 'executionReport', E: Date.now(), s: 'BTCUSDT', c: `c${i}`, S: 'BUY', x: 'NEW', X: 'NEW', i });

describe('spot user data (WebSocket API) against the emulator', () => {
  let ex: FakeBinance | undefined;
  let ctl: UserDataController | undefined;
  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    ex = undefined; // closed by the global afterEach (test/helpers/setup.ts)
  });

  async function setup(extra: Partial<CreateUserDataStreamOptions> = {}) {
    ex = await startEmulator({ market: 'spot' });
    const wsApi: WsApiEmulator = ex.wsApi;
    wsApi.addAccount({ apiKey: HMAC_KEY, secret: HMAC_SECRET });
    wsApi.addAccount({ apiKey: ED_KEY, publicKeyPem: pub(ed.publicKey) });
    wsApi.addAccount({ apiKey: RSA_KEY, publicKeyPem: pub(rsa.publicKey) });
    const rec = recorder();
    const log = captureLogger();
    const u = ex.urls;
    ctl = createUserDataStream({
      product: 'spot',
      apiKey: HMAC_KEY,
      apiSecret: HMAC_SECRET,
      restBaseUrl: u.http,
      streamBaseUrl: u.ws,
      wsApiUrl: u.wsApi,
      logger: log.logger,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      ...extra,
    });
    return { ex, wsApi, ctl, rec, log };
  }

  it('HMAC: userDataStream.subscribe.signature, verified by the emulator; events routed by type', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    expect(wsApi.connections()[0]?.subscriptions).toEqual([{ subscriptionId: 0, kind: 'signature', account: expect.any(String) }]);
    expect(wsApi.requests().map((r) => [r.method, r.status])).toEqual([['userDataStream.subscribe.signature', 200]]);
    expect(wsApi.pushEvent(HMAC_KEY, execReport(1))).toBe(1);
    await expect(rec.waitFor('executionReport')).resolves.toMatchObject({ e: 'executionReport', i: 1 });
    wsApi.pushEvent(HMAC_KEY, { e: 'outboundAccountPosition', E: 1, u: 1, B: [{ a: 'BTC', f: '1', l: '0' }] });
    wsApi.pushEvent(HMAC_KEY, { e: 'balanceUpdate', E: 1, a: 'BTC', d: '1', T: 1 });
    wsApi.pushEvent(HMAC_KEY, { e: 'listStatus', E: 1, s: 'BTCUSDT', g: 1, c: 'OCO', l: 'x', L: 'y', r: 'NONE', C: 'c', T: 1, O: [] });
    await rec.waitFor('outboundAccountPosition');
    await rec.waitFor('balanceUpdate');
    await rec.waitFor('listStatus');
    expect(rec.of('userData').map((m: any) => m.source)).toEqual(['spot', 'spot', 'spot', 'spot']);
    expect(ctl.stats()).toMatchObject({ state: 'live', events: 4, details: { subscriptionId: 0, flow: 'subscribe.signature' } });
  });

  it('Ed25519: session.logon then userDataStream.subscribe', async () => {
    const { wsApi, ctl, rec } = await setup({ apiKey: ED_KEY, apiSecret: undefined, privateKey: pem(ed.privateKey) });
    await ctl.start();
    expect(wsApi.requests().map((r) => [r.method, r.status])).toEqual([
      ['session.logon', 200],
      ['userDataStream.subscribe', 200],
    ]);
    expect(wsApi.connections()[0]?.subscriptions[0]?.kind).toBe('logon');
    wsApi.pushEvent(ED_KEY, execReport(2));
    await rec.waitFor('executionReport');
  });

  it('Ed25519 with useSessionLogon: false, and RSA: the signature flow', async () => {
    const a = await setup({ apiKey: ED_KEY, apiSecret: undefined, privateKey: pem(ed.privateKey), useSessionLogon: false });
    await a.ctl.start();
    expect(a.wsApi.requests().map((r) => r.method)).toEqual(['userDataStream.subscribe.signature']);
    await a.ctl.stop();
    await a.ex.close(); // before the second setup() takes its place; the global afterEach closes it again (a no-op)

    const b = await setup({ apiKey: RSA_KEY, apiSecret: undefined, privateKey: pem(rsa.privateKey) });
    await b.ctl.start();
    expect(b.wsApi.requests().map((r) => [r.method, r.status])).toEqual([['userDataStream.subscribe.signature', 200]]);
    b.wsApi.pushEvent(RSA_KEY, execReport(3));
    await b.rec.waitFor('executionReport');
  });

  it("a wrong secret is rejected with Binance's -1022 and is not retried", async () => {
    const { wsApi, ctl, rec } = await setup({ apiSecret: 'not-the-secret' });
    const err = await ctl.start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WS_API', binanceCode: -1022, httpStatus: 400, permanent: true });
    expect((err as Error).message).toContain('Signature for this request is not valid.');
    expect(wsApi.requests()).toHaveLength(1);
    expect(rec.of('userDataState').at(-1)).toMatchObject({ state: 'failed' });
    expect(rec.of('gaveUp')).toHaveLength(1);
  });

  it('eventStreamTerminated → re-subscribe on the same connection, with a userDataGap', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    const before = Date.now();
    expect(wsApi.terminate(HMAC_KEY)).toBe(1);
    const gap = await rec.waitFor('userDataGap');
    expect(gap).toMatchObject({ source: 'spot', reason: 'eventStreamTerminated' });
    expect(gap.from).toBeGreaterThanOrEqual(before - 5);
    await until(() => wsApi.connections()[0]?.subscriptions.length === 1, { timeoutMs: 3000 });
    expect(wsApi.connections()).toHaveLength(1);
    expect(wsApi.requests().map((r) => r.method)).toEqual(['userDataStream.subscribe.signature', 'userDataStream.subscribe.signature']);
    wsApi.pushEvent(HMAC_KEY, execReport(4));
    await rec.waitFor('executionReport');
    expect(ctl.stats().details.subscriptionId).toBe(1);
  });

  it('a dropped connection reconnects and re-subscribes with a fresh signature; userDataGap', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    // So the re-subscribe's fresh signature has a different timestamp: the clock passes the first one.
    const firstTimestamp = Number(wsApi.requests()[0]!.params.timestamp);
    await until(() => Date.now() > firstTimestamp, { message: 'the clock to pass the first signature timestamp' });
    expect(wsApi.disconnectAll()).toBe(1);
    const gap = await rec.waitFor('userDataGap');
    expect(gap.reason).toMatch(/1006|ERR_CLOSED/);
    await until(() => wsApi.connections()[0]?.subscriptions.length === 1, { timeoutMs: 3000 });
    const subs = wsApi.requests().filter((r) => r.method === 'userDataStream.subscribe.signature');
    expect(subs).toHaveLength(2);
    expect(subs[1]!.params.timestamp).not.toBe(subs[0]!.params.timestamp);
    wsApi.pushEvent(HMAC_KEY, execReport(5));
    await rec.waitFor('executionReport');
    expect(rec.of('userDataState').map((e: any) => e.state)).toEqual(['subscribing', 'live', 'reconnecting', 'live']);
  });

  it('serverShutdown → reconnect and re-subscribe', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    wsApi.serverShutdown();
    await rec.waitFor('serverShutdown');
    await rec.waitFor('userDataGap');
    await until(() => wsApi.requests().filter((r) => r.method === 'userDataStream.subscribe.signature').length === 2, { timeoutMs: 3000 });
  });

  it('the status probe asks session.subscriptions and re-subscribes when ours is gone', async () => {
    const { wsApi, ctl, rec } = await setup({ statusProbeIntervalMs: 100 });
    await ctl.start();
    await until(() => wsApi.requests().some((r) => r.method === 'session.subscriptions'), { timeoutMs: 3000 });
    // Remove the subscription silently (no eventStreamTerminated reaches the client).
    const conn = wsApi.connections()[0]!;
    (wsApi as any).server.sessions.get(conn.id).subs.clear();
    await rec.waitFor('userDataGap', (g: any) => g.reason === 'subscription missing');
    await until(() => wsApi.connections()[0]?.subscriptions.length === 1, { timeoutMs: 3000 });
    expect(rec.of('reconnecting')).toHaveLength(0);
  });

  it('a revoked key (401 / -2015) ends in failed after the re-subscribe is refused', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    wsApi.revoke(HMAC_KEY);
    const failed = await rec.waitFor('userDataState', (e: any) => e.state === 'failed');
    expect(failed.error).toMatchObject({ code: 'ERR_WS_API', binanceCode: -2015, permanent: true });
    expect(rec.of('error').some((e: any) => e.error.binanceCode === -2015)).toBe(true);
  });
});
