/**
 * The synchroniser with scripted events and a scripted snapshot fetcher: Binance's procedure on
 * spot (U/u continuity) and futures (pu chaining, U jumps), every break → resync with its reason,
 * the bounded buffer, retries, the self-check, and nothing left behind after close().
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BookSync } from '../../../src/book/book-sync';
import type { BookSyncOptions } from '../../../src/book/book-options';
import type { BookEvent, BookResyncEvent } from '../../../src/book/events';
import type { DepthSnapshot } from '../../../src/book/order-book';
import { BinanceStreamError } from '../../../src/core/errors';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import type { DepthUpdateEvent, PriceLevel } from '../../../src/streams/types';
import { until } from '../../helpers/wait';

interface Call {
  signal: AbortSignal;
  resolve(s: DepthSnapshot): void;
  reject(e: unknown): void;
}

/** A fetcher whose calls the test answers. */
function fetcher() {
  const calls: Call[] = [];
  const fn = (signal: AbortSignal) =>
    new Promise<DepthSnapshot>((resolve, reject) => {
      calls.push({ signal, resolve, reject });
      signal.addEventListener('abort', () => reject(new BinanceStreamError('ERR_ABORTED', 'aborted')), { once: true });
    });
  return { calls, fn, last: () => calls[calls.length - 1]! };
}

function harness(over: Partial<BookSyncOptions> = {}) {
  const f = fetcher();
  const books: BookEvent[] = [];
  const resyncs: BookResyncEvent[] = [];
  const errors: BinanceStreamError[] = [];
  const sync = new BookSync({
    symbol: 'btcusdt',
    market: 'spot',
    depth: 100,
    fetchSnapshot: f.fn,
    retryPolicy: new ConstantBackoff({ delayMs: 0 }),
    onBook: (e) => books.push(e),
    onResync: (e) => resyncs.push(e),
    onError: (e) => errors.push(e),
    ...over,
  });
  return { sync, f, books, resyncs, errors };
}

