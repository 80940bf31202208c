import { WebsocketClient } from 'binance';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { until } from '../helpers/wait';

/**
 * Third-party clients work against the emulator unchanged but for their base URL:
 * the npm `binance` package (tiagosiebler) with its `wsUrl` option.
 */
let ex: FakeBinance | undefined;
let client: WebsocketClient | undefined;
afterEach(async () => {
  client?.closeAll(true);
  client = undefined;
  await ex?.close();
  ex = undefined;
});

const quiet = { trace: () => {}, info: () => {}, error: () => {} };

describe('npm binance WebsocketClient against the emulator', () => {
  it('subscribes over SUBSCRIBE on the combined endpoint and receives aggTrade data', async () => {
    ex = await FakeBinance.start({ rates: { aggTrade: 50 } });
    client = new WebsocketClient({ wsUrl: ex.urls.ws }, quiet as never);
    const got: any[] = [];
    client.on('message', (m: any) => got.push(m));
    client.on('exception', () => {});
    await client.subscribe(['btcusdt@aggTrade'], 'main');
    await until(() => got.some((m) => m?.data?.e === 'aggTrade' || m?.e === 'aggTrade'), { timeoutMs: 5000 });
    const conn = ex.connections()[0]!;
    expect(conn.received.some((m) => m.method === 'SUBSCRIBE')).toBe(true);
    const trades = got.map((m) => m.data ?? m).filter((d) => d.e === 'aggTrade');
    const gt = new Map(ex.groundTruth('btcusdt@aggTrade').map((e) => [(e.payload as { a: number }).a, e.payload as Record<string, unknown>]));
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) expect(t).toMatchObject(gt.get(t.a)!);
  });
});

describe('npm binance WebsocketClient: the newer documented streams', () => {
  /** Subscribe on one wsKey and wait for `streams` to each deliver; returns payloads by stream. */
  async function receive(wsKey: string, streams: string[]): Promise<Map<string, any[]>> {
    client = new WebsocketClient({ wsUrl: ex!.urls.ws }, quiet as never);
    const by = new Map<string, any[]>();
    // The client unwraps the combined envelope and adds its own fields (wsMarket, streamName, wsKey,
    // isWSAPIResponse) to each payload (each element of an array payload); compare payloads element-wise.
    const strip = ({ wsMarket: _m, streamName: _n, wsKey: _k, isWSAPIResponse: _r, ...data }: any): any => data;
    client.on('message', (m: any) => {
      const items: any[] = Array.isArray(m) ? m : [m];
      const name: string | undefined = items[0]?.streamName;
      if (name) by.set(name, [...(by.get(name) ?? []), ...items.map(strip)]);
    });
    client.on('exception', () => {});
    await client.subscribe(streams, wsKey as never);
    await until(() => streams.every((s) => (by.get(s)?.length ?? 0) >= 2), { timeoutMs: 6000, message: () => streams.filter((s) => !by.has(s)).join(', ') });
    for (const s of streams) {
      const truth = ex!.groundTruth(s).flatMap((e) => (Array.isArray(e.payload) ? e.payload : [e.payload]));
      for (const p of by.get(s)!) expect(truth, s).toContainEqual(p);
    }
    for (const c of ex!.connections()) expect(c.silent).toEqual([]);
    return by;
  }

  it('spot: rolling-window tickers, referencePrice, +08:00 klines', async () => {
    ex = await FakeBinance.start({ symbols: ['btcusdt', 'ethusdt'], rates: { rollingTicker: 20, '!rollingTicker@arr': 10, referencePrice: 20, kline: 20 } });
    const by = await receive('main', ['btcusdt@ticker_1d', '!ticker_4h@arr', 'btcusdt@referencePrice', 'btcusdt@kline_4h@+08:00']);
    expect(by.get('btcusdt@ticker_1d')![0].e).toBe('1dTicker');
  });

  it('usdm (usdmMarket key → /market): continuousKline, forceOrder, !contractInfo, assetIndex', async () => {
    ex = await FakeBinance.start({ market: 'usdm', symbols: ['btcusdt', 'ethusdt'], rates: { continuousKline: 20, forceOrder: 1000, '!contractInfo': 3000, assetIndex: 20 } });
    await receive('usdmMarket', ['btcusdt_perpetual@continuousKline_5m', 'ethusdt@forceOrder', '!contractInfo', 'btcusd@assetIndex']);
    expect(ex.connections()[0]!.route).toBe('market');
  });

  it('coinm: indexPrice, indexPriceKline, markPriceKline, pair markPrice', async () => {
    ex = await FakeBinance.start({ market: 'coinm', symbols: ['btcusd_perp'], rates: { indexPrice: 20, indexPriceKline: 20, markPriceKline: 20, markPrice: 20 } });
    const by = await receive('coinm', ['btcusd@indexPrice', 'btcusd@indexPriceKline_1m', 'btcusd_perp@markPriceKline_1m', 'btcusd@markPrice']);
    expect(by.get('btcusd@markPrice')![0]).toMatchObject({ e: 'markPriceUpdate', s: 'BTCUSD_PERP', st: 2 });
  });
});
