/**
 * REST faults on a path, driven by raw `fetch` on 127.0.0.1: `faults.slowRest` (served normally
 * after a delay, N times) and `faults.failRest` with `delayMs` (a slow failure); `heal()` lets the
 * waiting requests go at once.
 */
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../helpers/emulator';

describe('faults.slowRest', () => {
  it('delays the next N requests to a path, then serves them normally (data, weight); others are not delayed', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'] });
    ex.faults.slowRest('/api/v3/depth', { delayMs: 300, times: 1 });
    const order: string[] = [];
    const t0 = Date.now();
    const slow = fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT`).then(async (r) => {
      order.push('slow');
      return { status: r.status, used: r.headers.get('x-mbx-used-weight-1m'), body: (await r.json()) as any, ms: Date.now() - t0 };
    });
    await new Promise((r) => setTimeout(r, 20));
    const fast = fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT`).then((r) => {
      order.push('fast');
      return r.status;
    });
    expect(await fast).toBe(200);
    const s = await slow;
    expect(order).toEqual(['fast', 'slow']);
    expect(s.status).toBe(200);
    expect(s.ms).toBeGreaterThanOrEqual(280);
    expect(s.body.bids.length).toBeGreaterThan(0);
    expect(s.used).toBe('10'); // weighed when served: after the fast one
  });

  it('heal() lets a waiting request go at once; validates its arguments', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.faults.slowRest('/fapi/v1/time', { delayMs: 60_000, times: Infinity, method: 'get' });
    const pending = fetch(`${ex.urls.http}/fapi/v1/time`).then((r) => r.status);
    await new Promise((r) => setTimeout(r, 50));
    ex.faults.heal();
    expect(await pending).toBe(200);
    expect(() => ex.faults.slowRest('fapi/v1/time', { delayMs: 1 })).toThrow(TypeError);
    expect(() => ex.faults.slowRest('/fapi/v1/time', { delayMs: -1 })).toThrow(RangeError);
    expect(() => ex.faults.slowRest('/fapi/v1/time', { delayMs: 1, times: 0 })).toThrow(RangeError);
  });
});

describe('faults.failRest with delayMs', () => {
  it('answers the failure only after the delay, N times, then normal answers', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.faults.failRest({ path: '/fapi/v1/depth', status: 503, delayMs: 200, times: 2 });
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      const r = await fetch(`${ex.urls.http}/fapi/v1/depth?symbol=BTCUSDT`);
      expect(r.status).toBe(503);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
      expect(await r.json()).toEqual({ code: -1000, msg: 'Injected failure (HTTP 503)' });
    }
    expect((await fetch(`${ex.urls.http}/fapi/v1/depth?symbol=BTCUSDT`)).status).toBe(200);
    expect(() => ex.faults.failRest({ path: '/x', delayMs: Number.NaN })).toThrow(RangeError);
  });
});
