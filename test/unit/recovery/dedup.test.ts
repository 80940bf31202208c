import { describe, expect, it } from 'vitest';
import { compareEventKeys, newEventKey, readEventKey } from '../../../src/recovery/dedup';

function key(kind: Parameters<typeof readEventKey>[0], data: unknown) {
  const k = newEventKey();
  return readEventKey(kind, data, k) ? { ...k } : undefined;
}

describe('event identity', () => {
  it('uses the sequence id of each kind', () => {
    expect(key('aggTrade', { e: 'aggTrade', E: 5, a: 42 })?.k1).toBe(42);
    expect(key('trade', { e: 'trade', E: 5, t: 7 })?.k1).toBe(7);
    expect(key('depth', { e: 'depthUpdate', E: 5, U: 1, u: 9 })?.k1).toBe(9);
    expect(key('bookTicker', { u: 11, s: 'BTCUSDT' })?.k1).toBe(11);
    expect(key('partialDepth', { lastUpdateId: 13, bids: [], asks: [] })?.k1).toBe(13);
    expect(key('partialDepth', { e: 'depthUpdate', E: 1, u: 14 })?.k1).toBe(14);
    expect(key('ticker', { e: '24hrTicker', E: 99 })?.k1).toBe(99);
    expect(key('arr', [{ e: '24hrMiniTicker', E: 77 }])?.k1).toBe(77);
  });

  it('has no identity for payloads without one (never dropped)', () => {
    expect(key('other', { foo: 1 })).toBeUndefined();
    expect(key('aggTrade', null)).toBeUndefined();
    expect(key('arr', [])).toBeUndefined();
  });

  it('tells non-final updates of one kline apart, and the final one from the last update', () => {
    const u1 = key('kline', { E: 1000, k: { t: 60_000, x: false } });
    const u2 = key('kline', { E: 3000, k: { t: 60_000, x: false } });
    const fin = key('kline', { E: 3000, k: { t: 60_000, x: true } });
    const nextOpen = key('kline', { E: 3001, k: { t: 120_000, x: false } });
    expect(u1 && u2 && fin && nextOpen).toBeTruthy();
    expect(compareEventKeys(u2!, u1!)).toBeGreaterThan(0);
    expect(compareEventKeys(fin!, u2!)).toBeGreaterThan(0);
    expect(compareEventKeys(nextOpen!, fin!)).toBeGreaterThan(0);
    expect(compareEventKeys(u1!, { ...u1! })).toBe(0);
  });
});
