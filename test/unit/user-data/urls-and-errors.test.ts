import { describe, expect, it } from 'vitest';
import { futuresUserDataUrl } from '../../../src/user-data/futures-user-stream';
import { productUrls } from '../../../src/user-data/user-data-stream';
import { WsApiRequester, wsApiError } from '../../../src/user-data/ws-api';

describe('futuresUserDataUrl', () => {
  it('builds each product’s URL; events always include listenKeyExpired', () => {
    expect(futuresUserDataUrl('usdm', 'wss://fstream.binance.com/', 'KEY')).toBe('wss://fstream.binance.com/private/ws?listenKey=KEY');
    expect(futuresUserDataUrl('usdm', 'wss://fstream.binance.com', 'KEY', ['ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'])).toBe(
      'wss://fstream.binance.com/private/ws?listenKey=KEY&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired',
    );
    expect(futuresUserDataUrl('usdm', 'wss://x', 'KEY', ['listenKeyExpired'])).toBe('wss://x/private/ws?listenKey=KEY&events=listenKeyExpired');
    expect(futuresUserDataUrl('coinm', 'wss://dstream.binance.com', 'KEY')).toBe('wss://dstream.binance.com/ws/KEY');
    expect(futuresUserDataUrl('portfolio', 'wss://fstream.binance.com', 'KEY')).toBe('wss://fstream.binance.com/pm/ws/KEY');
  });
});

describe('productUrls', () => {
  it('corrects live hosts of another product, leaves others alone', () => {
    expect(productUrls('portfolio', 'https://fapi.binance.com', 'wss://ws-fapi.binance.com/ws-fapi/v1').restBaseUrl).toBe('https://papi.binance.com');
    expect(productUrls('margin', 'https://fapi.binance.com', 'wss://ws-fapi.binance.com/ws-fapi/v1')).toEqual({
      restBaseUrl: 'https://api.binance.com',
      wsApiUrl: 'wss://ws-api.binance.com:443/ws-api/v3',
    });
    expect(productUrls('usdm', 'https://fapi.binance.com/', 'wss://a')).toEqual({ restBaseUrl: 'https://fapi.binance.com', wsApiUrl: 'wss://a' });
    expect(productUrls('portfolio', 'http://127.0.0.1:1234', 'ws://127.0.0.1:1234/ws-api/v3').restBaseUrl).toBe('http://127.0.0.1:1234');
  });
});

describe('WS-API errors and requests', () => {
  it('maps statuses and codes', () => {
    expect(wsApiError('x', { status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } })).toMatchObject({
      code: 'ERR_WS_API',
      httpStatus: 400,
      binanceCode: -1022,
      permanent: true,
    });
    expect(wsApiError('x', { status: 401, error: { code: -2015, msg: 'Invalid API-key' } }).permanent).toBe(true);
    expect(wsApiError('x', { status: 429, error: { code: -1003, msg: 'slow', data: { retryAfter: 1_000_000 + 5000 } } }, 1_000_000)).toMatchObject({
      retryAfterMs: 5000,
      permanent: false,
    });
    expect(wsApiError('x', { status: 400, error: { code: -1021, msg: 'ts' } }).permanent).toBe(false);
    expect(wsApiError('x', { status: 503 }).message).toMatch(/status 503/);
  });

  it('matches answers by id; id:null errors are unsolicited; close fails pending', async () => {
    const sent: any[] = [];
    const unsolicited: unknown[] = [];
    const r = new WsApiRequester({ send: (f) => sent.push(f), timeoutMs: 1000, onUnsolicitedError: (e) => unsolicited.push(e) });
    const a = r.request('session.status');
    const b = r.request('userDataStream.subscribe.signature', { apiKey: 'k' });
    expect(sent.map((f) => f.id)).toEqual([1, 2]);
    expect(r.handleFrame({ id: 2, status: 200, result: { subscriptionId: 0 } })).toBe(true);
    await expect(b).resolves.toEqual({ subscriptionId: 0 });
    expect(r.handleFrame({ subscriptionId: 0, event: { e: 'x' } })).toBe(false);
    expect(r.handleFrame({ id: null, status: 401, error: { code: -2015, msg: 'revoked' } })).toBe(true);
    expect(unsolicited).toHaveLength(1);
    r.close(new (await import('../../../src/core/errors')).BinanceStreamError('ERR_CLOSED', 'gone'));
    await expect(a).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(r.request('x')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});
