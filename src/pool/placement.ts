/**
 * Where streams go: slots (one per logical socket), buckets (group × USD-M route) and
 * packing. A stream lives on exactly one slot; streams of one bucket fill that bucket's
 * slots with room, in creation order, before a new slot is planned.
 *
 * `plan()` only computes: it returns which existing slots take which streams and which
 * new slots to open, and changes nothing. The pool applies a plan (it creates the
 * sockets), then records it here with `assign()` and `add()`.
 */
import type { ResilientSocketLike } from '../connection/types';
import type { MarketProfile, Route } from '../core/markets';
import { routeFor } from '../streams/routes';
import type { StreamState } from './stream-state';

/**
 * What a slot sees of the make-before-break handover running on it (implemented by
 * `HandoverController` in ./handover.ts; declared here so the two files do not import
 * each other).
 */
export interface SlotHandover {
  /** The replacement socket. */
  readonly to: ResilientSocketLike;
  /** Resolves when the handover finished, fell back or was cancelled. */
  readonly done: Promise<void>;
  readonly timersArmed: number;
  /** Streams added to the slot during the handover. */
  add(streams: Iterable<StreamState>): void;
  finish(): void;
  cancel(): void;
}

/** A slot the plan asks to open. */
export interface SlotSpec {
  readonly group: string;
  readonly route: Route;
  /** `group|route`. */
  readonly bucket: string;
  readonly cap: number;
  readonly streams: readonly string[];
}

/** One logical socket of the pool and the streams assigned to it (the pool's view). */
export interface Slot {
  readonly group: string;
  readonly route: Route;
  readonly bucket: string;
  readonly cap: number;
  /** The socket whose messages are delivered (replaced at the end of a handover). */
  socket: ResilientSocketLike;
  readonly streams: Set<string>;
  /** Rotation jitter draw in [0, 1). */
  jitter: number;
  /** The make-before-break handover in progress, if any. */
  handover: SlotHandover | undefined;
  /** True once the socket was open at least once (start() accounting). */
  everOpen: boolean;
  /** After a failed rotation, no new attempt before this time. */
  rotationHoldUntil: number;
  /** Reading paused by a consumer's hold (StreamPool.hold). */
  paused: boolean;
  /** When the last hold ended (silence counts from then). */
  resumedAt: number;
  /**
   * The liveness pass may skip this slot's silence sweep until then (0: sweep on the next pass):
   * the earliest time one of its streams could be suspected, set by the sweep (./stream-silence.ts),
   * reset whenever the slot's streams change.
   */
  sweepAt: number;
  /** The `connectedAt` that `sweepAt` was computed for (another one: sweep now). */
  sweptFor: number;
}

export interface PlacementPlan {
  /** Existing slots with room, and the streams each takes. */
  readonly fill: readonly { readonly slot: Slot; readonly streams: readonly string[] }[];
  /** New slots to open, each full up to its cap except the last of a bucket. */
  readonly open: readonly SlotSpec[];
}

export class Placement {
  readonly slots = new Set<Slot>();
  private readonly byStream = new Map<string, Slot>();

  constructor(
    private readonly market: MarketProfile,
    private readonly defaultCap: number,
    private readonly groupCaps: ReadonlyMap<string, number>,
  ) {}

  capFor(group: string): number {
    return this.groupCaps.get(group) ?? this.defaultCap;
  }

  slotOf(stream: string): Slot | undefined {
    return this.byStream.get(stream);
  }

  /** The slot whose current socket is `socket` (not a replacement still opening). */
  slotWithSocket(socket: ResilientSocketLike): Slot | undefined {
    for (const slot of this.slots) if (slot.socket === socket) return slot;
    return undefined;
  }

  /** Where `streams` (not placed yet, all of `group`) go. Pure: changes nothing. */
  plan(group: string, streams: readonly string[]): PlacementPlan {
    const byRoute = new Map<Route, string[]>();
    for (const s of streams) {
      const route = routeFor(this.market, s);
      let list = byRoute.get(route);
      if (list === undefined) byRoute.set(route, (list = []));
      list.push(s);
    }
    const fill: { slot: Slot; streams: string[] }[] = [];
    const open: SlotSpec[] = [];
    const cap = this.capFor(group);
    for (const [route, list] of byRoute) {
      const bucket = `${group}|${route}`;
      let i = 0;
      for (const slot of this.slots) {
        if (i >= list.length) break;
        const room = slot.bucket === bucket ? slot.cap - slot.streams.size : 0;
        if (room <= 0) continue;
        const chunk = list.slice(i, i + room);
        i += chunk.length;
        fill.push({ slot, streams: chunk });
      }
      for (; i < list.length; i += cap) open.push({ group, route, bucket, cap, streams: list.slice(i, i + cap) });
    }
    return { fill, open };
  }

  /** Plans for every stream of `streams` not placed yet (after stop(), start() places them again), group by group. */
  planUnplaced(streams: Iterable<{ readonly name: string; readonly group: string }>): PlacementPlan[] {
    const byGroup = new Map<string, string[]>();
    for (const { name, group } of streams) {
      if (this.byStream.has(name)) continue;
      const list = byGroup.get(group);
      if (list === undefined) byGroup.set(group, [name]);
      else list.push(name);
    }
    return [...byGroup].map(([group, names]) => this.plan(group, names));
  }

  /** Record a new slot carrying `spec.streams` on `socket`. */
  add(spec: SlotSpec, socket: ResilientSocketLike, jitter: number): Slot {
    const slot: Slot = {
      group: spec.group,
      route: spec.route,
      bucket: spec.bucket,
      cap: spec.cap,
      socket,
      streams: new Set(),
      jitter,
      handover: undefined,
      everOpen: false,
      rotationHoldUntil: 0,
      paused: false,
      resumedAt: 0,
      sweepAt: 0,
      sweptFor: 0,
    };
    this.slots.add(slot);
    this.assign(slot, spec.streams);
    return slot;
  }

  /** Record streams on an existing slot. */
  assign(slot: Slot, streams: readonly string[]): void {
    slot.sweepAt = 0;
    for (const s of streams) {
      slot.streams.add(s);
      this.byStream.set(s, slot);
    }
  }

  /** Forget streams; returns, per slot they were on, the ones removed from it. */
  release(streams: Iterable<string>): Map<Slot, string[]> {
    const bySlot = new Map<Slot, string[]>();
    for (const s of streams) {
      const slot = this.byStream.get(s);
      if (slot === undefined) continue;
      this.byStream.delete(s);
      slot.streams.delete(s);
      slot.sweepAt = 0;
      const list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, [s]);
      else list.push(s);
    }
    return bySlot;
  }

  /** Forget a slot and its streams' placement (the streams stay in the pool, unplaced). */
  remove(slot: Slot): void {
    this.slots.delete(slot);
    for (const s of slot.streams) if (this.byStream.get(s) === slot) this.byStream.delete(s);
  }
}
