/**
 * The local order book: bids (best = highest first) and asks (best = lowest first), each a
 * {@link BookSide} (./book-side.ts: a sorted deque of numeric prices, O(log n) lookups, moves of
 * the nearer part only), capped at `depth` levels a side so memory stays bounded whatever the
 * feed does. Binance's price and quantity strings are kept as received and returned as they
 * are; a quantity of zero removes a level.
 *
 * A capped book knows only the levels inside the range its snapshot covered, and those that
 * changed since inside it: a level beyond it (worse than the worst level the snapshot or the cap
 * cut off) is never shown, since levels between could be missing. So a side never has a hole, but
 * it may thin out as the price drifts away from the snapshot (`size` below `depth`); a resync (or
 * a self-check) refills it.
 *
 * This is the data structure only: which updates apply, and when, is ./book-sync.ts.
 */
import type { PriceLevel } from '../streams/types';
import { BookSide } from './book-side';

/** The best bid and ask with their quantities, as Binance's strings (undefined: that side is empty). */
export interface BookBest {
  bid: string | undefined;
  bidQty: string | undefined;
  ask: string | undefined;
  askQty: string | undefined;
}

/** Levels per side. */
export interface BookSize {
  bids: number;
  asks: number;
}

/** What a local order book lets you read. */
export interface OrderBookView {
  /** The best `n` bids (all kept when omitted), highest price first, as `[price, qty]` strings. */
  bids(n?: number): PriceLevel[];
  /** The best `n` asks (all kept when omitted), lowest price first, as `[price, qty]` strings. */
  asks(n?: number): PriceLevel[];
  /** Best bid and ask with quantities. */
  best(): BookBest;
  /** Binance's update id the book is at (the snapshot's `lastUpdateId`, then each applied event's `u`); 0 before the first snapshot. */
  readonly lastUpdateId: number;
  /** Levels held per side (at most `depth` each). */
  readonly size: BookSize;
}

/** The levels an update changed, per side (`qty` "0" = removed), in the event's order. */
export interface BookChanges {
  bids: PriceLevel[];
  asks: PriceLevel[];
}

/** A full book as Binance's REST depth endpoint returns it. */
export interface DepthSnapshot {
  lastUpdateId: number;
  bids: readonly PriceLevel[];
  asks: readonly PriceLevel[];
}

export class OrderBook implements OrderBookView {
  lastUpdateId = 0;
  private readonly bidSide: BookSide;
  private readonly askSide: BookSide;

  /** @param depth most levels kept a side; deeper levels are dropped (and come back only when they change). */
  constructor(readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`OrderBook depth must be an integer >= 1, got ${String(depth)}`);
    this.bidSide = new BookSide(1, depth);
    this.askSide = new BookSide(-1, depth);
  }

  bids(n?: number): PriceLevel[] {
    return this.bidSide.top(n);
  }

  asks(n?: number): PriceLevel[] {
    return this.askSide.top(n);
  }

  best(): BookBest {
    const b = this.bidSide.best();
    const a = this.askSide.best();
    return { bid: b?.[0], bidQty: b?.[1], ask: a?.[0], askQty: a?.[1] };
  }

  get size(): BookSize {
    return { bids: this.bidSide.size, asks: this.askSide.size };
  }

  /** The bid (side 'bids') or ask at `price`, or undefined. */
  level(side: 'bids' | 'asks', price: string | number): PriceLevel | undefined {
    return (side === 'bids' ? this.bidSide : this.askSide).get(Number(price));
  }

  /**
   * Replace everything with a snapshot (levels beyond `depth` dropped). A side of at least
   * `depth` levels is taken as cut off there (the snapshot's `limit` must be at least `depth`):
   * new levels beyond its worst are not shown, as the levels between are unknown.
   */
  load(snapshot: DepthSnapshot): void {
    this.bidSide.load(snapshot.bids);
    this.askSide.load(snapshot.asks);
    this.lastUpdateId = snapshot.lastUpdateId;
  }

  /** Empty both sides (lastUpdateId back to 0). */
  clear(): void {
    this.bidSide.clear();
    this.askSide.clear();
    this.lastUpdateId = 0;
  }

  /**
   * Apply one diff event's levels and move to update id `u`. When `changed` is given, the
   * levels that changed the book are appended to it (the event's own tuples, not copies).
   */
  apply(bids: readonly PriceLevel[], asks: readonly PriceLevel[], u: number, changed?: BookChanges): void {
    const bs = this.bidSide;
    const as = this.askSide;
    for (let i = 0; i < bids.length; i++) {
      const l = bids[i] as PriceLevel;
      if (bs.set(l) && changed !== undefined) changed.bids.push(l);
    }
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i] as PriceLevel;
      if (as.set(l) && changed !== undefined) changed.asks.push(l);
    }
    this.lastUpdateId = u;
  }

  /** True when the best bid is at or above the best ask (a broken book). */
  crossed(): boolean {
    return this.bidSide.bestKey() >= -this.askSide.bestKey(); // NaN (an empty side) compares false
  }

  /** `best bid 101 >= best ask 100`, for a crossed book's report. */
  describeCross(): string {
    const b = this.best();
    return `best bid ${b.bid ?? '-'} >= best ask ${b.ask ?? '-'}`;
  }

  /** Visit a side best first; stop when `fn` returns false. */
  forEach(side: 'bids' | 'asks', fn: (level: PriceLevel, rank: number) => boolean | void): void {
    (side === 'bids' ? this.bidSide : this.askSide).forEach(fn);
  }
}
