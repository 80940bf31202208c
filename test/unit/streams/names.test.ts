import { describe, expect, it } from 'vitest';
import { classifyStream } from '../../../src/streams/classify';
import { normalizeStreamName, streams } from '../../../src/streams/names';
import { getMarket, MARKETS } from '../../../src/core/markets';
import { combinedStreamUrl, routeFor } from '../../../src/streams/routes';

describe('stream builders', () => {
  it('build lower-case Binance names', () => {
    expect(streams.kline('BTCUSDT', '1h')).toBe('btcusdt@kline_1h');
    expect(streams.aggTrade('EthUsdt')).toBe('ethusdt@aggTrade');
    expect(streams.depth('btcusdt', 100)).toBe('btcusdt@depth@100ms');
    expect(streams.depth('btcusdt')).toBe('btcusdt@depth');
    expect(streams.partialDepth('btcusdt', 20, 100)).toBe('btcusdt@depth20@100ms');
    expect(streams.markPrice('btcusdt', '1s')).toBe('btcusdt@markPrice@1s');
    expect(streams.allMiniTickers()).toBe('!miniTicker@arr');
    expect(streams.allTickers('1d')).toBe('!ticker_1d@arr');
    expect(streams.allTickers()).toBe('!ticker@arr');
  });

  it('throw errors naming the bad value', () => {
    expect(() => streams.kline('BTCUSDT', '7m' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => streams.kline('BTCUSDT', '7m' as never)).toThrow(/interval "7m"/);
    expect(() => streams.kline(42 as never, '1h')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: expect.stringMatching(/symbol: expected a string, got 42/) }));
    expect(() => streams.trade('btc usdt')).toThrow(/symbol "btc usdt"/);
    expect(() => streams.trade('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => streams.partialDepth('btcusdt', 7 as never)).toThrow(/levels 7/);
    expect(() => streams.allTickers('2h' as never)).toThrow(/allTickers window "2h"/);
  });

  it('accept non-ASCII symbols', () => {
    expect(streams.trade('这是测试币456')).toBe('这是测试币456@trade');
  });
});

describe('normalizeStreamName', () => {
  it('lower-cases the symbol part only', () => {
    expect(normalizeStreamName('BTCUSDT@aggTrade')).toBe('btcusdt@aggTrade');
    expect(normalizeStreamName('btcusdt@kline_1M')).toBe('btcusdt@kline_1M');
    expect(normalizeStreamName('!ticker@arr')).toBe('!ticker@arr');
  });
  it('rejects bad names with the name in the message', () => {
    expect(() => normalizeStreamName('btcusdt')).toThrow(/"btcusdt"/);
    for (const bad of ['a/b@trade', '', undefined, null, 42, 'btcusdt@', '@trade']) {
      expect(() => normalizeStreamName(bad), String(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', permanent: true }));
    }
  });
});

describe('classifyStream', () => {
  it('maps streams to events and cadences', () => {
    expect(classifyStream('btcusdt@kline_1h')).toMatchObject({ kind: 'kline', event: 'kline', cadenceMs: 2000, symbol: 'btcusdt' });
    expect(classifyStream('btcusdt@kline_1h', true).cadenceMs).toBe(250);
    expect(classifyStream('btcusdt@depth@100ms')).toMatchObject({ kind: 'depth', event: 'depth', cadenceMs: 100 });
    expect(classifyStream('btcusdt@depth20')).toMatchObject({ kind: 'partialDepth', event: 'partialDepth', cadenceMs: 1000 });
    expect(classifyStream('btcusdt@aggTrade')).toMatchObject({ kind: 'aggTrade', cadenceMs: undefined, staleAfterMs: 60_000 });
    expect(classifyStream('btcusdt@markPrice@1s')).toMatchObject({ kind: 'markPrice', cadenceMs: 1000 });
    expect(classifyStream('!miniTicker@arr')).toMatchObject({ kind: 'arr', event: undefined, symbol: undefined });
    expect(classifyStream('btcusdt@weird')).toMatchObject({ kind: 'other', event: undefined });
  });
});

describe('markets', () => {
  it('carry Binance limits', () => {
    expect(MARKETS.spot.limits.maxStreamsPerConnection).toBe(1024);
    expect(MARKETS.spot.limits.maxIncomingMessagesPerSecond).toBe(5);
    expect(MARKETS.usdm.limits.maxStreamsPerConnection).toBe(1024);
    expect(MARKETS.usdm.limits.maxIncomingMessagesPerSecond).toBe(10);
    expect(MARKETS.spot.heartbeat.serverPingIntervalMs).toBe(20_000);
    expect(MARKETS.usdm.heartbeat.serverPingIntervalMs).toBe(180_000);
    expect(() => getMarket('binance' as never)).toThrow(/unknown market "binance"/);
  });

  it('route USD-M streams to /public or /market', () => {
    const um = MARKETS.usdm;
    expect(routeFor(um, 'btcusdt@depth@100ms')).toBe('public');
    expect(routeFor(um, 'btcusdt@bookTicker')).toBe('public');
    expect(routeFor(um, '!bookTicker')).toBe('public');
    expect(routeFor(um, 'btcusdt@depth5')).toBe('public');
    expect(routeFor(um, 'btcusdt@aggTrade')).toBe('market');
    expect(routeFor(um, 'btcusdt@kline_1m')).toBe('market');
    expect(routeFor(um, 'btcusdt@markPrice')).toBe('market');
    expect(routeFor(um, '!miniTicker@arr')).toBe('market');
    expect(routeFor(MARKETS.spot, 'btcusdt@depth')).toBe('');
  });

  it('build combined URLs', () => {
    expect(combinedStreamUrl('wss://fstream.binance.com/', 'market', ['a@kline_1m', 'b@aggTrade'])).toBe('wss://fstream.binance.com/market/stream?streams=a@kline_1m/b@aggTrade');
    expect(combinedStreamUrl('wss://stream.binance.com:9443', '', [])).toBe('wss://stream.binance.com:9443/stream');
  });
});
