import type { AbortSignalLike } from '../core/web-types';
import { BinanceStreamError, aborted, toStreamError } from '../core/errors';
import { errorFields, silentLogger } from '../core/logger';
import type { Logger } from '../core/logger';
import type { MarketId } from '../core/markets';
import { TimerSlots } from '../core/timers';
import type { RetryPolicy } from '../retry/policy';
import { retryOperation } from '../retry/retry-operation';
import type { FailedAttemptInfo } from '../retry/retry-operation';
import type { DepthUpdateEvent } from '../streams/types';
import { bookRetryPolicy, checkSnapshot } from './book-options';
import type { BookSyncOptions } from './book-options';
import { SyncCounters } from './book-stats';
import type { BookResyncIds, BookResyncReason, BookStats, BookSyncState } from './events';
import { OrderBook } from './order-book';
import type { BookChanges, DepthSnapshot } from './order-book';
import { SelfCheckRunner } from './self-check';
import { describeBreak, describeFirstBreak, describeIds, firstVerdict, nextVerdict } from './sequence';
import { fitSnapshot, idsOf } from './snapshot-fit';
import { AppliedHistory, UpdateRing } from './update-buffer';

/** A snapshot that does not fit the buffer: retried under the policy like a failed fetch. */
class SnapshotMisfit extends BinanceStreamError {}

const HISTORY = 256;

/**
 * The synchroniser of one local order book, by Binance's documented procedure (spot and futures; the rules themselves are ./sequence.ts,
 * the snapshot fit ./snapshot-fit.ts):
 * ```text
 *   buffering ──first event (or a quiet acknowledged stream)──▶ snapshot ──fits──▶ live
 *       ▲ events are buffered from the start            │ too old: fetch again      │ any break
 *       └──────────────────── resyncing ◀───────────────┴───────────────────────────┘
 * ```
 * 1. Diff events are pushed in (`push()`) and buffered (a bounded ring, oldest dropped first).
 * 2. Once an event is buffered, the snapshot is fetched (`fetchSnapshot(signal)`); failed fetches and snapshots that do not fit are retried
 *    with backoff under the retry policy.
 * 3. Live: every event is checked and applied as it arrives, and `book` is emitted with the levels it changed. Any break (`gap`,
 *    `pu-mismatch`, `crossed-book`, `self-check-mismatch`, or `resync('reconnect')` from the owner) emits `bookResync` and goes back to 1,
 *    keeping the event that revealed the break as the first one buffered.
 * Every wait is cancellable and every timer lives in a TimerSlots: `close()` leaves none. Live, the `changed` lists and the `book` payload
 * are allocated only when someone listens (`wantsBook()`). `client.orderBook()` runs one per book.
 */
export class BookSync {
  readonly book: OrderBook;
  readonly symbol: string;
  readonly stream: string;
  readonly market: MarketId;
  private readonly futures: boolean;
  private current: BookSyncState = 'buffering';
  private readonly buffer: UpdateRing;
  /** Applied events since the snapshot, kept only for the self-check. */
  private readonly applied: AppliedHistory;
  private readonly timers = new TimerSlots<'quiet'>();
  private readonly selfCheck: SelfCheckRunner;
  private readonly counters = new SyncCounters();
  /** Bumped by every restart and by close(): an older fetch's result is ignored. */
  private gen = 0;
  private fetchAc: AbortController | undefined;
  private acked = false;
  /** No event applied since the snapshot yet; `sawOlder`: one the snapshot contained was seen (a break then is the stream's). */
  private firstAfterSnapshot = false;
  private sawOlder = false;
  private failure: BinanceStreamError | undefined;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly policy: RetryPolicy;
  private readonly wants: () => boolean;

  constructor(private readonly o: BookSyncOptions) {
    this.book = new OrderBook(o.depth);
    this.symbol = o.symbol.toUpperCase();
    this.stream = o.stream ?? `${o.symbol.toLowerCase()}@depth`;
    this.market = o.market;
    this.futures = o.market !== 'spot';
    this.buffer = new UpdateRing(o.maxBuffer ?? 1_000);
    this.applied = new AppliedHistory(o.selfCheckMs ? HISTORY : 0);
    this.log = o.logger ?? silentLogger;
    this.now = o.now ?? Date.now;
    this.policy = o.retryPolicy ?? bookRetryPolicy();
    this.wants = o.wantsBook ?? (() => o.onBook !== undefined);
    this.selfCheck = new SelfCheckRunner({
      stream: this.stream,
      periodMs: o.selfCheckMs,
      book: this.book,
      log: this.log,
      counts: this.counters.selfChecks,
      coverage: () => this.applied,
      fetch: (signal) => this.fetchChecked(signal),
      live: () => this.current === 'live',
      mismatch: (detail) => this.resync('self-check-mismatch', detail),
    });
  }