const ev = (U: number, u: number, b: PriceLevel[] = [], a: PriceLevel[] = [], pu?: number): DepthUpdateEvent => ({
  e: 'depthUpdate',
  E: 0,
  s: 'BTCUSDT',
  U,
  u,
  ...(pu !== undefined ? { pu } : {}),
  b,
  a,
});
const snap = (lastUpdateId: number, bids: PriceLevel[] = [['100', '1']], asks: PriceLevel[] = [['101', '1']]): DepthSnapshot => ({ lastUpdateId, bids, asks });
const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe('BookSync, spot', () => {
  it('buffers, fetches after the first event, drops what the snapshot holds, applies the rest, then goes live', async () => {
    const { sync, f, books } = harness();
    expect(sync.state).toBe('buffering');
    sync.push(ev(5, 8, [['99', '1']]));
    expect(sync.state).toBe('snapshot');
    expect(f.calls).toHaveLength(1);
    sync.push(ev(9, 10, [['98', '2']]));
    sync.push(ev(11, 12, [['99', '0']], [['102', '3']]));
    f.last().resolve(snap(9)); // 5..8 is in it; 9..10 straddles it (U <= 10 <= u)
    await sync.ready();
    expect(sync.state).toBe('live');
    expect(sync.book.lastUpdateId).toBe(12);
    expect(sync.book.bids()).toEqual([
      ['100', '1'],
      ['98', '2'],
    ]);
    expect(sync.book.asks()).toEqual([
      ['101', '1'],
      ['102', '3'],
    ]);
    expect(books).toHaveLength(1);
    expect(books[0]).toMatchObject({ symbol: 'BTCUSDT', market: 'spot', stream: 'btcusdt@depth', lastUpdateId: 12, snapshot: true, best: { bid: '100', ask: '101' } });
    sync.push(ev(13, 13, [['100', '5']]));
    sync.push(ev(12, 13, [['1', '1']])); // already contained: ignored
    expect(books[1]).toMatchObject({ lastUpdateId: 13, snapshot: false, changed: { bids: [['100', '5']], asks: [] }, best: { bid: '100', bidQty: '5' } });
    expect(sync.stats()).toMatchObject({ state: 'live', updatesApplied: 3, updatesIgnored: 2, snapshots: 1, resyncs: 0 });
    sync.close();
  });

  it('a gap (U past the book id + 1) resyncs with the exact ids, keeps that event buffered, and a new snapshot brings it back', async () => {
    const { sync, f, resyncs } = harness();
    sync.push(ev(10, 12));
    f.last().resolve(snap(11));
    await sync.ready();
    sync.push(ev(13, 15, [['99', '1']]));
    sync.push(ev(18, 20, [['97', '1']])); // 16, 17 missed
    expect(sync.state).toBe('resyncing');
    expect(resyncs).toEqual([
      {
        symbol: 'BTCUSDT',
        market: 'spot',
        stream: 'btcusdt@depth',
        reason: 'gap',
        detail: 'expected U <= 16, got U=18 u=20 (update ids 16..17 missed)',
        ids: { lastUpdateId: 15, U: 18, u: 20 },
        resyncs: 1,
      },
    ]);
    expect(f.calls).toHaveLength(2); // the event that showed the gap is buffered: fetch at once
    f.last().resolve(snap(19, [['96', '1']]));
    await sync.ready();
    expect(sync.book.lastUpdateId).toBe(20);
    expect(sync.book.bids()).toEqual([
      ['97', '1'],
      ['96', '1'],
    ]);
    expect(sync.stats()).toMatchObject({ resyncs: 1, resyncsByReason: { gap: 1 }, lastResync: { reason: 'gap' } });
    sync.close();
  });

  it('a snapshot older than the first buffered event is fetched again (snapshot-too-old, under the retry policy)', async () => {
    const { sync, f, resyncs } = harness();
    sync.push(ev(100, 105));
    f.last().resolve(snap(90)); // 91..99 unknown
    await until(() => f.calls.length === 2);
    expect(resyncs.map((r) => [r.reason, r.ids])).toEqual([['snapshot-too-old', { lastUpdateId: 90, U: 100, u: 105 }]]);
    expect(sync.state).toBe('resyncing');
    sync.push(ev(106, 107));
    f.last().resolve(snap(106));
    await sync.ready();
    expect(sync.book.lastUpdateId).toBe(107);
    expect(sync.stats()).toMatchObject({ snapshots: 2, resyncs: 1, resyncsByReason: { 'snapshot-too-old': 1 } });
    sync.close();
  });

  it('bounds the buffer: the oldest events go first; a snapshot older than what is left is too old, a newer one fits', async () => {
    const { sync, f, resyncs } = harness({ maxBuffer: 3 });
    for (let i = 1; i <= 10; i++) sync.push(ev(i * 10, i * 10 + 9, [[String(i), '1']]));
    expect(sync.stats()).toMatchObject({ buffered: 3, bufferDropped: 7 });
    f.last().resolve(snap(50)); // events 80.. are left: 51..79 unknown
    await until(() => f.calls.length === 2);
    expect(resyncs[0]).toMatchObject({ reason: 'snapshot-too-old', ids: { lastUpdateId: 50, U: 80, u: 89 } });
    f.last().resolve(snap(85, [])); // fits the event 80..89 (U <= 86 <= u)
    await sync.ready();
    expect(sync.book.bids().map((l) => l[0])).toEqual(['10', '9', '8']);
    expect(sync.book.lastUpdateId).toBe(109);
    sync.close();
  });

  it('after a snapshot that held every buffered event, a skip in the stream is a gap; with nothing seen before it, the snapshot is too old', async () => {
    const { sync, f, resyncs } = harness();
    sync.push(ev(10, 12));
    f.last().resolve(snap(12)); // contains 10..12: nothing left to apply
    await sync.ready();
    sync.push(ev(15, 16)); // 13..14 lost on the stream
    expect(resyncs.map((r) => [r.reason, r.ids])).toEqual([['gap', { lastUpdateId: 12, U: 15, u: 16 }]]);
    sync.close();
    const quiet = harness({ quietSnapshotMs: 1 });
    quiet.sync.acknowledged();
    await until(() => quiet.f.calls.length === 1); // no event yet: snapshot anyway
    quiet.f.last().resolve(snap(30));
    await quiet.sync.ready();
    quiet.sync.push(ev(35, 36)); // the subscription was not live when the snapshot was taken
    expect(quiet.resyncs.map((r) => r.reason)).toEqual(['snapshot-too-old']);
    quiet.sync.close();
  });

  it('a crossed book resyncs (crossed-book)', async () => {
    const { sync, f, resyncs } = harness();
    sync.push(ev(1, 1));
    f.last().resolve(snap(1));
    await sync.ready();
    sync.push(ev(2, 2, [['101.5', '1']]));
    expect(resyncs[0]).toMatchObject({ reason: 'crossed-book', detail: 'after U=2 u=2: best bid 101.5 >= best ask 101' });
    expect(sync.state).toBe('resyncing');
    sync.close();
  });

  it('a reconnect resyncs once (retries of the same reconnect add nothing) and waits for the new connection', async () => {
    vi.useFakeTimers();
    const { sync, f, resyncs } = harness({ quietSnapshotMs: 1_000 });
    sync.acknowledged();
    sync.push(ev(1, 1));
    f.last().resolve(snap(1));
    await sync.ready();
    sync.resync('reconnect', 'socket spot-1 reconnecting');
    sync.resync('reconnect', 'socket spot-1 reconnecting (attempt 2)');
    expect(resyncs.map((r) => r.reason)).toEqual(['reconnect']);
    expect(sync.state).toBe('resyncing');
    await vi.advanceTimersByTimeAsync(5_000); // not acknowledged since the drop: no snapshot without an event
    expect(f.calls).toHaveLength(1);
    sync.acknowledged(); // the new connection subscribed it; the market is quiet
    await vi.advanceTimersByTimeAsync(1_000);
    expect(f.calls).toHaveLength(2);
    f.last().resolve(snap(40));
    await vi.advanceTimersByTimeAsync(0);
    expect(sync.state).toBe('live');
    sync.push(ev(45, 46)); // the first event must meet that snapshot: 41..44 missed
    expect(resyncs.map((r) => r.reason)).toEqual(['reconnect', 'snapshot-too-old']);
    sync.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('BookSync, futures', () => {
  it('chains by pu while U jumps, then a pu break resyncs (pu-mismatch) and the book is right after', async () => {
    const { sync, f, resyncs, books } = harness({ market: 'usdm' });
    sync.push(ev(100, 110, [['99', '1']], [], 95));
    sync.push(ev(117, 120, [['98', '1']], [], 110)); // U jumped past 111: normal on futures
    f.last().resolve(snap(114)); // inside the jump: the previous event ended at 110 <= 114
    await sync.ready();
    expect(sync.book.lastUpdateId).toBe(120);
    sync.push(ev(130, 131, [['97', '1']], [], 120));
    sync.push(ev(150, 152, [['96', '1']], [], 140)); // pu 140, the book is at 131
    expect(resyncs).toEqual([expect.objectContaining({ reason: 'pu-mismatch', detail: 'expected pu=131, got U=150 u=152 pu=140', ids: { lastUpdateId: 131, U: 150, u: 152, pu: 140 }, resyncs: 1 })]);
    sync.push(ev(160, 161, [['95', '1']], [], 152));
    f.last().resolve(snap(152, [['96', '1']]));
    await sync.ready();
    expect(sync.book.bids()).toEqual([
      ['96', '1'],
      ['95', '1'],
    ]);
    expect(sync.book.lastUpdateId).toBe(161);
    expect(books.filter((b) => b.snapshot)).toHaveLength(2);
    sync.close();
  });

  it('keeps an event whose u equals the snapshot id (Binance drops only u < lastUpdateId) and skips duplicates', async () => {
    const { sync, f } = harness({ market: 'usdm' });
    sync.push(ev(10, 20, [['99', '7']], [], 5));
    f.last().resolve(snap(20));
    await sync.ready();
    expect(sync.book.level('bids', '99')).toEqual(['99', '7']);
    sync.push(ev(10, 20, [['99', '1']], [], 5)); // a duplicate from a handover
    expect(sync.stats()).toMatchObject({ updatesApplied: 1, updatesIgnored: 1, resyncs: 0 });
    sync.close();
  });
});

describe('BookSync, snapshot failures and close', () => {
  it('retries failed fetches with backoff; a permanent error fails the book (ready rejects, onError)', async () => {
    const { sync, f, errors } = harness();
    const ready = sync.ready();
    sync.push(ev(1, 1));
    f.last().reject(new BinanceStreamError('ERR_HTTP', 'HTTP 503', { httpStatus: 503 }));
    await until(() => f.calls.length === 2);
    expect(sync.stats().snapshotFailures).toBe(1);
    f.last().reject(new BinanceStreamError('ERR_HTTP', 'Invalid symbol.', { httpStatus: 400, binanceCode: -1121, permanent: true }));
    await expect(ready).rejects.toMatchObject({ code: 'ERR_HTTP', binanceCode: -1121 });
    expect(sync.state).toBe('failed');
    expect(errors).toHaveLength(1);
    await expect(sync.ready()).rejects.toMatchObject({ binanceCode: -1121 });
    sync.push(ev(2, 2)); // ignored
    expect(f.calls).toHaveLength(2);
  });

  it('close() aborts the fetch in flight, rejects ready() with ERR_ABORTED and leaves no timer', async () => {
    vi.useFakeTimers();
    const { sync, f } = harness({ selfCheckMs: 1_000, quietSnapshotMs: 500 });
    sync.acknowledged();
    expect(vi.getTimerCount()).toBe(1); // the quiet-stream timer
    const ready = sync.ready();
    sync.push(ev(1, 1));
    const call = f.last();
    sync.close();
    expect(call.signal.aborted).toBe(true);
    await expect(ready).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(vi.getTimerCount()).toBe(0);
    sync.close(); // idempotent
    expect(sync.state).toBe('closed');
  });
});

describe('BookSync, self-check', () => {
  it('agrees with a snapshot in the middle of an event (touched levels left out), and resyncs on a real difference', async () => {
    vi.useFakeTimers();
    const { sync, f, resyncs } = harness({ selfCheckMs: 1_000, depth: 10 });
    const bids: PriceLevel[] = [
      ['100', '1'],
      ['99', '1'],
      ['98', '1'],
    ];
    sync.push(ev(1, 1));
    f.last().resolve(snap(1, bids, [['101', '1']]));
    await vi.advanceTimersByTimeAsync(0);
    expect(sync.state).toBe('live');
    sync.push(ev(2, 4, [['99', '2']]));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(f.calls).toHaveLength(2);
    // Taken at 3, inside the event 2..4: its 99 changed to 5 then (the event's final 2 came later)
    f.last().resolve(
      snap(
        3,
        [
          ['100', '1'],
          ['99', '5'],
          ['98', '1'],
        ],
        [['101', '1']],
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(sync.stats().selfChecks).toEqual({ ok: 1, mismatches: 0, skipped: 0, failed: 0 });
    // A snapshot ahead of the book waits until the book reaches it.
    await vi.advanceTimersByTimeAsync(1_000);
    f.last().resolve(snap(6, [['100', '1']], [['101', '1']])); // 99 and 98 gone in the snapshot, not in the book
    await vi.advanceTimersByTimeAsync(0);
    expect(sync.stats().selfChecks.mismatches).toBe(0);
    sync.push(ev(5, 6, [['97', '1']]));
    expect(sync.stats().selfChecks).toMatchObject({ ok: 1, mismatches: 1 });
    expect(resyncs[0]).toMatchObject({ reason: 'self-check-mismatch' });
    expect(resyncs[0]!.detail).toBe('snapshot lastUpdateId=6, book at 6: bids 99: in the book (qty 2), not in the snapshot');
    expect(sync.state).toBe('resyncing');
    sync.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('BookSync without listeners', () => {
  it('builds no change lists when nobody wants book events', async () => {
    const onBook = vi.fn();
    const { sync, f } = harness({ onBook, wantsBook: () => false });
    sync.push(ev(1, 1));
    f.last().resolve(snap(1));
    await sync.ready();
    sync.push(ev(2, 2, [['99', '1']]));
    await tick();
    expect(onBook).not.toHaveBeenCalled();
    expect(sync.book.level('bids', 99)).toEqual(['99', '1']);
    sync.close();
  });
});
