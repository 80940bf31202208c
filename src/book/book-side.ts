/**
 * One side of a local order book: price levels in a sorted deque.
 *
 * Layout: two parallel arrays, `keys` (a Float64Array of rank keys: the price for bids, minus
 * the price for asks) and `levels` (Binance's own `[price, qty]` tuples, kept as received),
 * used between `head` and `tail`, ascending by key, so the BEST level of either side is the
 * LAST one (`tail - 1`) and the worst is the first (`head`).
 *
 * Costs (n levels on the side, at most `cap`):
 * - find a price: binary search on the numeric keys, O(log n);
 * - change a quantity: O(log n), in place;
 * - add or remove a level at rank r from the best: O(log n) + a move of min(r, n − r) slots,
 *   toward whichever end is nearer (a deque with room at both ends). Most changes happen near
 *   the best price, where the move is a few slots; the far end is the worst level, which the
 *   depth cap evicts in O(1) (`head++`);
 * - room is made (re-centred, or doubled up to 2 × cap + 2) only when an end is reached.
 * Measured against a B-tree-ish structure (bench/order-book.ts) at Binance's depths (≤ 5000
 * levels a side) this is faster, because a move is one `copyWithin` (a memmove) of a few
 * slots while a tree chases pointers on every lookup.
 *
 * No allocation per update: a level is stored as the tuple of the event that set it; a
 * removal or eviction clears its slot for the garbage collector.
 */
import type { PriceLevel } from '../streams/types';

const MIN_CAPACITY = 16;

/** A quantity Binance sends for a removed level: "0", "0.00000000", … */
export function isZeroQty(qty: string): boolean {
  return Number(qty) === 0;
}

export class BookSide {
  private keys: Float64Array;
  private levels: (PriceLevel | undefined)[];
  private head: number;
  private tail: number;

  /**
   * @param sign  +1 for bids (higher price is better), −1 for asks (lower is better)
   * @param cap   most levels kept; a level worse than all of a full side is dropped
   */
  constructor(
    private readonly sign: 1 | -1,
    readonly cap: number,
  ) {
    const capacity = Math.max(MIN_CAPACITY, Math.min(2 * cap + 2, 64));
    this.keys = new Float64Array(capacity);
    this.levels = new Array<PriceLevel | undefined>(capacity).fill(undefined);
    this.head = this.tail = capacity >> 1;
  }

  get size(): number {
    return this.tail - this.head;
  }

