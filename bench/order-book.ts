/**
 * Local order books: the data structure and the synchroniser, measured. Standalone, in-process,
 * no network:
 *
 *   npx tsx bench/order-book.ts            # full run (~20 s)
 *   npx tsx bench/order-book.ts --quick    # fewer operations
 *
 * 1. 100 books at Binance rates (first, so section 2's garbage does not blur the heap figures):
 *    100 `BookSync`s (spot rules, depth 1,000, snapshot of 1,000 levels a side), each fed chained
 *    diff events of the size BTCUSDT@depth@100ms carries (10 events/s, ~35 levels each, parsed
 *    from JSON text as the client does): events and levels applied per second (capacity), the
 *    CPU share 100 books at that rate need, and the heap the 100 books hold.
 * 2. Structure: one side of a book at Binance's depths (1,000 futures / 5,000 spot levels), changes
 *    mostly near the best price (the rank of a change is exponential with a mean of 20, 100 or 5 %
 *    of the depth levels; a quarter of changes to a known level remove it), on four structures:
 *    - `BookSide` (src/book/book-side.ts, what the library uses): sorted plain arrays of numeric
 *      keys and tuples, best LAST: binary search, `splice` moves only the levels better than the
 *      change (a memmove), the cap evicts the worst with `shift()` (O(1) in V8);
 *    - a B-tree-ish sorted structure: a sorted list of sorted leaves of ≤ 128 levels (the shape of
 *      Python's sortedcontainers / a B+tree of height 2): binary search over leaves, then in the leaf;
 *    - a sorted deque (Float64Array keys, room at both ends, moves the nearer part; the first
 *      version of BookSide);
 *    - a plain sorted array, best FIRST, with `splice` (the naive baseline: every change near the
 *      best moves the whole side).
 */
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { BookSide } from '../src/book/book-side';
import { BookSync } from '../src/book/book-sync';
import type { DepthSnapshot } from '../src/book/order-book';
import type { DepthUpdateEvent, PriceLevel } from '../src/streams/types';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const OPS = args.quick ? 200_000 : 1_000_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let seed = 42;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const px = (t: number) => (t / 100).toFixed(2);
const qty = () => (rand() * 5).toFixed(5);

// ---------------------------------------------------------------- 2. structures (classes; timed at the end)

interface Side {
  set(l: PriceLevel): boolean;
  readonly size: number;
}

/** A sorted list of sorted leaves (B-tree-ish, height 2), best at the end like BookSide. */
class LeafSide implements Side {
  private leaves: { keys: number[]; levels: PriceLevel[] }[] = [{ keys: [], levels: [] }];
  size = 0;
  constructor(
    private readonly sign: 1 | -1,
    private readonly cap: number,
    private readonly B = 128,
  ) {}
  set(l: PriceLevel): boolean {
    const key = this.sign * Number(l[0]);
    const leaves = this.leaves;
    let lo = 0;
    let hi = leaves.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = leaves[mid]!.keys;
      if (k[k.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    const leaf = leaves[lo]!;
    const keys = leaf.keys;
    let a = 0;
    let b = keys.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (keys[m]! < key) a = m + 1;
      else b = m;
    }
    const found = a < keys.length && keys[a] === key;
    if (Number(l[1]) === 0) {
      if (!found) return false;
      keys.splice(a, 1);
      leaf.levels.splice(a, 1);
      this.size--;
      if (keys.length === 0 && leaves.length > 1) leaves.splice(lo, 1);
      return true;
    }
    if (found) {
      leaf.levels[a] = l;
      return true;
    }
    if (this.size >= this.cap && lo === 0 && a === 0) return false;
    keys.splice(a, 0, key);
    leaf.levels.splice(a, 0, l);
    this.size++;
    if (keys.length > this.B) leaves.splice(lo + 1, 0, { keys: keys.splice(this.B >> 1), levels: leaf.levels.splice(this.B >> 1) });
    if (this.size > this.cap) {
      const first = leaves[0]!;
      first.keys.shift();
      first.levels.shift();
      this.size--;
      if (first.keys.length === 0 && leaves.length > 1) leaves.shift();
    }
    return true;
  }
}

/** A plain sorted array, best first, with splice. */
class SpliceSide implements Side {
  private keys: number[] = [];
  private levels: PriceLevel[] = [];
  constructor(
    private readonly sign: 1 | -1,
    private readonly cap: number,
  ) {}
  get size(): number {
    return this.keys.length;
  }
  set(l: PriceLevel): boolean {
    const key = -this.sign * Number(l[0]); // ascending = best first
    const keys = this.keys;
    let a = 0;
    let b = keys.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (keys[m]! < key) a = m + 1;
      else b = m;
    }
    const found = a < keys.length && keys[a] === key;
    if (Number(l[1]) === 0) {
      if (!found) return false;
      keys.splice(a, 1);
      this.levels.splice(a, 1);
      return true;
    }
    if (found) return ((this.levels[a] = l), true);
    if (keys.length >= this.cap && a === keys.length) return false;
    keys.splice(a, 0, key);
    this.levels.splice(a, 0, l);
    if (keys.length > this.cap) {
      keys.pop();
      this.levels.pop();
    }
    return true;
  }
}

