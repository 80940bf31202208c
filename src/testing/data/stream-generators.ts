/**
 * Generators of the symbol streams with sequence fields (aggTrade, trade, bookTicker,
 * diff and partial depth), each with its flood source (streams/flood/): the JSON text is
 * built directly, and a flood continues the generator's own ids (and vice versa).
 */
import type { FloodSource } from '../streams/flood/plan';
import type { OrderBook } from './order-book';
import type { Rng } from './rng';
import type { SymbolState } from './symbol-state';

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
  dispose(): void;
}

function times(n: number, f: () => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(f());
  return out;
}

export function aggTradeGenerator(stream: string, sym: SymbolState, rng: Rng, fut: boolean): StreamGenerator {
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
      ids: [
        { key: 'a', step: 1 },
        { key: 'f', step: 1 },
        { key: 'l', step: 1 },
      ],
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

export function tradeGenerator(stream: string, sym: SymbolState, rng: Rng, fut: boolean): StreamGenerator {
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

export function bookTickerGenerator(stream: string, sym: SymbolState, book: OrderBook, fut: boolean): StreamGenerator {
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

/** `<s>@depth[@<speed>]` and `<s>@depth<N>[@<speed>]` (undefined: not a depth stream, or a speed this market lacks). */
export function depthGenerator(stream: string, suffix: string, sym: SymbolState, getBook: () => OrderBook | undefined, fut: boolean, cm: boolean): StreamGenerator | undefined {
  const diff = /^depth(@(100|250|500|1000)ms)?$/.exec(suffix);
  const partial = /^depth(5|10|20)(@(100|250|500|1000)ms)?$/.exec(suffix);
  if (diff || partial) {
    const speed = diff ? diff[2] : partial?.[3];
    if (speed && (fut ? speed === '1000' : speed === '250' || speed === '500')) return undefined;
    const book = getBook();
    if (!book) return undefined;
    const tracker = book.attach(!!diff || fut);
    const levels = partial ? Number(partial[1]) : 0;
    const ps = cm ? `"ps":"${sym.pair}",` : '';
    const json = (now: number, U: number, u: number, pu: number, b: string, a: string): string =>
      partial && !fut
        ? `{"lastUpdateId":${u},"bids":${b},"asks":${a}}`
        : fut
          ? `{"e":"depthUpdate","E":${now},"T":${now},"s":"${sym.upper}",${ps}"U":${U},"u":${u},"pu":${pu},"b":${b},"a":${a}}`
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
