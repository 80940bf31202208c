import type { MarketId } from '../profile';
import type { Clock } from '../clock';
import type { RateFunction, RateTable, ResolvedOptions } from '../options';
import { ActivityModel } from '../streams/activity';
import type { ActivityProfileOptions } from '../streams/activity-options';
import { History } from './history';
import type { Level } from './order-book';
import { OrderBook } from './order-book';
import { defaultRates, parseStream } from './rates';
import type { StreamGenerator } from './stream-generators';
import { createStreamGenerator } from './stream-factory';
import { SymbolState } from './symbol-state';

export type { StreamGenerator } from './stream-generators';

/** `fake.orderBook()`: a symbol's book as the emulator holds it. */
export interface BookView {
  /** The update id of the last change applied (what a REST snapshot taken now would carry). */
  readonly lastUpdateId: number;
  /** `[price, qty]`, best first. */
  readonly bids: [string, string][];
  readonly asks: [string, string][];
}

/** Where the market's history sits in time (history.ts). */
export interface MarketClock {
  /** Wall-clock ms of emulator time 0. */
  readonly origin: number;
  readonly timeScale: number;
  /** The history window (emulator ms). */
  readonly retentionMs: number;
  readonly autoGenerate: boolean;
  readonly activity: ActivityProfileOptions | undefined;
  now(): number;
}

/**
 * Deterministic synthetic market data with Binance's field names. Generators build
 * the JSON text directly (no intermediate objects), so a frame costs one string.
 * Trades, aggTrades and klines are the market's history (history.ts): functions of the
 * seed and the time, the same whether or not anyone subscribed. The book and tickers
 * are per symbol state that follows the symbol's price path, seeded from `seed`.
 */

export class MarketData {
  private readonly symbolSet: ReadonlySet<string>;
  private readonly states = new Map<string, SymbolState>();
  private readonly books = new Map<string, OrderBook>();
  readonly futures: boolean;
  /** The realistic activity model (`activity: 'realistic'`), shared with the hub's pacing. */
  readonly activity: ActivityModel | undefined;
  readonly history: History;

  constructor(
    readonly market: MarketId,
    readonly symbols: readonly string[],
    readonly seed: number,
    private readonly rates: RateTable | RateFunction | undefined,
    readonly clock: MarketClock,
  ) {
    this.symbolSet = new Set(symbols);
    this.futures = market !== 'spot';
    this.activity = clock.activity && new ActivityModel(market, clock.activity);
    this.history = new History({
      seed,
      futures: this.futures,
      origin: clock.origin,
      timeScale: clock.timeScale,
      retentionMs: clock.retentionMs,
      autoGenerate: clock.autoGenerate,
      activity: this.activity,
      rateFor: (st) => this.rateFor(st),
      now: () => clock.now(),
      symbol: (sy) => this.symbol(sy),
    });
  }

  /** The emulator's market data: its options, history from now on the emulator's clock. */
  static of(opts: ResolvedOptions, seed: number, clock: Clock): MarketData {
    const c = { origin: clock.now(), timeScale: opts.timeScale, retentionMs: opts.historyRetentionMs, autoGenerate: opts.autoGenerate, activity: opts.activity, now: () => clock.now() };
    return new MarketData(opts.market, opts.symbols, seed, opts.rates, c);
  }

  hasSymbol(symbol: string): boolean {
    return this.symbolSet.has(symbol);
  }

  symbol(symbol: string): SymbolState | undefined {
    let s = this.states.get(symbol);
    if (!s && this.symbolSet.has(symbol)) {
      s = new SymbolState(symbol, this.seed, this.futures);
      this.states.set(symbol, s);
      const path = this.history.createPath(s);
      s.anchor = () => path.at(this.clock.now());
    }
    return s;
  }

  book(symbol: string): OrderBook | undefined {
    let b = this.books.get(symbol);
    if (!b) {
      const s = this.symbol(symbol);
      if (!s) return undefined;
      s.step(); // around the price of the moment
      b = new OrderBook(s, this.seed);
      this.books.set(symbol, b);
    }
    return b;
  }

  /** msgs/s for a stream: user function, user table (exact suffix, then family), defaults. */
  rateFor(stream: string): number {
    const { suffix, base, family } = parseStream(stream);
    if (typeof this.rates === 'function') {
      const r = this.rates(stream);
      if (typeof r === 'number' && r >= 0) return r;
    } else if (this.rates) {
      const r = this.rates[suffix] ?? this.rates[base] ?? this.rates[family] ?? (family.startsWith('depthN') ? this.rates['depthN'] : undefined);
      if (r !== undefined) return r;
    }
    const d = defaultRates(this.market);
    return d[suffix] ?? d[base] ?? d[family] ?? 1;
  }

  /** Every symbol's state, in `symbols` order. */
  all(): SymbolState[] {
    return this.symbols.map((s) => this.symbol(s)).filter((s): s is SymbolState => s !== undefined);
  }

  /** A generator for a stream this market publishes, or undefined (unknown streams stay silent, as on Binance). */
  createGenerator(stream: string): StreamGenerator | undefined {
    return createStreamGenerator(this, stream);
  }

  /** REST depth snapshot body (spot shape; futures adds `E`/`T`, COIN-M also `symbol`/`pair`). */
  depthSnapshot(symbol: string, limit: number, now: number): string | undefined {
    const book = this.book(symbol);
    if (!book) return undefined;
    const top = book.top(limit);
    const levels = `"bids":${book.levelsJson(top.bids)},"asks":${book.levelsJson(top.asks)}`;
    if (!this.futures) return `{"lastUpdateId":${book.updateId},${levels}}`;
    const cm = this.market === 'coinm' ? `"symbol":"${book.sym.upper}","pair":"${book.sym.pair}",` : '';
    return `{"lastUpdateId":${book.updateId},${cm}"E":${now},"T":${now},${levels}}`;
  }

  /** The emulator's current book of a symbol (best first, as REST formats it), `depth` levels per side. */
  bookView(symbol: string, depth = Infinity): BookView | undefined {
    const book = this.book(symbol);
    if (!book) return undefined;
    const top = book.top(depth);
    const fmt = (l: Level): [string, string] => [book.sym.px(l[0]), book.sym.qty(l[1])];
    return { lastUpdateId: book.updateId, bids: top.bids.map(fmt), asks: top.asks.map(fmt) };
  }
}
