/**
 * Per-stream silence, judged by the pool's liveness pass (./liveness-pass.ts; never per
 * message: the router only stamps `lastMessageAt` and learns the gap). Each stream is
 * suspected when its silence, minus the time this process itself was stalled
 * (core/loop-monitor.ts), passes the threshold learned from its own arrivals
 * (streams/cadence.ts), or the user's fixed one.
 *
 * - Every stream on a socket that should be talking is silent (and there is one): the
 *   CONNECTION is stale; the socket reconnects (paced by the connection budget and, when the
 *   new connection delivers nothing either, by the retry policy's backoff).
 * - Some are silent while others talk: each climbs a ladder, one step per due check (a
 *   stream whose siblings, the same symbol's streams of the same activity, are all silent
 *   too does not start one: its market is quiet, ./siblings.ts):
 *   1. re-subscribe it, {@link RESUBSCRIBE_TRIES} times, waiting threshold × 2^n after try n (2×, then 4×).
 *      The first try is a quiet probe (logged at DEBUG, no `stale` event): a silence past the
 *      learned threshold is improbable, not impossible (a quiet minute), and re-subscribing
 *      costs nothing; only a stream still silent after it is reported;
 *   2. move it to a fresh connection of its own (the pool opens a new slot);
 *   3. report it down (`streamDown`) once it was silent a threshold on the fresh connection,
 *      then keep re-subscribing it at a bounded rate: every threshold × 2^n, capped at
 *      {@link MAX_REPAIR_INTERVAL_MS}.
 * Quiet streams (threshold Infinity) never count: a socket that carries only them is never
 * stale by silence (its heartbeat is its liveness). The first message after an episode
 * began ends it (`streamRestored`).
 */
import { invalidOption } from '../core/errors';
import type { LoopMonitor } from '../core/loop-monitor';
import type { StaleOverride } from '../streams/cadence';
import { LEARNED, suspectAfterMs } from '../streams/cadence';
import type { StreamInfo } from '../streams/classify';
import { corroborated } from './siblings';
import type { StreamState } from './stream-state';

/** The pool's `streamStaleAfterMs`: one fixed threshold, per stream name, or a function; undefined = learned. */
export type StreamStaleSetting = number | false | Readonly<Record<string, number | false>> | ((info: StreamInfo) => number | false | undefined) | undefined;

/** Re-subscriptions on the same connection before the stream is moved. */
export const RESUBSCRIBE_TRIES = 2;
/** The longest wait between two repair actions of one stream (the bounded rate once it is down). */
export const MAX_REPAIR_INTERVAL_MS = 60_000;

/** What one pass decided for one socket's streams. */
export interface SilentStreams {
  /** Every stream that should be talking is silent: reconnect the socket (the ladder waits). */
  readonly connection: boolean;
  /** Streams to re-subscribe now, reported (`stale`). */
  readonly streams: string[];
  /** Streams to re-subscribe now quietly: the first try of an episode (a probe, not reported). */
  readonly probe: string[];
  /** Streams to move to a fresh connection. */
  readonly move: string[];
  /** Streams that just reached the `down` step. */
  readonly down: string[];
  /** Streams whose silence episode ended (they delivered again). */
  readonly restored: StreamState[];
  /** The longest silence among the streams acted on (for `connection`: the shortest among the talkers). */
  readonly silentMs: number;
}

type Mutable = { -readonly [K in keyof SilentStreams]: SilentStreams[K] };

/**
 * The longest a sweep may be skipped (ms): no learned threshold is below the 1 s floor
 * (CADENCE.minFloorMs), so a stream whose threshold changes after a sweep (its first message on a
 * new connection, its warm-up ending) still cannot be suspected before the next one.
 */
export const MAX_SWEEP_SKIP_MS = 1_000;

export class StreamSilence {
  private readonly shared = new Map<number | false | undefined, StaleOverride>();
  /**
   * Set by every `sweep`: the earliest time a stream of that socket could be suspected if none of
   * them delivered again (a message only moves it later), capped at {@link MAX_SWEEP_SKIP_MS}; 0
   * while a stream is in repair (its steps and its recovery are checked on every pass).
   */
  dueAt = 0;

  constructor(
    private readonly setting: StreamStaleSetting,
    private readonly floorMs = 0,
  ) {}

