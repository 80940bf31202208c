/**
 * The server heartbeat of every connection kind (stream connections and WS-API sessions):
 * a ping every `pingIntervalMs`, and a disconnect when no pong arrives within
 * `pongTimeoutMs` of the first unanswered ping. One policy for both kinds:
 * - durations are divided by `timeScale`, but scaling never takes the interval below
 *   500 ms or the deadline below 2 s (unless configured smaller), because pongs count
 *   toward the incoming-message limit: a 20 s ping scaled by 1440 would make every
 *   client exceed 5 msg/s;
 * - ping payloads are the send time; a pong must echo one of the last 64 of them,
 *   unless `unsolicitedPongKeepsAlive` (futures docs: any pong keeps the link alive);
 * - while the connection is `suspended()` (blackholed) no ping is sent and a deadline
 *   that passes does not disconnect.
 */
import type { Clock, TimerHandle } from './clock';

export const PING_FLOOR_MS = 500;
export const PONG_FLOOR_MS = 2000;
const REMEMBERED_PINGS = 64;

export interface HeartbeatPolicy {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly unsolicitedPongKeepsAlive: boolean;
}

export interface HeartbeatTarget {
  /** Send a ping frame with this payload (the connection may delay it). */
  sendPing(payload: string): void;
  /** True while pings and the deadline are on hold (blackhole). */
  suspended(): boolean;
  /** The deadline passed without a pong. */
  timedOut(): void;
}

/** A duration under `timeScale`, never scaled below `floorMs` (unless configured smaller). */
export function scaledFloor(clock: Clock, ms: number, floorMs: number): number {
  return Math.max(clock.scale(ms), Math.min(ms, floorMs));
}

export class Heartbeat {
  private pingTimer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private readonly outstanding = new Set<string>();
  private stopped = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly policy: HeartbeatPolicy,
    private readonly target: HeartbeatTarget,
  ) {
    this.intervalMs = scaledFloor(clock, policy.pingIntervalMs, PING_FLOOR_MS);
    this.timeoutMs = scaledFloor(clock, policy.pongTimeoutMs, PONG_FLOOR_MS);
    this.arm();
  }

  /** A pong arrived with this payload. */
  pong(payload: string): void {
    if (!this.policy.unsolicitedPongKeepsAlive && !this.outstanding.has(payload)) return;
    this.outstanding.clear();
    this.clock.clear(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.clock.clear(this.pingTimer);
    this.clock.clear(this.deadline);
    this.pingTimer = this.deadline = undefined;
  }

  private arm(): void {
    this.pingTimer = this.clock.timeout(() => {
      if (this.stopped) return;
      if (!this.target.suspended()) this.ping();
      this.arm();
    }, this.intervalMs);
  }

  private ping(): void {
    const payload = String(this.clock.now());
    this.outstanding.add(payload);
    if (this.outstanding.size > REMEMBERED_PINGS) this.outstanding.delete(this.outstanding.values().next().value as string);
    this.target.sendPing(payload);
    this.deadline ??= this.clock.timeout(() => {
      this.deadline = undefined;
      if (this.stopped || this.target.suspended()) return;
      this.target.timedOut();
    }, this.timeoutMs);
  }
}