/** A sorted deque: Float64Array keys and a tuple array, best last, room at both ends. */
class DequeSide implements Side {
  private keys: Float64Array;
  private levels: (PriceLevel | undefined)[];
  private head: number;
  private tail: number;
  constructor(
    private readonly sign: 1 | -1,
    private readonly cap: number,
  ) {
    const c = 2 * cap + 4;
    this.keys = new Float64Array(c);
    this.levels = Array.from({ length: c }, () => undefined);
    this.head = this.tail = c >> 1;
  }
  get size(): number {
    return this.tail - this.head;
  }
  private move(target: number, start: number, end: number): void {
    this.keys.copyWithin(target, start, end);
    const a = this.levels;
    if (target < start) for (let i = start, j = target; i < end; i++, j++) a[j] = a[i];
    else for (let i = end - 1, j = target + end - 1 - start; i >= start; i--, j--) a[j] = a[i];
  }
  private recentre(): void {
    const n = this.size;
    const start = (this.keys.length - n) >> 1;
    this.move(start, this.head, this.tail);
    this.head = start;
    this.tail = start + n;
  }
  set(l: PriceLevel): boolean {
    const key = this.sign * Number(l[0]);
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.keys[m]! < key) lo = m + 1;
      else hi = m;
    }
    const found = lo < this.tail && this.keys[lo] === key;
    if (Number(l[1]) === 0) {
      if (!found) return false;
      if (lo - this.head < this.tail - 1 - lo) {
        this.move(this.head + 1, this.head, lo);
        this.head++;
      } else {
        this.move(lo, lo + 1, this.tail);
        this.tail--;
      }
      return true;
    }
    if (found) return ((this.levels[lo] = l), true);
    if (this.size >= this.cap && lo === this.head) return false;
    const left = lo - this.head < this.tail - lo;
    if (left ? this.head === 0 : this.tail === this.keys.length) {
      const rel = lo - this.head;
      this.recentre();
      lo = this.head + rel;
    }
    if (left) {
      this.move(this.head - 1, this.head, lo);
      this.head--;
      lo--;
    } else {
      this.move(lo + 1, lo, this.tail);
      this.tail++;
    }
    this.keys[lo] = key;
    this.levels[lo] = l;
    if (this.size > this.cap) this.head++;
    return true;
  }
}

/** Only what every structure must do per change: read the two decimal strings as numbers. */
class ParseOnly implements Side {
  size = 0;
  set(l: PriceLevel): boolean {
    return Number(l[0]) > Number(l[1]);
  }
}

