/**
 * The pool's liveness pass, every `livenessTickMs` (default 100 ms; one timer for the whole
 * pool, nothing per message):
 *
 *   1. the timer's own drift tells whether THIS process stalled (core/loop-monitor.ts): if
 *      so, no silence is judged on this pass (frames that waited in the socket buffers are
 *      read first), every stream skips the gap that spans the stall, lag is still judged,
 *      and `loopBlocked` is emitted for a stall of at least `loopBlockedMs`;
 *   2. per open socket, the silence judgement of ./stream-silence.ts (learned threshold per
 *      stream, the stall subtracted): a stale connection reconnects, a silent stream on a
 *      live connection is re-subscribed, moved, reported down. A socket none of whose streams
 *      can be suspected yet (the last sweep says when one could, at most a second ahead) is
 *      skipped until then: a full universe is not walked ten times a second;
 *   3. the delivery lag (`lagging` / `caughtUp`, from the lag the router keeps) of the streams
 *      that delivered since the last pass or are lagging (the router queues them);
 *   4. every peak gap decays (streams/cadence.ts), once a second.
 */
import type { ResilientSocketLike } from '../connection/types';
import type { StaleEvent } from '../connection/events';
import type { Logger } from '../core/logger';
import type { LoopMonitor } from '../core/loop-monitor';
import { peakDecay } from '../streams/cadence';
import type { CaughtUpEvent, LaggingEvent } from './events';
import type { HealthEmitter } from './health';
import { observe } from './health';
import type { Placement, Slot } from './placement';
import type { StreamRouter } from './router';
import type { SilentStreams, StreamSilence } from './stream-silence';
import type { StreamState } from './stream-state';
import { socketOf } from './sweep';

/** The lag floor rises by this much per second of wall time, so a clock step or a slower route is absorbed (ms/s). */
export const LAG_FLOOR_RISE_PER_S = 2;

export interface LivenessPassHost {
  readonly placement: Placement;
  readonly router: StreamRouter;
  readonly silence: StreamSilence;
  readonly loop: LoopMonitor;
  readonly log: Logger;
  readonly health: HealthEmitter;
  /** 0: no lag judgement. */
  readonly lagThresholdMs: number;
  now(): number;
  /** Move `names` off `slot` onto a fresh connection. */
  move(slot: Slot, names: string[]): void;
  stale(e: StaleEvent): void;
  lagging(e: LaggingEvent): void;
  caughtUp(e: CaughtUpEvent): void;
  /** Is the socket's reading paused by a consumer's hold (then its silence is ours, not the feed's)? */
  paused(slot: Slot): boolean;
}

/** Peak gaps decay at most this often (ms; their half-life is CADENCE.peakHalfLifeMs). */
export const DECAY_EVERY_MS = 1_000;

export class LivenessPass {
  private lastAt = 0;
  private undecayedMs = 0;

  constructor(private readonly h: LivenessPassHost) {
    if (h.lagThresholdMs > 0) h.router.lagQueue ??= [];
  }

  /** One pass; `armedAt`/`delayMs`: when and for how long the timer that runs it was armed. */
  run(armedAt: number, delayMs: number): void {
    const h = this.h;
    const now = h.now();
    const elapsed = this.lastAt === 0 ? 0 : now - this.lastAt;
    this.lastAt = now;
    const lag = h.lagThresholdMs;
    if (h.loop.observe(armedAt, delayMs, now)) {
      // Our own stall: no silence is judged now, but lag is (a starved loop is exactly what makes it grow).
      h.router.states.forEach((st) => void (st.learnSkip = true));
      if (lag > 0) this.judgeLags(lag, now, elapsed);
      return;
    }
    // Peaks decay with a half-life of minutes: once a second is as good as every pass.
    this.undecayedMs += elapsed;
    const decay = this.undecayedMs >= DECAY_EVERY_MS ? peakDecay(this.undecayedMs) : 1;
    if (decay !== 1) this.undecayedMs = 0;
    for (const slot of h.placement.slots) {
      const sock = slot.socket;
      if (sock.state !== 'open' || slot.handover !== undefined || h.paused(slot)) continue;
      const connectedAt = Math.max(sock.connectedAt ?? now, slot.resumedAt);
      // Nothing on it can be suspected before slot.sweepAt (the last sweep's verdict): skip it until then.
      if (now < slot.sweepAt && slot.sweptFor === connectedAt) continue;
      const r = h.silence.sweep(slot.streams, h.router.states, connectedAt, now, h.loop);
      slot.sweepAt = r === undefined ? h.silence.dueAt : 0;
      slot.sweptFor = connectedAt;
      if (r !== undefined) this.act(slot, r, now);
    }
    if (lag > 0) this.judgeLags(lag, now, elapsed);
    // Map.forEach (no iterator result per stream until the pass is optimized); no store for a peak of 0.
    if (decay !== 1) h.router.states.forEach((st) => void (st.gapPeak !== 0 && (st.gapPeak *= decay)));
  }

