import { Rng, hashString } from './rng';
import type { SymbolState } from './symbol-state';

const LEVELS = 100;

/** Changes accumulated for one depth stream since its last event. */
export interface BookTracker {
  /** `u` of this stream's previous event (the next event's `pu` on futures). */
  lastU: number;
  /** Update id of the first change since the previous event (the next event's `U`); 0 when none. */
  firstU: number;
  /** Its events are chained by `U`/`u`/`pu` (diff depth; futures partial depth too). */
  readonly chained: boolean;
  /** `faults.breakDepthChain`: the next event is lost on the way. */
  skipNext: boolean;
  readonly bids: Map<number, number>;
  readonly asks: Map<number, number>;
}

export type Level = [priceTicks: number, qty: number];

/**
 * One order book per symbol, shared by its diff-depth, partial-depth and
 * bookTicker streams and the REST depth snapshot, so `U`/`u`/`lastUpdateId`
 * agree everywhere (the snapshot always falls inside a diff event's range).
 * Every change takes the next update id: spot ids are consecutive (`U` = previous
 * `u` + 1), futures ids skip 0–7 per change, as Binance's jump (so `U` > `pu` + 1 is
 * common, and only `pu` = previous `u` chains the events).
 */
export class OrderBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  updateId: number;
  private readonly trackers = new Set<BookTracker>();
  private readonly rng: Rng;

  constructor(
    readonly sym: SymbolState,
    seed: number,
  ) {
    this.rng = new Rng(hashString(`${sym.symbol}#book`, seed));
    this.updateId = sym.futures ? 8_000_000_000_000 + this.rng.int(1e12) : 40_000_000_000 + this.rng.int(1e10);
    const mid = sym.mid;
    const st = sym.stepTicks;
    for (let i = 0; i < LEVELS; i++) {
      this.bids.set(mid - st * (1 + i), sym.randomQty(this.rng));
      this.asks.set(mid + st * (1 + i), sym.randomQty(this.rng));
    }
  }

  attach(chained: boolean): BookTracker {
    const t: BookTracker = { lastU: this.updateId, firstU: 0, chained, skipNext: false, bids: new Map(), asks: new Map() };
    this.trackers.add(t);
    return t;
  }

  /** Lose the next event of every chained stream of this book (faults.breakDepthChain); returns how many. */
  breakChain(): number {
    let n = 0;
    for (const t of this.trackers) {
      if (!t.chained) continue;
      t.skipNext = true;
      n++;
    }
    return n;
  }

  detach(t: BookTracker): void {
    this.trackers.delete(t);
  }

  private set(bid: boolean, price: number, qty: number): void {
    const side = bid ? this.bids : this.asks;
    if (qty === 0) side.delete(price);
    else side.set(price, qty);
    // Futures: most changes come after ids used elsewhere (0–7 skipped), so U − pu is rarely 1.
    this.updateId += this.sym.futures ? 1 + this.rng.int(8) : 1;
    for (const t of this.trackers) {
      if (t.firstU === 0) t.firstU = this.updateId;
      (bid ? t.bids : t.asks).set(price, qty);
    }
  }

  /** Apply a few random changes around the (moving) mid. */
  mutate(): void {
    const mid = this.sym.step();
    for (const p of this.asks.keys()) if (p <= mid) this.set(false, p, 0);
    for (const p of this.bids.keys()) if (p >= mid) this.set(true, p, 0);
    const n = 1 + this.rng.int(3);
    for (let i = 0; i < n; i++) {
      const bid = this.rng.bool();
      const off = Math.floor(this.rng.next() ** 2 * LEVELS);
      const st = this.sym.stepTicks;
      const price = bid ? mid - st * (1 + off) : mid + st * (1 + off);
      const side = bid ? this.bids : this.asks;
      const qty = side.has(price) && this.rng.bool(0.15) ? 0 : this.sym.randomQty(this.rng);
      this.set(bid, price, qty);
    }
    if (this.bids.size === 0) this.set(true, mid - this.sym.stepTicks, this.sym.randomQty(this.rng));
    if (this.asks.size === 0) this.set(false, mid + this.sym.stepTicks, this.sym.randomQty(this.rng));
    this.trim(true, mid);
    this.trim(false, mid);
  }

  private trim(bid: boolean, mid: number): void {
    const side = bid ? this.bids : this.asks;
    if (side.size <= LEVELS * 2) return;
    for (const p of side.keys()) if (Math.abs(p - mid) > LEVELS * 1.5 * this.sym.stepTicks) this.set(bid, p, 0);
  }

  /** Best `n` levels per side, best first. */
  top(n: number): { bids: Level[]; asks: Level[] } {
    const bids = [...this.bids.keys()]
      .sort((a, b) => b - a)
      .slice(0, n)
      .map((p): Level => [p, this.bids.get(p) ?? 0]);
    const asks = [...this.asks.keys()]
      .sort((a, b) => a - b)
      .slice(0, n)
      .map((p): Level => [p, this.asks.get(p) ?? 0]);
    return { bids, asks };
  }

  best(): { bid: Level; ask: Level } {
    let bp = -Infinity;
    for (const p of this.bids.keys()) if (p > bp) bp = p;
    let ap = Infinity;
    for (const p of this.asks.keys()) if (p < ap) ap = p;
    return { bid: [bp, this.bids.get(bp) ?? 0], ask: [ap, this.asks.get(ap) ?? 0] };
  }

  /** `[["price","qty"],…]` JSON for levels. */
  levelsJson(levels: Iterable<Level>): string {
    let out = '[';
    let first = true;
    for (const [p, q] of levels) {
      out += `${first ? '' : ','}["${this.sym.px(p)}","${this.sym.qty(q)}"]`;
      first = false;
    }
    return out + ']';
  }
}
