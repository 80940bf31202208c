import { describe, expect, it } from 'vitest';
import { startEmulator } from '../helpers/emulator';

/**
 * The read-only market endpoints added for peers: spot `avgPrice`, rolling-window `ticker`,
 * `uiKlines`, futures `premiumIndex` (fields as Binance's connectors model them), their weights,
 * and depth `limit` over Binance's whole valid set.
 */
type Body = Record<string, unknown> & { code?: number; msg?: string };

async function client(market: 'spot' | 'usdm' | 'coinm', symbols: string[]) {
  const ex = await startEmulator({ market, symbols });
  const prefix = market === 'spot' ? '/api/v3' : market === 'usdm' ? '/fapi/v1' : '/dapi/v1';
  let used = 0;
  const get = async (path: string): Promise<{ status: number; body: any; weight: number }> => {
    const r = await fetch(`${ex.urls.http}${prefix}${path}`);
    const now = Number(r.headers.get('x-mbx-used-weight-1m'));
    const weight = now - used;
    used = now;
    return { status: r.status, body: await r.json(), weight };
  };
  return { ex, get };
}

const ROLLING_FULL = [
  'symbol',
  'priceChange',
  'priceChangePercent',
  'weightedAvgPrice',
  'openPrice',
  'highPrice',
  'lowPrice',
  'lastPrice',
  'volume',
  'quoteVolume',
  'openTime',
  'closeTime',
  'firstId',
  'lastId',
  'count',
];
const ROLLING_MINI = ['symbol', 'openPrice', 'highPrice', 'lowPrice', 'lastPrice', 'volume', 'quoteVolume', 'openTime', 'closeTime', 'firstId', 'lastId', 'count'];

describe('spot avgPrice, rolling ticker, uiKlines', () => {
  it('avgPrice is the mean of the last 5 minutes of the price, within those minutes’ klines; weight 2', async () => {
    const { get } = await client('spot', ['btcusdt']);
    const r = await get('/avgPrice?symbol=BTCUSDT');
    expect(r).toMatchObject({ status: 200, weight: 2 });
    expect(Object.keys(r.body)).toEqual(['mins', 'price', 'closeTime']);
    expect(r.body.mins).toBe(5);
    const bars = (await get('/klines?symbol=BTCUSDT&interval=1m&limit=6')).body as string[][];
    const lo = Math.min(...bars.map((b) => Number(b[3])));
    const hi = Math.max(...bars.map((b) => Number(b[2])));
    expect(Number(r.body.price)).toBeGreaterThanOrEqual(lo * 0.999);
    expect(Number(r.body.price)).toBeLessThanOrEqual(hi * 1.001);
    expect((await get('/avgPrice')).body.code).toBe(-1102);
    expect((await get('/avgPrice?symbol=NOPE')).body.code).toBe(-1121);
  });

  it('ticker: FULL and MINI fields, windowSize sets openTime, 4 weight per symbol; bad windowSize, type or no symbol refused', async () => {
    const { get } = await client('spot', ['btcusdt', 'ethusdt']);
    const full = await get('/ticker?symbol=BTCUSDT&windowSize=1h');
    expect(full).toMatchObject({ status: 200, weight: 4 });
    expect(Object.keys(full.body)).toEqual(ROLLING_FULL);
    expect(full.body.closeTime - full.body.openTime).toBeLessThanOrEqual(3_600_000);
    const mini = await get(`/ticker?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}&type=MINI`);
    expect(mini.weight).toBe(8);
    expect(mini.body.map((x: Body) => x['symbol'])).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const row of mini.body) expect(Object.keys(row)).toEqual(ROLLING_MINI);
    const day = (await get('/ticker?symbol=BTCUSDT')).body as Body;
    expect(Number(day['closeTime']) - Number(day['openTime'])).toBeGreaterThan(3_600_000);
    expect(Number(day['count'])).toBeGreaterThanOrEqual(Number(full.body.count));
    for (const bad of ['60m', '24h', '8d', '0m', '1w', 'x']) expect((await get(`/ticker?symbol=BTCUSDT&windowSize=${bad}`)).body.code, bad).toBe(-1100);
    expect((await get('/ticker?symbol=BTCUSDT&type=HUGE')).body.code).toBe(-1100);
    expect((await get('/ticker')).body).toEqual({ code: -1102, msg: "Param 'symbol' or 'symbols' must be sent, but both were empty/null!" });
  });

  it('ticker/tradingDay: opens at the start of the day in timeZone; same fields as the rolling ticker; weight 4 per symbol', async () => {
    const { get } = await client('spot', ['btcusdt', 'ethusdt']);
    const DAY = 86_400_000;
    const utc = await get('/ticker/tradingDay?symbol=BTCUSDT');
    expect(utc).toMatchObject({ status: 200, weight: 4 });
    expect(Object.keys(utc.body)).toEqual(ROLLING_FULL);
    expect(utc.body.openTime).toBe(Math.floor(utc.body.closeTime / DAY) * DAY);
    const plus8 = (await get('/ticker/tradingDay?symbol=BTCUSDT&timeZone=8')).body;
    const local = plus8.closeTime + 8 * 3_600_000;
    expect(plus8.openTime).toBe(Math.floor(local / DAY) * DAY - 8 * 3_600_000);
    const minus = (await get('/ticker/tradingDay?symbol=BTCUSDT&timeZone=-1:30')).body;
    expect((minus.openTime - 90 * 60_000) % DAY).toBe(0);
    const mini = await get(`/ticker/tradingDay?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}&type=MINI`);
    expect(mini.weight).toBe(8);
    for (const row of mini.body) expect(Object.keys(row)).toEqual(ROLLING_MINI);
    for (const bad of ['15', '-13', '5:75', 'x']) expect((await get(`/ticker/tradingDay?symbol=BTCUSDT&timeZone=${bad}`)).body.code, bad).toBe(-1100);
  });

  it('uiKlines answers the klines rows for the same closed range', async () => {
    const { get } = await client('spot', ['btcusdt']);
    const end = Date.now() - 5 * 60_000;
    const q = `?symbol=BTCUSDT&interval=1m&endTime=${end}&limit=3`;
    const ui = await get(`/uiKlines${q}`);
    expect(ui).toMatchObject({ status: 200, weight: 2 });
    expect(ui.body).toHaveLength(3);
    expect(ui.body).toEqual((await get(`/klines${q}`)).body);
  });
});

