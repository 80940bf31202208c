/**
 * What a local order book reports: its states, the `book` and `bookResync` events (each one
 * payload object), and its stats. Declared here, in the book layer; src/events.ts composes
 * {@link BookEvents} into the client's event map.
 */
import type { MarketId } from '../core/markets';
import type { BookBest, BookChanges } from './order-book';

/**
 * - `buffering`: waiting for the stream's first event (events are buffered from here on);
 * - `snapshot`: fetching the REST snapshot (still buffering);
 * - `live`: in sync: every event is applied as it arrives;
 * - `resyncing`: the sync broke (see {@link BookResyncReason}); buffering and fetching a new
 *   snapshot. The book keeps its last contents meanwhile, but they are stale;
 * - `failed`: the snapshot cannot be fetched and retrying cannot help (a permanent error, e.g. an
 *   unknown symbol; or a retry policy that gave up). The book stays as it was;
 * - `closed`: `close()` was called, or the client stopped.
 */
export type BookSyncState = 'buffering' | 'snapshot' | 'live' | 'resyncing' | 'failed' | 'closed';

/**
 * Why a book was rebuilt from a new snapshot:
 * - `gap`: spot: an event's `U` skipped past the book's update id + 1 (events were missed);
 * - `pu-mismatch`: futures: an event's `pu` is not the previous event's `u`;
 * - `snapshot-too-old`: the snapshot predates the first buffered event (fetched again);
 * - `reconnect`: the stream's connection dropped and is coming back (events were lost meanwhile);
 * - `self-check-mismatch`: a periodic snapshot disagrees with the book (`selfCheckMs`);
 * - `crossed-book`: the best bid reached the best ask (the book cannot be right).
 */
export type BookResyncReason = 'gap' | 'pu-mismatch' | 'snapshot-too-old' | 'reconnect' | 'self-check-mismatch' | 'crossed-book';

export const BOOK_RESYNC_REASONS: readonly BookResyncReason[] = Object.freeze(['gap', 'pu-mismatch', 'snapshot-too-old', 'reconnect', 'self-check-mismatch', 'crossed-book']);

/** The book changed. */
export interface BookEvent {
  /** Binance's symbol, upper case (`BTCUSDT`). */
  symbol: string;
  market: MarketId;
  /** The diff-depth stream feeding it (`btcusdt@depth@100ms`). */
  stream: string;
  lastUpdateId: number;
  best: BookBest;
  /**
   * The levels this event changed (`qty` "0" = removed), Binance's own tuples. When `snapshot`
   * is true the book was rebuilt and `changed` lists every level it now holds (replace, don't merge).
   */
  changed: BookChanges;
  /** The book was (re)built from a snapshot (the first `book` event, and the first after each resync). */
  snapshot: boolean;
}

/** The update ids behind a `gap`, `pu-mismatch` or `snapshot-too-old`. */
export interface BookResyncIds {
  /** The book's (or the snapshot's) update id at the break. */
  lastUpdateId: number;
  /** The offending event's first, final and (futures) previous-final update ids. */
  U: number;
  u: number;
  pu?: number | undefined;
}

/** The book is being rebuilt from a new snapshot. */
export interface BookResyncEvent {
  symbol: string;
  market: MarketId;
  stream: string;
  reason: BookResyncReason;
  /** What was seen, in words (`expected U <= 1001, got U=1005 u=1010`). */
  detail: string;
  /** The update ids involved, when the reason is about ids. */
  ids?: BookResyncIds | undefined;
  /** Resyncs of this book so far, this one included. */
  resyncs: number;
}

/** Event name → listener signature of the book events (composed into `ClientEvents`). */
export type BookEvents = {
  /** A local book applied a diff event; the payload lists the levels it changed. */
  book: (e: BookEvent) => void;
  /** A local book broke and is being rebuilt from a new snapshot; its contents are stale until it is live again. */
  bookResync: (e: BookResyncEvent) => void;
};

/** `stats()` of a local order book. */
export interface BookStats {
  symbol: string;
  market: MarketId;
  stream: string;
  state: BookSyncState;
  lastUpdateId: number;
  /** The cap per side. */
  depth: number;
  size: { bids: number; asks: number };
  /** Diff events applied to the book (buffered ones included). */
  updatesApplied: number;
  /** Events the book already contained (`u` at or below its update id): skipped. */
  updatesIgnored: number;
  /** Events waiting in the buffer now, and dropped from it (oldest first) when it was full. */
  buffered: number;
  bufferDropped: number;
  /** REST snapshots received (sync and self-check), and failed fetches. */
  snapshots: number;
  snapshotFailures: number;
  /** Resyncs in all, and per reason. */
  resyncs: number;
  resyncsByReason: Record<BookResyncReason, number>;
  lastResync: { reason: BookResyncReason; detail: string; at: number } | undefined;
  /** Self-checks that agreed, disagreed (each one resyncs), could not compare (`skipped`) or could not fetch (`failed`). */
  selfChecks: { ok: number; mismatches: number; skipped: number; failed: number };
  /** Epoch ms when the book last went live (undefined: never). */
  liveSince: number | undefined;
}
