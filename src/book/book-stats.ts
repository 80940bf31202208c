/** The counters behind a book's `stats()` (./events.ts `BookStats`). */
import type { MarketId } from '../core/markets';
import { BOOK_RESYNC_REASONS } from './events';
import type { BookResyncReason, BookStats, BookSyncState } from './events';
import type { OrderBook } from './order-book';

/** What `snapshot()` reads from its synchroniser. */
export interface CountedSync {
  readonly symbol: string;
  readonly stream: string;
  readonly state: BookSyncState;
  readonly book: OrderBook;
  readonly market: MarketId;
}

export class SyncCounters {
  updatesApplied = 0;
  updatesIgnored = 0;
  bufferDropped = 0;
  snapshots = 0;
  snapshotFailures = 0;
  resyncs = 0;
  readonly byReason = Object.fromEntries(BOOK_RESYNC_REASONS.map((r) => [r, 0])) as Record<BookResyncReason, number>;
  lastResync: BookStats['lastResync'];
  readonly selfChecks = { ok: 0, mismatches: 0, skipped: 0, failed: 0 };
  liveSince: number | undefined;

  /** Count a resync; returns the total so far. */
  resynced(reason: BookResyncReason, detail: string, at: number): number {
    this.byReason[reason]++;
    this.lastResync = { reason, detail, at };
    return ++this.resyncs;
  }

  snapshot(s: CountedSync, buffered: number): BookStats {
    return {
      symbol: s.symbol,
      market: s.market,
      stream: s.stream,
      state: s.state,
      lastUpdateId: s.book.lastUpdateId,
      depth: s.book.depth,
      size: s.book.size,
      updatesApplied: this.updatesApplied,
      updatesIgnored: this.updatesIgnored,
      buffered,
      bufferDropped: this.bufferDropped,
      snapshots: this.snapshots,
      snapshotFailures: this.snapshotFailures,
      resyncs: this.resyncs,
      resyncsByReason: { ...this.byReason },
      lastResync: this.lastResync,
      selfChecks: { ...this.selfChecks },
      liveSince: this.liveSince,
    };
  }
}
