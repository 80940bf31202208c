/**
 * Event identity per stream kind, for exactly-once delivery while two sockets carry the
 * same stream (the make-before-break overlap of a rotation or a `serverShutdown` handover).
 *
 * Identity, compared as a tuple (k1, k2, k3), strictly increasing on one connection:
 * - aggTrade `a`; trade `t`; depth (diff, and futures partial) `u`; spot partial depth
 *   `lastUpdateId`; bookTicker `u`;
 * - kline / continuousKline `(k.t, E, 2·k.L + k.x)`: several non-final updates of one kline
 *   share the open time `k.t`; the event time, then the last trade id `L` and the closed flag
 *   tell them apart (two updates in the same millisecond differ by `L` when a trade happened);
 * - anything else: the event time `E` (arrays: `E` of the first element).
 * A payload without any of these has no identity and is never dropped.
 *
 * Key extraction writes into a caller-owned {@link EventKey}: no allocation per message.
 */
import type { StreamKind } from '../streams/classify';

export interface EventKey {
  k1: number;
  k2: number;
  k3: number;
}

export function newEventKey(): EventKey {
  return { k1: 0, k2: 0, k3: 0 };
}

type Bag = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/**
 * Read the identity of `data` (a payload of a stream of `kind`) into `out`.
 * Returns false when the payload carries no usable identity.
 */
export function readEventKey(kind: StreamKind, data: unknown, out: EventKey): boolean {
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
    case 'bookTicker':
      k = num(d.u);
      break;
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
    case 'arr': {
      const first = Array.isArray(data) ? (data[0] as Bag | undefined) : undefined;
      k = first !== undefined && first !== null && typeof first === 'object' ? num(first.E) : undefined;
      break;
    }
    default:
      k = num(d.E);
  }
  if (k === undefined) {
    // Kinds with a sequence id fall back to the event time when the id is missing.
    k = kind === 'arr' ? undefined : num(d.E);
    if (k === undefined) return false;
  }
  out.k1 = k;
  out.k2 = 0;
  out.k3 = 0;
  return true;
}

/** Lexicographic compare: <0 when `a` is older than `b`, 0 when the same event, >0 when newer. */
export function compareEventKeys(a: EventKey, b: EventKey): number {
  return a.k1 - b.k1 || a.k2 - b.k2 || a.k3 - b.k3;
}

export function copyEventKey(from: EventKey, to: EventKey): void {
  to.k1 = from.k1;
  to.k2 = from.k2;
  to.k3 = from.k3;
}
