/**
 * A recovery stage sits on the hot path between the router (which found the stream's
 * state with one Map lookup) and the listener. Stages are chained per stream, installed
 * at subscribe time, and see the already-parsed message: a gap tracker or a backfill
 * buffer fits here without a second parse.
 */
import type { StreamMessage } from '../streams/types';
import type { StreamState } from '../pool/stream-state';

export interface RecoveryStage {
  /** For stats and logs. */
  readonly name: string;
  /**
   * Called once per message of the stream, in order, after de-duplication. Return `false`
   * to swallow the message (e.g. buffered for later). Must not throw; must not keep a
   * reference to `message.data` unless it owns the message from then on.
   */
  accept(state: StreamState, message: StreamMessage): boolean;
}
