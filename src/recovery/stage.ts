/**
 * A recovery stage sits on the hot path between the router (which found the stream's
 * state with one Map lookup) and the listener. Stages are chained per stream, installed
 * at subscribe time, and see the already-parsed message: a gap tracker or a backfill
 * buffer fits here without a second parse.
 *
 * A stage sees the stream through {@link StreamView}, declared here: recovery/ never
 * imports pool/ (the pool's per-stream record satisfies this view structurally).
 */
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';

/** What a stage may read about its stream (the pool's StreamState provides it). */
export interface StreamView {
  readonly name: string;
  readonly info: StreamInfo;
  /** Group the stream was subscribed in (`''` = default). */
  readonly group: string;
  /** Messages delivered so far (this one included). */
  readonly messages: number;
  /** `receivedAt` of the last delivered message, 0 if none yet. */
  readonly lastMessageAt: number;
}

/** What the subscribe() call asked of the stream's stages. */
export interface StageOptions {
  /** Fill gaps from REST (`subscribe(…, { backfill })`, else the client's `backfill`). */
  readonly backfill: boolean | undefined;
}

/**
 * One step of a stream's recovery chain (gap tracking, backfill, local book), installed at subscribe time and handed every parsed message of its stream in order. Implement it to add your own per-stream processing in the pool's hot path.
 */
export interface RecoveryStage {
  /** For stats and logs. */
  readonly name: string;
  /**
   * Called once per message of the stream, in order, after de-duplication. Return `false`
   * to swallow the message (e.g. buffered for later). Must not throw; must not keep a
   * reference to `message.data` unless it owns the message from then on.
   */
  accept(stream: StreamView, message: StreamMessage): boolean;
  /** Counters for stats (e.g. gaps, missed, duplicates). */
  readonly counters?: Readonly<Record<string, number>> | undefined;
}
