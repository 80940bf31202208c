/**
 * Generators of the symbol streams with sequence fields (bookTicker, diff and partial depth;
 * trade and aggTrade read their tape, tape-stream.ts), each with its flood source
 * (streams/flood/): the JSON text is built directly, and a flood continues the generator's own
 * ids (and vice versa).
 */
import type { FloodSource } from '../streams/flood/plan';
import type { OrderBook } from './order-book';
import type { SymbolState } from './symbol-state';

/** How the hub drives a stream that reads a tape (trade, aggTrade): events exist in time, the stream sends them when due. */
export interface TapeControl {
  /** The stream (re)starts: what happened since it last sent is history, not sent. */
  resume(now: number): void;
  /** Wall-clock ms of the next event it will send (Infinity: none). */
  nextDueAt(): number;
  /** Every event due by `now`, however many. */
  drain(now: number): string[];
}

/** Produces the next event(s) of one stream. */
export interface StreamGenerator {
  readonly stream: string;
  /** One JSON payload, several (all-market streams, kline close + update), or none. */
  next(now: number): string | string[] | undefined;
  /**
   * Full-speed mode (see streams/flood/): templates whose sequence fields are patched in place.
   * Streams without one are flooded from a few generated payloads with only `E` patched.
   */
  readonly flood?: FloodSource | undefined;
  /** Set for tape streams: paced by their tape's times, not by a rate. */
  readonly tape?: TapeControl | undefined;
  dispose(): void;
}

function times(n: number, f: () => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(f());
  return out;
}

/** Futures `bookTicker` JSON (`<s>@bookTicker` and `!bookTicker` entries; `st`: 1 = USD-M, 2 = COIN-M). */
export function futuresBookTickerJson(sym: SymbolState, book: OrderBook, now: number, u: number, st: number): string {
  const { bid, ask } = book.best();
  return `{"e":"bookTicker","u":${u},"E":${now},"T":${now},"s":"${sym.upper}","ps":"${sym.pair}","b":"${sym.px(bid[0])}","B":"${sym.qty(bid[1])}","a":"${sym.px(ask[0])}","A":"${sym.qty(ask[1])}","st":${st}}`;
}

/** `<s>@bookTicker`; `st` 0 on spot (no `e`/`E`), else the futures symbol type. */
export function bookTickerGenerator(stream: string, sym: SymbolState, book: OrderBook, st: number): StreamGenerator {
  const fut = st > 0;
  const json = (now: number, u: number): string => {
    if (fut) return futuresBookTickerJson(sym, book, now, u, st);
    const { bid, ask } = book.best();
    return `{"u":${u},"s":"${sym.upper}","b":"${sym.px(bid[0])}","B":"${sym.qty(bid[1])}","a":"${sym.px(ask[0])}","A":"${sym.qty(ask[1])}"}`;
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

/**
 * `<s>@depth[@<speed>]`, `<s>@depth<N>[@<speed>]` and USD-M `<s>@rpiDepth@500ms` (the same book:
 * RPI orders are not modelled). `st` 0 on spot, else the futures symbol type (1 = USD-M, 2 = COIN-M).
 * Undefined: not a depth stream, or a speed this market lacks.
 */
export function depthGenerator(stream: string, suffix: string, sym: SymbolState, getBook: () => OrderBook | undefined, st: number): StreamGenerator | undefined {
  const fut = st > 0;
  if (suffix === 'rpiDepth@500ms') {
    if (st !== 1) return undefined;
    suffix = 'depth@500ms';
  }
  const diff = /^depth(@(100|250|500|1000)ms)?$/.exec(suffix);
  const partial = /^depth(5|10|20)(@(100|250|500|1000)ms)?$/.exec(suffix);
  if (diff || partial) {
    const speed = diff ? diff[2] : partial?.[3];
    if (speed && (fut ? speed === '1000' : speed === '250' || speed === '500')) return undefined;
    const book = getBook();
    if (!book) return undefined;
    const tracker = book.attach(!!diff || fut);
    const levels = partial ? Number(partial[1]) : 0;
    const ps = `"ps":"${sym.pair}",`;
    const json = (now: number, U: number, u: number, pu: number, b: string, a: string): string =>
      partial && !fut
        ? `{"lastUpdateId":${u},"bids":${b},"asks":${a}}`
        : fut
          ? `{"e":"depthUpdate","E":${now},"T":${now},"s":"${sym.upper}",${ps}"U":${U},"u":${u},"pu":${pu},"b":${b},"a":${a},"st":${st}}`
          : `{"e":"depthUpdate","E":${now},"s":"${sym.upper}","U":${U},"u":${u},"b":${b},"a":${a}}`;
    // Flood: every event spans 3 update ids (U = previous u + 1, u = U + 2, pu = previous u).
    const floodIds =
      partial && !fut
        ? [{ key: 'lastUpdateId', step: 3 }]
        : fut
          ? [
              { key: 'U', step: 3 },
              { key: 'u', step: 3 },
              { key: 'pu', step: 3 },
            ]
          : [
              { key: 'U', step: 3 },
              { key: 'u', step: 3 },
            ];
    return {
      stream,
      next: (now) => {
        book.mutate();
        const U = tracker.firstU || tracker.lastU + 1;
        const u = book.updateId;
        const pu = tracker.lastU;
        tracker.lastU = u;
        tracker.firstU = 0;
        if (tracker.skipNext) {
          // faults.breakDepthChain: this event is lost (its changes are in the book, sent to no one).
          tracker.skipNext = false;
          tracker.bids.clear();
          tracker.asks.clear();
          return undefined;
        }
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
          tracker.firstU = 0;
          if (book.updateId < tracker.lastU) book.updateId = tracker.lastU;
        },
      },
      dispose: () => book.detach(tracker),
    };
  }
  return undefined;
}
