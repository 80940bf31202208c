/**
 * Liveness of ONE connection (created with it, dropped with it), behind one three-method
 * host (the nats.js `Heartbeat` idea):
 *
 * - heartbeat (Node only: browsers cannot ping): after `idlePingMs` of inbound silence
 *   (no data, no ping, no pong) send one ping; if nothing at all arrives within
 *   `pongTimeoutMs`, the peer is dead. Any inbound frame is proof of life, so a busy
 *   connection never pings.
 * - stale watch: no DATA for `staleAfterMs` while the connection is ready → stale.
 *   A reconnect is reported only from `staleNotBefore` on (the socket's debounce, which
 *   outlives connections); before that, one report with action `none`.
 *   `expectSilence()` (a serverShutdown handover is under way) turns the next stale into
 *   one `none` report with `expected: true` and ends the watch.
 *
 * One re-armed timeout per job, never an interval, both in the owner's TimerSlots; the
 * hot path only stores two timestamps.
 *
 * The process's own stalls: a timer that fires {@link LATE_MS} or more after it was due
 * means this process was not running (a listener blocked the event loop, a GC pause), and
 * frames may be waiting in the socket's buffer. Such a timer judges nothing: it re-arms
 * for {@link LATE_GRACE_MS} so pending I/O is read first, and the silence it measured is
 * not held against the peer.
 */
import type { TimerSlots } from '../core/timers';
import type { HeartbeatOptions } from './types';

export type LivenessReport =
  { readonly kind: 'dead'; readonly silentMs: number } | { readonly kind: 'stale'; readonly silentMs: number; readonly action: 'reconnect' | 'none'; readonly expected: boolean };

export interface LivenessHost {
  now(): number;
  /** Send (queue) one ping. */
  ping(): void;
  report(report: LivenessReport): void;
}

export interface LivenessOptions {
  /** false (or a transport that cannot ping): no heartbeat. */
  heartbeat: HeartbeatOptions | false;
  /** 0: no stale watch. */
  staleAfterMs: number;
  /** Before this time a stale connection is reported with action `none` (the debounce). */
  staleNotBefore: number;
}

/** A timer this late (ms) means the process itself stalled. */
export const LATE_MS = 250;
/** After a late timer, wait this long (pending frames are read meanwhile) before judging again. */
export const LATE_GRACE_MS = 500;

export class Liveness {
  /** Last inbound frame of any kind. */
  lastInboundAt: number;
  /** Last data message (or the time the watch started, if later). */
  lastDataAt: number;
  private pingSentAt: number | undefined;
  private staleAfterMs: number;
  private watching = false;
  private reportedNone = false;
  private expecting = false;
  private beatDue = 0;
  private checkDue = 0;
  private paused = false;

  constructor(
    private readonly host: LivenessHost,
    private readonly options: LivenessOptions,
    private readonly slots: TimerSlots,
  ) {
    this.lastInboundAt = this.lastDataAt = host.now();
    this.staleAfterMs = options.staleAfterMs;
  }

  /** Hot path: any inbound frame. */
  touch(now: number): void {
    this.lastInboundAt = now;
  }

  /** Hot path: a data message. */
  data(now: number): void {
    this.lastInboundAt = now;
    this.lastDataAt = now;
  }

  /** The WebSocket opened: start the heartbeat. */
  startHeartbeat(): void {
    this.lastInboundAt = this.host.now();
    const hb = this.options.heartbeat;
    if (hb === false || !(hb.idlePingMs > 0)) return;
    this.armBeat(hb.idlePingMs);
  }

  private armBeat(ms: number): void {
    this.beatDue = this.host.now() + ms;
    this.slots.set('heartbeat', ms, this.beat);
  }

  private armCheck(ms: number): void {
    this.checkDue = this.host.now() + ms;
    this.slots.set('stale', ms, this.check);
  }

  /** The timer due at `due` fired now, late: shift every silence by the stall and judge after a grace. */
  private late(due: number, now: number): boolean {
    const late = now - due;
    if (!(late >= LATE_MS)) return false;
    this.lastInboundAt = Math.max(this.lastInboundAt, Math.min(now, this.lastInboundAt + late));
    this.lastDataAt = Math.max(this.lastDataAt, Math.min(now, this.lastDataAt + late));
    if (this.pingSentAt !== undefined) this.pingSentAt = Math.min(now, this.pingSentAt + late);
    return true;
  }

  /** The connection is ready: start watching for data silence. */
  startWatch(): void {
    this.lastDataAt = Math.max(this.lastDataAt, this.host.now());
    this.watching = true;
    this.checkDue = 0;
    this.check();
  }

  /** The threshold changed (streams added or removed): re-evaluate now. 0 disables. */
  setStaleAfter(ms: number): void {
    if (ms === this.staleAfterMs) return;
    this.staleAfterMs = ms;
    if (!this.watching) return;
    this.slots.clear('stale');
    this.checkDue = 0;
    this.check();
  }

  expectSilence(): void {
    this.expecting = true;
  }

  /**
   * Reading is paused by the owner (a consumer's back-pressure): nothing is judged while
   * paused, and silence counts from the resume (the peer's frames wait in the TCP buffer).
   */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) return;
    const now = this.host.now();
    this.lastInboundAt = this.lastDataAt = now;
    if (this.pingSentAt !== undefined) this.pingSentAt = now;
  }

  stop(): void {
    this.watching = false;
    this.slots.clear('heartbeat');
    this.slots.clear('stale');
  }

  private readonly beat = (): void => {
    const hb = this.options.heartbeat as HeartbeatOptions;
    const now = this.host.now();
    if (this.paused || this.late(this.beatDue, now)) return this.armBeat(LATE_GRACE_MS);
    const last = this.lastInboundAt;
    if (this.pingSentAt !== undefined) {
      const sentAt = this.pingSentAt;
      this.pingSentAt = undefined;
      if (last < sentAt) return this.host.report({ kind: 'dead', silentMs: now - last });
    }
    const silent = now - last;
    if (silent >= hb.idlePingMs) {
      this.pingSentAt = now;
      this.host.ping();
      this.armBeat(Math.max(1, hb.pongTimeoutMs));
    } else {
      this.armBeat(Math.max(1, hb.idlePingMs - silent));
    }
  };

  private readonly check = (): void => {
    const threshold = this.staleAfterMs;
    if (!this.watching || !(threshold > 0) || !Number.isFinite(threshold)) return;
    const now = this.host.now();
    if (this.paused || (this.checkDue !== 0 && this.late(this.checkDue, now))) return this.armCheck(LATE_GRACE_MS);
    const silent = now - this.lastDataAt;
    if (silent < threshold) {
      this.reportedNone = false;
      return this.armCheck(Math.max(1, threshold - silent));
    }
    if (this.expecting) {
      this.watching = false;
      return this.host.report({ kind: 'stale', silentMs: silent, action: 'none', expected: true });
    }
    if (now >= this.options.staleNotBefore) {
      this.watching = false;
      return this.host.report({ kind: 'stale', silentMs: silent, action: 'reconnect', expected: false });
    }
    if (!this.reportedNone) {
      this.reportedNone = true;
      this.host.report({ kind: 'stale', silentMs: silent, action: 'none', expected: false });
    }
    this.armCheck(Math.max(1, this.options.staleNotBefore - now));
  };
}
