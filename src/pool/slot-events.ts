/**
 * What the pool learns from one socket's lifecycle events, done before the events are
 * forwarded (sockets.ts registers these first): typed handlers for 'open', 'close' and
 * 'gaveUp', the streams' health on every state change, plus the stream acknowledgements of 'subscribed' / 'subscribeFailed'.
 */
import type { ResilientSocketLike } from '../connection/types';
import { toStreamError } from '../core/errors';
import type { HealthEmitter } from './health';
import { observe } from './health';
import type { Placement, Slot } from './placement';
import type { Progress } from './progress';
import type { StreamRouter } from './router';
import type { StartGate } from './start-gate';

export interface SlotEventsHost {
  readonly router: StreamRouter;
  readonly placement: Placement;
  readonly progress: Progress;
  readonly startGate: StartGate;
  readonly now: () => number;
  running(): boolean;
  scheduleProgress(): void;
  /** Where stream health changes are reported (./health.ts). */
  readonly health: HealthEmitter;
}

/** Listen to `socket` on behalf of the slot `owner()` returns (its current slot). */
export function listenToSocket(socket: ResilientSocketLike, owner: () => Slot, host: SlotEventsHost): void {
  const { router, placement, progress, startGate } = host;
  socket.on('stateChange', () => {
    const slot = owner();
    if (socket !== slot.socket || !placement.slots.has(slot)) return;
    const now = host.now();
    for (const st of router.statesOf(slot.streams)) observe(st, socket, now, host.health);
  });
  socket.on('open', () => {
    const slot = owner();
    if (socket === slot.socket) {
      slot.everOpen = true;
      startGate.check(placement.slots);
    }
    host.scheduleProgress();
  });
  socket.on('close', () => {
    const slot = owner();
    if (socket !== slot.socket) return;
    // The old socket died during a handover: the replacement takes over now.
    if (slot.handover !== undefined && host.running()) return slot.handover.finish();
    for (const st of router.statesOf(slot.streams)) {
      progress.markUnready(st);
      st.learnSkip = true; // the gap across the reconnect is not the stream's cadence
      st.interrupt('reconnect', host.now());
    }
    host.scheduleProgress();
  });
  socket.on('gaveUp', (e) => {
    const slot = owner();
    // Gave up before it ever opened: start() rejects; the other sockets keep running (stop() cleans up).
    if (socket === slot.socket && !slot.everOpen) startGate.fail(toStreamError(e.error, 'ERR_GAVE_UP'));
  });
  socket.on('subscribed', (e) => {
    const slot = owner();
    const now = host.now();
    for (const st of router.statesOf(e.streams)) {
      if (placement.slotOf(st.name) !== slot) continue;
      st.ackedAt = now;
      progress.markReady(st);
    }
    host.scheduleProgress();
  });
  socket.on('subscribeFailed', (e) => {
    for (const st of router.statesOf(e.streams)) st.errors++;
  });
}
