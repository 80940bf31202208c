/**
 * Dead-peer detection for one connection (Node only: browsers cannot send pings).
 * After `idlePingMs` of inbound silence it sends one ping; if nothing at all arrives
 * within `pongTimeoutMs` the peer is declared dead. Any inbound frame (data, ping,
 * pong) is proof of life, so a busy connection never pings. One re-armed timeout,
 * never an interval; the hot path only updates the host's `lastInboundAt`.
 */
import type { HeartbeatOptions } from './types';

export interface HeartbeatHost {
  now(): number;
  /** Time of the last inbound frame of any kind. */
  lastInboundAt(): number;
  /** Queue a ping (through the outbound scheduler). */
  sendPing(): void;
  /** Nothing arrived within the deadline: terminate and reconnect. */
  onDead(silentMs: number): void;
}

export class Heartbeat {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pingSentAt: number | undefined;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly host: HeartbeatHost,
  ) {}

  get enabled(): boolean {
    return this.options.idlePingMs > 0;
  }

  start(): void {
    this.stop();
    if (!this.enabled) return;
    this.arm(this.options.idlePingMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pingSentAt = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.tick, Math.max(1, ms));
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = this.host.now();
    const last = this.host.lastInboundAt();
    if (this.pingSentAt !== undefined) {
      if (last < this.pingSentAt) {
        const silent = now - last;
        this.pingSentAt = undefined;
        this.host.onDead(silent);
        return;
      }
      this.pingSentAt = undefined;
    }
    const silent = now - last;
    if (silent >= this.options.idlePingMs) {
      this.pingSentAt = now;
      this.host.sendPing();
      this.arm(this.options.pongTimeoutMs);
    } else {
      this.arm(this.options.idlePingMs - silent);
    }
  };
}
