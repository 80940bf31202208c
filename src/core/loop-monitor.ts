/**
 * The process's own stalls, measured by timer drift (portable: Node, Bun, Deno, browsers).
 *
 * A timer that fires `late` ms after it was due means this process did not run for about
 * that long (a listener that blocked, a GC pause, a laptop asleep). The owners of periodic
 * timers report their drift here; the monitor merges overlapping reports into blocks,
 * keeps the recent ones (bounded) and answers "how much of the time since `t` was the
 * process not running?", so that silences are judged on the time the feed had, never on
 * time the process spent elsewhere. Frames that arrived during a block wait in the socket
 * buffers and are delivered, in order, right after it.
 */

/** One stall of the process. */
export interface LoopBlock {
  /** Epoch ms when the process stopped running (upper bound of the stall's extent). */
  readonly from: number;
  /** Epoch ms when it ran again. */
  readonly to: number;
}

/** Blocks kept for subtraction (older ones are forgotten first). */
const MAX_BLOCKS = 32;

export class LoopMonitor {
  private readonly blocks: { from: number; to: number; reported: boolean }[] = [];

  /**
   * @param minBlockMs drift below this is scheduling noise, not a stall.
   * @param onBlock called once per stall (after merging) that reaches `reportMs`.
   */
  constructor(
    readonly minBlockMs = 100,
    private readonly reportMs = Infinity,
    private readonly onBlock: (block: LoopBlock) => void = () => {},
  ) {}

  /**
   * A timer armed at `armedAt` for `delayMs` ran at `now`. Returns true when it ran late
   * enough to count as a stall (the caller should let pending I/O run before judging).
   */
  observe(armedAt: number, delayMs: number, now: number): boolean {
    const late = now - (armedAt + delayMs);
    if (!(late >= this.minBlockMs)) return false;
    // The process stopped somewhere after armedAt; charge the whole span after the due time plus the delay's tail.
    const from = Math.max(armedAt, now - late - Math.min(delayMs, late));
    this.add(from, now);
    return true;
  }

  private add(from: number, to: number): void {
    let b = this.blocks[this.blocks.length - 1];
    if (b !== undefined && from <= b.to) {
      b.from = Math.min(b.from, from);
      b.to = Math.max(b.to, to);
    } else {
      this.blocks.push((b = { from, to, reported: false }));
      if (this.blocks.length > MAX_BLOCKS) this.blocks.shift();
    }
    if (!b.reported && b.to - b.from >= this.reportMs) this.report(b);
  }

  private report(b: { from: number; to: number; reported: boolean }): void {
    b.reported = true;
    try {
      this.onBlock({ from: b.from, to: b.to });
    } catch {
      // a reporting failure must never break a timer
    }
  }

  /** Milliseconds the process was stalled after `t` (blocks overlapping `t` count only from `t`). */
  blockedSince(t: number): number {
    let sum = 0;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i] as LoopBlock;
      if (b.to <= t) break;
      sum += b.to - Math.max(b.from, t);
    }
    return sum;
  }

  /** The latest stall's end (0: none yet). */
  get lastBlockEnd(): number {
    return this.blocks[this.blocks.length - 1]?.to ?? 0;
  }
}