/** A bid side's workload: `depth` levels loaded, then `ops` changes around a drifting best price. */
function workload(depth: number, ops: number, meanRank: number): { load: PriceLevel[]; ops: PriceLevel[] } {
  let best = 10_000_000;
  const live = new Set<number>();
  const load: PriceLevel[] = [];
  for (let i = 0; i < depth; i++) {
    load.push([px(best - i), qty()]);
    live.add(best - i);
  }
  const out: PriceLevel[] = [];
  for (let i = 0; i < ops; i++) {
    if (i % 50 === 0) best += Math.round((rand() - 0.5) * 6);
    const off = Math.floor(-Math.log(1 - rand()) * meanRank); // mostly near the best, a long tail
    const t = best - Math.min(off, depth * 2);
    const r = rand();
    if (live.has(t) && r < 0.25) {
      live.delete(t);
      out.push([px(t), '0.00000000']);
    } else {
      live.add(t);
      out.push([px(t), qty()]);
    }
  }
  return { load, ops: out };
}

function timeSide(make: () => Side, w: { load: PriceLevel[]; ops: PriceLevel[] }): number {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const s = make();
    for (const l of w.load) s.set(l);
    gc(); // no collection of an earlier structure's garbage inside the timing
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < w.ops.length; i++) s.set(w.ops[i]!);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / w.ops.length);
  }
  return best;
}

// ---------------------------------------------------------------- 1. 100 books

const BOOKS = 100;
const DEPTH = 1_000;
const EVENTS_PER_S = 10;
const LEVELS_PER_EVENT = 35;
const SECONDS = args.quick ? 20 : 120; // of Binance time, per book

function snapshotJson(mid: number): string {
  const bids: PriceLevel[] = [];
  const asks: PriceLevel[] = [];
  for (let i = 1; i <= DEPTH; i++) {
    bids.push([px(mid - i), qty()]);
    asks.push([px(mid + i), qty()]);
  }
  return JSON.stringify({ lastUpdateId: 1_000, bids, asks });
}

/** One book's events as Binance's JSON text (parsed at feed time, as the client does); levels crossed by a moving mid are removed, as Binance does. */
function eventTexts(mid: number, count: number): string[] {
  const out: string[] = [];
  const bids = new Set<number>();
  const asks = new Set<number>();
  for (let i = 1; i <= DEPTH; i++) {
    bids.add(mid - i);
    asks.add(mid + i);
  }
  let u = 1_000;
  for (let e = 0; e < count; e++) {
    const b: PriceLevel[] = [];
    const a: PriceLevel[] = [];
    if (e % 5 === 0) {
      mid += Math.round((rand() - 0.5) * 4);
      for (const t of [...bids].filter((x) => x >= mid)) bids.delete(t) && b.push([px(t), '0.00000000']);
      for (const t of [...asks].filter((x) => x <= mid)) asks.delete(t) && a.push([px(t), '0.00000000']);
    }
    for (let k = b.length + a.length; k < LEVELS_PER_EVENT; k++) {
      const off = 1 + Math.floor(-Math.log(1 - rand()) * 40);
      const bid = rand() < 0.5;
      const t = bid ? mid - off : mid + off;
      const side = bid ? bids : asks;
      const remove = side.has(t) && rand() < 0.25;
      if (remove) side.delete(t);
      else side.add(t);
      (bid ? b : a).push([px(t), remove ? '0.00000000' : qty()]);
    }
    const U = u + 1;
    u += 1 + Math.floor(rand() * 20);
    out.push(JSON.stringify({ e: 'depthUpdate', E: e, s: 'BTCUSDT', U, u, b, a }));
  }
  return out;
}

gc();
gc();
const heap0 = process.memoryUsage().heapUsed;
const mids = Array.from({ length: BOOKS }, (_, i) => 3_000_000 + i * 1_000);
const syncs = mids.map(
  (mid, i) => new BookSync({ symbol: `SYM${i}USDT`, market: 'spot', depth: DEPTH, fetchSnapshot: () => Promise.resolve(JSON.parse(snapshotJson(mid)) as DepthSnapshot), wantsBook: () => false }),
);
for (const s of syncs) s.push({ e: 'depthUpdate', E: 0, s: 'X', U: 999, u: 1_000, b: [], a: [] });
await Promise.all(syncs.map((s) => s.ready()));
gc();
const heapBooks = process.memoryUsage().heapUsed - heap0;

