/**
 * REST request weight per IP, driven by raw `fetch` on 127.0.0.1: the used weight in every market
 * response's headers, each endpoint's weight, 429 over the limit with `Retry-After` and -1003, 418
 * for an IP that keeps sending during the pause (bans doubling), `stats().rest`, resets.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/index';
import { startEmulator } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';

async function get(ex: FakeBinance, path: string, init?: RequestInit): Promise<{ status: number; used: string | null; legacy: string | null; retryAfter: string | null; body: any }> {
  const r = await fetch(`${ex.urls.http}${path}`, init);
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* HTML (410) */
  }
  return { status: r.status, used: r.headers.get('x-mbx-used-weight-1m'), legacy: r.headers.get('x-mbx-used-weight'), retryAfter: r.headers.get('retry-after'), body };
}

describe('REST weights: X-MBX-USED-WEIGHT-1M on every market response', () => {
  it('spot: the documented weights (depth by limit, aggTrades 4, klines 2, exchangeInfo 20), also X-MBX-USED-WEIGHT; errors cost their route', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'] });
    const steps: [string, number][] = [
      ['/api/v3/ping', 1],
      ['/api/v3/depth?symbol=BTCUSDT', 5],
      ['/api/v3/depth?symbol=BTCUSDT&limit=500', 25],
      ['/api/v3/depth?symbol=BTCUSDT&limit=1000', 50],
      ['/api/v3/depth?symbol=BTCUSDT&limit=5000', 250],
      ['/api/v3/aggTrades?symbol=BTCUSDT', 4],
      ['/api/v3/klines?symbol=BTCUSDT&interval=1m', 2],
      ['/api/v3/exchangeInfo', 20],
      ['/api/v3/time', 1],
      ['/api/v3/klines?interval=1m', 2], // 400: still weighed
    ];
    let total = 0;
    for (const [path, w] of steps) {
      total += w;
      const r = await get(ex, path);
      expect([path, r.used, r.legacy]).toEqual([path, String(total), String(total)]);
    }
    expect(ex.stats().rest).toMatchObject({ limit: 6000, used: total, total, usedByIp: { '127.0.0.1': total }, rateLimited429: 0, banned418: 0 });
    // Retired listenKey endpoints answer like nginx: no weight header.
    const gone = await get(ex, '/api/v3/userDataStream', { method: 'POST', headers: { 'X-MBX-APIKEY': 'k' } });
    expect([gone.status, gone.used]).toEqual([410, null]);
    ex.resetRestWeights();
    expect((await get(ex, '/api/v3/ping')).used).toBe('1');
  });

  it('USD-M: the measured weights (depth and klines by limit, none given: 1 and 5; aggTrades 20; listenKey 1), no legacy header', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    const steps: [string, number, RequestInit?][] = [
      ['/fapi/v1/ping', 1],
      ['/fapi/v1/depth?symbol=BTCUSDT', 1],
      ['/fapi/v1/depth?symbol=BTCUSDT&limit=100', 5],
      ['/fapi/v1/depth?symbol=BTCUSDT&limit=1000', 20],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1m', 5],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=100', 1],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500', 10],
      ['/fapi/v1/aggTrades?symbol=BTCUSDT', 20],
      ['/fapi/v1/exchangeInfo', 1],
      ['/fapi/v1/listenKey', 1, { method: 'POST', headers: { 'X-MBX-APIKEY': 'k' } }],
    ];
    let total = 0;
    for (const [path, w, init] of steps) {
      total += w;
      const r = await get(ex, path, init);
      expect([path, r.status, r.used, r.legacy]).toEqual([path, 200, String(total), null]);
    }
    expect(ex.stats().rest).toMatchObject({ limit: 2400, used: total });
  });
});

describe('REST weights: over the limit', () => {
  it('429 with Retry-After and -1003; sending on during the pause earns a 418 ban; stats count both; heal() lifts it', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'], maxRestWeightPerMinute: 30, banAfterRejectedAttempts: 2, banDurationMs: 120_000 });
    for (let i = 0; i < 6; i++) expect((await get(ex, '/api/v3/depth?symbol=BTCUSDT')).status).toBe(200);
    const over = await get(ex, '/api/v3/depth?symbol=BTCUSDT');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      code: -1003,
      msg: 'Too much request weight used; current limit is 30 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
    });
    expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
    expect(over.used).toBe('30');
    expect((await get(ex, '/api/v3/ping')).status).toBe(429); // 30 + 1 > 30: no room, and it counts as not backing off
    expect((await get(ex, '/api/v3/depth?symbol=BTCUSDT')).status).toBe(429);
    const ban = await get(ex, '/api/v3/depth?symbol=BTCUSDT');
    expect(ban.status).toBe(418);
    expect(ban.body.code).toBe(-1003);
    expect(ban.body.msg).toMatch(/^Way too much request weight used; IP banned until \d{13}\. Please use WebSocket Streams/);
    expect(Number(ban.retryAfter)).toBe(120);
    expect((await get(ex, '/api/v3/time')).status).toBe(418); // everything, while banned
    expect(ex.stats().rest).toMatchObject({ used: 30, rateLimited429: 3, banned418: 2 });
    ex.faults.heal();
    expect((await get(ex, '/api/v3/ping')).status).toBe(200);
  });

  it('futures wording; the window frees up; a repeat ban lasts twice as long', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'], maxRestWeightPerMinute: 3, restWeightWindowMs: 400, banAfterRejectedAttempts: 1, banDurationMs: 1000 });
    for (let i = 0; i < 3; i++) expect((await get(ex, '/fapi/v1/ping')).status).toBe(200);
    const over = await get(ex, '/fapi/v1/ping');
    expect([over.status, over.retryAfter]).toEqual([429, '1']);
    expect(over.body.msg).toBe('Too many requests; current limit of IP(127.0.0.1) is 3 requests per minute. Please use the websocket for live updates to avoid polling the API.');
    await sleep(450); // past the 400 ms window: its weight is forgotten
    expect((await get(ex, '/fapi/v1/ping')).used).toBe('1');
    // Keep sending: 3 fit, the 4th is a 429, the 5th ignores the pause, the 6th is banned (a window boundary in between starts over).
    const banned = async (): Promise<{ status: number; retryAfter: string | null; body: any }> => {
      for (let i = 0; i < 100; i++) {
        const r = await get(ex, '/fapi/v1/ping');
        if (r.status === 418) return r;
      }
      throw new Error('never banned');
    };
    const first = await banned();
    expect([first.status, first.retryAfter]).toEqual([418, '1']);
    expect(first.body.msg).toMatch(/^Way too many requests; IP\(127\.0\.0\.1\) banned until \d{13}\./);
    await until(async () => (await get(ex, '/fapi/v1/ping')).status !== 418, { timeoutMs: 5000, intervalMs: 100 });
    const second = await banned();
    expect([second.status, second.retryAfter]).toEqual([418, '2']);
  });

  it('validates the options', async () => {
    const { FakeBinance } = await import('../../src/testing/index');
    await expect(FakeBinance.start({ maxRestWeightPerMinute: 0 })).rejects.toThrow(/maxRestWeightPerMinute/);
    await expect(FakeBinance.start({ restWeightWindowMs: -1 })).rejects.toThrow(/restWeightWindowMs/);
  });
});
