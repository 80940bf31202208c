/**
 * `client.orderBook()` against the emulator (spot): the local book equals the emulator's own book
 * (`fake.orderBook()`, read in the same tick as the local one, at the same update id) after the
 * feed runs, after an abrupt drop of the connection (resync `reconnect`) and after a lost event
 * (resync `gap`); a mirror built from `book` events equals it too; subscriptions are shared with
 * `subscribe()` and `client.stream()`; stop() closes every book and leaves no timer.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { BinanceStreamClient } from 'binance-stream-client';
import type { BookEvent, BookResyncEvent, LocalOrderBook, PriceLevel } from 'binance-stream-client';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const STREAM = 'btcusdt@depth@100ms';

async function setup(rate = 40) {
  const ex = await startEmulator({ seed: 11, symbols: ['btcusdt', 'ethusdt'], rates: { 'depth@100ms': rate, depth: rate } });
  const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget() });
  onCleanup(() => c.stop());
  const resyncs: BookResyncEvent[] = [];
  c.on('bookResync', (e) => resyncs.push(e));
  return { ex, c, resyncs };
}

/**
 * Waits until the local book is at the emulator's update id, then compares every level (both read
 * in one tick); `prefix`: a capped book may hold fewer levels, but those it holds are the best ones.
 */
async function matchesEmulator(ex: FakeBinance, book: LocalOrderBook, symbol = 'btcusdt', prefix = false): Promise<void> {
  let last = '';
  await until(
    () => {
      const want = ex.orderBook(symbol);
      last = `local ${book.state} at ${book.lastUpdateId}, emulator at ${want.lastUpdateId}`;
      if (book.state !== 'live' || book.lastUpdateId !== want.lastUpdateId) return false;
      expect(book.bids()).toEqual(prefix ? want.bids.slice(0, book.size.bids) : want.bids);
      expect(book.asks()).toEqual(prefix ? want.asks.slice(0, book.size.asks) : want.asks);
      return true;
    },
    { timeoutMs: 8_000, message: () => last },
  );
}

/** A book rebuilt from `book` events only: replace on a snapshot event, merge the changed levels otherwise. */
function mirror(c: BinanceStreamClient, stream: string) {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  const seen: BookEvent[] = [];
  c.on('book', (e) => {
    if (e.stream !== stream) return;
    seen.push(e);
    if (e.snapshot) {
      bids.clear();
      asks.clear();
    }
    const put = (m: Map<string, string>, l: PriceLevel) => (Number(l[1]) === 0 ? m.delete(l[0]) : m.set(l[0], l[1]));
    for (const l of e.changed.bids) put(bids, l);
    for (const l of e.changed.asks) put(asks, l);
  });
  const sorted = (m: Map<string, string>, desc: boolean) => [...m].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
  return { seen, bids: () => sorted(bids, true), asks: () => sorted(asks, false) };
}

