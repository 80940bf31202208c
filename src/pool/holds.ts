/**
 * Consumers' holds on streams (`StreamPool.hold`): while a hold names a stream, the slot
 * carrying it has reading paused (TCP back-pressure to Binance) on its socket and on a
 * replacement mid-handover. Applied on every hold and release and on each liveness pass
 * (so slots opened or reshuffled meanwhile follow); a slot that resumes restarts its
 * silence count and skips the gap that spans the pause.
 */
import type { Placement } from './placement';
import type { StreamRouter } from './router';

/** What `hold()` returns. */
export interface StreamHold {
  /** False when a connection carrying the streams cannot pause (a browser WebSocket): the caller must bound its buffer itself. */
  readonly pausable: boolean;
  /** End the hold (idempotent). */
  release(): void;
}

export class PoolHolds {
  private readonly holds = new Set<ReadonlySet<string>>();

  constructor(
    private readonly placement: Placement,
    private readonly router: StreamRouter,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.holds.size;
  }

  hold(streams: readonly string[]): StreamHold {
    const names: ReadonlySet<string> = new Set(streams);
    this.holds.add(names);
    const pausable = this.apply();
    let released = false;
    return {
      pausable,
      release: () => {
        if (released) return;
        released = true;
        this.holds.delete(names);
        this.apply();
      },
    };
  }

  /** Pause exactly the slots that carry a held stream; false when a socket could not pause. */
  apply(): boolean {
    let ok = true;
    for (const slot of this.placement.slots) {
      const held = this.holdsAny(slot.streams);
      if (held === slot.paused && !held) continue;
      if (!held) {
        slot.resumedAt = this.now();
        for (const st of this.router.statesOf(slot.streams)) st.learnSkip = true;
      }
      slot.paused = held;
      for (const sock of [slot.socket, slot.handover?.to]) if (sock !== undefined && !sock.setPaused(held) && held) ok = false;
    }
    return ok;
  }

  /** Forget every hold (pool stopped); sockets are stopping anyway. */
  clear(): void {
    this.holds.clear();
  }

  private holdsAny(streams: ReadonlySet<string>): boolean {
    for (const h of this.holds) for (const s of h) if (streams.has(s)) return true;
    return false;
  }
}
