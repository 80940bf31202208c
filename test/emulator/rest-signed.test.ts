import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/testing/clock';
import { verifySignedRequest } from '../../src/testing/rest/signed';
import { makeAccount } from '../../src/testing/ws-api/accounts';
import { startEmulator } from '../helpers/emulator';

/**
 * SIGNED REST requests: `verifySignedRequest` against Binance's own documented HMAC examples
 * (request-security page: the key pair below, the order query, and the same request split into a
 * query string and a body, signed as the two concatenated with no separator), then the account
 * endpoints over HTTP with good, wrong and missing keys, signatures and timestamps.
 */
const DOC = {
  apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
  secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
  time: 1499827319559,
};

function fakeReq(apiKey?: string): IncomingMessage {
  return { headers: apiKey ? { 'x-mbx-apikey': apiKey } : {} } as unknown as IncomingMessage;
}

const docCtx = (accepts = true) => ({
  clock: { now: () => DOC.time } as Clock,
  account: (k: string) => (k === DOC.apiKey ? makeAccount({ apiKey: DOC.apiKey, secret: DOC.secret }) : undefined),
  acceptsApiKey: () => accepts,
});

describe('verifySignedRequest with Binance’s documented examples', () => {
  const query = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';

  it('accepts the query-string example and the query + body example; returns every parameter', () => {
    const url = new URL(`http://x/api/v3/order?${query}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71`);
    const r = verifySignedRequest(docCtx(), fakeReq(DOC.apiKey), url, '');
    expect('code' in r).toBe(false);
    if (!('code' in r)) expect(Object.fromEntries(r.params)).toMatchObject({ symbol: 'LTCBTC', quantity: '1', timestamp: '1499827319559' });
    const mixed = new URL('http://x/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC');
    const body = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77';
    const m = verifySignedRequest(docCtx(), fakeReq(DOC.apiKey), mixed, body);
    expect('code' in m ? m : Object.fromEntries(m.params)).toMatchObject({ symbol: 'LTCBTC', price: '0.1', recvWindow: '5000' });
    // HMAC hex is case-insensitive (Binance: "not case-sensitive").
    const upper = new URL(`http://x/api/v3/order?${query}&signature=C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71`);
    expect('code' in verifySignedRequest(docCtx(), fakeReq(DOC.apiKey), upper, '')).toBe(false);
  });

  it('refuses, in order: no key -2014, unknown or not allowed key -2015, no signature / timestamp -1102, wrong signature -1022', () => {
    const signed = new URL(`http://x/o?${query}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71`);
    expect(verifySignedRequest(docCtx(), fakeReq(), signed, '')).toEqual({ status: 401, code: -2014, msg: 'API-key format invalid.' });
    expect(verifySignedRequest(docCtx(), fakeReq('someone-else'), signed, '')).toMatchObject({ status: 401, code: -2015 });
    expect(verifySignedRequest(docCtx(false), fakeReq(DOC.apiKey), signed, '')).toMatchObject({ status: 401, code: -2015 });
    expect(verifySignedRequest(docCtx(), fakeReq(DOC.apiKey), new URL(`http://x/o?${query}`), '')).toEqual({
      status: 400,
      code: -1102,
      msg: "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    });
    const noTs = new URL(`http://x/o?symbol=LTCBTC&signature=${'0'.repeat(64)}`);
    expect(verifySignedRequest(docCtx(), fakeReq(DOC.apiKey), noTs, '')).toMatchObject({ code: -1102, msg: expect.stringContaining("'timestamp'") });
    // The mixed example's signature does not sign the same parameters sent as one query string.
    const wrong = new URL(`http://x/o?${query}&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77`);
    expect(verifySignedRequest(docCtx(), fakeReq(DOC.apiKey), wrong, '')).toEqual({ status: 400, code: -1022, msg: 'Signature for this request is not valid.' });
  });
});

describe('signed account endpoints over HTTP', () => {
  const KEY = { apiKey: 'acct-key', secret: 'acct-secret' };
  const signQs = (qs: string, secret = KEY.secret): string => `${qs}&signature=${createHmac('sha256', secret).update(qs).digest('hex')}`;

  async function spot(options: { apiKeys?: string[] } = {}) {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], ...options });
    ex.wsApi.addAccount(KEY);
    const get = async (path: string, headers: Record<string, string> = { 'X-MBX-APIKEY': KEY.apiKey }) => {
      const r = await fetch(`${ex.urls.http}${path}`, { headers });
      return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> & { code?: number } };
    };
    return { ex, get };
  }

  it('GET /api/v3/account: balances for a good HMAC signature, the same wallet capital/config/getall reports', async () => {
    const { get } = await spot();
    const acct = await get(`/api/v3/account?${signQs(`timestamp=${Date.now()}`)}`);
    expect(acct.status).toBe(200);
    expect(acct.headers.get('x-mbx-used-weight-1m')).toBe('20');
    expect(acct.body).toMatchObject({ accountType: 'SPOT', canTrade: true, permissions: ['SPOT'] });
    const balances = acct.body['balances'] as { asset: string; free: string; locked: string }[];
    expect(balances.map((b) => b.asset)).toEqual(['BTC', 'ETH', 'USDT']);
    const coins = await get(`/sapi/v1/capital/config/getall?${signQs(`timestamp=${Date.now()}&recvWindow=10000`)}`);
    expect(coins.status).toBe(200);
    expect(coins.headers.get('x-sapi-used-ip-weight-1m')).toBe('10');
    const list = coins.body as unknown as { coin: string; free: string; locked: string; networkList: unknown[] }[];
    expect(list.map((c) => [c.coin, c.free, c.locked])).toEqual(balances.map((b) => [b.asset, b.free, b.locked]));
    expect(list.every((c) => c.networkList.length > 0)).toBe(true);
  });

  it('refuses missing, unknown and not-allowed keys, missing and wrong signatures, stale and future timestamps', async () => {
    const { get } = await spot({ apiKeys: ['other-key'] });
    const ts = Date.now();
    expect((await get(`/api/v3/account?${signQs(`timestamp=${ts}`)}`, {})).body).toEqual({ code: -2014, msg: 'API-key format invalid.' });
    // The account exists but the apiKeys option does not list it.
    expect(await get(`/api/v3/account?${signQs(`timestamp=${ts}`)}`)).toMatchObject({ status: 401, body: { code: -2015 } });
    const { get: get2 } = await spot();
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts}`)}`, { 'X-MBX-APIKEY': 'nobody' })).toMatchObject({ status: 401, body: { code: -2015 } });
    expect(await get2(`/api/v3/account?timestamp=${ts}`)).toMatchObject({ status: 400, body: { code: -1102 } });
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts}`, 'wrong-secret')}`)).toMatchObject({ status: 400, body: { code: -1022 } });
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts - 10_000}`)}`)).toMatchObject({ status: 400, body: { code: -1021 } });
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts - 10_000}&recvWindow=20000`)}`)).toMatchObject({ status: 200 });
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts + 5_000}`)}`)).toMatchObject({ status: 400, body: { code: -1021 } });
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts}&recvWindow=70000`)}`)).toMatchObject({ status: 400, body: { code: -1131 } });
    // Spot takes microseconds.
    expect(await get2(`/api/v3/account?${signQs(`timestamp=${ts}000`)}`)).toMatchObject({ status: 200 });
  });

  it('verifies the query as sent (characters the URL parser would re-encode); an empty timestamp is missing (-1102)', async () => {
    const { ex, get } = await spot();
    const qs = `recvWindow=5000&tag="a b"&timestamp=${Date.now()}`.replace(' ', '%20');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(ex.urls.http);
      httpGet({ host: u.hostname, port: u.port, path: `/api/v3/account?${signQs(qs)}`, headers: { 'X-MBX-APIKEY': KEY.apiKey } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(await get(`/api/v3/account?${signQs('timestamp=')}`)).toMatchObject({ status: 400, body: { code: -1102 } });
  });

  it('accepts an Ed25519 signature (base64, percent-encoded in the URL)', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'] });
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    ex.wsApi.addAccount({ apiKey: 'ed-key', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const qs = `omitZeroBalances=true&timestamp=${Date.now()}`;
    const sig = encodeURIComponent(sign(null, Buffer.from(qs), privateKey).toString('base64'));
    const r = await fetch(`${ex.urls.http}/api/v3/account?${qs}&signature=${sig}`, { headers: { 'X-MBX-APIKEY': 'ed-key' } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { balances: unknown[] }).balances.length).toBe(2);
  });

  it('margin pairs need the API key only (MARKET_DATA); isolated pairs are signed; system/status is public; SAPI is spot-only', async () => {
    const { ex, get } = await spot();
    const pairs = await get('/sapi/v1/margin/allPairs');
    expect(pairs.status).toBe(200);
    expect(pairs.body).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', isMarginTrade: true }), expect.objectContaining({ symbol: 'ETHUSDT' })]);
    expect((await get('/sapi/v1/margin/allPairs', {})).body.code).toBe(-2014);
    expect((await get('/sapi/v1/margin/isolated/allPairs')).body.code).toBe(-1102);
    expect((await get(`/sapi/v1/margin/isolated/allPairs?${signQs(`timestamp=${Date.now()}`)}`)).status).toBe(200);
    expect((await get('/sapi/v1/system/status', {})).body).toEqual({ status: 0, msg: 'normal' });
    expect((await fetch(`${ex.urls.http}/sapi/v1/capital/config/getall`, { method: 'POST' })).status).toBe(405);
    const fut = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    expect((await fetch(`${fut.urls.http}/sapi/v1/system/status`)).status).toBe(404);
  });
});