describe('client.orderBook() against the emulator (spot)', () => {
  it('equals the emulator book while the feed runs, and a mirror of the book events equals it too', async () => {
    const { ex, c, resyncs } = await setup();
    const m = mirror(c, STREAM);
    const book = c.orderBook('BTCUSDT', { speed: 100 });
    expect(book.state).toBe('buffering');
    expect(book.stream).toBe(STREAM);
    expect(c.streams).toEqual([STREAM]);
    await c.start();
    await book.ready();
    expect(book.state).toBe('live');
    await until(() => book.stats().updatesApplied >= 40, { timeoutMs: 8_000, message: () => `40 updates (got ${book.stats().updatesApplied})` });
    await matchesEmulator(ex, book);
    expect(m.bids()).toEqual(book.bids());
    expect(m.asks()).toEqual(book.asks());
    expect(m.seen[0]).toMatchObject({ symbol: 'BTCUSDT', market: 'spot', snapshot: true });
    const best = book.best();
    expect(Number(best.bid)).toBeLessThan(Number(best.ask));
    expect(resyncs).toEqual([]);
    expect(book.stats()).toMatchObject({ state: 'live', resyncs: 0, snapshots: 1, snapshotFailures: 0 });
  });

  it('resyncs after an abrupt drop (reconnect) and after a lost event (gap), and equals the emulator book after each', async () => {
    const { ex, c, resyncs } = await setup();
    const book = c.orderBook('btcusdt', { speed: 100 });
    await c.start();
    await book.ready();
    await matchesEmulator(ex, book);

    expect(ex.faults.close({ stream: STREAM }, { code: 1006 })).toBe(1);
    await until(() => resyncs.some((r) => r.reason === 'reconnect'), { message: 'a reconnect resync' });
    await until(() => book.state === 'live' && book.stats().resyncs >= 1, { timeoutMs: 8_000 });
    await matchesEmulator(ex, book);

    const gaps = () => resyncs.filter((r) => r.reason === 'gap');
    const before = gaps().length;
    expect(ex.faults.breakDepthChain('btcusdt')).toBe(1);
    await until(() => gaps().length > before, { timeoutMs: 8_000, message: 'a gap resync' });
    const gap = gaps()[before]!;
    expect(gap.ids!.U).toBeGreaterThan(gap.ids!.lastUpdateId + 1);
    expect(gap.detail).toContain(`expected U <= ${gap.ids!.lastUpdateId + 1}`);
    await until(() => book.state === 'live', { timeoutMs: 8_000 });
    await matchesEmulator(ex, book);
    expect(book.stats().resyncsByReason).toMatchObject({ reconnect: 1, gap: gaps().length });
  });

  it('caps the depth, shares its stream with subscribe() and stream(), and close()/stop() leave nothing behind', async () => {
    const { ex, c } = await setup();
    const small = c.orderBook('btcusdt', { speed: 100, depth: 5 });
    const eth = c.orderBook('ethusdt');
    const it = c.stream(['btcusdt@depth@100ms']);
    await c.start();
    await Promise.all([small.ready(), eth.ready()]);
    expect(small.bids().length).toBeLessThanOrEqual(5);
    await until(() => small.stats().updatesApplied >= 20, { timeoutMs: 8_000 });
    await matchesEmulator(ex, small, 'btcusdt', true);
    expect(small.size.bids).toBeLessThanOrEqual(5);
    expect(small.size.asks).toBeLessThanOrEqual(5);
    expect(c.streams.sort()).toEqual(['btcusdt@depth@100ms', 'ethusdt@depth']);
    small.close();
    small.close();
    expect(small.state).toBe('closed');
    expect(c.streams).toContain(STREAM); // the iterator still reads it
    it.close();
    expect(c.streams).toEqual(['ethusdt@depth']);
    c.subscribe('ethusdt@depth'); // the user's now
    eth.close();
    expect(c.streams).toEqual(['ethusdt@depth']);

    const it2 = c.stream(['btcusdt@depth@100ms']); // an iterator first, then a book: the iterator ends first
    const again = c.orderBook('btcusdt', { speed: 100 });
    await again.ready();
    it2.close();
    expect(c.streams).toContain(STREAM); // the book took it over
    const held = c.orderBook('ethusdt'); // user-subscribed: never unsubscribed by a book
    held.close();
    expect(c.streams.sort()).toEqual([STREAM, 'ethusdt@depth']);
    const stopped = c.stop();
    await stopped;
    expect(again.state).toBe('closed');
    await expect(again.ready()).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(() => c.orderBook('btcusdt')).toThrow(/after stop/);
  });

  it('self-checks against REST snapshots taken mid-feed without a false mismatch', async () => {
    const { ex, c, resyncs } = await setup();
    const book = c.orderBook('btcusdt', { speed: 100, selfCheckMs: 1_000 });
    await c.start();
    await book.ready();
    await until(() => book.stats().selfChecks.ok >= 2, { timeoutMs: 10_000, message: () => `2 self-checks (${JSON.stringify(book.stats().selfChecks)})` });
    expect(book.stats().selfChecks).toMatchObject({ mismatches: 0, failed: 0 });
    expect(resyncs).toEqual([]);
    await matchesEmulator(ex, book);
  });

  it('a symbol the exchange does not know fails the book (permanent REST error): ready() rejects, an error event, no retry loop', async () => {
    const { c } = await setup();
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    const book = c.orderBook('zzzusdt');
    await c.start();
    await expect(book.ready()).rejects.toMatchObject({ code: 'ERR_HTTP', binanceCode: -1121 }); // after the quiet-stream wait (3 s)
    expect(book.state).toBe('failed');
    expect(errors).toEqual([expect.objectContaining({ stream: 'zzzusdt@depth', error: expect.objectContaining({ code: 'ERR_HTTP' }) })]);
    expect(book.stats()).toMatchObject({ snapshots: 0, snapshotFailures: 0 });
  });

  it('waits out a REST failure and a 418 ban on the snapshot (retried with backoff, never fatal)', async () => {
    const { ex, c } = await setup();
    ex.faults.failRest({ path: '/api/v3/depth', status: 503, times: 1 });
    ex.faults.failRest({ path: '/api/v3/depth', status: 418, retryAfterSec: 1, times: 1 });
    const book = c.orderBook('btcusdt', { speed: 100 });
    await c.start();
    await book.ready();
    expect(book.stats()).toMatchObject({ state: 'live', snapshotFailures: 2, snapshots: 1 });
    await matchesEmulator(ex, book);
  });

  it('rejects bad options before anything changes', async () => {
    const { c } = await setup();
    expect(() => c.orderBook('btcusdt', { speed: 250 })).toThrow(/orderBook\(\)\.speed: expected one of 100, 1000/);
    expect(() => c.orderBook('btcusdt', { depth: 6000 })).toThrow(/orderBook\(\)\.depth/);
    expect(() => c.orderBook('btcusdt', { selfCheckMs: 10 })).toThrow(/orderBook\(\)\.selfCheckMs/);
    expect(() => c.orderBook('btc usdt')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => c.orderBook('btcusdt', { deep: 1 } as never)).toThrow(/unknown option/);
    expect(c.streams).toEqual([]);
  });
});
