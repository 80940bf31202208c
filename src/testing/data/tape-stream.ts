/**
 * The live side of a trade tape (tape.ts): the `<symbol>@trade` / `<symbol>@aggTrade` generator
 * reads the tape at the present (every event whose `T` has come, `E` = when it is sent), and its
 * flood source inserts runs into the tape, so REST history, the live stream and floods share one
 * sequence of ids.
 */
import type { FloodSource } from '../streams/flood/plan';
import type { StreamGenerator, TapeControl } from './stream-generators';
import type { TradeTape } from './tape';

/** At most this many events per call of next() (a late pacer catches up over several wakes). */
const MAX_PER_CALL = 10_000;

/** `st`: 0 on spot, else the futures symbol type (1 = USD-M, 2 = COIN-M) that aggTrade carries. */
export function tapeGenerator(stream: string, tape: TradeTape, st: number): StreamGenerator {
  const fut = st > 0;
  // `nq` (quantity without RPI orders) is USD-M only.
  const nq = st === 1;
  const { sym, path, kind } = tape.o;
  const agg = kind === 'aggTrade';
  const json = (E: number, id: number, f: number, n: number, T: number, p: number, q: number, m: boolean): string => {
    const qs = sym.qty(q);
    if (agg) {
      return fut
        ? `{"e":"aggTrade","E":${E},"a":${id},"s":"${sym.upper}","p":"${sym.px(p)}","q":"${qs}",${nq ? `"nq":"${qs}",` : ''}"f":${f},"l":${f + n - 1},"T":${T},"m":${m},"st":${st}}`
        : `{"e":"aggTrade","E":${E},"s":"${sym.upper}","a":${id},"p":"${sym.px(p)}","q":"${qs}","f":${f},"l":${f + n - 1},"T":${T},"m":${m},"M":true}`;
    }
    return fut
      ? `{"e":"trade","E":${E},"T":${T},"s":"${sym.upper}","t":${id},"p":"${sym.px(p)}","q":"${qs}","X":"MARKET","m":${m}}`
      : `{"e":"trade","E":${E},"s":"${sym.upper}","t":${id},"p":"${sym.px(p)}","q":"${qs}","T":${T},"m":${m},"M":true}`;
  };
  const take = (now: number, cap: number): string[] => {
    const out: string[] = [];
    const end = Math.min(tape.indexAfter(now), tape.cursor + cap);
    for (let k = tape.cursor; k < end; k++) {
      const e = tape.event(k);
      sym.recordTrade(e.q, e.p);
      out.push(json(now, e.id, e.f, e.n, e.T, e.p, e.q, e.m));
    }
    tape.cursor = Math.max(tape.cursor, end);
    return out;
  };
  const control: TapeControl = {
    resume: (now) => {
      tape.cursor = Math.max(tape.cursor, tape.indexAfter(now));
    },
    nextDueAt: () => tape.time(tape.cursor),
    drain: (now) => take(now, Infinity),
  };
  const flood: FloodSource = {
    ids: agg
      ? [
          { key: 'a', step: 1 },
          { key: 'f', step: 1 },
          { key: 'l', step: 1 },
        ]
      : [{ key: 't', step: 1 }],
    timeKeys: ['E', 'T'],
    peek: () => {
      const { id, tradeId } = tape.peekIds();
      return agg ? [id, tradeId, tradeId] : [id];
    },
    // One trade per flooded aggTrade: a, f and l all advance by one.
    render: (count, ids, now) => {
      const out: string[] = [];
      const mid = path.at(now);
      for (let i = 0; i < count; i++) {
        const p = Math.max(sym.stepTicks, mid + (sym.rng.int(3) - 1) * sym.stepTicks);
        out.push(json(now, ids[0] ?? 0, ids[1] ?? 0, 1, now, p, sym.randomQty(sym.rng), sym.rng.bool()));
      }
      return out;
    },
    commit: (n, events, at) => {
      if (events && at !== undefined) tape.commitRun(n, events, at);
    },
  };
  return { stream, next: (now) => take(now, MAX_PER_CALL), flood, tape: control, dispose() {} };
}