  /**
   * Rank key (price for bids, −price for asks) at or beyond which the side knows nothing: the
   * worst level a capped snapshot carried, or the last level the cap evicted. A new level there
   * is dropped: there may be levels between it and the worst one kept that this side never saw,
   * so showing it would leave a hole. −Infinity: the whole side is known.
   */
  private boundary = -Infinity;

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
    const i = this.lowerBound(key);
    const found = i < this.tail && this.keys[i] === key;
    if (isZeroQty(level[1])) {
      if (!found) return false;
      this.removeAt(i);
      return true;
    }
    if (found) {
      this.levels[i] = level;
      return true;
    }
    if (key <= this.boundary) return false;
    if (this.size >= this.cap) {
      if (i === this.head) return false; // worse than the worst kept level
      this.insertAt(i, key, level);
      this.boundary = this.keys[this.head] as number;
      this.levels[this.head] = undefined; // evict the worst
      this.head++;
      return true;
    }
    this.insertAt(i, key, level);
    return true;
  }

  /**
   * Replace every level with a snapshot side, best first as Binance sends it. A side with at least
   * `cap` levels may go deeper than it shows: what lies beyond its worst kept level is unknown.
   */
  load(levels: readonly PriceLevel[]): void {
    this.clear();
    for (const l of levels) this.set(l);
    if (levels.length >= this.cap && this.size > 0) this.boundary = Math.max(this.boundary, this.keys[this.head] as number);
  }

  /** Remove every level (the whole side is known again: empty). */
  clear(): void {
    this.levels.fill(undefined, this.head, this.tail);
    this.head = this.tail = this.keys.length >> 1;
    this.boundary = -Infinity;
  }

  /** The best level, or undefined when the side is empty. */
  best(): PriceLevel | undefined {
    return this.tail > this.head ? this.levels[this.tail - 1] : undefined;
  }

  /** The best level's rank key (price for bids, −price for asks); NaN when empty. */
  bestKey(): number {
    return this.tail > this.head ? (this.keys[this.tail - 1] as number) : NaN;
  }

  /** The best `n` levels (all when undefined), best first. The tuples are shared: do not mutate them. */
  top(n?: number): PriceLevel[] {
    const count = n === undefined ? this.size : Math.max(0, Math.min(Math.floor(n), this.size));
    const out = new Array<PriceLevel>(count);
    for (let k = 0, i = this.tail - 1; k < count; k++, i--) out[k] = this.levels[i] as PriceLevel;
    return out;
  }

  /** The level at `price` (a number), or undefined. */
  get(price: number): PriceLevel | undefined {
    const key = this.sign * price;
    const i = this.lowerBound(key);
    return i < this.tail && this.keys[i] === key ? this.levels[i] : undefined;
  }

  /** Visit levels best first; stop when `fn` returns false. */
  forEach(fn: (level: PriceLevel, rank: number) => boolean | void): void {
    for (let i = this.tail - 1, r = 0; i >= this.head; i--, r++) if (fn(this.levels[i] as PriceLevel, r) === false) return;
  }

  /** First index in [head, tail] whose key is >= `key`. */
  private lowerBound(key: number): number {
    let lo = this.head;
    let hi = this.tail;
    const keys = this.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Insert before index `i`, moving the shorter part of the side. */
  private insertAt(i: number, key: number, level: PriceLevel): void {
    const rel = i - this.head;
    const moveLeft = rel < this.tail - i;
    if (moveLeft ? this.head === 0 : this.tail === this.keys.length) {
      this.makeRoom(); // leaves room at both ends
      i = this.head + rel;
    }
    const keys = this.keys;
    const levels = this.levels;
    if (moveLeft) {
      keys.copyWithin(this.head - 1, this.head, i);
      levels.copyWithin(this.head - 1, this.head, i);
      this.head--;
      i--;
    } else {
      keys.copyWithin(i + 1, i, this.tail);
      levels.copyWithin(i + 1, i, this.tail);
      this.tail++;
    }
    keys[i] = key;
    levels[i] = level;
  }

  private removeAt(i: number): void {
    const keys = this.keys;
    const levels = this.levels;
    if (i - this.head < this.tail - 1 - i) {
      keys.copyWithin(this.head + 1, this.head, i);
      levels.copyWithin(this.head + 1, this.head, i);
      levels[this.head] = undefined;
      this.head++;
    } else {
      keys.copyWithin(i, i + 1, this.tail);
      levels.copyWithin(i, i + 1, this.tail);
      this.tail--;
      levels[this.tail] = undefined;
    }
  }

  /** Re-centre the used part, doubling the arrays first when it fills more than half of them. */
  private makeRoom(): void {
    const n = this.size;
    let capacity = this.keys.length;
    while (n + 2 > capacity >> 1 && capacity < 2 * this.cap + 4) capacity *= 2;
    if (n + 2 > capacity) capacity = n + 2;
    const start = (capacity - n) >> 1;
    if (capacity !== this.keys.length) {
      const keys = new Float64Array(capacity);
      keys.set(this.keys.subarray(this.head, this.tail), start);
      const levels = new Array<PriceLevel | undefined>(capacity).fill(undefined);
      for (let k = 0; k < n; k++) levels[start + k] = this.levels[this.head + k];
      this.keys = keys;
      this.levels = levels;
    } else {
      this.keys.copyWithin(start, this.head, this.tail);
      this.levels.copyWithin(start, this.head, this.tail);
      if (start < this.head) this.levels.fill(undefined, start + n, this.tail);
      else this.levels.fill(undefined, this.head, start);
    }
    this.head = start;
    this.tail = start + n;
  }
}
