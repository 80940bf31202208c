/**
 * `connecting` progress: how many streams are confirmed (acknowledged or delivering) and how
 * many sockets are open, throttled to one event per `intervalMs` and only when something
 * changed. The pool owns the timer; this keeps the count and decides what to emit.
 */
import type { ConnectingProgressEvent } from './events';
import type { Slot } from './placement';
import type { StreamState } from './stream-state';

export class Progress {
  private ready = 0;
  private lastAt = -Infinity;
  private lastKey = '';

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  get streamsReady(): number {
    return this.ready;
  }

  markReady(st: StreamState): void {
    if (st.ready) return;
    st.ready = true;
    this.ready++;
  }

  markUnready(st: StreamState): void {
    if (!st.ready) return;
    st.ready = false;
    this.ready--;
  }

  /** Every stream unready (after stop(); the streams' flags are reset by their owner). */
  reset(): void {
    this.ready = 0;
  }

  /** How long until the next event may go out. */
  delayMs(): number {
    return Math.max(0, this.lastAt + this.intervalMs - this.now());
  }

  /** The event to emit now, or undefined when nothing changed since the last one. */
  next(slots: ReadonlySet<Slot>, streamsTotal: number, dialsQueued: number): ConnectingProgressEvent | undefined {
    let socketsOpen = 0;
    for (const slot of slots) if (slot.socket.state === 'open') socketsOpen++;
    const e: ConnectingProgressEvent = { streamsReady: this.ready, streamsTotal, socketsOpen, socketsTotal: slots.size, dialsQueued };
    const key = `${e.streamsReady}/${e.streamsTotal}/${e.socketsOpen}/${e.socketsTotal}/${e.dialsQueued}`;
    if (key === this.lastKey) return undefined;
    this.lastKey = key;
    this.lastAt = this.now();
    return e;
  }
}
