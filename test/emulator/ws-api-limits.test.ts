/**
 * WS-API fidelity with a plain `ws` client: `rateLimits` in answers, request weights per IP shared
 * with REST, 429 with `retryAfter` then the 418 ban (Binance's "Rate limits" of the WebSocket API),
 * the injected fault, server pings with the pong deadline, and the 24 h cut (under `timeScale`).
 */
import { describe, expect, it } from 'vitest';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { Frames, KEY, SECRET } from './orders-helpers';

const weight = (r: any): number => r.rateLimits?.find((l: any) => l.rateLimitType === 'REQUEST_WEIGHT')?.count;

async function open(url: string, opts = {}): Promise<Frames> {
  const c = await Frames.open(url, opts);
  onCleanup(() => c.close());
  return c;
}

describe('WS-API rate limits', () => {
  it('every answer carries rateLimits; weights accumulate per IP with REST; returnRateLimits=false on the URL or the request turns them off', async () => {
    const ex = await startEmulator();
    const c = await open(ex.urls.wsApi);
    const ping = await c.request('ping');
    // Connecting cost 2 (Binance: "connecting costs 2 weight"), the ping 1.
    expect(ping.rateLimits).toEqual([{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: 3 }]);
    expect(weight(await c.request('time'))).toBe(4);
    expect(weight(await c.request('session.status'))).toBe(6);
    // A REST call from the same IP counts in the same budget (depth limit 100: weight 5).
    const rest = await fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT&limit=100`);
    expect(rest.headers.get('x-mbx-used-weight-1m')).toBe('11');
    expect(weight(await c.request('ping'))).toBe(12);
    // An error answer carries them too.
    const bad = await c.request('no.such.method');
    expect(bad).toMatchObject({ status: 400, error: { code: -1000 } });
    expect(weight(bad)).toBe(14);
    expect((await c.request('ping', { returnRateLimits: false })).rateLimits).toBeUndefined();
    const quiet = await open(`${ex.urls.wsApi}?returnRateLimits=false`);
    const q = await quiet.request('session.status');
    expect(q.rateLimits).toBeUndefined();
    expect(q.result.returnRateLimits).toBe(false);
    expect(weight(await quiet.request('ping', { returnRateLimits: true }))).toBe(20); // and its own 2 to connect
  });

  it('over the limit: 429 -1003 with retryAfter (not executed), then 418 and a disconnect for an IP that keeps sending; REST is banned too; heal() lifts it', async () => {
    const ex = await startEmulator({ maxRestWeightPerMinute: 10, banAfterRejectedAttempts: 2, banDurationMs: 120_000 });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const c = await open(ex.urls.wsApi); // 2 to connect
    for (let i = 1; i <= 8; i++) expect((await c.request('ping')).status).toBe(200);
    const t0 = Date.now();
    const first = await c.signedRequest('userDataStream.subscribe.signature');
    expect(first).toMatchObject({
      status: 429,
      error: { code: -1003, msg: 'Too much request weight used; current limit is 10 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.' },
    });
    expect(first.error.data.retryAfter).toBeGreaterThanOrEqual(t0);
    expect(first.error.data.retryAfter).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(first.error.data.serverTime).toBeTypeOf('number');
    expect(weight(first)).toBe(10);
    expect(ex.wsApi.connections()[0]!.subscriptions).toEqual([]);
    expect((await c.request('ping')).status).toBe(429);
    expect((await c.request('ping')).status).toBe(429);
    const ban = await c.request('ping');
    expect(ban).toMatchObject({ status: 418, error: { code: -1003 } });
    expect(ban.error.msg).toBe(`Way too much request weight used; IP banned until ${ban.error.data.retryAfter}. Please use WebSocket Streams for live updates to avoid bans.`);
    expect(ban.error.data.retryAfter).toBeGreaterThanOrEqual(t0 + 120_000);
    // "… an automated IP ban and you will be disconnected."
    await until(() => c.closeCode !== undefined);
    expect(c.closeCode).toBe(1008);
    const again = await open(ex.urls.wsApi);
    expect((await again.request('ping')).status).toBe(418);
    await until(() => again.closeCode !== undefined);
    const rest = await fetch(`${ex.urls.http}/api/v3/ping`);
    expect(rest.status).toBe(418);
    expect(ex.stats().limitViolations.messageRate).toBe(3);
    ex.faults.heal();
    const healed = await open(ex.urls.wsApi);
    expect(await healed.request('ping')).toMatchObject({ status: 200, rateLimits: [{ count: 3 }] }); // 2 to connect + 1
  });

  it('faults.wsApiRateLimit injects 429 / 418 answers with retryAfter for the next requests, not executing them (418 disconnects)', async () => {
    const ex = await startEmulator();
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const c = await open(ex.urls.wsApi);
    ex.faults.wsApiRateLimit({ status: 418, times: 2, retryAfterMs: 5000 });
    const t0 = Date.now();
    const a = await c.signedRequest('userDataStream.subscribe.signature');
    expect(a).toMatchObject({ status: 418, error: { code: -1003 } });
    expect(a.error.data.retryAfter).toBeGreaterThanOrEqual(t0 + 5000);
    await until(() => c.closeCode === 1008);
    const c2 = await open(ex.urls.wsApi);
    expect((await c2.request('ping')).status).toBe(418);
    await until(() => c2.closeCode === 1008);
    const c3 = await open(ex.urls.wsApi);
    expect((await c3.signedRequest('userDataStream.subscribe.signature')).status).toBe(200);
    expect(ex.wsApi.connections().map((x) => x.subscriptions.length)).toEqual([1]);
    ex.faults.wsApiRateLimit({ times: Infinity });
    const r = await c3.request('ping');
    expect(r).toMatchObject({ status: 429, error: { code: -1003 } });
    expect(r.error.data.retryAfter).toBeGreaterThan(Date.now());
    ex.faults.heal();
    expect((await c3.request('ping')).status).toBe(200);
    expect(() => ex.faults.wsApiRateLimit({ status: 500 as never })).toThrow(/status must be 429 or 418/);
  });
});

describe('WS-API connection rules', () => {
  it('server pings every pingIntervalMs; a session that never answers is closed at the pong deadline', async () => {
    const ex = await startEmulator({ pingIntervalMs: 300, pongTimeoutMs: 1500 });
    const ok = await open(ex.urls.wsApi);
    const mute = await open(ex.urls.wsApi, { autoPong: false });
    await until(() => mute.closeCode !== undefined, { timeoutMs: 5000, message: 'the mute session to be closed' });
    expect(mute.closeCode).toBe(1008);
    expect(ex.stats().limitViolations.pongTimeout).toBe(1);
    expect(ok.pings.length).toBeGreaterThanOrEqual(3);
    expect(ok.closeCode).toBeUndefined();
    expect((await ok.request('ping')).status).toBe(200);
  });

  it('the 24 h lifetime cut applies to WS-API sessions (under timeScale)', async () => {
    const ex = await startEmulator({ timeScale: 86_400 / 1.5 });
    const c = await open(ex.urls.wsApi);
    const opened = Date.now();
    expect((await c.request('ping')).status).toBe(200);
    await until(() => c.closeCode !== undefined, { timeoutMs: 6000, message: 'the lifetime cut' });
    expect(c.closeCode).toBe(1001);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1000);
    expect(ex.wsApi.connections()).toEqual([]);
  });
});
