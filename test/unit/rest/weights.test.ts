import { describe, expect, it } from 'vitest';
import {
  futuresDepthWeight,
  futuresKlinesWeight,
  readHeader,
  REQUEST_WEIGHT_LIMITS,
  REST_WEIGHTS,
  restWeight,
  spotDepthWeight,
  spotTicker24hWeight,
  usedWeightHeaderName,
  usedWeightOf,
} from '../../../src/rest/weights';

describe('the REST weight table', () => {
  it('prices spot depth by limit tiers (1–100: 5, 101–500: 25, 501–1000: 50, 1001–5000: 250; default 100)', () => {
    expect([1, 100, 101, 500, 501, 1000, 1001, 5000].map((limit) => spotDepthWeight({ limit }))).toEqual([5, 5, 25, 25, 50, 50, 250, 250]);
    expect(spotDepthWeight({})).toBe(5);
  });

  it('prices futures depth (5–50: 2, 100: 5, 500: 10, 1000: 20; default 500) and klines ([1,100): 1, [100,500): 2, [500,1000]: 5, more: 10)', () => {
    expect([5, 10, 20, 50, 100, 500, 1000].map((limit) => futuresDepthWeight({ limit }))).toEqual([2, 2, 2, 2, 5, 10, 20]);
    expect(futuresDepthWeight({})).toBe(10);
    expect([1, 99, 100, 499, 500, 1000, 1001, 1500].map((limit) => futuresKlinesWeight({ limit }))).toEqual([1, 1, 2, 2, 5, 5, 10, 10]);
    expect(futuresKlinesWeight({ limit: '1500' })).toBe(10);
  });

  it('knows each market’s figures for the endpoints the library calls', () => {
    expect(restWeight('spot', '/api/v3/aggTrades')).toBe(4);
    expect(restWeight('spot', '/api/v3/klines', { limit: 1000 })).toBe(2);
    expect(restWeight('spot', '/api/v3/historicalTrades')).toBe(25);
    expect(restWeight('spot', '/api/v3/ticker/bookTicker', { symbol: 'BTCUSDT' })).toBe(2);
    expect(restWeight('spot', '/api/v3/ticker/bookTicker')).toBe(4);
    expect(restWeight('spot', '/api/v3/exchangeInfo')).toBe(20);
    expect([spotTicker24hWeight({ symbol: 'X' }), spotTicker24hWeight({ symbols: JSON.stringify(Array(21).fill('X')) }), spotTicker24hWeight({})]).toEqual([2, 40, 80]);
    expect(restWeight('usdm', '/fapi/v1/aggTrades')).toBe(20);
    expect(restWeight('usdm', '/fapi/v1/historicalTrades')).toBe(200);
    expect(restWeight('usdm', '/fapi/v1/ticker/24hr', { symbol: 'BTCUSDT' })).toBe(1);
    expect(restWeight('usdm', '/fapi/v1/ticker/24hr')).toBe(40);
    expect(restWeight('usdm', '/fapi/v1/listenKey')).toBe(1);
    expect(restWeight('coinm', '/dapi/v1/historicalTrades')).toBe(20);
    expect(restWeight('coinm', '/dapi/v1/ticker/bookTicker', { symbol: 'BTCUSD_PERP' })).toBe(2);
    expect(restWeight('coinm', '/dapi/v1/exchangeInfo')).toBe(1);
    expect(REQUEST_WEIGHT_LIMITS).toEqual({ spot: 6000, usdm: 2400, coinm: 2400 });
    expect(Object.isFrozen(REST_WEIGHTS.spot)).toBe(true);
  });

  it('is overridable per path, and knows nothing of paths outside it', () => {
    expect(restWeight('spot', '/api/v3/aggTrades', {}, { '/api/v3/aggTrades': 9 })).toBe(9);
    expect(restWeight('spot', '/api/v3/depth', { limit: 7 }, { '/api/v3/depth': (p) => Number(p.limit) * 2 })).toBe(14);
    expect(restWeight('spot', '/api/v3/unknown')).toBeUndefined();
  });

  it('reads the used-weight headers from fetch Headers and from Node header records', () => {
    expect(usedWeightHeaderName(1, 'M')).toBe('X-MBX-USED-WEIGHT-1M');
    expect(usedWeightOf(new Headers({ 'x-mbx-used-weight-1m': '42' }))).toBe(42);
    expect(usedWeightOf({ 'X-MBX-USED-WEIGHT-1M': ['7', '8'] })).toBe(7);
    expect(usedWeightOf({ 'x-mbx-used-weight-1m': 'lots' })).toBeUndefined();
    expect(usedWeightOf(undefined)).toBeUndefined();
    expect(readHeader({ 'retry-after': '3' }, 'Retry-After')).toBe('3');
  });
});
