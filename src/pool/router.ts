/**
 * The hot path: socket frame (already parsed by the socket) → one Map lookup → per-stream
 * counters → de-duplication (only engaged around a handover) → recovery stages → sink.
 * No closure, copy, wrapper or timer per message.
 *
 * Source selection: each stream reads from exactly one socket (`primary`). During a
 * make-before-break handover the replacement (`next`) also delivers; its messages are held
 * (or dropped when already delivered) until the two sequences overlap, then the stream
 * switches to the replacement in one step and the held messages newer than the last
 * delivered one are flushed in order. This stays exact even when the replacement runs
 * ahead of an old socket that has a backlog (where a plain "newer than last" filter over
 * interleaved sources would lose the old socket's backlog).
 *
 * Messages for streams the pool does not carry (e.g. just unsubscribed) are dropped and
 * counted (`unknownDropped`): after `unsubscribe()` a listener must not hear the stream.
 */
import type { ResilientSocketLike } from '../connection/types';
import { compareEventKeys, copyEventKey, newEventKey, readEventKey } from '../recovery/dedup';
import { CADENCE } from '../streams/cadence';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';
import { SiblingIndex } from './siblings';
import type { Handover, StreamState } from './stream-state';

/**
 * Where the pool hands each delivered, de-duplicated message, with what is known about its stream (kind, symbol, the client event it maps to). Called on the hot path: should not throw (a throw is counted in `sinkErrors`, reported, and routing goes on).
 */
export type StreamSink = (message: StreamMessage, info: StreamInfo) => void;

export interface RouterCounters {
  /** Messages for streams not in the pool. */
  unknownDropped: number;
  /** Messages from a socket that no longer carries the stream (a retired socket's last frames). */
  foreignDropped: number;
  /** Duplicates dropped during handovers. */
  duplicatesDropped: number;
  /** Messages a sink threw on. */
  sinkErrors: number;
  /** Handovers forced before the sequences overlapped (held buffer full, or timeout): a gap is possible there. */
  forcedSwitches: number;
}

const ALPHA = CADENCE.alpha;

/** Upper bound of messages held per stream during one handover. */
export const MAX_HELD_PER_STREAM = 20_000;

export class StreamRouter {
  readonly states = new Map<string, StreamState>();
  /**
   * Streams with a lag to judge on the next liveness pass (a message with an `E` since the last
   * one; each stream at most once), so the pass judges those, not every stream; undefined: lag is
   * not judged (`lagThresholdMs: false`).
   */
  lagQueue: StreamState[] | undefined = undefined;
  readonly counters: RouterCounters = { unknownDropped: 0, foreignDropped: 0, duplicatesDropped: 0, sinkErrors: 0, forcedSwitches: 0 };
  private readonly scratch = newEventKey();
  private readonly heldKey = newEventKey();
  /** Streams of one symbol and activity, for the silence judgement (./siblings.ts). */
  private readonly siblings = new SiblingIndex();

  /**
   * @param sink receives every delivered message once.
   * @param onSinkError called (rarely) when the sink throws; the router keeps going.
   */
  constructor(
    private readonly sink: StreamSink,
    private readonly onSinkError: (err: unknown, state: StreamState) => void = () => {},
  ) {}

  /** Bound once; give it to every socket as `onMessage`. */
  readonly route = (message: StreamMessage, socket: ResilientSocketLike): void => {
    const st = this.states.get(message.stream);
    if (st === undefined) {
      this.counters.unknownDropped++;
      return;
    }
    if (socket !== st.primary) {
      if (socket === st.next) this.fromNext(st, message);
      else this.counters.foreignDropped++;
      return;
    }
    if (st.filtering && !this.acceptKeyed(st, message)) return;
    this.deliver(st, message);
    if (st.held !== undefined && st.held.length !== 0 && st.hasLast) this.maybeCaughtUp(st);
  };

  /**
   * A message that did not come from a socket (the REST fallback): through the same
   * counters, cadence, stages (sequence tracking joins it with the socket's data) and sink.
   * False when the pool does not carry the stream.
   */
  inject(message: StreamMessage): boolean {
    const st = this.states.get(message.stream);
    if (st === undefined) return false;
    this.deliver(st, message);
    return true;
  }

  private deliver(st: StreamState, message: StreamMessage): void {
    st.messages++;
    const at = message.receivedAt;
    // Learned cadence (streams/cadence.ts learnGap, inlined): a few arithmetic operations.
    const last = st.lastMessageAt;
    if (st.learnSkip) st.learnSkip = false;
    else if (last > 0 && at >= last) {
      const gap = at - last;
      if (st.gapSamples === 0) st.gapMean = gap;
      else {
        const d = gap - st.gapMean;
        st.gapMean += d * ALPHA;
        st.gapVar = (1 - ALPHA) * (st.gapVar + ALPHA * d * d);
      }
      if (gap > st.gapPeak) st.gapPeak = gap;
      st.gapSamples++;
    }
    st.lastMessageAt = at;
    const e = (message.data as { E?: unknown } | null)?.E;
    if (typeof e === 'number') {
      st.lagMs = at - e;
      if (!st.lagQueued && this.lagQueue !== undefined) {
        st.lagQueued = true;
        this.lagQueue.push(st);
      }
    }
    const stages = st.stages;
    if (stages !== undefined) {
      for (let i = 0; i < stages.length; i++) if (!(stages[i] as NonNullable<(typeof stages)[0]>).accept(st, message)) return;
    }
    try {
      this.sink(message, st.info);
    } catch (err) {
      st.errors++;
      this.counters.sinkErrors++;
      this.onSinkError(err, st);
    }
  }

