/** The pool's stats snapshot: per socket (with replacements mid-handover) and per stream. */
import { suspectAfterMs } from '../streams/cadence';
import type { ConnectionBudgetState } from './connection-budget';
import type { Placement } from './placement';
import type { StreamRouter } from './router';
import type { PoolSocketStats, PoolStats, PoolStreamStats } from './types';

export function poolStats(placement: Placement, router: StreamRouter, budget: ConnectionBudgetState | undefined, rotations: number): PoolStats {
  const sockets: PoolSocketStats[] = [];
  const bySocket = new Map<unknown, { retries: number; reconnects: number; connectedAt: number | undefined; id: string }>();
  for (const slot of placement.slots) {
    const s = slot.socket.stats();
    sockets.push({ ...s, group: slot.group, route: slot.route, rotating: slot.handover !== undefined });
    bySocket.set(slot, { retries: s.retries, reconnects: s.reconnects, connectedAt: s.connectedAt, id: slot.socket.id });
    if (slot.handover !== undefined) sockets.push({ ...slot.handover.to.stats(), group: slot.group, route: slot.route, rotating: true });
  }
  const streams: PoolStreamStats[] = [];
  for (const st of router.states.values()) {
    const slot = placement.slotOf(st.name);
    const seq = st.stages?.find((s) => s.counters !== undefined)?.counters;
    const sk = slot !== undefined ? bySocket.get(slot) : undefined;
    streams.push({
      stream: st.name,
      group: st.group,
      socketId: sk?.id,
      subscribedAt: st.subscribedAt,
      connectedAt: sk?.connectedAt,
      ackedAt: st.ackedAt,
      messages: st.messages,
      errors: st.errors,
      lastMessageAt: st.lastMessageAt || undefined,
      lagMs: st.lagMs,
      retries: sk?.retries ?? 0,
      reconnects: sk?.reconnects ?? 0,
      duplicatesDropped: st.duplicates + (seq?.['duplicates'] ?? 0),
      resubscribes: st.resubscribes,
      state: st.health,
      stateSince: st.healthSince,
      stateReason: st.healthReason,
      repair: st.repair,
      suspectAfterMs: finite(suspectAfterMs(st, st.stale, sk?.connectedAt !== undefined && st.lastMessageAt >= sk.connectedAt)),
      meanGapMs: st.gapSamples ? st.gapMean : undefined,
      lagging: st.lagging,
      gaps: seq?.['gaps'] ?? 0,
      missed: seq?.['missed'] ?? 0,
    });
  }
  const c = router.counters;
  return {
    streams,
    sockets,
    budget,
    rotations,
    unknownDropped: c.unknownDropped,
    foreignDropped: c.foreignDropped,
    duplicatesDropped: c.duplicatesDropped,
    sinkErrors: c.sinkErrors,
    forcedSwitches: c.forcedSwitches,
  };
}

const finite = (ms: number): number | null => (Number.isFinite(ms) ? Math.round(ms) : null);
