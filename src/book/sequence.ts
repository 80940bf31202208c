/**
 * Binance's continuity rules for diff depth (docs "How to manage a local order book
 * correctly", spot corrected 2025-11-12; USD-M/COIN-M futures), as pure functions of the
 * book's update id and one event. Each says `old` (the book already contains the event:
 * skip it), `apply`, or `break` (events were missed: rebuild from a new snapshot).
 *
 * Spot: each event covers update ids `U..u`, and the next starts at `u + 1`.
 * - first event after a snapshot with `lastUpdateId` L: `u <= L` old; `U <= L + 1` apply; else break;
 * - then: `u <= id` old; `U > id + 1` break (a gap); else apply.
 *
 * Futures: `U` may jump (ids between events belong to nothing of this symbol); continuity is
 * `pu` (the previous event's `u`):
 * - first event after a snapshot L: `u < L` old; `U <= L <= u` apply (Binance's rule), or also
 *   where `U` jumped past L but `pu <= L` (the previous event ended at or before the snapshot, so
 *   nothing of this symbol lies in between); else break;
 * - then: `u <= id` old (a duplicate, e.g. from a connection handover); `pu !== id` break; else apply.
 * An event whose `u` equals L is applied again: quantities are absolute, so that is harmless.
 */
import type { DepthUpdateEvent } from '../streams/types';

export type Verdict = 'old' | 'apply' | 'break';

type Ids = Pick<DepthUpdateEvent, 'U' | 'u' | 'pu'>;

/** The first event after a snapshot whose `lastUpdateId` is `L`. */
export function firstVerdict(futures: boolean, L: number, e: Ids): Verdict {
  if (futures) {
    if (e.u < L) return 'old';
    return e.U <= L || (e.pu !== undefined && e.pu <= L) ? 'apply' : 'break';
  }
  if (e.u <= L) return 'old';
  return e.U <= L + 1 ? 'apply' : 'break';
}

/** Any later event, the book being at update id `id`. */
export function nextVerdict(futures: boolean, id: number, e: Ids): Verdict {
  if (e.u <= id) return 'old';
  if (futures) return e.pu === id ? 'apply' : 'break';
  return e.U > id + 1 ? 'break' : 'apply';
}

/** `U=5 u=9 pu=4` (pu only when present). */
export function describeIds(e: Ids): string {
  return `U=${e.U} u=${e.u}${e.pu !== undefined ? ` pu=${e.pu}` : ''}`;
}

/** The words for a break found by `nextVerdict` at update id `id`. */
export function describeBreak(futures: boolean, id: number, e: Ids): string {
  return futures ? `expected pu=${id}, got ${describeIds(e)}` : `expected U <= ${id + 1}, got ${describeIds(e)} (update ids ${id + 1}..${e.U - 1} missed)`;
}

/** The words for a first event that does not fit the snapshot `L`. */
export function describeFirstBreak(futures: boolean, L: number, e: Ids): string {
  return futures
    ? `snapshot lastUpdateId=${L} is older than the first event it must meet (U <= ${L} <= u, or pu <= ${L}): got ${describeIds(e)}`
    : `snapshot lastUpdateId=${L} is older than the first event it must meet (U <= ${L + 1} <= u): got ${describeIds(e)}`;
}
