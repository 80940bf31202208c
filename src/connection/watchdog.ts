/**
 * Connection-level stale-data watchdog. The socket answers pings (so the heartbeat is
 * happy) but no data arrived for `thresholdMs`: reconnect, at most once per
 * `debounceMs` (a flapping feed must not cause a reconnect storm; within the debounce
 * it reports once with action `none`). One re-armed timeout per connection; the hot
 * path only stores `lastDataAt`. The debounce outlives connections.
 */

export interface WatchdogHost {
  now(): number;
  /** Last data message, or the connection's open time if later. */
  lastDataAt(): number;
  /** Current threshold (0 = disabled); recomputed by the host when streams change. */
  thresholdMs(): number;
  onStale(silentMs: number, action: 'reconnect' | 'none'): void;
}

export class StaleWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastReconnectAt: number | undefined;
  private reportedNone = false;
  private running = false;

  constructor(
    private readonly host: WatchdogHost,
    private readonly debounceMs: number,
  ) {}

  /** Start watching a new connection. */
  start(): void {
    this.stop();
    this.running = true;
    this.reportedNone = false;
    this.check();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The threshold changed (streams added/removed): re-evaluate now. */
  refresh(): void {
    if (!this.running) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.check();
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.onTimer, Math.max(1, ms));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.running) this.check();
  };

  private check(): void {
    const threshold = this.host.thresholdMs();
    if (!(threshold > 0) || !Number.isFinite(threshold)) return;
    const now = this.host.now();
    const silent = now - this.host.lastDataAt();
    if (silent < threshold) {
      this.reportedNone = false;
      this.arm(threshold - silent);
      return;
    }
    if (this.lastReconnectAt === undefined || now - this.lastReconnectAt >= this.debounceMs) {
      this.lastReconnectAt = now;
      this.running = false;
      this.host.onStale(silent, 'reconnect');
      return;
    }
    if (!this.reportedNone) {
      this.reportedNone = true;
      this.host.onStale(silent, 'none');
    }
    this.arm(this.lastReconnectAt + this.debounceMs - now);
  }
}
