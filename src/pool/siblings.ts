/**
 * Streams that move together: the same symbol and the same kind of activity (its trades:
 * aggTrade, trade, klines; its book: bookTicker, diff and partial depth; its tickers). When
 * one of them falls silent while a sibling still delivers, the symbol is alive and the
 * silence is the stream's own: worth repairing. When every sibling is quiet too, the market
 * is (a quiet minute, a lull), and a repair would be a false alarm (./stream-silence.ts).
 */
import type { StreamInfo, StreamKind } from '../streams/classify';

const CLASS: Partial<Record<StreamKind, string>> = {
  aggTrade: 'trades',
  trade: 'trades',
  kline: 'trades',
  continuousKline: 'trades',
  bookTicker: 'book',
  depth: 'book',
  partialDepth: 'book',
  ticker: 'ticker',
  miniTicker: 'ticker',
};

export interface SiblingMember {
  readonly info: StreamInfo;
  readonly lastMessageAt: number;
  /** Its learned mean gap and how many gaps it is learned from (streams/cadence.ts). */
  readonly gapMean: number;
  readonly gapSamples: number;
  siblings: readonly SiblingMember[] | undefined;
}

export class SiblingIndex {
  private readonly groups = new Map<string, SiblingMember[]>();

  private key(info: StreamInfo): string | undefined {
    const c = CLASS[info.kind];
    return c === undefined || info.symbol === undefined ? undefined : `${info.symbol}|${c}`;
  }

  add(st: SiblingMember): void {
    const k = this.key(st.info);
    if (k === undefined) return;
    let g = this.groups.get(k);
    if (g === undefined) this.groups.set(k, (g = []));
    g.push(st);
    for (const m of g) m.siblings = g.length > 1 ? g : undefined;
  }

  remove(st: SiblingMember): void {
    const k = this.key(st.info);
    const g = k === undefined ? undefined : this.groups.get(k);
    if (g === undefined || k === undefined) return;
    const i = g.indexOf(st);
    if (i >= 0) g.splice(i, 1);
    st.siblings = undefined;
    if (g.length === 0) this.groups.delete(k);
    for (const m of g) m.siblings = g.length > 1 ? g : undefined;
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
