import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../../src/book/order-book';
import type { BookChanges } from '../../../src/book/order-book';
import type { PriceLevel } from '../../../src/streams/types';

/** A tiny deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The naive model: a Map of price → level per side, sorted on every read; the cap applied
 * the same way (a new level worse than every level of a full side is dropped; an insert into a
 * full side evicts the worst), and nothing shown beyond what the snapshot or the cap cut off.
 */
class NaiveBook {
  readonly bids = new Map<number, PriceLevel>();
  readonly asks = new Map<number, PriceLevel>();
  /** Prices at or beyond which a side knows nothing (undefined: all known). */
  private readonly cut: { bids?: number; asks?: number } = {};
  constructor(private readonly depth: number) {}
  private better(side: 'bids' | 'asks', a: number, b: number): boolean {
    return side === 'bids' ? a > b : a < b;
  }
  load(side: 'bids' | 'asks', levels: PriceLevel[]): void {
    for (const l of levels) this.set(side, l);
    const s = this.sorted(side);
    if (levels.length >= this.depth && s.length) this.cut[side] = Number(s[s.length - 1]![0]);
  }
  set(side: 'bids' | 'asks', l: PriceLevel): void {
    const m = this[side];
    const p = Number(l[0]);
    if (Number(l[1]) === 0) return void m.delete(p);
    if (m.has(p)) return void m.set(p, l);
    const cut = this.cut[side];
    if (cut !== undefined && !this.better(side, p, cut)) return;
    const sorted = this.sorted(side);
    if (sorted.length >= this.depth) {
      const worst = Number(sorted[sorted.length - 1]![0]);
      if (!this.better(side, p, worst)) return;
      m.delete(worst);
      this.cut[side] = worst;
    }
    m.set(p, l);
  }
  sorted(side: 'bids' | 'asks'): PriceLevel[] {
    const m = this[side];
    return [...m.keys()].sort((a, b) => (side === 'bids' ? b - a : a - b)).map((p) => m.get(p)!);
  }
}

const px = (n: number) => (n / 100).toFixed(2);

