import type { MarketId } from '../profile';
import type { Clock } from '../clock';
import type { RateFunction, RateTable, ResolvedOptions } from '../options';
import { ActivityModel } from '../streams/activity';
import type { ActivityProfileOptions } from '../streams/activity-options';
import { History } from './history';
import type { LiveBar } from './klines';
import { klineOpenTime, nextOpenTime } from './klines';
import type { Level } from './order-book';
import { OrderBook } from './order-book';
import { defaultRates, parseStream } from './rates';
import type { StreamGenerator } from './stream-generators';
import { bookTickerGenerator, depthGenerator } from './stream-generators';
import { SymbolState } from './symbol-state';
import { tapeGenerator } from './tape-stream';

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
    const { suffix, family } = parseStream(stream);
    if (typeof this.rates === 'function') {
      const r = this.rates(stream);
      if (typeof r === 'number' && r >= 0) return r;
    } else if (this.rates) {
      const r = this.rates[suffix] ?? this.rates[family] ?? (family.startsWith('depthN') ? this.rates['depthN'] : undefined);
      if (r !== undefined) return r;
    }
    const d = defaultRates(this.market);
    return d[suffix] ?? d[family] ?? 1;
  }

  /** A generator for a stream this market publishes, or undefined (unknown streams stay silent, as on Binance). */
  createGenerator(stream: string): StreamGenerator | undefined {
    const { symbol, suffix } = parseStream(stream);
    if (symbol === undefined) return this.allMarket(stream);
    const sym = this.symbol(symbol);
    if (!sym) return undefined;
    const fut = this.futures;
    const cm = this.market === 'coinm';
    const stdStr = (f: (now: number) => string): StreamGenerator => ({ stream, next: f, dispose() {} });

    switch (suffix) {
      case 'aggTrade':
      case 'trade': {
        const tape = this.history.tape(symbol, suffix);
        return tape && tapeGenerator(stream, tape, fut);
      }
      case 'bookTicker': {
        const book = this.book(symbol);
        return book && bookTickerGenerator(stream, sym, book, fut);
      }
      case 'miniTicker':
        return stdStr((now) => this.miniTickerJson(sym, now));
      case 'ticker':
        return stdStr((now) => this.tickerJson(sym, now));
      case 'avgPrice':
        if (fut) return undefined;
        return stdStr((now) => {
          return `{"e":"avgPrice","E":${now},"s":"${sym.upper}","i":"5m","w":"${sym.px(sym.step())}","T":${now}}`;
        });
      case 'markPrice':
      case 'markPrice@1s':
        if (!fut) return undefined;
        return stdStr((now) => this.markPriceJson(sym, now));
      default:
        break;
    }

    if (suffix.startsWith('kline_')) {
      const interval = suffix.slice(6);
      const series = this.history.klines(symbol, interval);
      if (!series) return undefined;
      let lastOpen: number | undefined;
      const live: LiveBar = { open: NaN, until: 0, h: 0, l: 0 };
      const event = (now: number, k: string): string => `{"e":"kline","E":${now},"s":"${sym.upper}","k":${k}}`;
      return {
        stream,
        next: (now) => {
          const open = klineOpenTime(interval, now);
          const out: string[] = [];
          // The bars that closed since the previous event (the last 3), then the open one.
          if (lastOpen !== undefined && open > lastOpen) {
            const closed: number[] = [];
            for (let o = lastOpen; o < open; o = nextOpenTime(interval, o)) if (closed.push(o) > 3) closed.shift();
            for (const o of closed) out.push(event(now, series.kJson(series.bar(o, now), true)));
          }
          lastOpen = open;
          out.push(event(now, series.kJson(series.bar(open, now, live), false)));
          return out.length === 1 ? out[0] : out;
        },
        dispose() {},
      };
    }

    return depthGenerator(stream, suffix, sym, () => this.book(symbol), fut, cm);
  }

  private allMarket(stream: string): StreamGenerator | undefined {
    const fut = this.futures;
    const all = (): SymbolState[] => this.symbols.map((s) => this.symbol(s)).filter((s): s is SymbolState => s !== undefined);
    const arr = (f: (s: SymbolState, now: number) => string): StreamGenerator => ({
      stream,
      next: (now) => {
        let out = '[';
        let first = true;
        for (const s of all()) {
          s.step();
          out += (first ? '' : ',') + f(s, now);
          first = false;
        }
        return out + ']';
      },
      dispose() {},
    });
    switch (stream) {
      case '!miniTicker@arr':
        return arr((s, now) => this.miniTickerJson(s, now));
      case '!ticker@arr':
        return fut ? arr((s, now) => this.tickerJson(s, now)) : undefined;
      case '!markPrice@arr':
      case '!markPrice@arr@1s':
        return fut ? arr((s, now) => this.markPriceJson(s, now)) : undefined;
      case '!bookTicker':
        if (!fut) return undefined;
        return {
          stream,
          next: (now) =>
            all().map((s) => {
              const book = this.book(s.symbol);
              if (!book) return '{}';
              book.mutate();
              const { bid, ask } = book.best();
              return `{"e":"bookTicker","u":${book.updateId},"E":${now},"T":${now},"s":"${s.upper}","b":"${s.px(bid[0])}","B":"${s.qty(bid[1])}","a":"${s.px(ask[0])}","A":"${s.qty(ask[1])}"}`;
            }),
          dispose() {},
        };
      default:
        return undefined;
    }
  }

  private miniTickerJson(s: SymbolState, now: number): string {
    const c = s.step();
    return `{"e":"24hrMiniTicker","E":${now},"s":"${s.upper}","c":"${s.px(c)}","o":"${s.px(s.open24)}","h":"${s.px(s.high24)}","l":"${s.px(s.low24)}","v":"${s.volume24.toFixed(3)}","q":"${s.quoteVolume24.toFixed(3)}"}`;
  }

  private tickerJson(s: SymbolState, now: number): string {
    const c = s.step();
    const change = c - s.open24;
    const pct = ((change / s.open24) * 100).toFixed(3);
    const w = s.px(Math.round((c + s.open24) / 2));
    const lastId = s.firstTradeId24 + s.count24 - 1;
    const common = `"p":"${s.px(change)}","P":"${pct}","w":"${w}"`;
    const tail = `"o":"${s.px(s.open24)}","h":"${s.px(s.high24)}","l":"${s.px(s.low24)}","v":"${s.volume24.toFixed(3)}","q":"${s.quoteVolume24.toFixed(3)}","O":${now - 86_400_000},"C":${now},"F":${s.firstTradeId24},"L":${lastId},"n":${s.count24}`;
    if (this.futures) return `{"e":"24hrTicker","E":${now},"s":"${s.upper}",${common},"c":"${s.px(c)}","Q":"${s.qty(s.lastQty || 1)}",${tail}}`;
    return `{"e":"24hrTicker","E":${now},"s":"${s.upper}",${common},"x":"${s.px(s.open24)}","c":"${s.px(c)}","Q":"${s.qty(s.lastQty || 1)}","b":"${s.px(c - s.stepTicks)}","B":"${s.qty(1)}","a":"${s.px(c + s.stepTicks)}","A":"${s.qty(1)}",${tail}}`;
  }

  private markPriceJson(s: SymbolState, now: number): string {
    const m = s.step();
    const nextFunding = Math.floor(now / 28_800_000) * 28_800_000 + 28_800_000;
    return `{"e":"markPriceUpdate","E":${now},"s":"${s.upper}","p":"${s.px(m)}","ap":"${s.px(m)}","P":"${s.px(m + s.stepTicks)}","i":"${s.px(m - s.stepTicks)}","r":"0.00010000","T":${nextFunding}}`;
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