  get state(): BookSyncState {
    return this.current;
  }

  /** One diff event of the stream, in arrival order. */
  push(e: DepthUpdateEvent): void {
    const s = this.current;
    if (s === 'live') return this.applyLive(e);
    if (s === 'closed' || s === 'failed') return;
    if (this.buffer.push(e) !== undefined) this.counters.bufferDropped++;
    if (this.fetchAc === undefined) this.startFetch();
  }

  /** The stream is subscribed (acknowledged): from now on a quiet stream gets its snapshot after `quietSnapshotMs` without an event. */
  acknowledged(): void {
    this.acked = true;
    if (this.waitingForEvent()) this.armQuiet();
  }

  /** Rebuild from a new snapshot (the owner calls it with `reconnect` when the stream's connection dropped). */
  resync(reason: BookResyncReason, detail: string, ids?: BookResyncIds, keep?: DepthUpdateEvent): void {
    if (this.current === 'closed' || this.current === 'failed') return;
    if (reason === 'reconnect') {
      this.acked = false;
      // Nothing to discard yet (a retry of the same reconnect, or before any event): no new resync.
      if (this.waitingForEvent() && this.buffer.size === 0) return;
    }
    this.restart();
    if (keep !== undefined) this.buffer.push(keep);
    this.current = 'resyncing';
    this.reportResync(reason, detail, ids);
    if (this.buffer.size) this.startFetch();
    else if (this.acked) this.armQuiet();
  }

