/** Margin user data: listenToken (signed REST) + userDataStream.subscribe.listenToken, renewal on the same connection. */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/fake-binance';
import type { WsApiEmulator } from '../../src/testing/ws-api/ws-api-emulator';
import type { CreateUserDataStreamOptions, UserDataController } from '../../src/user-data/user-data-stream';
import { createUserDataStream } from '../../src/user-data/user-data-stream';
import { captureLogger, fastPolicy, recorder } from '../unit/user-data/harness';
import { startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const API_KEY = 'margin-api-key-0123456789abcdef';
const SECRET = 'margin-secret-abcdefghijklmnopqrstuvwxyz';

describe('margin user data (listenToken) against the emulator', () => {
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
    wsApi.addAccount({ apiKey: API_KEY, secret: SECRET });
    const rec = recorder();
    const u = ex.urls;
    ctl = createUserDataStream({
      product: 'margin',
      apiKey: API_KEY,
      apiSecret: SECRET,
      restBaseUrl: u.http,
      streamBaseUrl: u.ws,
      wsApiUrl: u.wsApi,
      logger: captureLogger().logger,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      ...extra,
    });
    return { ex, wsApi, ctl, rec };
  }

  it('mints a signed listenToken, subscribes with it, routes margin events', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    expect(wsApi.listenTokensIssued).toBe(1);
    expect(wsApi.connections()[0]?.subscriptions[0]?.kind).toBe('listenToken');
    const token = wsApi.listenTokens()[0]!;
    expect(token.expirationTime - Date.now()).toBeGreaterThan(23 * 3600_000); // 24 h by default
    wsApi.pushEvent(API_KEY, { e: 'executionReport', E: Date.now(), s: 'BTCUSDT', i: 7 }, { product: 'margin' });
    const e = await rec.waitFor('executionReport');
    expect(e.i).toBe(7);
    expect(rec.of('userData')[0].source).toBe('margin');
    expect(ctl.stats().details).toMatchObject({ flow: 'listenToken', subscriptionId: 0 });
  });

  it('isolated margin sends isIsolated + symbol', async () => {
    const { wsApi, ctl } = await setup({ symbol: 'BTCUSDT' });
    await ctl.start();
    expect(wsApi.listenTokens()[0]?.isolatedSymbol).toBe('BTCUSDT');
  });

  it('renews the token before it expires on the SAME connection, with no gap and no duplicates', async () => {
    const { wsApi, ctl, rec } = await setup({ listenTokenValidityMs: 1200, listenTokenRenewFraction: 0.5 });
    await ctl.start();
    await until(() => wsApi.listenTokensIssued >= 2);
    await until(() => wsApi.connections()[0]?.subscriptions.length === 1 && wsApi.connections()[0]?.subscriptions[0]?.subscriptionId === 1);
    expect(wsApi.connections()).toHaveLength(1);
    expect(wsApi.requests().map((r) => r.method)).toEqual(['userDataStream.subscribe.listenToken', 'userDataStream.subscribe.listenToken', 'userDataStream.unsubscribe']);
    expect(rec.of('userDataGap')).toHaveLength(0);
    expect(rec.of('reconnecting')).toHaveLength(0);
    wsApi.pushEvent(API_KEY, { e: 'balanceUpdate', E: 1, a: 'BTC', d: '1', T: 1 });
    await rec.waitFor('balanceUpdate');
    // A later event on the same connection: a duplicate balanceUpdate (one per live subscription) would arrive before it.
    wsApi.pushEvent(API_KEY, { e: 'executionReport', E: 2, s: 'BTCUSDT', i: 8 });
    await rec.waitFor('executionReport', (e: any) => e.i === 8);
    expect(rec.of('balanceUpdate')).toHaveLength(1);
  });

  it('a token that expires anyway ends in eventStreamTerminated → new token, re-subscribe, userDataGap', async () => {
    const { wsApi, ctl, rec } = await setup();
    await ctl.start();
    expect(wsApi.expireListenTokens(API_KEY)).toBe(1);
    const gap = await rec.waitFor('userDataGap', () => true, 4000);
    expect(gap).toMatchObject({ source: 'margin', reason: 'eventStreamTerminated' });
    await until(() => wsApi.connections()[0]?.subscriptions.length === 1);
    expect(wsApi.listenTokensIssued).toBe(2);
    expect(wsApi.connections()).toHaveLength(1);
    expect(rec.of('reconnecting')).toHaveLength(0);
  });

  it('a wrong secret fails the token request with -1022 (ERR_AUTH), not retried', async () => {
    const { wsApi, ctl } = await setup({ apiSecret: 'wrong' });
    await expect(ctl.start()).rejects.toMatchObject({ code: 'ERR_AUTH', binanceCode: -1022, permanent: true });
    expect(wsApi.listenTokensIssued).toBe(0);
  });
});
