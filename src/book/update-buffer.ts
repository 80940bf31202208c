/**
 * A bounded FIFO of diff events (a ring): the buffer of a book while it syncs, and the short
 * history of applied events a self-check needs. A full ring drops its oldest event to take a
 * new one, in O(1); the slots are allocated once, on the first push.
 */
import type { DepthUpdateEvent } from '../streams/types';

export class UpdateRing {
  private slots: (DepthUpdateEvent | undefined)[] | undefined;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /** Append `e`; returns the event dropped to make room (the oldest), if any. */
  push(e: DepthUpdateEvent): DepthUpdateEvent | undefined {
    const slots = (this.slots ??= new Array<DepthUpdateEvent | undefined>(this.capacity).fill(undefined));
    if (this.count < this.capacity) {
      slots[(this.start + this.count++) % this.capacity] = e;
      return undefined;
    }
    const dropped = slots[this.start];
    slots[this.start] = e;
    this.start = (this.start + 1) % this.capacity;
    return dropped;
  }

  /** The oldest event, without removing it. */
  peek(): DepthUpdateEvent | undefined {
    return this.count ? this.slots?.[this.start] : undefined;
  }

  /** Remove and return the oldest event. */
  shift(): DepthUpdateEvent | undefined {
    if (!this.count || !this.slots) return undefined;
    const e = this.slots[this.start];
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
    return e;
  }

  /** The `i`-th newest event (0 = the newest). */
  fromNewest(i: number): DepthUpdateEvent | undefined {
    if (i < 0 || i >= this.count || !this.slots) return undefined;
    return this.slots[(this.start + this.count - 1 - i) % this.capacity];
  }

  clear(): void {
    this.slots?.fill(undefined);
    this.start = 0;
    this.count = 0;
  }
}

/** The events applied since the book's snapshot, newest kept (what a self-check needs: ./self-check.ts `HistoryCoverage`); capacity 0 keeps none. */
export class AppliedHistory {
  readonly history: UpdateRing;
  /** The snapshot's update id the book was built from. */
  baseUpdateId = 0;
  /** Events were dropped since (more applied than the ring holds). */
  overflowed = false;

  constructor(capacity: number) {
    this.history = new UpdateRing(capacity);
  }

  reset(baseUpdateId: number): void {
    this.history.clear();
    this.baseUpdateId = baseUpdateId;
    this.overflowed = false;
  }

  push(e: DepthUpdateEvent): void {
    if (this.history.capacity === 0) this.overflowed = true;
    else if (this.history.push(e) !== undefined) this.overflowed = true;
  }
}
