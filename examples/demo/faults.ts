/**
 * The scripted faults the demo plays on the emulator, spaced over the run so each one recovers before
 * the next (the retry attempt counter only resets after a connection stayed healthy a while, so
 * back-to-back faults would escalate the backoff), and how their recovery is judged.
 */
import type { FakeBinance } from 'binance-stream-client/testing';

export interface FaultRun {
  at: number;
  name: string;
  run: () => void;
  /** The stream that must deliver again for the fault to count as recovered. */
  probe: string;
  startedAt?: number;
  /** NaN: not recovered within a minute. */
  recoveredMs?: number;
}

export function faultPlan(ex: FakeBinance, probe: string, durationMs: number): FaultRun[] {
  const f = ex.faults;
  const plan: [number, string, () => void][] = [
    // First, while the connection is fresh: the client warns, emits an `error` event and carries on.
    [0.1, 'malformed frame', () => f.malformedFrame({ stream: probe }, { kind: 'json' })],
    [0.2, 'abrupt drop of every connection (1006)', () => f.close({ all: true }, { code: 1006 })],
    [0.3, `silent stall of the connection carrying ${probe} (pings still answered)`, () => f.stall({ stream: probe }, { durationMs: 60_000 })],
    [0.5, 'internal-error close (1011) of one connection', () => f.close({ stream: probe }, { code: 1011, reason: 'internal error' })],
    [0.6, 'serverShutdown (make-before-break handover)', () => f.serverShutdown({ all: true })],
    [
      0.75,
      'upgrades rejected with 429 + Retry-After: 2, then every connection closed (1001)',
      () => (f.rejectUpgrades({ status: 429, retryAfterSec: 2, count: 2 }), f.close({ all: true }, { code: 1001, reason: 'going away' })),
    ],
  ];
  return plan.map(([frac, name, run]) => ({ at: Math.round(durationMs * frac), name, run, probe }));
}

export const fmtMs = (ms: number | undefined): string => (ms === undefined ? '…' : Number.isNaN(ms) ? 'not recovered' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** `recovered 701 ms`, `recovering…`, `not recovered` or `not run`. */
export function faultStatus(f: FaultRun): string {
  if (f.startedAt === undefined) return 'not run';
  if (f.recoveredMs === undefined) return 'recovering…';
  return Number.isNaN(f.recoveredMs) ? 'not recovered' : `recovered ${fmtMs(f.recoveredMs)}`;
}

/**
 * Recovered = the probe stream delivered again after the fault, with every socket open.
 * @param lastAt when the probe stream last delivered.
 */
export function checkRecovery(faults: readonly FaultRun[], lastAt: number | undefined, allOpen: boolean, now = Date.now()): void {
  for (const f of faults) {
    if (f.startedAt === undefined || f.recoveredMs !== undefined) continue;
    const last = lastAt ?? 0;
    if (last > f.startedAt + 50 && allOpen) f.recoveredMs = last - f.startedAt;
    else if (now - f.startedAt > 60_000) f.recoveredMs = Number.NaN;
  }
}

/**
 * Start the fault timers; `onFault(f)` logs each as it starts, `onFault(f, err)` when it failed to play.
 * A fault due while a connection is still down (or an earlier fault has not played) waits, up to 5 s,
 * until `ready()`: a malformed frame sent to a closed socket, or a drop of nothing, would show nothing.
 * Returns a cancel function.
 */
export function armFaults(faults: FaultRun[], ready: () => boolean, onFault: (f: FaultRun, err?: unknown) => void): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const play = (fault: FaultRun, due: number): void => {
    // In order: a fault also waits for the ones before it.
    const waiting = !ready() || faults.slice(0, faults.indexOf(fault)).some((f) => f.startedAt === undefined);
    if (waiting && Date.now() - due < 5_000) return later(() => play(fault, due), 50);
    fault.startedAt = Date.now();
    onFault(fault);
    try {
      fault.run();
    } catch (err) {
      onFault(fault, err);
    }
  };
  const t0 = Date.now();
  for (const fault of faults) later(() => play(fault, t0 + fault.at), fault.at);
  return () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}
