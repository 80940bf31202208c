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
async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  socks.push(s);
  return s;
}
const fast = { aggTrade: 100, 'depth@100ms': 20, bookTicker: 100, markPrice: 50, kline: 50, trade: 100 };

describe('USD-M routes', () => {
  it('/public carries depth/bookTicker/trade; /market streams are acked there and never arrive', async () => {
    ex = await FakeBinance.start({ market: 'usdm', rates: fast });
    const s = await open(`${ex.urls.ws}/public/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade/btcusdt@aggTrade`);
    s.send({ method: 'SUBSCRIBE', params: ['btcusdt@markPrice'], id: 1 });
    expect(await s.next((x) => x.id === 1)).toEqual({ result: null, id: 1 });
    await s.next((x) => x.stream === 'btcusdt@depth@100ms');
    await s.next((x) => x.stream === 'btcusdt@bookTicker');
    await s.next((x) => x.stream === 'btcusdt@trade');
    await sleep(200);
    expect(s.messages.some((x: any) => x.stream === 'btcusdt@aggTrade' || x.stream === 'btcusdt@markPrice')).toBe(false);
    expect(ex.generatingStreams()).not.toContain('btcusdt@aggTrade');
  });

  it('/market carries aggTrade/kline/markPrice; depth is silent there', async () => {
    ex = await FakeBinance.start({ market: 'usdm', rates: fast });
    const s = await open(`${ex.urls.ws}/market/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m/btcusdt@markPrice/btcusdt@depth@100ms`);
    const mp = await s.next((x) => x.stream === 'btcusdt@markPrice');
    expect(mp.data).toMatchObject({ e: 'markPriceUpdate', s: 'BTCUSDT' });
    await s.next((x) => x.stream === 'btcusdt@aggTrade');
    await s.next((x) => x.stream === 'btcusdt@kline_1m');
    await sleep(150);
    expect(s.messages.some((x: any) => x.stream === 'btcusdt@depth@100ms')).toBe(false);
  });

  it('unrouted /ws and /stream behave like /public (silently)', async () => {
    ex = await FakeBinance.start({ market: 'usdm', rates: fast });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade/btcusdt@bookTicker`);
    const bt = await s.next((x) => x.e === 'bookTicker');
    expect(Object.keys(bt).sort()).toEqual(['A', 'B', 'E', 'T', 'a', 'b', 'e', 'ps', 's', 'st', 'u']);
    await sleep(150);
    expect(s.messages.some((x: any) => x.e === 'aggTrade')).toBe(false);
    expect(ex.connections()[0]?.route).toBe('');
  });

  it('/private delivers user data by listenKey with an events allow-list; /private/ws/<key> gets everything', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    const res = await fetch(`${ex.urls.http}/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': 'k1' } });
    const { listenKey } = (await res.json()) as { listenKey: string };
    const filtered = await open(`${ex.urls.ws}/private/ws?listenKey=${listenKey}&events=ORDER_TRADE_UPDATE`);
    const all = await open(`${ex.urls.ws}/private/ws/${listenKey}`);
    const legacy = await open(`${ex.urls.ws}/ws/${listenKey}`);
    const market = await open(`${ex.urls.ws}/market/ws/${listenKey}`);
    expect(ex.pushUserEvent('k1', { e: 'ACCOUNT_UPDATE', E: 1, T: 1, a: {} })).toBe(1);
    expect(ex.pushUserEvent(listenKey, { e: 'ORDER_TRADE_UPDATE', E: 2, T: 2, o: { s: 'BTCUSDT' } })).toBe(2);
    expect(await filtered.next((x) => x.e === 'ORDER_TRADE_UPDATE')).toMatchObject({ E: 2 });
    await all.next((x) => x.e === 'ORDER_TRADE_UPDATE');
    expect(all.messages.map((x: any) => x.e)).toEqual(['ACCOUNT_UPDATE', 'ORDER_TRADE_UPDATE']);
    await sleep(100);
    expect(filtered.messages.map((x: any) => x.e)).toEqual(['ORDER_TRADE_UPDATE']);
    expect(legacy.messages).toEqual([]);
    expect(market.messages).toEqual([]);
    // listenKeyExpired is an event like the others: filtered out unless allowed
    await fetch(`${ex.urls.http}/fapi/v1/listenKey`, { method: 'DELETE', headers: { 'X-MBX-APIKEY': 'k1' } });
    expect(await all.next((x) => x.e === 'listenKeyExpired')).toMatchObject({ listenKey });
    await sleep(50);
    expect(filtered.messages.some((x: any) => x.e === 'listenKeyExpired')).toBe(false);
  });

  it('/private/stream?listenKey= wraps user events in the combined envelope', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    const res = await fetch(`${ex.urls.http}/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': 'k1' } });
    const { listenKey } = (await res.json()) as { listenKey: string };
    const s = await open(`${ex.urls.ws}/private/stream?listenKey=${listenKey}`);
    ex.pushUserEvent('k1', { e: 'TRADE_LITE', E: 3 });
    expect(await s.next((x) => x.stream === listenKey)).toEqual({ stream: listenKey, data: { e: 'TRADE_LITE', E: 3 } });
  });
});