  /**
   * The lag of the streams in the router's queue: those with a new lag since the last pass, and
   * those lagging (until they catch up). Any other stream cannot start lagging: without a new
   * lag its floor only rises, so its excess only shrinks; its floor catches up when it is next judged.
   */
  private judgeLags(threshold: number, now: number, elapsed: number): void {
    const router = this.h.router;
    const queue = router.lagQueue;
    if (queue === undefined || queue.length === 0) return;
    router.lagQueue = [];
    for (const st of queue) {
      st.lagQueued = false;
      if (router.states.get(st.name) !== st) continue; // unsubscribed since
      this.judgeLag(st, threshold, now, elapsed);
      if (st.lagging && !st.lagQueued) {
        st.lagQueued = true;
        router.lagQueue.push(st);
      }
    }
  }

  private judgeLag(st: StreamState, threshold: number, now: number, elapsed: number): void {
    const lagMs = st.lagMs as number;
    const rise = LAG_FLOOR_RISE_PER_S / 1000;
    // The passes since its last judgement saw the same lag: each raised the floor up to it (exactly this, at once).
    const before = now - elapsed;
    if (st.lagJudgedAt !== 0 && before > st.lagJudgedAt) st.lagFloor = Math.min(st.lagJudged, st.lagFloor + (before - st.lagJudgedAt) * rise);
    st.lagFloor = Math.min(lagMs, st.lagFloor + elapsed * rise);
    st.lagJudged = lagMs;
    st.lagJudgedAt = now;
    const excess = lagMs - st.lagFloor;
    if (!st.lagging && excess >= threshold) {
      st.lagging = true;
      st.laggingSince = now;
      this.h.log.warn({ stream: st.name, lagMs: excess, baselineMs: st.lagFloor, thresholdMs: threshold }, 'the listener falls behind the feed');
      this.h.lagging({ stream: st.name, consumer: 'listener', lagMs: excess, baselineMs: st.lagFloor, thresholdMs: threshold });
    } else if (st.lagging && excess < threshold / 2) {
      st.lagging = false;
      this.h.log.info({ stream: st.name, lagMs: excess, laggingMs: now - st.laggingSince }, 'the listener caught up');
      this.h.caughtUp({ stream: st.name, consumer: 'listener', lagMs: excess, laggingMs: now - st.laggingSince });
    }
  }

  private act(slot: Slot, r: SilentStreams, now: number): void {
    const h = this.h;
    const sock: ResilientSocketLike = slot.socket;
    for (const st of r.restored) {
      const probeOnly = st.repairs <= 1 && st.repair === 'resubscribe';
      h.log[probeOnly ? 'debug' : 'info']({ socketId: sock.id, stream: st.name, repairs: st.repairs }, 'silent stream delivers again');
      st.endRepair();
      observe(st, sock, now, h.health, !probeOnly);
    }
    if (r.connection) {
      const streams = [...slot.streams];
      for (const st of h.router.statesOf(streams)) {
        st.learnSkip = true;
        st.interrupt('stall', now);
      }
      return sock.declareStale(r.silentMs, streams);
    }
    const { streams, probe, move, silentMs } = r;
    for (const st of h.router.statesOf([...streams, ...move])) st.interrupt('stall', now);
    if (probe.length) {
      h.log.debug({ socketId: sock.id, streams: probe, silentMs }, 'streams quieter than they have been: re-subscribing them as a probe');
      sock.resubscribe(probe);
    }
    if (streams.length) {
      h.log.warn({ socketId: sock.id, streams, silentMs }, 'streams silent on a live connection; re-subscribing them');
      sock.resubscribe(streams);
      h.stale({ socketId: sock.id, scope: 'stream', streams, silentMs, action: 'resubscribe' });
    }
    if (move.length) {
      h.log.warn({ socketId: sock.id, streams: move, silentMs }, 're-subscribing did not help; moving the streams to a fresh connection');
      h.stale({ socketId: sock.id, scope: 'stream', streams: move, silentMs, action: 'move' });
      h.move(slot, move);
    }
    for (const st of h.router.statesOf([...streams, ...move])) observe(st, socketOf(h.placement, st), now, h.health);
  }
}