describe('OrderBook (the data structure)', () => {
  it('orders bids highest first and asks lowest first, keeps the strings, and reads the best', () => {
    const b = new OrderBook(10);
    b.load({
      lastUpdateId: 7,
      bids: [
        ['100.00', '1'],
        ['99.50', '2'],
      ],
      asks: [
        ['101.00', '3'],
        ['100.50', '4'],
      ],
    });
    b.apply(
      [
        ['99.75', '5.00000000'],
        ['101.5', '0.1'],
      ],
      [['102.00', '6']],
      9,
    );
    expect(b.bids()).toEqual([
      ['101.5', '0.1'],
      ['100.00', '1'],
      ['99.75', '5.00000000'],
      ['99.50', '2'],
    ]);
    expect(b.asks(2)).toEqual([
      ['100.50', '4'],
      ['101.00', '3'],
    ]);
    expect(b.best()).toEqual({ bid: '101.5', bidQty: '0.1', ask: '100.50', askQty: '4' });
    expect(b.crossed()).toBe(true); // 101.5 bid over a 100.50 ask
    expect(b.lastUpdateId).toBe(9);
    expect(b.size).toEqual({ bids: 4, asks: 3 });
    expect(b.level('bids', '100')).toEqual(['100.00', '1']); // by numeric price
  });

  it('removes a level on any zero quantity ("0", "0.00000000"); removing an unknown level changes nothing', () => {
    const b = new OrderBook(5);
    b.apply(
      [
        ['10', '1'],
        ['9', '1'],
      ],
      [['11', '1']],
      1,
    );
    const changed: BookChanges = { bids: [], asks: [] };
    b.apply(
      [
        ['10', '0.00000000'],
        ['8', '0'],
      ],
      [['11', '0']],
      2,
      changed,
    );
    expect(b.bids()).toEqual([['9', '1']]);
    expect(b.asks()).toEqual([]);
    expect(changed).toEqual({ bids: [['10', '0.00000000']], asks: [['11', '0']] });
    expect(b.best()).toEqual({ bid: '9', bidQty: '1', ask: undefined, askQty: undefined });
    expect(b.crossed()).toBe(false);
  });

  it('caps each side at depth: a full side evicts its worst level for a better one and drops a worse one', () => {
    const b = new OrderBook(3);
    b.load({
      lastUpdateId: 1,
      bids: [
        ['10', '1'],
        ['9', '1'],
        ['8', '1'],
        ['7', '1'],
      ],
      asks: [
        ['11', '1'],
        ['12', '1'],
        ['13', '1'],
        ['14', '1'],
      ],
    });
    expect(b.size).toEqual({ bids: 3, asks: 3 });
    const changed: BookChanges = { bids: [], asks: [] };
    b.apply(
      [
        ['9.5', '2'],
        ['6', '2'],
      ],
      [
        ['15', '2'],
        ['10.5', '2'],
      ],
      2,
      changed,
    );
    expect(b.bids().map((l) => l[0])).toEqual(['10', '9.5', '9']);
    expect(b.asks().map((l) => l[0])).toEqual(['10.5', '11', '12']);
    expect(changed).toEqual({ bids: [['9.5', '2']], asks: [['10.5', '2']] }); // the dropped ones did not change the book
  });

  it('matches a naive model over random operations (inserts, updates, removals, caps, snapshots), near and far from the best', () => {
    for (const depth of [1, 2, 7, 50, 400]) {
      const r = rng(depth * 7919);
      const b = new OrderBook(depth);
      let naive = new NaiveBook(depth);
      let mid = 100_000;
      for (let step = 0, steps = depth >= 400 ? 1_200 : 3_000; step < steps; step++) {
        if (step % 597 === 0) {
          const snap = { lastUpdateId: step, bids: [] as PriceLevel[], asks: [] as PriceLevel[] };
          for (let i = 1; i <= depth + 3; i++) {
            snap.bids.push([px(mid - i), String(i)]);
            snap.asks.push([px(mid + i), String(i)]);
          }
          b.load(snap);
          naive = new NaiveBook(depth);
          naive.load('bids', snap.bids);
          naive.load('asks', snap.asks);
        }
        mid += Math.round((r() - 0.5) * 4);
        const bids: PriceLevel[] = [];
        const asks: PriceLevel[] = [];
        for (let k = 0, n = 1 + Math.floor(r() * 6); k < n; k++) {
          const bid = r() < 0.5;
          const off = 1 + Math.floor(r() ** 3 * depth * 3); // mostly near the best, sometimes beyond the cap
          const qty = r() < 0.3 ? (r() < 0.5 ? '0' : '0.000') : (1 + Math.floor(r() * 50)).toString();
          (bid ? bids : asks).push([px(bid ? mid - off : mid + off), qty]);
        }
        const changed: BookChanges = { bids: [], asks: [] };
        b.apply(bids, asks, step + 1, changed);
        for (const l of bids) naive.set('bids', l);
        for (const l of asks) naive.set('asks', l);
        expect(b.bids(), `depth ${depth} step ${step}`).toEqual(naive.sorted('bids'));
        expect(b.asks()).toEqual(naive.sorted('asks'));
        expect(b.size.bids).toBeLessThanOrEqual(depth);
        const n = Math.floor(r() * 5);
        expect(b.bids(n)).toEqual(naive.sorted('bids').slice(0, n));
        expect(b.asks(n)).toEqual(naive.sorted('asks').slice(0, n));
      }
    }
  });

  it('never shows a level beyond what the snapshot or the cap cut off (no holes), so a drifting side thins out', () => {
    const b = new OrderBook(3);
    b.load({
      lastUpdateId: 1,
      bids: [
        ['10', '1'],
        ['9', '1'],
        ['8', '1'],
      ],
      asks: [
        ['11', '1'],
        ['12', '1'],
        ['13', '1'],
      ],
    });
    b.apply(
      [],
      [
        ['11', '0'],
        ['12', '0'],
        ['15', '2'],
        ['12.5', '2'],
      ],
      2,
    ); // 15: beyond 13, levels in between unknown
    expect(b.asks()).toEqual([
      ['12.5', '2'],
      ['13', '1'],
    ]);
    b.apply([['9.5', '1']], [], 3); // evicts 8: the bid side now ends at 9
    b.apply(
      [
        ['8.5', '1'],
        ['8', '4'],
      ],
      [],
      4,
    );
    expect(b.bids().map((l) => l[0])).toEqual(['10', '9.5', '9']);
    const whole = new OrderBook(10);
    whole.load({ lastUpdateId: 1, bids: [['10', '1']], asks: [['11', '1']] }); // shorter than depth: the whole side
    whole.apply([['1', '1']], [['99', '1']], 2);
    expect(whole.size).toEqual({ bids: 2, asks: 2 });
  });

  it('stays bounded in memory: a side never holds more than depth levels through a long one-way drift', () => {
    const b = new OrderBook(20);
    for (let i = 0; i < 50_000; i++) b.apply([[String(1_000_000 - i), '1']], [[String(1_000_000 + i), '1']], i);
    expect(b.size).toEqual({ bids: 20, asks: 20 });
    expect(b.bids(1)).toEqual([['1000000', '1']]);
    expect(b.asks(1)).toEqual([['1000000', '1']]);
    for (let i = 0; i < 50_000; i++) b.apply([[String(2_000_000 + i), '1']], [[String(10 - i / 1e5), '1']], i);
    expect(b.bids(1)).toEqual([['2049999', '1']]);
    expect(b.size).toEqual({ bids: 20, asks: 20 });
  });

  it('rejects a depth that is not a positive integer', () => {
    expect(() => new OrderBook(0)).toThrow(RangeError);
    expect(() => new OrderBook(1.5)).toThrow(RangeError);
  });
});
