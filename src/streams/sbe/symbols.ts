/**
 * The `symbol` varString8 → its string and stream names, cached by the symbol's bytes: a
 * repeated symbol (nearly every frame) costs a hash over a few bytes and one compare, and no
 * string is built for it (the string and the four stream names are made once per symbol).
 */
import { STREAM_SUFFIX, TEMPLATE_BEST_BID_ASK, TEMPLATE_DEPTH_DIFF, TEMPLATE_DEPTH_SNAPSHOT, TEMPLATE_TRADES } from './schema';

export interface SymbolEntry {
  readonly bytes: Uint8Array;
  /** As sent (Binance: upper case, e.g. `BTCUSDT`). */
  readonly symbol: string;
  /** Stream names by template id − 10000 (`btcusdt@trade`, `@bestBidAsk`, `@depth20`, `@depth`). */
  readonly streams: readonly string[];
}

/** A bound on distinct symbols kept (Binance lists a few thousand); over it the table starts again. */
const MAX_ENTRIES = 8192;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function sameBytes(a: Uint8Array, b: Uint8Array, o: number, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[o + i]) return false;
  return true;
}

export class SymbolTable {
  private readonly entries = new Map<number, SymbolEntry>();

  /** The entry of the `len` symbol bytes at `o` (throws a TypeError on invalid UTF-8). */
  lookup(b: Uint8Array, o: number, len: number): SymbolEntry {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ (b[o + i] as number), 0x01000193);
    const hit = this.entries.get(h);
    if (hit !== undefined && sameBytes(hit.bytes, b, o, len)) return hit;
    const bytes = b.slice(o, o + len);
    const symbol = utf8.decode(bytes);
    const lower = symbol.toLowerCase();
    const streams: string[] = [];
    for (const t of [TEMPLATE_TRADES, TEMPLATE_BEST_BID_ASK, TEMPLATE_DEPTH_SNAPSHOT, TEMPLATE_DEPTH_DIFF]) streams[t - TEMPLATE_TRADES] = lower + (STREAM_SUFFIX[t] as string);
    const entry: SymbolEntry = { bytes, symbol, streams };
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(h, entry);
    return entry;
  }
}