  /** True when `message` is newer than the last delivered one (and records it as the last). */
  private acceptKeyed(st: StreamState, message: StreamMessage): boolean {
    const key = this.scratch;
    if (!readEventKey(st.info.kind, message.data, key)) return true;
    if (st.hasLast && compareEventKeys(key, st.last) <= 0) {
      st.duplicates++;
      this.counters.duplicatesDropped++;
      return false;
    }
    copyEventKey(key, st.last);
    st.hasLast = true;
    // The new primary delivered something new: the overlap is over for this stream.
    if (st.next === undefined) st.filtering = false;
    return true;
  }

  /** A message from the replacement socket before the stream switched to it. */
  private fromNext(st: StreamState, message: StreamMessage): void {
    const key = this.scratch;
    if (!readEventKey(st.info.kind, message.data, key)) return; // no identity: the old socket stays the source until the end
    if (st.hasLast && compareEventKeys(key, st.last) <= 0) {
      // The replacement is at or behind what was delivered: its sequence covers everything from here on.
      st.duplicates++;
      this.counters.duplicatesDropped++;
      this.switchToNext(st, false);
      return;
    }
    const held = (st.held ??= []);
    held.push(message);
    if (held.length > MAX_HELD_PER_STREAM) this.switchToNext(st, true);
  }

  /** After the old socket delivered: does it now reach the replacement's first held message? */
  private maybeCaughtUp(st: StreamState): void {
    const first = (st.held as StreamMessage[])[0] as StreamMessage;
    if (readEventKey(st.info.kind, first.data, this.heldKey) && compareEventKeys(this.heldKey, st.last) <= 0) this.switchToNext(st, false);
  }

  /** Make `next` the stream's source; flush held messages newer than the last delivered one, in order. */
  private switchToNext(st: StreamState, forced: boolean): void {
    const next = st.next;
    if (next === undefined) return;
    if (forced) {
      this.counters.forcedSwitches++;
      st.interrupt('handover', st.lastMessageAt + 1);
    }
    st.primary = next;
    st.next = undefined;
    const held = st.held;
    st.held = undefined;
    const handover = st.handover;
    st.handover = undefined;
    if (held !== undefined) {
      for (let i = 0; i < held.length; i++) {
        const m = held[i] as StreamMessage;
        if (this.acceptKeyed(st, m)) this.deliver(st, m);
      }
    }
    if (handover !== undefined) settle(handover);
  }

  /** Begin a handover of these streams from `handover.from` to `handover.to`. */
  beginHandover(states: Iterable<StreamState>, handover: Handover): void {
    for (const st of states) {
      if (st.primary !== handover.from || st.next !== undefined) continue;
      st.next = handover.to;
      st.handover = handover;
      st.held = undefined;
      st.hasLast = false;
      st.filtering = true;
      handover.pending++;
    }
  }

  /**
   * End a handover: every stream still reading from the old socket switches now (their held
   * messages newer than the last delivered one are flushed). A stream that still holds
   * replacement messages never reached by the old socket switches before the sequences
   * overlapped: counted in `forcedSwitches` (a gap is possible there).
   */
  completeHandover(handover: Handover): void {
    for (const st of this.states.values()) {
      if (st.handover === handover) this.switchToNext(st, st.held !== undefined && st.held.length !== 0);
    }
  }

  /**
   * True while a stream of `handover` that has not switched yet still hears its old socket
   * (a message delivered at or after `since`): the old socket has a backlog it is working
   * through, and cutting it now would lose it.
   */
  oldStillDelivering(handover: Handover, since: number): boolean {
    for (const st of this.states.values()) {
      if (st.handover === handover && st.held !== undefined && st.held.length !== 0 && st.lastMessageAt >= since) return true;
    }
    return false;
  }

  /** Abort a handover: the old socket stays the source, the replacement's messages are discarded. */
  cancelHandover(handover: Handover): void {
    for (const st of this.states.values()) {
      if (st.handover !== handover) continue;
      st.next = undefined;
      st.handover = undefined;
      st.held = undefined;
      st.filtering = false;
    }
    handover.pending = 0;
  }

  /** The states of those of `names` the router carries. */
  statesOf(names: Iterable<string>): StreamState[] {
    const out: StreamState[] = [];
    for (const n of names) {
      const st = this.states.get(n);
      if (st !== undefined) out.push(st);
    }
    return out;
  }

  add(state: StreamState): void {
    this.states.set(state.name, state);
    this.siblings.add(state);
  }

  remove(name: string): StreamState | undefined {
    const st = this.states.get(name);
    if (st === undefined) return undefined;
    this.states.delete(name);
    this.siblings.remove(st);
    if (st.handover !== undefined) {
      const h = st.handover;
      st.handover = undefined;
      st.next = undefined;
      st.held = undefined;
      settle(h);
    }
    return st;
  }
}

function settle(handover: Handover): void {
  handover.pending--;
  if (handover.pending === 0) handover.onAllSwitched();
}
