/**
 * Streams that move together: the same symbol and the same kind of activity (its trades:
 * aggTrade, trade, klines; its book: bookTicker, diff and partial depth; its tickers). When
 * one of them falls silent while a sibling still delivers, the symbol is alive and the
 * silence is the stream's own: worth repairing. When every sibling is quiet too, the market
 * is (a quiet minute, a lull), and a repair would be a false alarm (./stream-silence.ts).
 */
import type { StreamInfo, StreamKind } from '../streams/classify';

/** The activity class of each kind (an index into `SiblingIndex`'s maps). */
const CLASS: Partial<Record<StreamKind, number>> = {
  aggTrade: 0,
  trade: 0,
  kline: 0,
  continuousKline: 0,
  bookTicker: 1,
  depth: 1,
  partialDepth: 1,
  ticker: 2,
  miniTicker: 2,
};

export interface SiblingMember {
  readonly info: StreamInfo;
  readonly lastMessageAt: number;
  /** Its learned mean gap and how many gaps it is learned from (streams/cadence.ts). */
  readonly gapMean: number;
  readonly gapSamples: number;
  siblings: readonly SiblingMember[] | undefined;
}

/**
 * One map per activity class, keyed by the stream's own symbol string (no key built per
 * stream); a lone stream is held as itself, a group (two or more) as one shared array.
 */
export class SiblingIndex {
  private readonly classes: Map<string, SiblingMember | SiblingMember[]>[] = [new Map(), new Map(), new Map()];

  private map(info: StreamInfo): Map<string, SiblingMember | SiblingMember[]> | undefined {
    const c = CLASS[info.kind];
    return c === undefined || info.symbol === undefined ? undefined : this.classes[c];
  }

  add(st: SiblingMember): void {
    const m = this.map(st.info);
    const sym = st.info.symbol;
    if (m === undefined || sym === undefined) return;
    const e = m.get(sym);
    if (e === undefined) {
      m.set(sym, st);
      st.siblings = undefined;
      return;
    }
    const g = Array.isArray(e) ? e : [e];
    if (g.includes(st)) return;
    g.push(st);
    if (g !== e) m.set(sym, g);
    for (const s of g) s.siblings = g;
  }

  remove(st: SiblingMember): void {
    const m = this.map(st.info);
    const sym = st.info.symbol;
    const e = m === undefined || sym === undefined ? undefined : m.get(sym);
    if (e === undefined || m === undefined || sym === undefined) return;
    st.siblings = undefined;
    if (!Array.isArray(e)) {
      if (e === st) m.delete(sym);
      return;
    }
    const i = e.indexOf(st);
    if (i >= 0) e.splice(i, 1);
    if (e.length > 1) return;
    const last = e[0];
    if (last === undefined) m.delete(sym);
    else {
      m.set(sym, last);
      last.siblings = undefined;
    }
  }
}

/** A sibling counts as a witness once it has learned this many gaps. */
const WITNESS_SAMPLES = 8;

/**
 * Is `st`'s silence its own? True without siblings (nothing to compare with), or when a
 * sibling is delivering at its usual pace right now (silent for less than twice its own
 * mean gap, and less than `withinMs`): the symbol behaves normally, yet this stream is
 * silent. A sibling that is itself far slower than usual (a quiet minute for the symbol, a
 * lull for the market) is no witness.
 */
export function corroborated(st: SiblingMember, now: number, withinMs: number): boolean {
  const g = st.siblings;
  if (g === undefined) return true;
  for (let i = 0; i < g.length; i++) {
    const s = g[i] as SiblingMember;
    if (s === st || s.gapSamples < WITNESS_SAMPLES) continue;
    const silent = now - s.lastMessageAt;
    if (silent < withinMs && silent < Math.max(2 * s.gapMean, 100)) return true;
  }
  return false;
}
