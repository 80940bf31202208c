import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { openSocket } from '../helpers/emulator-client';

let ex: FakeBinance | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

describe('urls, clientOptions and the internal extension hook', () => {
  it('exposes URLs without trailing slash and client options', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    const u = ex.urls;
    expect(u.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(u.http).toBe(u.ws.replace('ws:', 'http:'));
    expect(u.wsApi).toBe(`${u.ws}/ws-api/v3`);
    expect(ex.clientOptions()).toEqual({ market: 'usdm', baseUrl: u.ws, restBaseUrl: u.http, wsApiUrl: u.wsApi });
  });

  it('_extend routes its own upgrade path, HTTP requests and user events to the extension', async () => {
    ex = await FakeBinance.start();
    const pushed: string[] = [];
    let closed = false;
    ex._extend({
      http: (req, res, url) => {
        if (url.pathname !== '/custom') return false;
        res.end('custom');
        return true;
      },
      upgrade: { path: '/ws-api/test', handle: (ws) => ws.send(JSON.stringify({ hello: 'ws-api' })) },
      userEvent: (key, json) => (pushed.push(`${key}:${json}`), 1),
      close: () => {
        closed = true;
      },
    });
    expect(await (await fetch(`${ex.urls.http}/custom`)).text()).toBe('custom');
    const s = await openSocket(`${ex.urls.ws}/ws-api/test`);
    expect(await s.next((x) => x.hello === 'ws-api')).toEqual({ hello: 'ws-api' });
    expect(ex.pushUserEvent('apikey', { e: 'executionReport' })).toBe(1);
    expect(pushed).toEqual(['apikey:{"e":"executionReport"}']);
    expect(ex.acceptsApiKey('anything')).toBe(true);
    expect(ex.acceptsApiKey('')).toBe(false);
    await ex.close();
    expect(closed).toBe(true);
    expect((await s.closed).code).toBe(1006);
  });
});