  /** Resolves when the book is live (at once if it is); rejects with ERR_ABORTED once closed, or the error if it failed. */
  ready(): Promise<void> {
    if (this.current === 'live') return Promise.resolve();
    if (this.current === 'closed') return Promise.reject(aborted(`orderBook(${this.stream}).ready()`));
    if (this.current === 'failed') return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Counters of this book: updates applied and ignored, buffer use, snapshots, resyncs per reason, self-check results. */
  stats(): BookStats {
    return this.counters.snapshot(this, this.buffer.size);
  }

  /** Stop for good: no timer, no fetch, no listener left; the book keeps its last contents. Idempotent. */
  close(): void {
    if (this.current === 'closed') return;
    this.restart();
    this.current = 'closed';
    this.applied.reset(0);
    this.settle(aborted(`orderBook(${this.stream}).ready()`));
  }

  private waitingForEvent(): boolean {
    return (this.current === 'buffering' || this.current === 'resyncing') && this.fetchAc === undefined;
  }

  private armQuiet(): void {
    this.timers.set('quiet', this.o.quietSnapshotMs ?? 3_000, () => {
      if (this.waitingForEvent()) this.startFetch();
    });
  }

  /** Cancel everything in flight and empty the buffer. */
  private restart(): void {
    this.gen++;
    this.fetchAc?.abort();
    this.fetchAc = undefined;
    this.timers.clearAll();
    this.selfCheck.cancel();
    this.buffer.clear();
    this.firstAfterSnapshot = false;
  }

  private startFetch(): void {
    this.timers.clear('quiet');
    if (this.current === 'buffering') this.current = 'snapshot';
    const ac = (this.fetchAc = new AbortController());
    void this.fetchLoop(this.gen, ac.signal);
  }

  private async fetchLoop(gen: number, signal: AbortSignalLike): Promise<void> {
    try {
      await retryOperation(
        async () => {
          const snap = await this.fetchChecked(signal);
          if (gen !== this.gen) throw new BinanceStreamError('ERR_ABORTED', 'superseded snapshot', { permanent: true });
          const misfit = this.useSnapshot(snap);
          if (misfit !== undefined) throw misfit;
        },
        { policy: this.policy, signal, id: `orderBook ${this.stream}`, onFailedAttempt: (info) => this.onFailedAttempt(info) },
      );
    } catch (err) {
      if (gen !== this.gen || signal.aborted) return;
      this.fail(toStreamError(err));
    }
  }

  private async fetchChecked(signal: AbortSignalLike): Promise<DepthSnapshot> {
    const snap = checkSnapshot(await this.o.fetchSnapshot(signal));
    this.counters.snapshots++;
    return snap;
  }

  private onFailedAttempt(info: FailedAttemptInfo): void {
    if (info.error instanceof SnapshotMisfit) return; // reported by bookResync
    this.counters.snapshotFailures++;
    this.log.warn({ stream: this.stream, attempt: info.attempt, delayMs: info.delayMs, error: errorFields(info.error) }, 'order book snapshot failed; retrying');
  }

  /** Build the book from `snap` and the buffer; a misfit (reported already) when they do not fit. */
  private useSnapshot(snap: DepthSnapshot): SnapshotMisfit | undefined {
    const fit = fitSnapshot(
      {
        futures: this.futures,
        buffer: this.buffer,
        lastUpdateId: () => this.book.lastUpdateId,
        load: (s) => {
          this.book.load(s);
          this.applied.reset(s.lastUpdateId);
        },
        apply: (e) => this.applyEvent(e, undefined),
        ignored: () => void this.counters.updatesIgnored++,
      },
      snap,
    );
    if (!fit.ok) return this.misfit(fit.reason, fit.detail, fit.ids);
    if (this.book.crossed()) return this.misfit('crossed-book', `snapshot lastUpdateId=${snap.lastUpdateId} and the buffer give a crossed book: ${this.book.describeCross()}`);
    this.firstAfterSnapshot = fit.firstAfterSnapshot;
    this.sawOlder = fit.sawOlder;
    this.goLive();
    return undefined;
  }

  private misfit(reason: BookResyncReason, detail: string, ids?: BookResyncIds): SnapshotMisfit {
    this.reportResync(reason, detail, ids);
    if (this.current === 'snapshot') this.current = 'resyncing';
    return new SnapshotMisfit('ERR_UNEXPECTED', `order book ${this.stream}: ${reason}: ${detail}`);
  }

  private goLive(): void {
    this.fetchAc = undefined;
    this.current = 'live';
    this.counters.liveSince = this.now();
    this.log.debug({ stream: this.stream, lastUpdateId: this.book.lastUpdateId, bids: this.book.size.bids, asks: this.book.size.asks }, 'order book live');
    this.settle();
    this.selfCheck.arm();
    if (this.wants()) this.emitBook({ bids: this.book.bids(), asks: this.book.asks() }, true);
  }

  private applyLive(e: DepthUpdateEvent): void {
    const id = this.book.lastUpdateId;
    const v = this.firstAfterSnapshot ? firstVerdict(this.futures, id, e) : nextVerdict(this.futures, id, e);
    if (v === 'old') {
      this.counters.updatesIgnored++;
      return;
    }
    if (v === 'break') {
      const tooOld = this.firstAfterSnapshot && !this.sawOlder;
      return this.resync(tooOld ? 'snapshot-too-old' : this.futures ? 'pu-mismatch' : 'gap', (tooOld ? describeFirstBreak : describeBreak)(this.futures, id, e), idsOf(id, e), e);
    }
    this.firstAfterSnapshot = false;
    const changed = this.wants() ? { bids: [], asks: [] } : undefined;
    this.applyEvent(e, changed);
    if (this.book.crossed()) return this.resync('crossed-book', `after ${describeIds(e)}: ${this.book.describeCross()}`, idsOf(id, e));
    if (changed !== undefined) this.emitBook(changed, false);
    this.selfCheck.afterApply();
  }

  private applyEvent(e: DepthUpdateEvent, changed: BookChanges | undefined): void {
    this.book.apply(e.b, e.a, e.u, changed);
    this.counters.updatesApplied++;
    this.applied.push(e);
  }

  private emitBook(changed: BookChanges, snapshot: boolean): void {
    const b = this.book;
    this.o.onBook?.({ symbol: this.symbol, market: this.o.market, stream: this.stream, lastUpdateId: b.lastUpdateId, best: b.best(), changed, snapshot });
  }

  private reportResync(reason: BookResyncReason, detail: string, ids: BookResyncIds | undefined): void {
    const resyncs = this.counters.resynced(reason, detail, this.now());
    this.log.info({ stream: this.stream, reason, detail, resyncs }, 'order book resync');
    this.o.onResync?.({ symbol: this.symbol, market: this.o.market, stream: this.stream, reason, detail, ...(ids ? { ids } : {}), resyncs });
  }

  private fail(error: BinanceStreamError): void {
    this.restart();
    this.current = 'failed';
    this.failure = error;
    this.log.error({ stream: this.stream, error: errorFields(error) }, 'order book failed: no snapshot, and retrying cannot help');
    this.settle(error);
    this.o.onError?.(error);
  }

  private settle(error?: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) error === undefined ? w.resolve() : w.reject(error);
  }
}