  /** The override of a stream, decided once at subscribe time (`perCall`: the subscribe() call's `staleAfterMs`). */
  overrideFor(info: StreamInfo, perCall?: number | false): StaleOverride {
    const s = this.setting;
    let fixed: number | false | undefined = perCall;
    if (fixed === undefined) {
      if (typeof s === 'function') fixed = checkedAnswer(info.stream, s(info));
      else if (typeof s === 'object' && s !== null) fixed = s[info.stream];
      else fixed = s;
    }
    if (fixed === undefined && this.floorMs === 0) return LEARNED;
    let o = this.shared.get(fixed);
    if (o === undefined) this.shared.set(fixed, (o = Object.freeze({ fixed, floorMs: this.floorMs })));
    return o;
  }

  /**
   * One pass over the streams of one open socket (connected at `connectedAt`): advances
   * each silent stream's repair step and returns what to do, or undefined when nothing is
   * due. Allocates nothing when nothing is silent.
   */
  sweep(names: ReadonlySet<string> | readonly string[], states: ReadonlyMap<string, StreamState>, connectedAt: number, now: number, loop: LoopMonitor): SilentStreams | undefined {
    let talkers = 0;
    let silent = 0;
    let restored = 0;
    let shortest = Infinity;
    let moved = 0;
    let due = now + MAX_SWEEP_SKIP_MS;
    for (const name of names) {
      const st = states.get(name);
      if (st === undefined) continue;
      if (st.repair !== 'none') {
        due = 0;
        if (st.lastMessageAt > st.repairFrom) restored++;
      }
      const since = Math.max(st.subscribedAt, connectedAt, st.lastMessageAt);
      const t = (st.suspectAfterMs = suspectAfterMs(st, st.stale, st.lastMessageAt >= connectedAt));
      if (t === Infinity) continue;
      talkers++;
      const blocked = loop.blockedSince(since);
      const silentMs = now - since - blocked;
      if (silentMs < t) {
        if (since + blocked + t < due) due = since + blocked + t;
        continue;
      }
      due = 0;
      silent++;
      if (st.repair === 'move' || st.repair === 'down') moved++;
      if (silentMs < shortest) shortest = silentMs;
    }
    this.dueAt = due;
    if (silent === 0 && restored === 0) return undefined;
    const out: Mutable = { connection: false, streams: [], probe: [], move: [], down: [], restored: [], silentMs: 0 };
    // A stream already moved (alone on its fresh socket) keeps climbing its own ladder.
    if (silent === talkers && silent > 0 && moved === 0) {
      out.connection = true;
      out.silentMs = shortest;
    }
    for (const name of names) {
      const st = states.get(name);
      if (st === undefined) continue;
      if (st.repair !== 'none' && st.lastMessageAt > st.repairFrom) {
        out.restored.push(st);
        continue;
      }
      if (out.connection) continue;
      const since = Math.max(st.subscribedAt, connectedAt, st.lastMessageAt);
      const silentMs = now - since - loop.blockedSince(since);
      if (!(silentMs >= st.suspectAfterMs)) continue;
      // Its symbol is quiet too (every sibling silent): a quiet market, not this stream's fault.
      if (st.repair === 'none' && !corroborated(st, now, st.suspectAfterMs)) continue;
      this.step(st, silentMs, now, out);
    }
    const acted = out.connection || out.streams.length !== 0 || out.probe.length !== 0 || out.move.length !== 0 || out.restored.length !== 0;
    return acted ? out : undefined;
  }

  private step(st: StreamState, silentMs: number, now: number, out: Mutable): void {
    if (st.repair === 'none') {
      st.repair = 'resubscribe';
      st.repairFrom = Math.max(st.lastMessageAt, 1);
    } else if (now < st.repairNextAt) return;
    st.repairs++;
    if (st.repair === 'resubscribe' && st.repairs > RESUBSCRIBE_TRIES) {
      st.repair = 'move';
      out.move.push(st.name);
    } else if (st.repair === 'move') {
      st.repair = 'down';
      out.down.push(st.name);
      out.streams.push(st.name);
      st.resubscribes++;
    } else {
      (st.repairs === 1 ? out.probe : out.streams).push(st.name);
      st.resubscribes++;
    }
    // A moved stream is judged once it was silent a threshold on its fresh connection (no extra wait).
    const threshold = st.suspectAfterMs;
    st.repairNextAt = st.repair === 'move' ? now : now + Math.min(MAX_REPAIR_INTERVAL_MS, threshold * 2 ** st.repairs);
    if (silentMs > out.silentMs) out.silentMs = silentMs;
  }
}

/** A function setting's answer for one stream, checked: ERR_INVALID_OPTION naming the stream. */
function checkedAnswer(stream: string, v: unknown): number | false | undefined {
  if (v === undefined || v === false) return v;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1) throw invalidOption(`staleAfterMs(${stream})`, 'a number >= 1 ms, false or undefined', v);
  return v;
}
