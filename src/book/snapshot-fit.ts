/**
 * Step 3 of Binance's procedure: fit a REST snapshot to the buffered diff events.
 *
 * - drop the buffered events the snapshot contains;
 * - the first event left must meet the snapshot (./sequence.ts `firstVerdict`); when it does not,
 *   the snapshot is older than the buffer (`snapshot-too-old`: the first buffered event is already
 *   past it), or the stream itself skipped between two buffered events (`gap` / `pu-mismatch`);
 * - load the snapshot, then apply the buffer in order; a break inside it (`gap` / `pu-mismatch`)
 *   leaves the offending event and everything after it buffered for the next snapshot.
 * A snapshot that fits with an empty buffer leaves the book waiting for its first event, which
 * must then meet the snapshot too (`firstAfterSnapshot`): if it does not, and an event the
 * snapshot contained was seen, the stream skipped (`gap` / `pu-mismatch`), else the snapshot
 * is older than the stream (`snapshot-too-old`).
 */
import type { DepthUpdateEvent } from '../streams/types';
import type { BookResyncIds, BookResyncReason } from './events';
import type { DepthSnapshot } from './order-book';
import { describeBreak, describeFirstBreak, firstVerdict, nextVerdict } from './sequence';
import type { UpdateRing } from './update-buffer';

/** `firstAfterSnapshot`: the buffer held nothing newer; `sawOlder`: it held an event the snapshot contains. */
export type SnapshotFit =
  | { readonly ok: true; readonly firstAfterSnapshot: boolean; readonly sawOlder: boolean }
  | { readonly ok: false; readonly reason: BookResyncReason; readonly detail: string; readonly ids?: BookResyncIds };

export interface FitHost {
  readonly futures: boolean;
  readonly buffer: UpdateRing;
  /** The book's update id now (after `load`, after each `apply`). */
  lastUpdateId(): number;
  /** Replace the book with the snapshot. */
  load(snapshot: DepthSnapshot): void;
  apply(e: DepthUpdateEvent): void;
  /** An event the book already contained. */
  ignored(): void;
}

/** The ids of a break: the book's (or snapshot's) id and the offending event's. */
export function idsOf(lastUpdateId: number, e: DepthUpdateEvent): BookResyncIds {
  return e.pu === undefined ? { lastUpdateId, U: e.U, u: e.u } : { lastUpdateId, U: e.U, u: e.u, pu: e.pu };
}

export function fitSnapshot(h: FitHost, snap: DepthSnapshot): SnapshotFit {
  const { futures, buffer: buf } = h;
  const L = snap.lastUpdateId;
  let dropped: DepthUpdateEvent | undefined;
  while (buf.size && firstVerdict(futures, L, buf.peek() as DepthUpdateEvent) === 'old') {
    dropped = buf.shift();
    h.ignored();
  }
  const first = buf.peek();
  if (first !== undefined && firstVerdict(futures, L, first) === 'break') {
    if (dropped === undefined) return { ok: false, reason: 'snapshot-too-old', detail: describeFirstBreak(futures, L, first), ids: idsOf(L, first) };
    return { ok: false, reason: futures ? 'pu-mismatch' : 'gap', detail: `${describeBreak(futures, dropped.u, first)} while buffering`, ids: idsOf(dropped.u, first) };
  }
  h.load(snap);
  for (let n = 0; buf.size; n++) {
    const e = buf.peek() as DepthUpdateEvent;
    const id = h.lastUpdateId();
    const v = n === 0 ? 'apply' : nextVerdict(futures, id, e);
    if (v === 'break') return { ok: false, reason: futures ? 'pu-mismatch' : 'gap', detail: `${describeBreak(futures, id, e)} while buffering`, ids: idsOf(id, e) };
    buf.shift();
    if (v === 'old') h.ignored();
    else h.apply(e);
  }
  return { ok: true, firstAfterSnapshot: first === undefined, sawOlder: dropped !== undefined };
}
