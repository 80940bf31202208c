/**
 * One side of a local order book: price levels in two parallel sorted arrays.
 *
 * Layout: `keys` (plain numbers: the price for bids, minus the price for asks) and `levels`
 * (Binance's own `[price, qty]` tuples, kept as received), ascending by key, so the BEST level
 * of either side is the LAST one and the worst is the first.
 *
 * Costs (n levels on the side, at most `cap`):
 * - find a price: binary search on the numeric keys, O(log n);
 * - change a quantity: O(log n), in place;
 * - add or remove a level r ranks from the best: O(log n) + `splice`, which moves the r levels
 *   behind it (a memmove in V8). Most changes are near the best price, where r is small;
 * - the depth cap evicts the worst level with `shift()` (V8 trims the array's start in O(1)).
 * Measured against a B-tree-ish structure and a sorted deque at Binance's depths (1,000 and 5,000
 * levels a side): see bench/order-book.ts and its figures.
 *
 * No allocation per update beyond V8's own array growth: a level is stored as the tuple of the
 * event that set it.
 */
import type { PriceLevel } from '../streams/types';

/** A quantity Binance sends for a removed level: "0", "0.00000000", … */
export function isZeroQty(qty: string): boolean {
  return Number(qty) === 0;
}

export class BookSide {
  private readonly keys: number[] = [];
  private readonly levels: PriceLevel[] = [];
  /**
   * Rank key at or beyond which the side knows nothing: the worst level a capped snapshot
   * carried, or the last level the cap evicted. A new level there is dropped: there may be levels
   * between it and the worst one kept that this side never saw, so showing it would leave a
   * hole. −Infinity: the whole side is known.
   */
  private boundary = -Infinity;

  /**
   * @param sign  +1 for bids (higher price is better), −1 for asks (lower is better)
   * @param cap   most levels kept; a level worse than all of a full side is dropped
   */
  constructor(
    private readonly sign: 1 | -1,
    readonly cap: number,
  ) {}

  get size(): number {
    return this.keys.length;
  }

  /**
   * Apply one level (qty is absolute; zero removes). Returns true when the side changed: an
   * update, an insert inside the known part and the cap, or the removal of a known level. A
   * removal of an unknown level, a new level worse than every level of a full side, and a new
   * level in the unknown part (see `boundary`) change nothing. A price that is not a number is
   * ignored (false).
   */
  set(level: PriceLevel): boolean {
    const price = Number(level[0]);
    if (price !== price) return false;
    const key = this.sign * price;
    const keys = this.keys;
    const lo = this.lowerBound(key);
    const found = lo < keys.length && keys[lo] === key;
    if (isZeroQty(level[1])) {
      if (!found) return false;
      keys.splice(lo, 1);
      this.levels.splice(lo, 1);
      return true;
    }
    if (found) {
      this.levels[lo] = level;
      return true;
    }
    if (key <= this.boundary) return false;
    if (keys.length >= this.cap && lo === 0) return false; // worse than the worst kept level
    keys.splice(lo, 0, key);
    this.levels.splice(lo, 0, level);
    if (keys.length > this.cap) {
      this.boundary = keys.shift() as number; // evict the worst
      this.levels.shift();
    }
    return true;
  }

  /**
   * Replace every level with a snapshot side, best first as Binance sends it. A side with at least
   * `cap` levels may go deeper than it shows: what lies beyond its worst kept level is unknown.
   */
  load(levels: readonly PriceLevel[]): void {
    this.clear();
    for (const l of levels) this.set(l);
    if (levels.length >= this.cap && this.keys.length > 0) this.boundary = Math.max(this.boundary, this.keys[0] as number);
  }

  /** Remove every level (the whole side is known again: empty). */
  clear(): void {
    this.keys.length = 0;
    this.levels.length = 0;
    this.boundary = -Infinity;
  }

  /** The best level, or undefined when the side is empty. */
  best(): PriceLevel | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** The best level's rank key (price for bids, −price for asks); NaN when empty. */
  bestKey(): number {
    const n = this.keys.length;
    return n ? (this.keys[n - 1] as number) : NaN;
  }

  /** The best `n` levels (all when undefined), best first. The tuples are shared: do not mutate them. */
  top(n?: number): PriceLevel[] {
    const size = this.levels.length;
    const count = n === undefined ? size : Math.max(0, Math.min(Math.floor(n), size));
    const out = new Array<PriceLevel>(count);
    for (let k = 0, i = size - 1; k < count; k++, i--) out[k] = this.levels[i] as PriceLevel;
    return out;
  }

  /** The first index whose key is not below `key` (binary search). */
  private lowerBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The level at `price` (a number), or undefined. */
  get(price: number): PriceLevel | undefined {
    const key = this.sign * price;
    const keys = this.keys;
    const lo = this.lowerBound(key);
    return lo < keys.length && keys[lo] === key ? this.levels[lo] : undefined;
  }

  /** Visit levels best first; stop when `fn` returns false. */
  forEach(fn: (level: PriceLevel, rank: number) => boolean | void): void {
    for (let i = this.levels.length - 1, r = 0; i >= 0; i--, r++) if (fn(this.levels[i] as PriceLevel, r) === false) return;
  }
}
