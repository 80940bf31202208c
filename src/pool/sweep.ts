/**
 * The pool's periodic sweep (every `sweepIntervalMs`): due rotations, then the per-stream
 * silence repair on open sockets (./stream-silence.ts), then every stream's health
 * (./health.ts). All per-stream liveness bookkeeping happens here, never per message.
 */
import type { ResilientSocketLike } from '../connection/types';
import type { StaleEvent } from '../connection/events';
import type { Logger } from '../core/logger';
import type { HealthEmitter } from './health';
import { observe } from './health';
import type { Placement, Slot } from './placement';
import type { RotationPlan } from './rotation-plan';
import { rotationDue } from './rotation-plan';
import type { StreamRouter } from './router';
import type { SilentStreams, StreamSilence } from './stream-silence';
import type { StreamState } from './stream-state';

export interface SweepHost {
  readonly placement: Placement;
  readonly router: StreamRouter;
  readonly silence: StreamSilence;
  readonly rotation: RotationPlan;
  readonly log: Logger;
  readonly health: HealthEmitter;
  now(): number;
  rotate(slot: Slot): void;
  /** Move `names` off `slot` onto a fresh connection. */
  move(slot: Slot, names: string[]): void;
  stale(e: StaleEvent): void;
}

export const socketOf = (placement: Placement, st: StreamState): ResilientSocketLike | undefined => placement.slotOf(st.name)?.socket;

export function sweep(h: SweepHost): void {
  const now = h.now();
  for (const slot of [...h.placement.slots]) {
    const sock = slot.socket;
    if (sock.state !== 'open' || slot.handover !== undefined) continue;
    const connectedAt = sock.connectedAt ?? now;
    if (now >= slot.rotationHoldUntil && rotationDue(now, connectedAt, h.rotation, slot.jitter)) {
      h.rotate(slot);
      continue;
    }
    const r = h.silence.sweep(slot.streams, h.router.states, connectedAt, now);
    if (r !== undefined) act(h, slot, r, now);
  }
  for (const st of h.router.states.values()) observe(st, socketOf(h.placement, st), now, h.health);
}

function act(h: SweepHost, slot: Slot, r: SilentStreams, now: number): void {
  const sock = slot.socket;
  for (const st of r.restored) {
    h.log.info({ socketId: sock.id, stream: st.name, repairs: st.repairs }, 'silent stream delivers again');
    st.endRepair();
    observe(st, sock, now, h.health, true);
  }
  const { streams, move, silentMs } = r;
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
}
