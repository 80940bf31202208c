/**
 * Paces every client→server frame of one connection under Binance's per-connection
 * limit (5 msg/s spot, 10 msg/s futures: SUBSCRIBE, ping, pong and any other control
 * frame all count). A sliding window of `windowMs` holds at most `maxPerWindow`
 * frames, and consecutive frames are spaced by at least `windowMs / maxPerWindow`:
 * bursts sent exactly one window apart would let network jitter squeeze more than
 * the limit into the server's one-second count (seen on loopback); even spacing
 * tolerates up to one spacing of jitter at the same throughput. Anything beyond waits
 * in a queue. Priority actions (pongs, our pings) jump the queue but still count.
 *
 * Queue entries are actions that perform the send when their turn comes and return
 * whether they sent something (false: nothing to send any more, no budget used). This
 * lets the subscription code build each SUBSCRIBE at send time from what is still
 * wanted, so a stream added and removed before its turn costs nothing.
 *
 * One scheduler per connection: created with it, disposed with it (a new connection
 * starts from an empty window with a new scheduler; there is no reset).
 */
import { invalidOption } from '../core/errors';
import { TimerSlots } from '../core/timers';

/** Performs one send; returns false if there was nothing to send after all. */
export type OutboundAction = () => boolean;

export interface OutboundSchedulerOptions {
  /** Frames allowed per window. */
  maxPerWindow: number;
  /** Window length. @default 1000 */
  windowMs?: number | undefined;
  /** Minimum gap between two frames. @default windowMs / maxPerWindow */
  minSpacingMs?: number | undefined;
  /** Clock. @default Date.now */
  now?: (() => number) | undefined;
  /** Called when an action throws (the scheduler keeps going). */
  onError?: ((err: unknown) => void) | undefined;
  /** The owner's timers (the connection's); the scheduler uses the slot `outbox`. @default its own */
  slots?: TimerSlots | undefined;
}

export class OutboundScheduler {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly spacingMs: number;
  private lastSentAt = -Infinity;
  private readonly now: () => number;
  private readonly onError: ((err: unknown) => void) | undefined;
  /** Ring of the send times of the last `max` frames. */
  private readonly stamps: number[];
  private next = 0;
  private filled = 0;
  private high: OutboundAction[] = [];
  private normal: OutboundAction[] = [];
  private readonly slots: TimerSlots;
  private draining = false;
  private disposed = false;
  /** Frames sent (or recorded) over the scheduler's life. */
  total = 0;

  constructor(options: OutboundSchedulerOptions) {
    const max = options.maxPerWindow;
    if (!Number.isInteger(max) || max < 1) throw invalidOption('maxOutgoingPerSecond', 'an integer >= 1', max);
    this.max = max;
    this.windowMs = options.windowMs ?? 1000;
    this.spacingMs = options.minSpacingMs ?? this.windowMs / max;
    this.now = options.now ?? Date.now;
    this.onError = options.onError;
    this.slots = options.slots ?? new TimerSlots();
    this.stamps = new Array<number>(max).fill(0);
  }

  /** Queue an action; it runs now if the window allows. */
  enqueue(action: OutboundAction, priority = false): void {
    if (this.disposed) return;
    (priority ? this.high : this.normal).push(action);
    this.drain();
  }

  /** Count a frame sent outside the scheduler (e.g. an automatic pong). */
  recordExternal(): void {
    this.record(this.now());
  }

  /** Frames sent within the last window. */
  sentInWindow(): number {
    const since = this.now() - this.windowMs;
    let n = 0;
    for (let i = 0; i < this.filled; i++) if ((this.stamps[i] as number) > since) n++;
    return n;
  }

  /** Actions waiting. */
  get queued(): number {
    return this.high.length + this.normal.length;
  }

  /** Drop everything queued, clear the timer and refuse further work (the connection ended). */
  dispose(): void {
    this.high = [];
    this.normal = [];
    this.slots.clear('outbox');
    this.disposed = true;
  }

  private record(at: number): void {
    this.lastSentAt = at;
    this.stamps[this.next] = at;
    this.next = (this.next + 1) % this.max;
    if (this.filled < this.max) this.filled++;
    this.total++;
  }

  /** ms until the next frame may go (0 = now). */
  private waitMs(now: number): number {
    const spacing = this.lastSentAt + this.spacingMs - now;
    if (this.filled < this.max) return Math.max(0, Math.ceil(spacing));
    const oldest = this.stamps[this.next] as number;
    return Math.max(0, Math.ceil(spacing), oldest + this.windowMs - now);
  }

  private drain(): void {
    if (this.draining || this.disposed || this.slots.has('outbox')) return;
    this.draining = true;
    try {
      while (this.high.length + this.normal.length > 0) {
        const now = this.now();
        const wait = this.waitMs(now);
        if (wait > 0) {
          this.slots.set('outbox', wait, this.onTimer);
          return;
        }
        const action = (this.high.length ? this.high.shift() : this.normal.shift()) as OutboundAction;
        let sent = false;
        try {
          sent = action();
        } catch (err) {
          this.onError?.(err);
        }
        if (sent) this.record(now);
      }
    } finally {
      this.draining = false;
    }
  }

  private readonly onTimer = (): void => {
    this.drain();
  };
}
