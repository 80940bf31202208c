import { describe, expect, it } from 'vitest';
import { SiblingIndex, type SiblingMember } from '../../../src/pool/siblings';
import { classifyStream } from '../../../src/streams/classify';

const member = (name: string): SiblingMember => ({ info: classifyStream(name, false), lastMessageAt: 0, gapMean: 0, gapSamples: 0, siblings: undefined });

describe('SiblingIndex', () => {
  it('groups the same symbol and activity, shares one array, and ungroups the last one left', () => {
    const index = new SiblingIndex();
    const agg = member('btcusdt@aggTrade');
    const trade = member('btcusdt@trade');
    const kline = member('btcusdt@kline_1m');
    const book = member('btcusdt@bookTicker');
    const other = member('ethusdt@aggTrade');
    for (const m of [agg, other, book]) index.add(m);
    // Alone in its class: no group.
    expect([agg.siblings, other.siblings, book.siblings]).toEqual([undefined, undefined, undefined]);
    index.add(trade);
    expect(agg.siblings).toEqual([agg, trade]);
    expect(trade.siblings).toBe(agg.siblings);
    index.add(kline);
    expect(kline.siblings).toBe(agg.siblings);
    expect(agg.siblings).toEqual([agg, trade, kline]);
    // Another class or symbol is never a sibling.
    expect(book.siblings).toBeUndefined();
    expect(other.siblings).toBeUndefined();
    // Adding the same member again changes nothing.
    index.add(trade);
    expect(agg.siblings).toEqual([agg, trade, kline]);

    index.remove(trade);
    expect(trade.siblings).toBeUndefined();
    expect(agg.siblings).toEqual([agg, kline]);
    expect(kline.siblings).toBe(agg.siblings);
    index.remove(agg);
    expect([agg.siblings, kline.siblings]).toEqual([undefined, undefined]);
    // The one left is alone again; a new one groups with it.
    index.add(agg);
    expect(agg.siblings).toEqual([kline, agg]);
    index.remove(kline);
    index.remove(agg);
    index.remove(agg); // unknown: ignored
    index.add(agg);
    expect(agg.siblings).toBeUndefined();
  });

  it('ignores streams without a symbol or activity class', () => {
    const index = new SiblingIndex();
    const all = member('!miniTicker@arr');
    const force = member('btcusdt@forceOrder');
    index.add(all);
    index.add(force);
    expect([all.siblings, force.siblings]).toEqual([undefined, undefined]);
    index.remove(all);
    index.remove(force);
  });
});
