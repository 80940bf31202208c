/** Options of a book's synchroniser (./book-sync.ts), its default retry policy, and the snapshot's shape check. */
import type { AbortSignalLike } from '../core/web-types';
import { BinanceStreamError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { MarketId } from '../core/markets';
import { ExponentialBackoff } from '../retry/exponential-backoff';
import type { RetryPolicy } from '../retry/policy';
import type { BookEvent, BookResyncEvent } from './events';
import type { DepthSnapshot } from './order-book';

/**
 * Options of a {@link BookSync}, the synchroniser behind `client.orderBook()`. Use it directly to keep a local book from your own diff-depth feed and snapshot source.
 */
export interface BookSyncOptions {
  /** Binance's symbol (any case; events carry it upper case). */
  symbol: string;
  /** The market, which decides the sequence rules (spot `U`/`u` continuity, futures `pu`). */
  market: MarketId;
  /** The diff-depth stream, for events and logs. @default `<symbol>@depth` */
  stream?: string | undefined;
  /** Levels kept per side. */
  depth: number;
  /** One REST depth snapshot; should reject when `signal` aborts. */
  fetchSnapshot: (signal: AbortSignalLike) => Promise<DepthSnapshot>;
  /** Retries of the snapshot (failed fetches and snapshots too old). @default bookRetryPolicy() */
  retryPolicy?: RetryPolicy | undefined;
  /** Events buffered while syncing (oldest dropped beyond). @default 1_000 */
  maxBuffer?: number | undefined;
  /** Once `acknowledged()`, fetch the snapshot after this long even if no event came (a quiet market). @default 3_000 */
  quietSnapshotMs?: number | undefined;
  /** Compare with a fresh snapshot this often while live; `false` never. @default false */
  selfCheckMs?: number | false | undefined;
  /** Called after each live update with the levels it changed. */
  onBook?: ((e: BookEvent) => void) | undefined;
  /** Whether anyone wants `book` events now. @default () => onBook !== undefined */
  wantsBook?: (() => boolean) | undefined;
  /**
   * Called when the book breaks (gap, `pu` mismatch, crossed book, self-check mismatch, reconnect) and is rebuilt from a new snapshot.
   */
  onResync?: ((e: BookResyncEvent) => void) | undefined;
  /** The snapshot could not be had and the policy gave up (state `failed`). */
  onError?: ((error: BinanceStreamError) => void) | undefined;
  /** Where the synchroniser logs. @default silentLogger */
  logger?: Logger | undefined;
  /** Clock, in epoch ms (tests inject one). @default Date.now */
  now?: (() => number) | undefined;
}

/** The default snapshot retry: exponential from 0.5 s (Retry-After wins), capped at 30 s, never giving up on a transient error. */
export function bookRetryPolicy(): RetryPolicy {
  return new ExponentialBackoff({ initialDelayMs: 500, maxDelayMs: 30_000 });
}

export /** The snapshot's shape, or ERR_PARSE (retried: a proxy's error page, a truncated body). */
function checkSnapshot(s: unknown): DepthSnapshot {
  const o = s as Partial<DepthSnapshot> | null;
  if (o && typeof o.lastUpdateId === 'number' && Array.isArray(o.bids) && Array.isArray(o.asks)) return o as DepthSnapshot;
  throw new BinanceStreamError('ERR_PARSE', 'order book snapshot: expected { lastUpdateId, bids, asks }');
}
