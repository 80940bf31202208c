/** Futures user data (USD-M `/private`, COIN-M) against the emulator: listenKey lifecycle, routing, gaps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/fake-binance';
import type { UserDataController } from '../../src/user-data/user-data-stream';
import { createUserDataStream } from '../../src/user-data/user-data-stream';
import type { CreateUserDataStreamOptions } from '../../src/user-data/user-data-stream';
import { captureLogger, fastPolicy, recorder } from '../unit/user-data/harness';
import { startEmulator } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';

const API_KEY = 'futures-api-key-0123456789abcdef';

const orderUpdate = (i: number) => ({
  e: 'ORDER_TRADE_UPDATE',
  E: Date.now(),
  T: Date.now(),
  o: { s: 'BTCUSDT', c: `c${i}`, S: 'BUY', o: 'LIMIT', x: 'NEW', X: 'NEW', i },
});

describe('futures user data against the emulator', () => {
  let ex: FakeBinance | undefined;
  let ctl: UserDataController | undefined;
  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    ex = undefined; // closed by the global afterEach (test/helpers/setup.ts)
  });

  async function setup(market: 'usdm' | 'coinm', extra: Partial<CreateUserDataStreamOptions> = {}) {
    ex = await startEmulator({ market });
    const rec = recorder();
    const log = captureLogger();
    const u = ex.urls;
    ctl = createUserDataStream({
      product: market,
      apiKey: API_KEY,
      restBaseUrl: u.http,
      streamBaseUrl: u.ws,
      wsApiUrl: u.wsApi,
      logger: log.logger,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      ...extra,
    });
    return { ex, ctl, rec, log };
  }

  it('USD-M: creates a key, then connects to /private with it and routes typed events', async () => {
    const { ex, ctl, rec } = await setup('usdm');
    await ctl.start();
    const keys = ex.listenKeys();
    expect(keys).toHaveLength(1);
    const key = keys[0]!.listenKey;
    const conns = ex.connections();
    expect(conns).toHaveLength(1);
    expect(conns[0]!.path).toBe(`/private/ws?listenKey=${key}`);
    expect(rec.of('listenKey').map((e) => e.action)).toEqual(['created']);
    expect(rec.of('userDataState').map((e) => e.state)).toEqual(['subscribing', 'live']);

    expect(ex.pushUserEvent(API_KEY, orderUpdate(1))).toBe(1);
    const e = await rec.waitFor('orderUpdate');
    expect(e).toMatchObject({ e: 'ORDER_TRADE_UPDATE', o: { i: 1 } });
    const m = rec.of('userData')[0];
    expect(m).toMatchObject({ source: 'usdm', data: { e: 'ORDER_TRADE_UPDATE' } });
    ex.pushUserEvent(API_KEY, { e: 'ACCOUNT_UPDATE', E: Date.now(), T: Date.now(), a: { m: 'ORDER', B: [], P: [] } });
    await rec.waitFor('accountUpdate');
    ex.pushUserEvent(API_KEY, { e: 'SOMETHING_NEW', E: Date.now() });
    await rec.waitFor('userData', (x: any) => x.data.e === 'SOMETHING_NEW');
    expect(ctl.stats()).toMatchObject({ product: 'usdm', state: 'live', events: 3, gaps: 0 });
    expect(String(ctl.stats().details.listenKey)).not.toContain(key);
  });

  it('portfolio margin: /papi/v1/listenKey, then /pm/ws/<key>', async () => {
    ex = await startEmulator({ market: 'usdm' });
    const rec = recorder();
    const u = ex.urls;
    ctl = createUserDataStream({
      product: 'portfolio',
      apiKey: API_KEY,
      restBaseUrl: u.http,
      streamBaseUrl: u.ws,
      wsApiUrl: u.wsApi,
      logger: captureLogger().logger,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
    });
    await ctl.start();
    const key = ex.listenKeys()[0]!.listenKey;
    expect(ex.connections().map((c) => c.path)).toEqual([`/pm/ws/${key}`]);
    expect(ex.pushUserEvent(API_KEY, orderUpdate(7))).toBe(1);
    expect(await rec.waitFor('orderUpdate')).toMatchObject({ o: { i: 7 } });
    expect(rec.of('userData')[0]).toMatchObject({ source: 'portfolio' });
    expect(rec.of('listenKey')[0]).toMatchObject({ action: 'created', market: 'portfolio' });
  });

  it('USD-M events allow-list always includes listenKeyExpired', async () => {
    const { ex, ctl, rec } = await setup('usdm', { events: ['ORDER_TRADE_UPDATE'] });
    await ctl.start();
    const key = ex.listenKeys()[0]!.listenKey;
    expect(ex.connections()[0]!.path).toBe(`/private/ws?listenKey=${key}&events=ORDER_TRADE_UPDATE/listenKeyExpired`);
    ex.pushUserEvent(API_KEY, { e: 'ACCOUNT_UPDATE', E: 1, T: 1, a: { m: 'x', B: [], P: [] } });
    ex.pushUserEvent(API_KEY, orderUpdate(2));
    await rec.waitFor('orderUpdate');
    expect(rec.of('accountUpdate')).toHaveLength(0);
  });

  it('listenKeyExpired → a new key, a reconnect with it, and a userDataGap', async () => {
    const { ex, ctl, rec } = await setup('usdm', { events: ['ORDER_TRADE_UPDATE'] });
    await ctl.start();
    const first = ex.listenKeys()[0]!.listenKey;
    const before = Date.now();
    expect(ex.faults.expireListenKey(first)).toBe(true);
    const expired = await rec.waitFor('listenKeyExpired');
    expect(expired.listenKey).not.toBe(first); // masked
    const gap = await rec.waitFor('userDataGap');
    expect(gap).toMatchObject({ source: 'usdm', reason: 'listenKeyExpired' });
    expect(gap.from).toBeGreaterThanOrEqual(before - 5);
    expect(gap.to).toBeGreaterThanOrEqual(gap.from);
    const active = ex.listenKeys().filter((k) => k.state === 'active');
    expect(active).toHaveLength(1);
    const second = active[0]!.listenKey;
    expect(second).not.toBe(first);
    expect(rec.of('listenKey').map((e) => e.action)).toEqual(['created', 'expired', 'replaced']);
    // The socket now listens with the new key.
    await until(() => ex.connections().length === 1, { timeoutMs: 3000 });
    expect(ex.connections().map((c) => c.path)).toEqual([`/private/ws?listenKey=${second}&events=ORDER_TRADE_UPDATE/listenKeyExpired`]);
    ex.pushUserEvent(API_KEY, orderUpdate(3));
    await rec.waitFor('orderUpdate', (e: any) => e.o.i === 3);
  });

  it('a dropped connection reconnects, re-checks the key (PUT) and reports the gap', async () => {
    const { ex, ctl, rec } = await setup('usdm');
    await ctl.start();
    const puts = () => ex.listenKeys()[0]!.keepalives;
    const k0 = puts();
    await sleep(20); // time itself is the condition: the drop must come measurably after the open, so gap.from is provably the drop
    const dropAt = Date.now();
    expect(ex.faults.close({ all: true }, { code: 1006 })).toBe(1);
    const gap = await rec.waitFor('userDataGap');
    expect(gap.reason).toMatch(/ERR_CLOSED|1006/);
    expect(gap.from).toBeGreaterThanOrEqual(dropAt - 5);
    expect(gap.to).toBeGreaterThanOrEqual(gap.from);
    await rec.waitFor('userDataState', (e: any) => e.state === 'live' && rec.of('userDataState').indexOf(e) > 1);
    // (A key validated less than 10 s ago is not re-checked; the unit tests cover the PUT re-check.)
    expect(puts()).toBeGreaterThanOrEqual(k0);
    expect(rec.of('reconnected')).toHaveLength(1);
    ex.pushUserEvent(API_KEY, orderUpdate(4));
    await rec.waitFor('orderUpdate');
  }, 10_000);

  it('the socket never opens before a key exists (POST failing first)', async () => {
    ex = await startEmulator({ market: 'usdm' });
    ex.faults.failRest({ path: '/fapi/v1/listenKey', method: 'POST', status: 503, times: 1 });
    const rec = recorder();
    const u = ex.urls;
    ctl = createUserDataStream({
      product: 'usdm',
      apiKey: API_KEY,
      restBaseUrl: u.http,
      streamBaseUrl: u.ws,
      wsApiUrl: u.wsApi,
      logger: captureLogger().logger,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
    });
    const started = ctl.start();
    await until(() => ex!.stats().restRequests >= 1, { timeoutMs: 3000, message: 'the failing POST' });
    expect(ex.connections()).toHaveLength(0);
    expect(ex.stats().connectionsOpened).toBe(0);
    await started;
    expect(ex.connections()).toHaveLength(1);
    expect(ex.connections()[0]!.path).toContain(ex.listenKeys()[0]!.listenKey);
    // The one dial of the whole test came after the key existed.
    expect(ex.stats().connectionsOpened).toBe(1);
    expect(ex.connections()[0]!.openedAt).toBeGreaterThanOrEqual(ex.listenKeys()[0]!.createdAt);
  }, 10_000);

  it("stop() closes the key it created ('owned'), the socket, and emits closed/stopped", async () => {
    const { ex, ctl, rec } = await setup('usdm', { closeListenKeyOnStop: 'owned' });
    await ctl.start();
    await ctl.stop();
    expect(ex.listenKeys()[0]!.state).toBe('deleted');
    expect(rec.of('listenKey').at(-1)?.action).toBe('closed');
    expect(rec.of('userDataState').at(-1)?.state).toBe('stopped');
    await until(() => ex.connections().length === 0, { timeoutMs: 3000 });
    await ctl.stop(); // idempotent
  });

  it("stop() leaves a key another process already had ('owned')", async () => {
    ex = await startEmulator({ market: 'usdm' });
    const other = await fetch(`${ex.urls.http}/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': API_KEY } });
    const theirs = ((await other.json()) as { listenKey: string }).listenKey;
    const rec = recorder();
    const u = ex.urls;
    ctl = createUserDataStream({
      product: 'usdm',
      apiKey: API_KEY,
      restBaseUrl: u.http,
      streamBaseUrl: u.ws,
      wsApiUrl: u.wsApi,
      logger: captureLogger().logger,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      closeListenKeyOnStop: 'owned',
    });
    await ctl.start();
    expect(ex.connections()[0]!.path).toContain(theirs);
    await ctl.stop();
    expect(ex.listenKeys().find((k) => k.listenKey === theirs)?.state).toBe('active');
  });

  it('COIN-M: <base>/ws/<key>', async () => {
    const { ex, ctl, rec } = await setup('coinm');
    await ctl.start();
    const key = ex.listenKeys()[0]!.listenKey;
    expect(ex.connections()[0]!.path).toBe(`/ws/${key}`);
    ex.pushUserEvent(API_KEY, { ...orderUpdate(5) });
    await rec.waitFor('orderUpdate');
  });

  it('reconnect() drops and re-dials (single-flight) and reports a gap', async () => {
    const { ex, ctl, rec } = await setup('usdm');
    await ctl.start();
    ctl.reconnect('test');
    ctl.reconnect('test again');
    ctl.reconnect('and again');
    await rec.waitFor('userDataGap');
    // Live again, and an event arrives on the new connection: a second re-dial from the burst would show by then.
    await until(() => ex.connections().length === 1 && rec.of('userDataState').at(-1)?.state === 'live', { timeoutMs: 3000, message: 'live again' });
    ex.pushUserEvent(API_KEY, orderUpdate(6));
    await rec.waitFor('orderUpdate');
    expect(ex.stats().connectionsOpened).toBe(2);
    expect(ex.connections()).toHaveLength(1);
  });

  it('a retired spot-style listenKey path fails start() at once (410, not retried)', async () => {
    ex = await startEmulator({ market: 'usdm' });
    const { ListenKeyManager } = await import('../../src/user-data/futures/listen-key-manager');
    const m = new ListenKeyManager({ product: 'usdm', apiKey: API_KEY, restBaseUrl: ex.urls.http, path: '/api/v3/userDataStream' });
    const before = ex.stats().restRequests;
    await expect(m.start()).rejects.toMatchObject({ code: 'ERR_ENDPOINT_RETIRED', httpStatus: 410, permanent: true });
    expect(ex.stats().restRequests - before).toBe(1);
    await m.stop();
  });
});
