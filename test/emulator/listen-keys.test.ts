import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';

let ex: FakeBinance | undefined;
const socks: TestSocket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.close();
  await ex?.close();
  ex = undefined;
});

async function call(method: string, path: string, apiKey?: string, body?: string): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (apiKey !== undefined) headers['X-MBX-APIKEY'] = apiKey;
  if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${ex!.urls.http}${path}`, { method, headers, ...(body ? { body } : {}) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

describe('futures listenKey REST', () => {
  it('POST returns the same active key and extends it; PUT extends; DELETE ends it; -1125 afterwards', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    const a = await call('POST', '/fapi/v1/listenKey', 'key-A');
    expect(a.status).toBe(200);
    expect(a.json.listenKey).toMatch(/^[A-Za-z0-9]{64}$/);
    const exp1 = ex.listenKeys()[0]!.expiresAt;
    await sleep(5);
    const b = await call('POST', '/fapi/v1/listenKey', 'key-A');
    expect(b.json.listenKey).toBe(a.json.listenKey);
    expect(ex.listenKeys()[0]!.expiresAt).toBeGreaterThan(exp1);
    const other = await call('POST', '/fapi/v1/listenKey', 'key-B');
    expect(other.json.listenKey).not.toBe(a.json.listenKey);
    const put = await call('PUT', '/fapi/v1/listenKey', 'key-A');
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ listenKey: a.json.listenKey });
    expect(ex.listenKeys().find((k) => k.apiKey === 'key-A')).toMatchObject({ state: 'active', keepalives: 2 });
    expect((await call('DELETE', '/fapi/v1/listenKey', 'key-A')).json).toEqual({});
    const after = await call('PUT', '/fapi/v1/listenKey', 'key-A');
    expect(after.status).toBe(400);
    expect(after.json).toEqual({ code: -1125, msg: 'This listenKey does not exist.' });
    expect((await call('DELETE', '/fapi/v1/listenKey', 'key-A')).json.code).toBe(-1125);
    const fresh = await call('POST', '/fapi/v1/listenKey', 'key-A');
    expect(fresh.json.listenKey).not.toBe(a.json.listenKey);
  });

  it('PUT with a listenKey parameter that is not the active one answers -1125', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    await call('POST', '/fapi/v1/listenKey', 'k');
    const r = await call('PUT', '/fapi/v1/listenKey', 'k', 'listenKey=doesnotexist');
    expect(r).toMatchObject({ status: 400, json: { code: -1125 } });
  });

  it('checks X-MBX-APIKEY: missing → 401 -2014, not accepted → 401 -2015', async () => {
    ex = await FakeBinance.start({ market: 'usdm', apiKeys: ['good'] });
    expect(await call('POST', '/fapi/v1/listenKey')).toMatchObject({ status: 401, json: { code: -2014 } });
    expect(await call('POST', '/fapi/v1/listenKey', 'bad')).toMatchObject({ status: 401, json: { code: -2015 } });
    expect((await call('POST', '/fapi/v1/listenKey', 'good')).status).toBe(200);
  });

  it('a key expires after listenKeyValidityMs (scaled) and pushes listenKeyExpired; PUT then answers -1125', async () => {
    ex = await FakeBinance.start({ market: 'usdm', timeScale: 36_000 }); // 60 min → 100 ms
    const { json } = await call('POST', '/fapi/v1/listenKey', 'k');
    const s = await openSocket(`${ex.urls.ws}/private/ws/${json.listenKey}`);
    socks.push(s);
    const ev = await s.next((x) => x.e === 'listenKeyExpired', 2000);
    expect(ev).toEqual({ e: 'listenKeyExpired', E: expect.any(Number), listenKey: json.listenKey });
    expect(ex.listenKeys()[0]!.state).toBe('expired');
    expect((await call('PUT', '/fapi/v1/listenKey', 'k')).json.code).toBe(-1125);
    expect(ex.pushUserEvent('k', { e: 'ORDER_TRADE_UPDATE' })).toBe(0);
    expect(s.ws.readyState).toBe(s.ws.OPEN); // expiry is not a disconnect
  });

  it('keepalive before expiry keeps the key alive', async () => {
    ex = await FakeBinance.start({ market: 'usdm', timeScale: 18_000 }); // 60 min → 200 ms
    await call('POST', '/fapi/v1/listenKey', 'k');
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      expect((await call('PUT', '/fapi/v1/listenKey', 'k')).status).toBe(200);
    }
    expect(ex.listenKeys()[0]!.state).toBe('active');
  });

  it('faults.expireListenKey / deleteListenKey end a key on demand', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    const k1 = (await call('POST', '/fapi/v1/listenKey', 'a')).json.listenKey;
    const k2 = (await call('POST', '/fapi/v1/listenKey', 'b')).json.listenKey;
    const s = await openSocket(`${ex.urls.ws}/private/ws?listenKey=${k1}/${k2}`);
    socks.push(s);
    expect(ex.faults.expireListenKey(k1)).toBe(true);
    expect(ex.faults.deleteListenKey(k2)).toBe(true);
    expect(ex.faults.expireListenKey(k1)).toBe(false);
    await s.next((x) => x.listenKey === k2);
    expect(s.messages.map((x: any) => [x.e, x.listenKey])).toEqual([
      ['listenKeyExpired', k1],
      ['listenKeyExpired', k2],
    ]);
    expect(ex.listenKeys().map((k) => k.state)).toEqual(['expired', 'deleted']);
  });

  it('COIN-M: /dapi/v1/listenKey and /ws/<listenKey>', async () => {
    ex = await FakeBinance.start({ market: 'coinm' });
    expect((await call('POST', '/fapi/v1/listenKey', 'k')).status).toBe(404);
    const { json } = await call('POST', '/dapi/v1/listenKey', 'k');
    const s = await openSocket(`${ex.urls.ws}/ws/${json.listenKey}`);
    socks.push(s);
    expect(ex.pushUserEvent('k', { e: 'ACCOUNT_UPDATE', E: 1 })).toBe(1);
    await s.next((x) => x.e === 'ACCOUNT_UPDATE');
    await call('DELETE', '/dapi/v1/listenKey', 'k');
    await s.next((x) => x.e === 'listenKeyExpired');
  });

  it('spot and margin userDataStream answer 410 Gone with an nginx HTML body', async () => {
    ex = await FakeBinance.start({ market: 'spot' });
    for (const [m, p] of [
      ['POST', '/api/v3/userDataStream'],
      ['PUT', '/api/v3/userDataStream?listenKey=x'],
      ['DELETE', '/api/v3/userDataStream'],
      ['POST', '/sapi/v1/userDataStream'],
      ['POST', '/sapi/v1/userDataStream/isolated'],
    ] as const) {
      const r = await call(m, p, 'k');
      expect(r.status).toBe(410);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(r.text).toContain('<center><h1>410 Gone</h1></center>');
      expect(r.text).toContain('nginx');
    }
  });
});
