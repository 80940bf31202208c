/**
 * Per-stream silence repair, run by the pool's sweep (never per message: the router only
 * stamps `lastMessageAt`). A stream that stays silent past its threshold on an open socket
 * that delivers other data climbs a ladder, one step per due check:
 *
 *   1. re-subscribe it, {@link RESUBSCRIBE_TRIES} times, waiting threshold × 2^n after try n (2×, then 4×);
 *   2. move it to a fresh connection of its own (the pool opens a new slot);
 *   3. report it down (`streamDown`) once it was silent a threshold on the fresh connection,
 *      then keep re-subscribing it at a bounded rate: every threshold × 2^n, capped at
 *      {@link MAX_REPAIR_INTERVAL_MS}.
 *
 * The first message after the episode began ends it (`streamRestored`). A socket that is
 * silent as a whole is its own watchdog's job: step 1 never starts on one (later steps do
 * not wait for it, since a moved stream is alone on its socket).
 */
import type { StreamInfo } from '../streams/classify';
import type { StreamState } from './stream-state';

export type StreamStaleSetting = number | false | ((info: StreamInfo) => number) | undefined;

/** Re-subscriptions on the same connection before the stream is moved. */
export const RESUBSCRIBE_TRIES = 2;
/** The longest wait between two repair actions of one stream (the bounded rate once it is down). */
export const MAX_REPAIR_INTERVAL_MS = 60_000;

/** What the sweep decided for one socket's streams. */
export interface SilentStreams {
  /** Streams to re-subscribe now. */
  readonly streams: string[];
  /** Streams to move to a fresh connection. */
  readonly move: string[];
  /** Streams that just reached the `down` step. */
  readonly down: string[];
  /** Streams whose silence episode ended (they delivered again). */
  readonly restored: StreamState[];
  /** The longest silence among the streams acted on. */
  readonly silentMs: number;
}

export class StreamSilence {
  constructor(private readonly setting: StreamStaleSetting) {}

  get enabled(): boolean {
    return this.setting !== false;
  }

  thresholdFor(info: StreamInfo): number {
    const s = this.setting;
    if (s === undefined) return info.staleAfterMs;
    if (s === false) return Infinity;
    return typeof s === 'function' ? s(info) : s;
  }

  /**
   * One pass over the streams of one open socket (connected at `connectedAt`): advances
   * each stream's repair step and returns what to do, or undefined when nothing is due.
   */
  sweep(names: Iterable<string>, states: ReadonlyMap<string, StreamState>, connectedAt: number, now: number): SilentStreams | undefined {
    if (!this.enabled) return undefined;
    const list: StreamState[] = [];
    let socketLast = 0;
    for (const s of names) {
      const st = states.get(s);
      if (st === undefined) continue;
      list.push(st);
      if (st.lastMessageAt > socketLast) socketLast = st.lastMessageAt;
    }
    let out: { streams: string[]; move: string[]; down: string[]; restored: StreamState[]; silentMs: number } | undefined;
    const result = () => (out ??= { streams: [], move: [], down: [], restored: [], silentMs: 0 });
    for (const st of list) {
      if (st.repair !== 'none' && st.lastMessageAt > st.repairFrom) {
        result().restored.push(st);
        continue;
      }
      const since = Math.max(st.subscribedAt, connectedAt, st.lastMessageAt);
      const silentMs = now - since;
      const threshold = this.thresholdFor(st.info);
      if (silentMs < threshold) continue;
      if (st.repair === 'none') {
        if (socketLast === 0 || now - socketLast >= threshold) continue; // the socket is silent too
        st.repair = 'resubscribe';
        st.repairFrom = Math.max(st.lastMessageAt, 1);
      } else if (now < st.repairNextAt) continue;
      const r = result();
      st.repairs++;
      if (st.repair === 'resubscribe' && st.repairs > RESUBSCRIBE_TRIES) {
        st.repair = 'move';
        r.move.push(st.name);
      } else if (st.repair === 'move') {
        st.repair = 'down';
        r.down.push(st.name);
        r.streams.push(st.name);
        st.resubscribes++;
      } else {
        r.streams.push(st.name);
        st.resubscribes++;
      }
      // A moved stream is judged once it was silent a threshold on its fresh connection (no extra wait).
      st.repairNextAt = st.repair === 'move' ? now : now + Math.min(MAX_REPAIR_INTERVAL_MS, threshold * 2 ** st.repairs);
      if (silentMs > r.silentMs) r.silentMs = silentMs;
    }
    return out;
  }
}
