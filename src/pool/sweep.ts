/**
 * The pool's periodic sweep (every `sweepIntervalMs`): due rotations, then every stream's
 * health (./health.ts). Silence and lag are judged by the faster liveness pass
 * (./liveness-pass.ts); nothing here runs per message.
 */
import type { ResilientSocketLike } from '../connection/types';
import type { HealthEmitter } from './health';
import { observe } from './health';
import type { Placement, Slot } from './placement';
import type { RotationPlan } from './rotation-plan';
import { rotationDue } from './rotation-plan';
import type { StreamRouter } from './router';
import type { StreamState } from './stream-state';

export interface SweepHost {
  readonly placement: Placement;
  readonly router: StreamRouter;
  readonly rotation: RotationPlan;
  readonly health: HealthEmitter;
  now(): number;
  rotate(slot: Slot): void;
}

export const socketOf = (placement: Placement, st: StreamState): ResilientSocketLike | undefined => placement.slotOf(st.name)?.socket;

export function sweep(h: SweepHost): void {
  const now = h.now();
  for (const slot of [...h.placement.slots]) {
    const sock = slot.socket;
    if (sock.state !== 'open' || slot.handover !== undefined) continue;
    const connectedAt = sock.connectedAt ?? now;
    if (now >= slot.rotationHoldUntil && rotationDue(now, connectedAt, h.rotation, slot.jitter)) h.rotate(slot);
  }
  for (const st of h.router.states.values()) observe(st, socketOf(h.placement, st), now, h.health);
}
