import type { MarketId } from '../core/markets';
import { KlineSeries, isKlineInterval, klineOpenTime } from './klines';
import type { RateFunction, RateTable } from './options';
import { OrderBook } from './order-book';
import { Rng, hashString } from './rng';
import { SymbolState } from './symbol-state';

/**
 * Deterministic synthetic market data with Binance's field names. Generators build
 * the JSON text directly (no intermediate objects), so a frame costs one string.
 * State is per symbol (price walk, order book, kline series) and per stream
 * (trade/aggTrade ids), seeded from `seed` and the name: the same seed and the
 * same subscriptions give the same ids, prices and quantities.
 */

/** Produces the next event(s) of one stream. */
export interface StreamGenerator {
  readonly stream: string;
  /** One JSON payload, several (all-market streams, kline close + update), or none. */
  next(now: number): string | string[] | undefined;
  /**
   * Full-speed mode (see flood.ts): templates whose sequence fields are patched in place.
   * Streams without one are flooded from a few generated payloads with only `E` patched.
   */
  readonly flood?: FloodSource | undefined;
  dispose(): void;
}

/**
 * What flood mode needs from a generator: sample payloads plus the top-level numeric
 * fields that carry the stream's sequence (`a`/`f`/`l`, `t`, `U`/`u`/`pu`, `u`,
 * `lastUpdateId`), each advancing by a fixed step per event, so a flood continues the
 * generator's own sequence (and later generated events continue the flood's).
 */
export interface FloodSource {
  /** Sequence fields: JSON key and the increment per event. */
  readonly ids: readonly { readonly key: string; readonly step: number }[];
  /** Keys set to the publish time (ms) of each batch (`E`, `T`; every occurrence). */
  readonly timeKeys: readonly string[];
  /** Values of `ids` for the next event. */
  peek(): number[];
  /** `count` payloads (prices/quantities vary) written with the ids `ids` and time `now`. */
  render(count: number, ids: readonly number[], now: number): string[];
  /** `n` events were published with consecutive ids: advance the counters. */
  commit(n: number): void;
}

const SPOT_RATES: RateTable = {
  aggTrade: 10, trade: 10, bookTicker: 20, depth: 1, 'depth@100ms': 10, 'depth@1000ms': 1, depthN: 1, 'depthN@100ms': 10,
  'depthN@1000ms': 1, kline: 0.5, 'kline_1s': 1, miniTicker: 1, ticker: 1, avgPrice: 1, '!miniTicker@arr': 1,
};

const FUTURES_RATES: RateTable = {
  aggTrade: 10, trade: 10, bookTicker: 20, depth: 4, 'depth@100ms': 10, 'depth@250ms': 4, 'depth@500ms': 2, depthN: 4,
  'depthN@100ms': 10, 'depthN@250ms': 4, 'depthN@500ms': 2, kline: 4, markPrice: 1 / 3, 'markPrice@1s': 1, miniTicker: 0.5,
  ticker: 0.5, '!markPrice@arr': 1 / 3, '!markPrice@arr@1s': 1, '!miniTicker@arr': 1, '!ticker@arr': 1, '!bookTicker': 0.2,
};

/** The realistic default rates (msgs/s) of a market, by kind key. */
export function defaultRates(market: MarketId): RateTable {
  return market === 'spot' ? SPOT_RATES : FUTURES_RATES;
}

/** `btcusdt@depth20@100ms` → `{ symbol: 'btcusdt', suffix: 'depth20@100ms', family: 'depthN@100ms' }`. */
export function parseStream(stream: string): { symbol: string | undefined; suffix: string; family: string } {
  if (stream.startsWith('!')) return { symbol: undefined, suffix: stream, family: stream };
  const at = stream.indexOf('@');
  if (at < 0) return { symbol: undefined, suffix: stream, family: stream };
  const symbol = stream.slice(0, at);
  const suffix = stream.slice(at + 1);
  let family = suffix;
  if (suffix.startsWith('kline_')) family = 'kline';
  else {
    const m = /^depth(5|10|20)(@\d+ms)?$/.exec(suffix);
    if (m) family = `depthN${m[2] ?? ''}`;
  }
  return { symbol, suffix, family };
}

function times(n: number, f: () => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(f());
  return out;
}

export class MarketData {
  private readonly symbolSet: ReadonlySet<string>;
  private readonly states = new Map<string, SymbolState>();
  private readonly books = new Map<string, OrderBook>();
  private readonly klineSeries = new Map<string, KlineSeries>();
  readonly futures: boolean;

  constructor(
    readonly market: MarketId,
    readonly symbols: readonly string[],
    readonly seed: number,
    private readonly rates: RateTable | RateFunction | undefined,
  ) {
    this.symbolSet = new Set(symbols);
    this.futures = market !== 'spot';
  }

  hasSymbol(symbol: string): boolean {
    return this.symbolSet.has(symbol);
  }

