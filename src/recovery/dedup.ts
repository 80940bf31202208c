/**
 * Event identity per stream kind, for exactly-once delivery while two sockets carry the
 * same stream (the make-before-break overlap of a rotation or a `serverShutdown` handover).
 *
 * Identity, compared as a tuple (k1, k2, k3), strictly increasing on one connection:
 * - aggTrade `a`; trade `t`; depth (diff, and futures partial) `u`; spot partial depth
 *   `lastUpdateId`;
 * - bookTicker `(u, E)` **per symbol** (`s`): `u` is the symbol's order-book update id, so
 *   the `u` of two symbols say nothing about their order. On `!bookTicker` (all-market,
 *   USD-M/COIN-M) the symbols interleave on one stream; one "last key" per stream compared
 *   `u` across symbols and dropped (or let through twice) events of other symbols at a
 *   handover. The stream's last key keeps the last `(u, E)` per symbol instead
 *   ({@link EventKey.bySymbol}); `E` tells apart snapshots of an unchanged book (same `u`);
 * - kline / continuousKline `(k.t, E, 2·k.L + k.x)`: several non-final updates of one kline
 *   share the open time `k.t`; the event time, then the last trade id `L` and the closed flag
 *   tell them apart (two updates in the same millisecond differ by `L` when a trade happened);
 * - all-market arrays (`!miniTicker@arr`, `!ticker@arr`, `!markPrice@arr`…): one event per
 *   array, identified by the highest `E` among its elements (elements carry their own
 *   symbol's event time; the first element's `E` is not monotonic across arrays). Binance
 *   publishes them once a second, so two arrays never share it;
 * - anything else: the event time `E`.
 * A payload without any of these has no identity and is never dropped.
 *
 * Key extraction writes into a caller-owned {@link EventKey}: no allocation per message
 * (the per-symbol table grows once per symbol, then its entries are updated in place).
 */
import type { StreamKind } from '../streams/classify';

/** A key without the per-symbol parts (the value type of {@link EventKey.bySymbol}). */
export interface PlainEventKey {
  k1: number;
  k2: number;
  k3: number;
}

export interface EventKey extends PlainEventKey {
  /** The symbol the key is ordered within (bookTicker), or undefined: one sequence per stream. */
  sym: string | undefined;
  /** On a stream's last-delivered key: the last key per symbol (created on first use). */
  bySymbol: Map<string, PlainEventKey> | undefined;
}

export function newEventKey(): EventKey {
  return { k1: 0, k2: 0, k3: 0, sym: undefined, bySymbol: undefined };
}

type Bag = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Highest `E` of an all-market array's elements (undefined: none has one). */
function maxEventTime(data: unknown): number | undefined {
  if (!Array.isArray(data)) return undefined;
  let max: number | undefined;
  for (let i = 0; i < data.length; i++) {
    const el = data[i] as Bag | null | undefined;
    if (el === null || typeof el !== 'object') continue;
    const e = el.E;
    if (typeof e === 'number' && (max === undefined || e > max)) max = e;
  }
  return max;
}

/**
 * Read the identity of `data` (a payload of a stream of `kind`) into `out`.
 * Returns false when the payload carries no usable identity.
 */
export function readEventKey(kind: StreamKind, data: unknown, out: EventKey): boolean {
  out.sym = undefined;
  if (data === null || typeof data !== 'object') return false;
  const d = data as Bag;
  let k: number | undefined;
  switch (kind) {
    case 'aggTrade':
      k = num(d.a);
      break;
    case 'trade':
      k = num(d.t);
      break;
    case 'depth':
      k = num(d.u);
      break;
    case 'bookTicker': {
      const u = num(d.u);
      if (u === undefined) break;
      out.k1 = u;
      out.k2 = num(d.E) ?? 0;
      out.k3 = 0;
      out.sym = typeof d.s === 'string' ? d.s : undefined;
      return true;
    }
    case 'partialDepth':
      k = num(d.lastUpdateId) ?? num(d.u);
      break;
    case 'kline':
    case 'continuousKline': {
      const kl = d.k as Bag | undefined;
      const t = kl !== undefined && kl !== null ? num(kl.t) : undefined;
      const e = num(d.E);
      if (t === undefined || e === undefined) return false;
      out.k1 = t;
      out.k2 = e;
      const last = num(kl?.L) ?? 0;
      out.k3 = last * 2 + (kl?.x === true ? 1 : 0);
      return true;
    }
    case 'arr':
      k = maxEventTime(data);
      if (k === undefined) return false;
      break;
    default:
      k = num(d.E);
  }
  // Kinds with a sequence id fall back to the event time when the id is missing.
  k ??= num(d.E);
  if (k === undefined) return false;
  out.k1 = k;
  out.k2 = 0;
  out.k3 = 0;
  return true;
}

function comparePlain(a: PlainEventKey, b: PlainEventKey): number {
  return a.k1 - b.k1 || a.k2 - b.k2 || a.k3 - b.k3;
}

/**
 * Lexicographic compare: <0 when `a` is older than `b`, 0 when the same event, >0 when newer.
 * A per-symbol `a` is compared with `b`'s last key of that symbol (none yet: newer); with a
 * plain key of another symbol it is incomparable and counts as newer (never dropped).
 */
export function compareEventKeys(a: EventKey, b: EventKey): number {
  const sym = a.sym;
  if (sym !== undefined) {
    const table = b.bySymbol;
    if (table !== undefined) {
      const last = table.get(sym);
      return last === undefined ? 1 : comparePlain(a, last);
    }
    if (b.sym !== sym) return 1;
  }
  return comparePlain(a, b);
}

/** Record `from` as the last key in `to` (per symbol when `from` has one). */
export function copyEventKey(from: EventKey, to: EventKey): void {
  to.k1 = from.k1;
  to.k2 = from.k2;
  to.k3 = from.k3;
  const sym = from.sym;
  to.sym = sym;
  if (sym === undefined) return;
  const table = (to.bySymbol ??= new Map());
  const last = table.get(sym);
  if (last === undefined) table.set(sym, { k1: from.k1, k2: from.k2, k3: from.k3 });
  else {
    last.k1 = from.k1;
    last.k2 = from.k2;
    last.k3 = from.k3;
  }
}
