/**
 * A binary min-heap of paced streams by due time (high-resolution ms). Items carry their
 * own position (`slot`, -1 when not scheduled), so rescheduling and removal are O(log n).
 */
export interface Scheduled {
  /** When the item is next due. */
  due: number;
  /** Position in the heap, -1 when not scheduled. */
  slot: number;
}

export class ScheduleHeap<T extends Scheduled> {
  private readonly h: T[] = [];

  /** The earliest due item. */
  get top(): T | undefined {
    return this.h[0];
  }

  /** Insert `item` due at `due`, or move it there. */
  schedule(item: T, due: number): void {
    item.due = due;
    if (item.slot < 0) {
      item.slot = this.h.length;
      this.h.push(item);
      this.up(item.slot);
    } else {
      this.up(item.slot);
      this.down(item.slot);
    }
  }

  remove(item: T): void {
    const i = item.slot;
    if (i < 0) return;
    const last = this.h.pop() as T;
    item.slot = -1;
    if (last !== item) {
      this.h[i] = last;
      last.slot = i;
      this.up(i);
      this.down(i);
    }
  }

  /** The top's `due` grew: restore the order. */
  topChanged(): void {
    if (this.h.length) this.down(0);
  }

  clear(): void {
    for (const x of this.h) x.slot = -1;
    this.h.length = 0;
  }

  private up(i: number): void {
    const h = this.h;
    const x = h[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = h[p] as T;
      if (y.due <= x.due) break;
      h[i] = y;
      y.slot = i;
      i = p;
    }
    h[i] = x;
    x.slot = i;
  }

  private down(i: number): void {
    const h = this.h;
    const n = h.length;
    const x = h[i] as T;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (h[r] as T).due < (h[c] as T).due) c = r;
      const y = h[c] as T;
      if (y.due >= x.due) break;
      h[i] = y;
      y.slot = i;
      i = c;
    }
    h[i] = x;
    x.slot = i;
  }
}