  symbol(symbol: string): SymbolState | undefined {
    let s = this.states.get(symbol);
    if (!s && this.symbolSet.has(symbol)) {
      s = new SymbolState(symbol, this.seed, this.futures);
      this.states.set(symbol, s);
    }
    return s;
  }

  book(symbol: string): OrderBook | undefined {
    let b = this.books.get(symbol);
    if (!b) {
      const s = this.symbol(symbol);
      if (!s) return undefined;
      b = new OrderBook(s, this.seed);
      this.books.set(symbol, b);
    }
    return b;
  }

  klines(symbol: string, interval: string, now: number): KlineSeries | undefined {
    if (!isKlineInterval(interval, this.futures)) return undefined;
    const key = `${symbol}@${interval}`;
    let k = this.klineSeries.get(key);
    if (!k) {
      const s = this.symbol(symbol);
      if (!s) return undefined;
      k = new KlineSeries(s, interval, new Rng(hashString(key + '#kline', this.seed)), now);
      this.klineSeries.set(key, k);
    }
    k.advance(now);
    return k;
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
  createGenerator(stream: string, createdAt: number): StreamGenerator | undefined {
    const { symbol, suffix } = parseStream(stream);
    const rng = new Rng(hashString(stream, this.seed));
    if (symbol === undefined) return this.allMarket(stream, rng);
    const sym = this.symbol(symbol);
    if (!sym) return undefined;
    const fut = this.futures;
    const cm = this.market === 'coinm';
    const stdStr = (f: (now: number) => string): StreamGenerator => ({ stream, next: f, dispose() {} });

    switch (suffix) {
      case 'aggTrade': {
        let a = 100_000_000 + rng.int(1e9);
        let tradeId = 1_000_000_000 + rng.int(1e9);
        const json = (now: number, aId: number, f: number, k: number, p: number, q: number, m: boolean): string => {
          const qs = sym.qty(q);
          return fut
            ? `{"e":"aggTrade","E":${now},"a":${aId},"s":"${sym.upper}","p":"${sym.px(p)}","q":"${qs}","nq":"${qs}","f":${f},"l":${f + k - 1},"T":${now},"m":${m}}`
            : `{"e":"aggTrade","E":${now},"s":"${sym.upper}","a":${aId},"p":"${sym.px(p)}","q":"${qs}","f":${f},"l":${f + k - 1},"T":${now},"m":${m},"M":true}`;
        };
        const price = (): number => sym.step() + (rng.bool() ? 0 : rng.bool() ? 1 : -1) * sym.stepTicks;
        return {
          stream,
          next: (now) => {
            const p = price();
            const q = sym.randomQty(rng);
            const k = 1 + rng.int(3);
            const f = tradeId;
            tradeId += k;
            sym.recordTrade(q, p);
            return json(now, a++, f, k, p, q, rng.bool());
          },
          flood: {
            // One trade per aggTrade in a flood: a, f and l all advance by one.
            ids: [{ key: 'a', step: 1 }, { key: 'f', step: 1 }, { key: 'l', step: 1 }],
            timeKeys: ['E', 'T'],
            peek: () => [a, tradeId, tradeId],
            render: (count, ids, now) => times(count, () => json(now, ids[0] ?? a, ids[1] ?? tradeId, 1, price(), sym.randomQty(rng), rng.bool())),
            commit: (n) => {
              a += n;
              tradeId += n;
            },
          },
          dispose() {},
        };
      }
      case 'trade': {
        let t = 1_000_000_000 + rng.int(1e9);
        const json = (now: number, id: number, p: number, q: number, m: boolean): string =>
          fut
            ? `{"e":"trade","E":${now},"T":${now},"s":"${sym.upper}","t":${id},"p":"${sym.px(p)}","q":"${sym.qty(q)}","X":"MARKET","m":${m}}`
            : `{"e":"trade","E":${now},"s":"${sym.upper}","t":${id},"p":"${sym.px(p)}","q":"${sym.qty(q)}","T":${now},"m":${m},"M":true}`;
        return {
          stream,
          next: (now) => {
            const p = sym.step();
            const q = sym.randomQty(rng);
            sym.recordTrade(q, p);
            return json(now, t++, p, q, rng.bool());
          },
          flood: {
            ids: [{ key: 't', step: 1 }],
            timeKeys: ['E', 'T'],
            peek: () => [t],
            render: (count, ids, now) => times(count, () => json(now, ids[0] ?? t, sym.step(), sym.randomQty(rng), rng.bool())),
            commit: (n) => {
              t += n;
            },
          },
          dispose() {},
        };
      }
      case 'bookTicker': {
        const book = this.book(symbol);
        if (!book) return undefined;
        const json = (now: number, u: number): string => {
          const { bid, ask } = book.best();
          const body = `"s":"${sym.upper}","b":"${sym.px(bid[0])}","B":"${sym.qty(bid[1])}","a":"${sym.px(ask[0])}","A":"${sym.qty(ask[1])}"`;
          return fut ? `{"e":"bookTicker","u":${u},"E":${now},"T":${now},${body}}` : `{"u":${u},${body}}`;
        };
        return {
          stream,
          next: (now) => {
            book.mutate();
            return json(now, book.updateId);
          },
          flood: {
            ids: [{ key: 'u', step: 1 }],
            timeKeys: fut ? ['E', 'T'] : [],
            peek: () => [book.updateId + 1],
            render: (count, ids, now) => times(count, () => json(now, ids[0] ?? book.updateId)),
            commit: (n) => {
              book.updateId += n;
            },
          },
          dispose() {},
        };
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
      const series = this.klines(symbol, interval, createdAt);
      if (!series) return undefined;
      return {
        stream,
        next: (now) => {
          const closed = series.advance(now);
          series.trade();
          const out: string[] = [];
          for (const bar of closed.slice(-3)) out.push(`{"e":"kline","E":${now},"s":"${sym.upper}","k":${series.kJson(bar, true)}}`);
          out.push(`{"e":"kline","E":${now},"s":"${sym.upper}","k":${series.kJson(series.current, false)}}`);
          return out.length === 1 ? out[0] : out;
        },
        dispose() {},
      };
    }

    const diff = /^depth(@(100|250|500|1000)ms)?$/.exec(suffix);
    const partial = /^depth(5|10|20)(@(100|250|500|1000)ms)?$/.exec(suffix);
    if (diff || partial) {
      const speed = diff ? diff[2] : partial?.[3];
      if (speed && (fut ? speed === '1000' : speed === '250' || speed === '500')) return undefined;
      const book = this.book(symbol);
      if (!book) return undefined;
      const tracker = book.attach();
      const levels = partial ? Number(partial[1]) : 0;
      const ps = cm ? `"ps":"${sym.pair}",` : '';
      const json = (now: number, U: number, u: number, pu: number, b: string, a: string): string =>
        partial && !fut
          ? `{"lastUpdateId":${u},"bids":${b},"asks":${a}}`
          : fut
            ? `{"e":"depthUpdate","E":${now},"T":${now},"s":"${sym.upper}",${ps}"U":${U},"u":${u},"pu":${pu},"b":${b},"a":${a}}`
            : `{"e":"depthUpdate","E":${now},"s":"${sym.upper}","U":${U},"u":${u},"b":${b},"a":${a}}`;
      // Flood: every event spans 3 update ids (U = previous u + 1, u = U + 2, pu = previous u).
      const floodIds = partial && !fut
        ? [{ key: 'lastUpdateId', step: 3 }]
        : fut
          ? [{ key: 'U', step: 3 }, { key: 'u', step: 3 }, { key: 'pu', step: 3 }]
          : [{ key: 'U', step: 3 }, { key: 'u', step: 3 }];
      return {
        stream,
        next: (now) => {
          book.mutate();
          const U = tracker.lastU + 1;
          const u = book.updateId;
          const pu = tracker.lastU;
          tracker.lastU = u;
          if (partial) {
            tracker.bids.clear();
            tracker.asks.clear();
            const top = book.top(levels);
            return json(now, U, u, pu, book.levelsJson(top.bids), book.levelsJson(top.asks));
          }
          const b = book.levelsJson(tracker.bids.entries());
          const a = book.levelsJson(tracker.asks.entries());
          tracker.bids.clear();
          tracker.asks.clear();
          return json(now, U, u, pu, b, a);
        },
        flood: {
          ids: floodIds,
          timeKeys: fut ? ['E', 'T'] : partial ? [] : ['E'],
          peek: () => {
            const L = tracker.lastU;
            return partial && !fut ? [L + 3] : fut ? [L + 1, L + 3, L] : [L + 1, L + 3];
          },
          render: (count, ids, now) => {
            const top = book.top(partial ? levels : 2);
            const b = book.levelsJson(top.bids);
            const a = book.levelsJson(top.asks);
            const [x = 0, y = 0, z = 0] = ids;
            return times(count, () => (partial && !fut ? json(now, 0, x, 0, b, a) : json(now, x, y, z, b, a)));
          },
          commit: (n) => {
            tracker.lastU += 3 * n;
            if (book.updateId < tracker.lastU) book.updateId = tracker.lastU;
          },
        },
        dispose: () => book.detach(tracker),
      };
    }
    return undefined;
  }

  private allMarket(stream: string, _rng: Rng): StreamGenerator | undefined {
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

  /** REST depth snapshot body (spot shape; futures adds `E`/`T`). */
  depthSnapshot(symbol: string, limit: number, now: number): string | undefined {
    const book = this.book(symbol);
    if (!book) return undefined;
    const top = book.top(limit);
    const body = `"lastUpdateId":${book.updateId},"bids":${book.levelsJson(top.bids)},"asks":${book.levelsJson(top.asks)}`;
    return this.futures ? `{"lastUpdateId":${book.updateId},"E":${now},"T":${now},"bids":${book.levelsJson(top.bids)},"asks":${book.levelsJson(top.asks)}}` : `{${body}}`;
  }

  klineOpen(interval: string, t: number): number {
    return klineOpenTime(interval, t);
  }
}
