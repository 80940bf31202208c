import { describe, expect, it } from 'vitest';
import { compareEventKeys, copyEventKey, newEventKey, readEventKey } from '../../../src/recovery/dedup';

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

describe('all-market identity (issue 10, item 9)', () => {
  const bt = (s: string, u: number, E = 1) => ({ e: 'bookTicker', u, E, T: E, s });

  it('orders bookTicker per symbol: another symbol with a lower u is not a duplicate', () => {
    const last = newEventKey();
    const k = newEventKey();
    expect(readEventKey('bookTicker', bt('BTCUSDT', 9_000), k)).toBe(true);
    copyEventKey(k, last);
    readEventKey('bookTicker', bt('ETHUSDT', 100), k);
    expect(compareEventKeys(k, last), 'first ETHUSDT event is new').toBeGreaterThan(0);
    copyEventKey(k, last);
    readEventKey('bookTicker', bt('BTCUSDT', 9_000), k);
    expect(compareEventKeys(k, last), 'BTCUSDT 9000 again is a duplicate').toBe(0);
    readEventKey('bookTicker', bt('BTCUSDT', 8_999), k);
    expect(compareEventKeys(k, last)).toBeLessThan(0);
    readEventKey('bookTicker', bt('ETHUSDT', 101), k);
    expect(compareEventKeys(k, last)).toBeGreaterThan(0);
    readEventKey('bookTicker', bt('ETHUSDT', 100), k);
    expect(compareEventKeys(k, last), 'ETHUSDT 100 again is a duplicate').toBe(0);
  });

  it('tells apart snapshots of an unchanged book (same u, later E)', () => {
    const last = newEventKey();
    const k = newEventKey();
    readEventKey('bookTicker', bt('BTCUSDT', 5, 1_000), k);
    copyEventKey(k, last);
    readEventKey('bookTicker', bt('BTCUSDT', 5, 6_000), k);
    expect(compareEventKeys(k, last)).toBeGreaterThan(0);
  });

  it('updates the per-symbol table in place (no allocation once a symbol is known)', () => {
    const last = newEventKey();
    const k = newEventKey();
    readEventKey('bookTicker', bt('BTCUSDT', 1), k);
    copyEventKey(k, last);
    const entry = last.bySymbol?.get('BTCUSDT');
    readEventKey('bookTicker', bt('BTCUSDT', 2), k);
    copyEventKey(k, last);
    expect(last.bySymbol?.get('BTCUSDT')).toBe(entry);
    expect(entry?.k1).toBe(2);
    // A key of a kind without symbols clears the symbol left in a shared scratch key.
    readEventKey('aggTrade', { a: 3 }, k);
    expect(k.sym).toBeUndefined();
  });

  it('identifies an all-market array by the highest E of its elements', () => {
    expect(
      key('arr', [
        { e: '24hrMiniTicker', E: 70, s: 'A' },
        { e: '24hrMiniTicker', E: 90, s: 'B' },
        { e: '24hrMiniTicker', E: 80, s: 'C' },
      ])?.k1,
    ).toBe(90);
    expect(key('arr', [{ s: 'A' }])).toBeUndefined();
  });
});
