/**
 * Binance's official connectors against the emulator, changed only in their stream base URL
 * (`configurationWebsocketStreams.wsURL`): `@binance/spot` receives rolling-window tickers,
 * referencePrice, `+08:00` klines and (with `timeUnit: MICROSECOND`) µs time fields;
 * `@binance/derivatives-trading-usds-futures` receives continuousKline and forceOrder on its
 * `/market` route. Each payload is compared with the emulator's ground truth.
 */
import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import { Spot } from '@binance/spot';
import { describe, expect, it } from 'vitest';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

/** JSON-safe copy (the connectors parse large integers as BigInt). */
const plain = (x: unknown): any => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));

function collector(): { got: any[]; on: (d: unknown) => void } {
  const got: any[] = [];
  return { got, on: (d) => got.push(plain(d)) };
}

describe('@binance/spot WebSocket streams against the emulator', () => {
  it('rolling-window tickers, referencePrice and +08:00 klines, as the emulator published them', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt', 'ethusdt'], rates: { rollingTicker: 20, '!rollingTicker@arr': 10, referencePrice: 20, kline: 20 } });
    const client = new Spot({ configurationWebsocketStreams: { wsURL: ex.urls.ws } });
    const conn = await client.websocketStreams.connect();
    onCleanup(() => conn.disconnect());
    const rolling = collector();
    const all = collector();
    const ref = collector();
    const k8 = collector();
    conn.rollingWindowTicker({ symbol: 'btcusdt', windowSize: '4h' as never }).on('message', rolling.on);
    conn.allMarketRollingWindowTicker({ windowSize: '1h' as never }).on('message', all.on);
    conn.referencePrice({ symbol: 'btcusdt' }).on('message', ref.on);
    conn.klineOffset({ symbol: 'btcusdt', interval: '1d' as never }).on('message', k8.on);
    await until(() => rolling.got.length >= 2 && all.got.length >= 2 && ref.got.length >= 2 && k8.got.length >= 2, { timeoutMs: 6000 });
    const sent = (stream: string): any[] => ex.groundTruth(stream).map((e) => e.payload);
    const subscribed = ex
      .connections()[0]!
      .received.filter((m) => m.method === 'SUBSCRIBE')
      .flatMap((m) => m.params as string[]);
    expect(subscribed.sort()).toEqual(['!ticker_1h@arr', 'btcusdt@kline_1d@+08:00', 'btcusdt@referencePrice', 'btcusdt@ticker_4h']);
    for (const [got, stream] of [
      [rolling.got, 'btcusdt@ticker_4h'],
      [all.got, '!ticker_1h@arr'],
      [ref.got, 'btcusdt@referencePrice'],
      [k8.got, 'btcusdt@kline_1d@+08:00'],
    ] as const) {
      const truth = sent(stream);
      for (const p of got) expect(truth, stream).toContainEqual(p);
    }
    expect(rolling.got[0].e).toBe('4hTicker');
    expect(all.got[0].map((t: any) => t.e)).toEqual(['1hTicker', '1hTicker']);
    expect((k8.got[0].k.t + 8 * 3_600_000) % 86_400_000).toBe(0);
    expect(ex.connections()[0]!.silent).toEqual([]);
  });

  it('timeUnit: MICROSECOND in its configuration: the emulator sends µs time fields', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { trade: 50, kline: 20 } });
    const client = new Spot({ configurationWebsocketStreams: { wsURL: ex.urls.ws, timeUnit: 'MICROSECOND' as never } });
    const conn = await client.websocketStreams.connect();
    onCleanup(() => conn.disconnect());
    const trades = collector();
    const klines = collector();
    conn.trade({ symbol: 'btcusdt' }).on('message', trades.on);
    conn.kline({ symbol: 'btcusdt', interval: '1m' as never }).on('message', klines.on);
    await until(() => trades.got.length >= 3 && klines.got.length >= 1, { timeoutMs: 6000 });
    expect(ex.connections()[0]!.path).toContain('timeUnit=MICROSECOND');
    const truth = new Map(ex.groundTruth('btcusdt@trade').map((e) => [(e.payload as any).t, e.payload as any]));
    for (const t of trades.got) {
      const gt = truth.get(t.t);
      expect(t).toEqual({ ...gt, E: gt.E * 1000, T: gt.T * 1000 });
    }
    expect(klines.got[0].k.t % 60_000_000).toBe(0);
    expect(String(klines.got[0].E)).toHaveLength(16);
  });
});

describe('@binance/derivatives-trading-usds-futures WebSocket streams against the emulator', () => {
  it('continuousKline and forceOrder (single symbol and all market) on /market', async () => {
    const ex = await startEmulator({
      market: 'usdm',
      symbols: ['btcusdt', 'ethusdt'],
      rates: { continuousKline: 20, forceOrder: 1000, '!forceOrder@arr': 1000 },
    });
    const client = new DerivativesTradingUsdsFutures({ configurationWebsocketStreams: { wsURL: ex.urls.ws } });
    const conn = await client.websocketStreams.connect();
    onCleanup(() => conn.disconnect());
    const ck = collector();
    const fo = collector();
    const foAll = collector();
    conn.continuousContractKlineCandlestickStreams({ pair: 'btcusdt', contractType: 'perpetual' as never, interval: '1m' as never }).on('message', ck.on);
    conn.liquidationOrderStreams({ symbol: 'btcusdt' }).on('message', fo.on);
    conn.allMarketLiquidationOrderStreams().on('message', foAll.on);
    await until(() => ck.got.length >= 2 && fo.got.length >= 2 && foAll.got.length >= 2, { timeoutMs: 6000 });
    const market = ex.connections().find((c) => c.route === 'market')!;
    expect(market.streams).toEqual(expect.arrayContaining(['btcusdt_perpetual@continuousKline_1m', 'btcusdt@forceOrder', '!forceOrder@arr']));
    expect(market.silent).toEqual([]);
    for (const [got, stream] of [
      [ck.got, 'btcusdt_perpetual@continuousKline_1m'],
      [fo.got, 'btcusdt@forceOrder'],
      [foAll.got, '!forceOrder@arr'],
    ] as const) {
      const truth = ex.groundTruth(stream).map((e) => e.payload);
      for (const p of got) expect(truth, stream).toContainEqual(p);
    }
    expect(ck.got[0]).toMatchObject({ e: 'continuous_kline', ps: 'BTCUSDT', ct: 'PERPETUAL' });
    expect(fo.got[0].o.s).toBe('BTCUSDT');
    expect(foAll.got[0]).toMatchObject({ e: 'forceOrder', st: 1 });
  });
});
