/**
 * Named timers owned by one object. Every timer in the library lives in the
 * `TimerSlots` of exactly one owner (a connection, a socket, the pool, a handover, the
 * budget, a user-data driver); the slot name says which phase is running
 * (`'handshake'`, `'hook'`, `'settle'`), so no timer does double duty, and `clearAll()`
 * is the owner's whole timer teardown. Tests assert `size === 0` after stop.
 */

export class TimerSlots<Name extends string = string> {
  private readonly timers = new Map<Name, ReturnType<typeof setTimeout>>();

  /** (Re)arm `name`: any timer already in that slot is cleared first. */
  set(name: Name, ms: number, fn: () => void): void {
    this.clear(name);
    const timer = setTimeout(
      () => {
        this.timers.delete(name);
        fn();
      },
      Math.max(0, Math.min(ms, 2_147_483_647)),
    );
    this.timers.set(name, timer);
  }

  /** Clear one slot (no-op when empty). */
  clear(name: Name): void {
    const t = this.timers.get(name);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(name);
  }

  has(name: Name): boolean {
    return this.timers.has(name);
  }

  /** Clear every slot. */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Timers armed right now. */
  get size(): number {
    return this.timers.size;
  }
}
