import { describe, expect, it } from 'vitest';
import { fitStreamsInUrl, maskUrl } from '../../../src/connection/url';

describe('maskUrl', () => {
  const key = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
  it('masks listenKeys in queries and paths, keeps stream names', () => {
    expect(maskUrl(`wss://fstream.binance.com/private/ws?listenKey=${key}&events=ORDER_TRADE_UPDATE`)).toBe('wss://fstream.binance.com/private/ws?listenKey=pqia…65a1&events=ORDER_TRADE_UPDATE');
    expect(maskUrl(`wss://dstream.binance.com/ws/${key}`)).toBe('wss://dstream.binance.com/ws/pqia…65a1');
    expect(maskUrl(`wss://x/private/stream?streams=${key}`)).toBe('wss://x/private/stream?streams=pqia…65a1');
    const plain = 'wss://stream.binance.com:9443/stream?streams=btcusdt@aggTrade/!miniTicker@arr/ethusdt@kline_1h';
    expect(maskUrl(plain)).toBe(plain);
    expect(maskUrl('wss://x/ws?listenKey=short')).toBe('wss://x/ws?listenKey=****');
  });
});

describe('fitStreamsInUrl', () => {
  it('puts as many streams as fit, at least one; rejects a non-ws URL permanently', async () => {
    const provider = ({ streams }: { streams: readonly string[] }) => `wss://x/stream?streams=${streams.join('/')}`;
    const streams = Array.from({ length: 50 }, (_, i) => `s${i}@trade`);
    const signal = new AbortController().signal;
    const fit = await fitStreamsInUrl(provider, streams, 100, 0, signal);
    expect(fit.url.length).toBeLessThanOrEqual(100);
    expect(fit.urlStreams.length).toBeGreaterThan(3);
    await expect(fitStreamsInUrl(() => 'http://x', streams, 100, 0, signal)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', permanent: true });
  });
});
