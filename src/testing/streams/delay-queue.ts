/**
 * The latency fault of one stream connection: everything it sends (data, control
 * answers, pings, pongs) goes out `latencyMs` late, in order. Once a send has been
 * delayed, later ones queue behind it even after the latency is removed, so frames
 * never overtake each other. Flood bytes held here count toward the connection's backlog.
 */
import type { Clock, TimerHandle } from '../clock';

export class DelayQueue {
  private ms = 0;
  private readonly queue: { at: number; send: () => void }[] = [];
  private timer: TimerHandle | undefined;
  private held = 0;

  constructor(
    private readonly clock: Clock,
    private readonly owner: {
      /** False once closed or while blackholed: due sends are dropped. */
      canSend(): boolean;
      /** Held flood bytes were written or dropped: floods may resume. */
      drained(): void;
    },
  ) {}

  get latencyMs(): number {
    return this.ms;
  }

  set latencyMs(ms: number) {
    this.ms = ms;
  }

  /** True when a send must go through the queue. */
  get active(): boolean {
    return this.ms > 0 || this.queue.length > 0;
  }

  /** Flood bytes waiting in the queue. */
  get heldBytes(): number {
    return this.held;
  }

  /** Run `fn` now, or after the latency (behind anything already queued). */
  run(fn: () => void): void {
    if (!this.active) return safeSend(fn);
    this.queue.push({ at: this.clock.now() + this.ms, send: fn });
    this.pump();
  }

  /** Queue a copy of flood bytes; `write` sends them. */
  hold(bytes: Buffer, write: (b: Buffer) => void): void {
    const copy = Buffer.from(bytes);
    this.held += copy.length;
    this.run(() => {
      this.held -= copy.length;
      write(copy);
      if (this.held === 0) this.owner.drained();
    });
  }

  clear(): void {
    this.clock.clear(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.held = 0;
  }

  private pump(): void {
    const head = this.queue[0];
    if (this.timer || !head) return;
    this.timer = this.clock.timeout(
      () => {
        this.timer = undefined;
        const now = this.clock.now();
        while (this.queue.length && (this.queue[0]?.at ?? Infinity) <= now) {
          const item = this.queue.shift();
          if (item && this.owner.canSend()) safeSend(item.send);
        }
        if (!this.queue.length && this.held) {
          this.held = 0; // dropped while blackholed
          this.owner.drained();
        }
        this.pump();
      },
      Math.max(0, head.at - this.clock.now()),
    );
  }
}

export function safeSend(fn: () => void): void {
  try {
    fn();
  } catch {
    /* socket already closing */
  }
}
