import { describe, expect, it } from 'vitest';
import { checkStreamKind } from '../../../src/streams/catalog';
import { toStreamList } from '../../../src/streams/names';
import { parseStreamName } from '../../../src/streams/parse';

function rejection(name: string, market: 'spot' | 'usdm' | 'coinm'): string {
  try {
    checkStreamKind(name, market);
  } catch (err) {
    expect(err).toMatchObject({ code: 'ERR_INVALID_STREAM', permanent: true, streams: [name] });
    return (err as Error).message;
  }
  throw new Error(`${name} was accepted on ${market}`);
}

describe('parseStreamName', () => {
  it('splits symbol, kind and suffix', () => {
    expect(parseStreamName('btcusdt@depth20@100ms')).toEqual({ symbol: 'btcusdt', kind: 'depth20', suffix: '100ms' });
    expect(parseStreamName('btcusdt@kline_1h@+08:00')).toEqual({ symbol: 'btcusdt', kind: 'kline_1h', suffix: '+08:00' });
    expect(parseStreamName('!miniTicker@arr')).toEqual({ symbol: undefined, kind: '!miniTicker', suffix: 'arr' });
    expect(parseStreamName('!bookTicker')).toEqual({ symbol: undefined, kind: '!bookTicker', suffix: undefined });
    expect(parseStreamName('btcusdt')).toBeUndefined();
    expect(parseStreamName('btcusdt@')).toBeUndefined();
  });
});

describe('checkStreamKind (the streams each market serves)', () => {
  it('accepts what Binance serves', () => {
    const spot = [
      'btcusdt@aggTrade',
      'btcusdt@kline_1s',
      'btcusdt@kline_1h@+08:00',
      'btcusdt@depth',
      'btcusdt@depth@100ms',
      'btcusdt@depth20@1000ms',
      'btcusdt@ticker_4h',
      '!ticker_1d@arr',
      '!miniTicker@arr',
      'btcusdt@avgPrice',
    ];
    for (const s of spot) expect(() => checkStreamKind(s, 'spot'), s).not.toThrow();
    const usdm = [
      'btcusdt@markPrice@1s',
      '!markPrice@arr@1s',
      'btcusdt@depth@500ms',
      'btcusdt@rpiDepth@500ms',
      '!bookTicker',
      '!ticker@arr',
      'btcusdt_perpetual@continuousKline_1s',
      'btcusdt@forceOrder',
      '!contractInfo',
    ];
    for (const s of usdm) expect(() => checkStreamKind(s, 'usdm'), s).not.toThrow();
    for (const s of ['btcusd_perp@indexPrice@1s', 'btcusd@markPrice', 'btcusd@markPrice@1s', 'btcusd_perp@markPriceKline_1m', '!ticker@arr'])
      expect(() => checkStreamKind(s, 'coinm'), s).not.toThrow();
    expect(() => checkStreamKind('btcusd@markPrice@arr', 'coinm')).toThrow(/"@arr" is not valid after markPrice/);
  });

  it('names the bad part of a mistyped name', () => {
    expect(rejection('btcusdt@klin_1m', 'spot')).toMatch(/unknown stream type "klin_1m" on spot .*allowUnknownStreams/);
    expect(rejection('btcusdt@kline_7m', 'spot')).toMatch(/interval "7m" is not valid for kline on spot/);
    expect(rejection('btcusdt@kline_1s', 'usdm')).toMatch(/interval "1s" is not valid for kline on usdm/);
    expect(rejection('btcusdt@depth@1ms', 'spot')).toMatch(/"@1ms" is not valid after depth on spot \(expected "@100ms" or "@1000ms"\)/);
    expect(rejection('btcusdt@depth7', 'usdm')).toMatch(/levels "7"/);
    expect(rejection('a@b', 'spot')).toMatch(/unknown stream type "b"/);
    expect(rejection('!bogus', 'spot')).toMatch(/unknown all-market stream "!bogus"/);
    expect(rejection('btcusdt@markPrice', 'spot')).toMatch(/unknown stream type "markPrice" on spot/);
    expect(rejection('btcusdt@rpiDepth', 'usdm')).toMatch(/rpiDepth@500ms needs "@500ms"/);
  });

  it('says what replaced a retired all-market stream', () => {
    expect(rejection('!ticker@arr', 'spot')).toMatch(/retired on spot on 2026-03-26.*!ticker_1d@arr/);
    expect(rejection('!bookTicker', 'spot')).toMatch(/removed from spot/);
  });

  it('lets streams newer than the library through when asked', () => {
    expect(() => checkStreamKind('btcusdt@newThing', 'spot', true)).not.toThrow();
  });
});

describe('toStreamList', () => {
  it('takes a name or an array, and rejects anything else with a code', () => {
    expect(toStreamList('a@trade')).toEqual(['a@trade']);
    for (const bad of [null, 42, new Set(['a@trade']), { length: 1, 0: 'a@trade' }, undefined]) {
      expect(() => toStreamList(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    }
  });
});
