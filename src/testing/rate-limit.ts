/**
 * Incoming-message budget of one connection, over a sliding window: stream connections
 * count every frame (text, ping, pong) against `maxIncomingMessagesPerSecond` per
 * second; WS-API sessions count request weight against REQUEST_WEIGHT per minute.
 * The connection decides what happens over the limit (stream: disconnect 1008;
 * WS API: HTTP-429-style error answer).
 */
import type { Clock } from './clock';

export class RateLimit {
  private readonly at: number[] = [];
  private readonly weight: number[] = [];
  private used = 0;

  constructor(
    private readonly clock: Clock,
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Count a message of `weight`; false when it takes the window over `max`. */
  hit(weight = 1): boolean {
    const now = this.clock.now();
    this.expire(now);
    this.at.push(now);
    this.weight.push(weight);
    this.used += weight;
    return this.used <= this.max;
  }

  /** Weight counted in the window now. */
  count(): number {
    this.expire(this.clock.now());
    return this.used;
  }

  /** Wall-clock ms when the window has room for `weight` again. */
  retryAt(weight = 1): number {
    const now = this.clock.now();
    this.expire(now);
    let used = this.used;
    for (let i = 0; i < this.at.length; i++) {
      if (used + weight <= this.max) return now;
      used -= this.weight[i] ?? 0;
      if (used + weight <= this.max) return (this.at[i] ?? now) + this.windowMs;
    }
    return now;
  }

  private expire(now: number): void {
    while (this.at.length && (this.at[0] ?? 0) <= now - this.windowMs) {
      this.at.shift();
      this.used -= this.weight.shift() ?? 0;
    }
  }
}
