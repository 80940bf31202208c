/**
 * A queue served round-robin across owners, FIFO within an owner: with owners A (a1 a2 a3),
 * B (b1 b2) and C (c1) waiting, the order is a1 b1 c1 a2 b2 a3. An owner that starts waiting
 * joins at the end of the current round (after every owner already waiting), so a newcomer
 * never cuts ahead of an owner that has waited longer. O(1) per push/peek/shift; `remove`
 * is O(items of that owner).
 */
export class FairQueue<T> {
  private readonly byOwner = new Map<string, T[]>();
  /** Owners with waiting items, in service order starting at `cursor`. */
  private readonly ring: string[] = [];
  private cursor = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Owners with at least one waiting item. */
  get owners(): number {
    return this.ring.length;
  }

  push(owner: string, item: T): void {
    let q = this.byOwner.get(owner);
    if (!q) {
      this.byOwner.set(owner, (q = []));
      // Just before the cursor: the last place of the current round.
      this.ring.splice(this.cursor, 0, owner);
      if (this.ring.length > 1) this.cursor++;
    }
    q.push(item);
    this.count++;
  }

  /** The next item to serve, without removing it. */
  peek(): T | undefined {
    const owner = this.ring[this.cursor];
    return owner === undefined ? undefined : this.byOwner.get(owner)?.[0];
  }

  /** Remove and return the next item; the turn passes to the next owner. */
  shift(): T | undefined {
    const owner = this.ring[this.cursor];
    if (owner === undefined) return undefined;
    const q = this.byOwner.get(owner) as T[];
    const item = q.shift() as T;
    this.count--;
    if (q.length === 0) this.dropOwner(this.cursor, owner);
    else this.cursor = (this.cursor + 1) % this.ring.length;
    return item;
  }

  /** Remove one item (an aborted waiter). False when it is not queued. */
  remove(owner: string, item: T): boolean {
    const q = this.byOwner.get(owner);
    const i = q ? q.indexOf(item) : -1;
    if (!q || i < 0) return false;
    q.splice(i, 1);
    this.count--;
    if (q.length === 0) this.dropOwner(this.ring.indexOf(owner), owner);
    return true;
  }

  /** Remove and return everything, in no particular order. */
  drain(): T[] {
    const all = [...this.byOwner.values()].flat();
    this.byOwner.clear();
    this.ring.length = 0;
    this.cursor = 0;
    this.count = 0;
    return all;
  }

  private dropOwner(index: number, owner: string): void {
    this.byOwner.delete(owner);
    this.ring.splice(index, 1);
    if (index < this.cursor) this.cursor--;
    if (this.cursor >= this.ring.length) this.cursor = 0;
  }
}
