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
 *      live connection is re-subscribed, moved, reported down;
 *   3. per stream, the delivery lag (`lagging` / `caughtUp`, from the lag the router keeps);
 *   4. every peak gap decays (streams/cadence.ts).
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

export class LivenessPass {
  private lastAt = 0;

  constructor(private readonly h: LivenessPassHost) {}

  /** One pass; `armedAt`/`delayMs`: when and for how long the timer that runs it was armed. */
  run(armedAt: number, delayMs: number): void {
    const h = this.h;
    const now = h.now();
    const elapsed = this.lastAt === 0 ? 0 : now - this.lastAt;
    this.lastAt = now;
    const lag = h.lagThresholdMs;
    // Every stream, every pass: Map.forEach (no iterator result per stream until the pass is
    // optimized), and no store (nor a boxed number) for a peak that is 0 or a lag never seen.
    if (h.loop.observe(armedAt, delayMs, now)) {
      // Our own stall: no silence is judged now, but lag is (a starved loop is exactly what makes it grow).
      h.router.states.forEach((st) => {
        st.learnSkip = true;
        if (lag > 0 && st.lagMs !== undefined) this.judgeLag(st, lag, now, elapsed);
      });
      return;
    }
    const decay = peakDecay(elapsed);
    for (const slot of h.placement.slots) {
      const sock = slot.socket;
      if (sock.state !== 'open' || slot.handover !== undefined || h.paused(slot)) continue;
      const r = h.silence.sweep(slot.streams, h.router.states, Math.max(sock.connectedAt ?? now, slot.resumedAt), now, h.loop);
      if (r !== undefined) this.act(slot, r, now);
    }
    if (decay === 1 && lag <= 0) return;
    h.router.states.forEach((st) => {
      if (decay !== 1 && st.gapPeak !== 0) st.gapPeak *= decay;
      if (lag > 0 && st.lagMs !== undefined) this.judgeLag(st, lag, now, elapsed);
    });
  }

  private judgeLag(st: StreamState, threshold: number, now: number, elapsed: number): void {
    const lagMs = st.lagMs as number;
    st.lagFloor = Math.min(lagMs, st.lagFloor + (elapsed * LAG_FLOOR_RISE_PER_S) / 1000);
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
