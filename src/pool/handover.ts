/**
 * One make-before-break handover of a slot's streams from its socket (`from`) to a fresh
 * replacement (`to`): a lifetime rotation, a manual rotate(), or Binance's serverShutdown.
 *
 * Phases, one timer each, in one TimerSlots (the slot name is the phase):
 * - `opening`: the replacement dials and subscribes; the router holds or drops its
 *   messages until each stream's two sequences overlap (router.ts). If it delivers no
 *   data within `timeoutMs`, or stops or gives up first, the handover FALLS BACK: the
 *   replacement is discarded and the old socket reconnects the plain way.
 * - `settling`: the replacement delivered; streams switch to it one by one as they line up.
 *   When all have switched, or after `settleMs` (quiet streams may not deliver), the
 *   handover FINISHES: every stream still on the old socket switches and the old socket goes.
 * The old socket dying meanwhile finishes the handover at once (the pool calls `finish()`).
 * `cancel()` (unsubscribe of the last stream, stop()) ends it with neither outcome.
 * The controller does the slot's side of each outcome; the pool counts and emits `rotated`.
 *
 * The controller is also the router's handover record (`Handover`, stream-state.ts).
 */
import type { ResilientSocketLike } from '../connection/types';
import type { Logger } from '../core/logger';
import { TimerSlots } from '../core/timers';
import type { RotatedEvent } from './events';
import type { Slot, SlotHandover } from './placement';
import type { StreamRouter } from './router';
import type { Handover, StreamState } from './stream-state';

export type HandoverReason = RotatedEvent['reason'];
export type HandoverPhase = 'opening' | 'settling' | 'done';

/** What every handover of one pool shares: its settings and the pool's side of the outcome. */
export interface HandoverHost {
  readonly router: Pick<StreamRouter, 'beginHandover' | 'completeHandover' | 'cancelHandover' | 'oldStillDelivering'>;
  readonly logger: Logger;
  readonly now: () => number;
  /** Rotation jitter of the slot's next socket. */
  readonly random: () => number;
  readonly timeoutMs: number;
  readonly settleMs: number;
  /** Stop a socket the slot no longer uses (in the background). */
  stopSocket(socket: ResilientSocketLike): void;
  /** The slot reads from its new socket now (the slot's bookkeeping is done): count it and emit `rotated`. */
  rotated(e: RotatedEvent): void;
}

export class HandoverController implements Handover, SlotHandover {
  readonly from: ResilientSocketLike;
  pending = 0;
  phase: HandoverPhase = 'opening';
  readonly startedAt: number;
  /** Resolves when the handover finished, fell back or was cancelled. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly timers = new TimerSlots<'opening' | 'settling'>();

  constructor(
    private readonly slot: Slot,
    readonly to: ResilientSocketLike,
    readonly reason: HandoverReason,
    private readonly host: HandoverHost,
  ) {
    this.from = slot.socket;
    this.startedAt = host.now();
    this.done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  }

  /** Hand `streams` over and open the replacement. */
  start(streams: Iterable<StreamState>): void {
    const { router, logger, timeoutMs } = this.host;
    router.beginHandover(streams, this);
    logger.info({ socketId: this.from.id, newSocketId: this.to.id, reason: this.reason, streams: this.pending }, 'rotating socket (make-before-break)');
    this.timers.set('opening', timeoutMs, () => this.fallBack('no data in time'));
    void this.to.firstData().then((delivering) => (delivering ? this.settle() : this.fallBack('replacement stopped')));
    this.to.start();
  }

  /** Streams placed on the slot during the handover join it. */
  add(streams: Iterable<StreamState>): void {
    if (this.phase !== 'done') this.host.router.beginHandover(streams, this);
  }

  /** The router switched the last stream. */
  onAllSwitched(): void {
    this.finish();
  }

  /** Switch every remaining stream to the replacement now; the replacement becomes the slot's socket. */
  finish(): void {
    if (!this.end()) return;
    const { slot, host } = this;
    host.router.completeHandover(this);
    slot.socket = this.to;
    slot.jitter = host.random();
    slot.everOpen ||= this.to.state === 'open';
    host.stopSocket(this.from);
    const e: RotatedEvent = { oldSocketId: this.from.id, newSocketId: this.to.id, reason: this.reason, handoverMs: host.now() - this.startedAt, streams: slot.streams.size };
    host.logger.info({ socketId: e.oldSocketId, newSocketId: e.newSocketId, reason: e.reason, handoverMs: e.handoverMs, streams: e.streams }, 'socket rotated');
    host.rotated(e);
  }

  /** End without an outcome (last stream unsubscribed, pool stopped): the replacement goes. */
  cancel(): void {
    if (!this.end()) return;
    this.host.router.cancelHandover(this);
    this.host.stopSocket(this.to);
  }

  /** Timers armed right now (0 or 1). */
  get timersArmed(): number {
    return this.timers.size;
  }

  private settle(): void {
    if (this.phase !== 'opening') return;
    this.phase = 'settling';
    this.timers.clearAll();
    const since = this.host.now();
    this.timers.set('settling', this.host.settleMs, () => this.settleCheck(since));
  }

  /**
   * The settle window ended. A stream whose old socket is still working through a backlog
   * (it delivered within the last window and has not reached the replacement yet) gets
   * another window, up to `timeoutMs` of settling in all; then every stream switches.
   */
  private settleCheck(settlingSince: number): void {
    const { host } = this;
    const now = host.now();
    if (now - settlingSince < host.timeoutMs && host.router.oldStillDelivering(this, now - host.settleMs)) {
      this.timers.set('settling', host.settleMs, () => this.settleCheck(settlingSince));
      return;
    }
    this.finish();
  }

  /** The replacement did not deliver: discard it, keep the old socket and reconnect it the plain way. */
  private fallBack(why: string): void {
    if (!this.end()) return;
    const { slot, host } = this;
    host.router.cancelHandover(this);
    slot.rotationHoldUntil = host.now() + Math.max(60_000, 2 * host.timeoutMs);
    host.stopSocket(this.to);
    host.logger.warn(
      { socketId: this.from.id, newSocketId: this.to.id, reason: this.reason, why, timeoutMs: host.timeoutMs },
      'replacement socket did not deliver; reconnecting the old socket instead',
    );
    this.from.reconnect(this.reason === 'serverShutdown' ? 'serverShutdown' : 'rotation fallback');
  }

  /** Move to `done` once (timers cleared, the slot free for the next handover); false when already there. */
  private end(): boolean {
    if (this.phase === 'done') return false;
    this.phase = 'done';
    this.timers.clearAll();
    if (this.slot.handover === this) this.slot.handover = undefined;
    this.resolveDone();
    return true;
  }
}
