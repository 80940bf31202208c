/**
 * The pool's periodic work while it runs, each on one re-armed timer in the pool's
 * TimerSlots: the liveness pass (slot `liveness`, every `livenessTickMs`: one
 * StreamSilence for thresholds and the repair ladder, one LoopMonitor for the process's own
 * stalls → `loopBlocked`, lag, the consumers' holds) and the sweep (slot `sweep`, every
 * `sweepIntervalMs`: rotations and health, ./sweep.ts).
 */
import { errorFields } from '../core/logger';
import type { Logger } from '../core/logger';
import { LoopMonitor } from '../core/loop-monitor';
import type { TimerSlots } from '../core/timers';
import type { PoolEvents } from './events';
import type { HealthEmitter } from './health';
import { PoolHolds } from './holds';
import { LivenessPass } from './liveness-pass';
import type { ResolvedPoolOptions } from './options';
import type { Placement, Slot } from './placement';
import type { StreamRouter } from './router';
import { StreamSilence } from './stream-silence';
import { sweep } from './sweep';
import type { SweepHost } from './sweep';

export interface PoolLivenessDeps {
  readonly o: ResolvedPoolOptions;
  readonly placement: Placement;
  readonly router: StreamRouter;
  readonly log: Logger;
  readonly health: HealthEmitter;
  readonly timers: Pick<TimerSlots<'liveness' | 'sweep'>, 'has' | 'set'>;
  running(): boolean;
  move(slot: Slot, names: string[]): void;
  rotate(slot: Slot): void;
  emit<K extends 'stale' | 'loopBlocked' | 'lagging' | 'caughtUp'>(event: K, e: Parameters<PoolEvents[K]>[0]): void;
}

export class PoolLiveness {
  readonly silence: StreamSilence;
  readonly holds: PoolHolds;
  private readonly pass: LivenessPass;
  private readonly sweeper: SweepHost;

  constructor(private readonly d: PoolLivenessDeps) {
    const lv = d.o.liveness;
    this.silence = new StreamSilence(lv.streamStaleAfterMs, lv.minStaleAfterMs);
    this.holds = new PoolHolds(d.placement, d.router, d.o.now);
    const loop = new LoopMonitor(Math.min(100, lv.loopBlockedMs), lv.loopBlockedMs, (b) => {
      const blockedMs = b.to - b.from;
      d.log.warn({ blockedMs, thresholdMs: lv.loopBlockedMs }, `this process did not run for ${blockedMs} ms (a blocking listener?); that silence is not held against Binance`);
      d.emit('loopBlocked', { blockedMs, from: b.from, to: b.to, thresholdMs: lv.loopBlockedMs });
    });
    this.pass = new LivenessPass({
      ...{ placement: d.placement, router: d.router, silence: this.silence, loop, log: d.log, health: d.health, lagThresholdMs: lv.lagThresholdMs, now: d.o.now },
      move: d.move,
      stale: (e) => d.emit('stale', e),
      lagging: (e) => d.emit('lagging', e),
      caughtUp: (e) => d.emit('caughtUp', e),
      paused: (slot) => slot.paused,
    });
    this.sweeper = { placement: d.placement, router: d.router, rotation: d.o.rotation, health: d.health, now: d.o.now, rotate: d.rotate };
  }

  /** Arm both timers (pool started). */
  arm(): void {
    this.armPass();
    this.armSweep();
  }

  private armSweep(): void {
    const { timers, o, log } = this.d;
    if (!this.d.running() || timers.has('sweep')) return;
    timers.set('sweep', o.sweepIntervalMs, () => {
      try {
        sweep(this.sweeper);
      } catch (err) {
        log.warn({ error: errorFields(err) }, 'pool sweep failed; trying again at the next sweep');
      }
      this.armSweep();
    });
  }

  /** Arm the next pass (no-op when armed or the pool is not running). */
  private armPass(): void {
    const { timers, o, log } = this.d;
    if (!this.d.running() || timers.has('liveness')) return;
    const ms = o.liveness.livenessTickMs;
    const armedAt = o.now();
    timers.set('liveness', ms, () => {
      try {
        if (this.holds.size) this.holds.apply();
        this.pass.run(armedAt, ms);
      } catch (err) {
        log.warn({ error: errorFields(err) }, 'liveness pass failed; trying again at the next pass');
      }
      this.armPass();
    });
  }
}