const perBook = EVENTS_PER_S * SECONDS;
const texts = mids.map((mid) => eventTexts(mid, perBook));
let levels = 0;
let parseNs = 0n;
let applyNs = 0n;
for (let e = 0; e < perBook; e++) {
  for (let b = 0; b < BOOKS; b++) {
    const t0 = process.hrtime.bigint();
    const ev = JSON.parse(texts[b]![e]!) as DepthUpdateEvent;
    const t1 = process.hrtime.bigint();
    syncs[b]!.push(ev);
    applyNs += process.hrtime.bigint() - t1;
    parseNs += t1 - t0;
    levels += ev.b.length + ev.a.length;
  }
}
const events = perBook * BOOKS;
const resyncs = syncs.reduce((n, s) => n + s.stats().resyncs, 0);
const applied = syncs.reduce((n, s) => n + s.stats().updatesApplied, 0);
const sizes = syncs.map((s) => s.book.size.bids + s.book.size.asks);
texts.length = 0;
gc();
const heapAfter = process.memoryUsage().heapUsed - heap0;
const applySec = Number(applyNs) / 1e9;
const needPerSec = BOOKS * EVENTS_PER_S;

console.log(`## 1. ${BOOKS} books (spot rules, depth ${DEPTH}), ${SECONDS} s of BTCUSDT@depth@100ms-sized events each (${EVENTS_PER_S}/s × ${LEVELS_PER_EVENT} levels)\n`);
console.log(`| figure | value |`);
console.log(`|---|---:|`);
console.log(`| events applied | ${applied.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} (resyncs: ${resyncs}) |`);
console.log(`| apply: events/s (one core) | ${Math.round(events / applySec).toLocaleString('en-US')} |`);
console.log(`| apply: levels/s (one core) | ${Math.round(levels / applySec).toLocaleString('en-US')} |`);
console.log(`| apply: µs per event | ${((applySec / events) * 1e6).toFixed(2)} |`);
console.log(`| JSON.parse of the same events: µs per event (for scale) | ${((Number(parseNs) / 1e9 / events) * 1e6).toFixed(2)} |`);
console.log(`| CPU for ${BOOKS} books at Binance rate (${needPerSec.toLocaleString('en-US')} events/s), apply only | ${(needPerSec * (applySec / events) * 100).toFixed(2)} % of a core |`);
console.log(`| heap: ${BOOKS} books just synced (${DEPTH} levels a side) | ${(heapBooks / 2 ** 20).toFixed(1)} MiB (${(heapBooks / BOOKS / 1024).toFixed(0)} KiB a book) |`);
console.log(`| heap: after the run (levels held ${Math.min(...sizes)}–${Math.max(...sizes)} a book) | ${(heapAfter / 2 ** 20).toFixed(1)} MiB (${(heapAfter / BOOKS / 1024).toFixed(0)} KiB a book) |`);
for (const s of syncs) s.close();

console.log(`\n## 2. One book side: ns per level change (best of 3 runs of ${OPS.toLocaleString('en-US')} changes)\n`);
console.log('| depth | mean rank of a change | BookSide (sorted arrays, best last) | B-tree-ish leaves of 128 | sorted deque | sorted array, best first | parsing the strings only |');
console.log('|------:|------:|------:|------:|------:|------:|------:|');
for (const depth of [1_000, 5_000]) {
  for (const meanRank of [20, 100, depth * 0.05]) {
    const w = workload(depth, OPS, meanRank);
    const makers = [() => new BookSide(1, depth), () => new LeafSide(1, depth), () => new DequeSide(1, depth), () => new SpliceSide(1, depth), () => new ParseOnly()];
    console.log(`| ${depth} | ${meanRank} | ${makers.map((make) => `${timeSide(make, w).toFixed(0)} ns`).join(' | ')} |`);
  }
}