describe('futures premiumIndex', () => {
  it('USD-M: one object for a symbol (weight 1), every symbol without (weight 10); mark price at the ticker price', async () => {
    const { get } = await client('usdm', ['btcusdt', 'ethusdt']);
    const one = await get('/premiumIndex?symbol=BTCUSDT');
    expect(one).toMatchObject({ status: 200, weight: 1 });
    expect(Object.keys(one.body)).toEqual(['symbol', 'markPrice', 'indexPrice', 'estimatedSettlePrice', 'lastFundingRate', 'interestRate', 'nextFundingTime', 'time']);
    expect(one.body.nextFundingTime % 28_800_000).toBe(0);
    expect(one.body.nextFundingTime).toBeGreaterThan(one.body.time);
    const price = Number((await get('/ticker/price?symbol=BTCUSDT')).body.price);
    expect(Math.abs(Number(one.body.markPrice) / price - 1)).toBeLessThan(0.001);
    const all = await get('/premiumIndex');
    expect(all.weight).toBe(10);
    expect(all.body.map((x: Body) => x['symbol'])).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect((await get('/premiumIndex?symbol=NOPE')).body.code).toBe(-1121);
  });

  it('COIN-M: always an array, with pair; filtered by pair; weight 10', async () => {
    const { get } = await client('coinm', ['btcusd_perp', 'ethusd_perp']);
    const r = await get('/premiumIndex?symbol=BTCUSD_PERP');
    expect(r).toMatchObject({ status: 200, weight: 10 });
    expect(r.body).toEqual([expect.objectContaining({ symbol: 'BTCUSD_PERP', pair: 'BTCUSD', markPrice: expect.any(String) })]);
    expect((await get('/premiumIndex?pair=ETHUSD')).body.map((x: Body) => x['symbol'])).toEqual(['ETHUSD_PERP']);
  });
});

describe('depth limit over Binance’s whole set', () => {
  it.each(['usdm', 'coinm'] as const)('%s: each of 5/10/20/50/100/500/1000 is served; any other value is refused', async (market) => {
    const symbol = market === 'coinm' ? 'BTCUSD_PERP' : 'BTCUSDT';
    const { get } = await client(market, [symbol.toLowerCase()]);
    const deep = (await get(`/depth?symbol=${symbol}`)).body.bids.length as number;
    for (const limit of [5, 10, 20, 50, 100, 500, 1000]) {
      const r = await get(`/depth?symbol=${symbol}&limit=${limit}`);
      expect(r.status, String(limit)).toBe(200);
      expect(r.body.bids).toHaveLength(Math.min(limit, deep));
    }
    for (const limit of [1, 7, 25, 200, 999]) expect((await get(`/depth?symbol=${symbol}&limit=${limit}`)).body, String(limit)).toEqual({ code: -4021, msg: `${limit} is not valid depth limit` });
    for (const limit of [0, -5, 1001, 5000]) expect((await get(`/depth?symbol=${symbol}&limit=${limit}`)).body.code, String(limit)).toBe(-1130);
    expect((await get(`/depth?symbol=${symbol}&limit=abc`)).body.code).toBe(-1100);
  });

  it('spot: any of 1–5000 (more is cut to 5000), default 100; 0 and below -1130, not a number -1100', async () => {
    const { get } = await client('spot', ['btcusdt']);
    expect((await get('/depth?symbol=BTCUSDT')).body.bids).toHaveLength(100);
    for (const limit of [1, 7, 55, 100, 5000, 6000]) {
      const r = await get(`/depth?symbol=BTCUSDT&limit=${limit}`);
      expect(r.status, String(limit)).toBe(200);
      expect(r.body.bids).toHaveLength(Math.min(limit, 100));
    }
    expect((await get('/depth?symbol=BTCUSDT&limit=0')).body.code).toBe(-1130);
    expect((await get('/depth?symbol=BTCUSDT&limit=-1')).body.code).toBe(-1130);
    expect((await get('/depth?symbol=BTCUSDT&limit=1.5')).body.code).toBe(-1100);
  });
});
