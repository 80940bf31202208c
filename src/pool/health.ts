/**
 * Per-stream health: what a stream is doing right now, since when and why, derived from
 * its socket's state and its silence repair (./stream-silence.ts). The pool observes
 * every stream in its sweep, on its socket's state changes and in `health()`/`stats()`;
 * a change into `down` emits `streamDown`, the next `live` after a `down` (or after a
 * silence repair) emits `streamRestored`. Never on the hot path.
 */
import type { ResilientSocketLike } from '../connection/types';
import type { StreamDownEvent, StreamRestoredEvent } from './events';
import type { StreamHealthState, StreamState } from './stream-state';

export type { StreamHealthState };

/** One stream's health. */
export interface StreamHealth {
  /**
   * - `live`: its connection is open and it is not known to be silent;
   * - `degraded`: it is being repaired (silent on a live connection: re-subscribed or moved),
   *   or its connection is reconnecting after it had delivered;
   * - `down`: nothing is coming and the automatic repair is exhausted for now: its socket's
   *   retry policy gave up (revive with `reconnect()`, `start()` or a subscribe), or it stayed
   *   silent after re-subscribing and moving (the pool keeps re-subscribing at a bounded rate);
   * - `pending`: not delivering yet and not failed (before start, first dial, waiting for the
   *   first message or acknowledgement, pool stopped).
   */
  state: StreamHealthState;
  /** The socket carrying it (undefined while not placed). */
  socketId: string | undefined;
  /** Epoch ms when it entered `state` (as observed by the pool: at most a sweep late for silence). */
  since: number;
  /** Why it is not `live` (undefined when live). */
  reason?: string | undefined;
}

/** Counts per state plus every stream by name. */
export interface PoolHealth {
  live: number;
  degraded: number;
  down: number;
  pending: number;
  streams: Record<string, StreamHealth>;
}

type Verdict = { readonly state: StreamHealthState; readonly reason: string | undefined; readonly cause?: StreamDownEvent['cause'] };

// Verdicts are shared, never built per stream: a socket's state change observes each of its
// streams (10,000 streams, 10,000 objects and strings per change otherwise).
const NOT_PLACED: Verdict = Object.freeze({ state: 'pending', reason: 'not placed (pool not started or stopped)' });
const SILENT_DOWN: Verdict = Object.freeze({ state: 'down', reason: 'silent after re-subscribing and moving to a fresh connection; still re-subscribing', cause: 'silent' });
const MOVED: Verdict = Object.freeze({ state: 'degraded', reason: 'silent on a live connection; moved to a fresh connection' });
const LIVE: Verdict = Object.freeze({ state: 'live', reason: undefined });
const WAITING: Verdict = Object.freeze({ state: 'pending', reason: 'waiting for the first message' });

/** The verdicts naming a socket, for the state it is in (rebuilt when that changes). */
interface SocketVerdicts {
  readonly id: string;
  readonly s: ResilientSocketLike['state'];
  readonly failed: Verdict;
  readonly degraded: Verdict;
  readonly pending: Verdict;
}
const bySocket = new WeakMap<ResilientSocketLike, SocketVerdicts>();

function verdictsOf(socket: ResilientSocketLike): SocketVerdicts {
  const s = socket.state;
  const id = socket.id;
  let v = bySocket.get(socket);
  if (v === undefined || v.s !== s || v.id !== id) {
    const reason = `socket ${id} ${s}`;
    v = {
      id,
      s,
      failed: { state: 'down', reason: `socket ${id} gave up (revive: reconnect(), start() or subscribe)`, cause: 'gaveUp' },
      degraded: { state: 'degraded', reason },
      pending: { state: 'pending', reason },
    };
    bySocket.set(socket, v);
  }
  return v;
}

/** The health a stream has given its socket (undefined: not placed). */
export function judge(st: StreamState, socket: ResilientSocketLike | undefined): Verdict {
  if (socket === undefined) return NOT_PLACED;
  const s = socket.state;
  if (s === 'failed') return verdictsOf(socket).failed;
  if (st.repair === 'down') return SILENT_DOWN;
  if (s === 'open') {
    if (st.repair === 'resubscribe' && st.repairs > 1) return { state: 'degraded', reason: `silent on a live connection; re-subscribed ${st.repairs}×` };
    if (st.repair === 'move') return MOVED;
    if (st.lastMessageAt > 0 || st.ackedAt !== undefined) return LIVE;
    return WAITING;
  }
  if ((s === 'connecting' || s === 'reconnecting') && st.lastMessageAt > 0) return verdictsOf(socket).degraded;
  return verdictsOf(socket).pending;
}

export interface HealthEmitter {
  streamDown(e: StreamDownEvent): void;
  streamRestored(e: StreamRestoredEvent): void;
}

/** Record the stream's current health; emit `streamDown` / `streamRestored` on the edges. */
export function observe(st: StreamState, socket: ResilientSocketLike | undefined, now: number, out: HealthEmitter, wasRepair = false): void {
  const v = judge(st, socket);
  const prev = st.health;
  if (prev === v.state && st.healthReason === v.reason) return;
  if (prev !== v.state) st.healthSince = now;
  if (prev === 'live' && v.state !== 'live') st.outageSince = now;
  st.health = v.state;
  st.healthReason = v.reason;
  const socketId = socket?.id;
  if (v.state === 'down' && prev !== 'down') {
    st.wasDown = true;
    const lastMessageAt = st.lastMessageAt || undefined;
    out.streamDown({ stream: st.name, socketId, cause: v.cause ?? 'silent', reason: v.reason ?? '', lastMessageAt, repairs: st.repairs });
  } else if (v.state === 'live' && prev !== 'live' && (st.wasDown || wasRepair)) {
    // Back from down (possibly through pending/degraded while its socket reconnected) or from a silence repair.
    out.streamRestored({ stream: st.name, socketId, from: st.wasDown ? 'down' : 'degraded', downMs: now - st.outageSince });
    st.wasDown = false;
  }
}

/** The snapshot of `health()`. */
export function snapshot(states: Iterable<StreamState>, socketOf: (st: StreamState) => ResilientSocketLike | undefined, now: number, out: HealthEmitter): PoolHealth {
  const h: PoolHealth = { live: 0, degraded: 0, down: 0, pending: 0, streams: {} };
  for (const st of states) {
    const socket = socketOf(st);
    observe(st, socket, now, out);
    h[st.health]++;
    h.streams[st.name] = { state: st.health, socketId: socket?.id, since: st.healthSince, ...(st.healthReason !== undefined ? { reason: st.healthReason } : {}) };
  }
  return h;
}
