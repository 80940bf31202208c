/** REST fallback (pool/rest-fallback.ts) on fake sockets and a fake REST source, fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamError } from '../../../src/core/errors';
import type { DegradedEvent, FallbackRest, RestoredEvent } from '../../../src/pool/rest-fallback';
import type { AggTradeRow, KlineRow } from '../../../src/recovery/backfill';
import { GapFiller } from '../../../src/recovery/backfill';
import { SequenceStage } from '../../../src/recovery/sequence';
import type { StreamMessage } from '../../../src/streams/types';
import type { FakeSocket } from './fake-socket';
import { makePool, openAll, T0 } from './pool-harness';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

function fakeRest() {
  let nextId = 100;
  const calls: string[] = [];
  const trades = (from: number): AggTradeRow[] => [from, from + 1].map((a) => ({ a, p: '1', q: '1', f: a, l: a, T: Date.now(), m: false }));
  const rest: FallbackRest = {
    aggTrades: async (q) => {
      calls.push(`aggTrades ${q.fromId ?? 'latest'}`);
      if (q.fromId === undefined) return [{ a: nextId - 1, p: '1', q: '1', f: 0, l: 0, T: Date.now(), m: false }];
      nextId = q.fromId + 2; // two new trades per poll
      return trades(q.fromId);
    },
    klines: async () => {
      calls.push('klines');
      const t = Math.floor(Date.now() / 60_000) * 60_000;
      const row = (open: number): KlineRow => [open, '1', '1', '1', '1', '1', open + 59_999, '1', 1, '1', '1', '0'];
      return [row(t - 60_000), row(t)];
    },
    bookTicker: async (q) => (calls.push('bookTicker'), { symbol: q.symbol, bidPrice: '1', bidQty: '2', askPrice: '3', askQty: '4' }),
    ticker24h: async () => {
      throw new BinanceStreamError('ERR_HTTP', 'HTTP 500');
    },
    depth: async () => ({ lastUpdateId: 1, bids: [], asks: [] }),
  };
  return { rest, calls, tradesSoFar: () => nextId };
}

const failTimes = (s: FakeSocket, n: number): void => {
  for (let i = 1; i <= n; i++)
    s.emit('reconnecting', { socketId: s.id, attempt: i, maxRetries: Infinity, delayMs: 1_000, error: new BinanceStreamError('ERR_HTTP', 'HTTP 403'), streams: [...s.streams] });
};

describe('REST fallback', () => {
  it('after N failed attempts: degraded, the streams polled over REST (continuing the sequence), restored when the socket is back', async () => {
    const { rest, calls } = fakeRest();
    const got: StreamMessage[] = [];
    const { pool, sockets } = makePool({
      fallbackRest: rest,
      restFallback: { afterMs: 60_000, afterAttempts: 3, pollMs: 1_000 },
      sink: (m) => got.push(m),
      stages: (info) =>
        info.kind === 'aggTrade'
          ? [new SequenceStage('aggTrade', false, info.stream, new GapFiller({ stream: info.stream, symbol: 'BTCUSDT', deliver: (m) => got.push(m), emit: () => {} }))]
          : undefined,
    });
    const degraded: DegradedEvent[] = [];
    const restored: RestoredEvent[] = [];
    pool.on('degraded', (e) => degraded.push(e));
    pool.on('restored', (e) => restored.push(e));
    pool.subscribe(['btcusdt@aggTrade', 'btcusdt@kline_1m', 'btcusdt@bookTicker', 'btcusdt@ticker', 'btcusdt@depth@100ms']);
    void pool.start();
    openAll(sockets);
    const s = sockets[0]!;
    s.deliver('btcusdt@aggTrade', { a: 97 });
    s.deliver('btcusdt@aggTrade', { a: 98 });
    s.drop();
    failTimes(s, 2);
    await vi.advanceTimersByTimeAsync(10);
    expect(degraded).toEqual([]);
    failTimes(s, 1);
    await vi.advanceTimersByTimeAsync(10);
    expect(degraded).toEqual([
      { socketId: s.id, streams: ['btcusdt@aggTrade', 'btcusdt@kline_1m', 'btcusdt@bookTicker', 'btcusdt@ticker'], unserved: ['btcusdt@depth@100ms'], source: 'rest', reason: '3 failed attempts' },
    ]);
    await vi.advanceTimersByTimeAsync(2_100);
    const trades = got.filter((m) => m.stream === 'btcusdt@aggTrade').map((m) => (m.data as { a: number }).a);
    expect(trades.slice(0, 2)).toEqual([97, 98]);
    expect(trades.slice(2, 8)).toEqual([99, 100, 101, 102, 103, 104]); // from REST, continuing the stream
    expect(got.filter((m) => (m as { source?: string }).source === 'rest').length).toBeGreaterThan(6);
    expect(calls).toContain('aggTrades 99');
    expect(got.some((m) => m.stream === 'btcusdt@kline_1m' && (m.data as { k: { x: boolean } }).k.x === true)).toBe(true);
    expect(got.some((m) => m.stream === 'btcusdt@bookTicker')).toBe(true);
    // The socket is back: polling stops; its first messages join the polled ones (duplicates dropped).
    s.open();
    const polledLast = trades.at(-1)!;
    s.deliver('btcusdt@aggTrade', { a: polledLast - 1 });
    s.deliver('btcusdt@aggTrade', { a: polledLast + 1 });
    expect(restored).toEqual([{ socketId: s.id, streams: degraded[0]!.streams, fallbackMs: expect.any(Number) }]);
    const before = calls.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.length).toBe(before);
    const all = got.filter((m) => m.stream === 'btcusdt@aggTrade').map((m) => (m.data as { a: number }).a);
    expect(all).toEqual([...new Set(all)].sort((a, b) => a - b)); // in order, no duplicate
    await pool.stop();
    expect(pool.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after afterMs down, even with few attempts; a socket retired meanwhile ends it silently; false disables', async () => {
    const { rest } = fakeRest();
    const { pool, sockets } = makePool({ fallbackRest: rest, restFallback: { afterMs: 30_000, afterAttempts: 100, pollMs: 1_000 } });
    const degraded: DegradedEvent[] = [];
    const restored: RestoredEvent[] = [];
    pool.on('degraded', (e) => degraded.push(e));
    pool.on('restored', (e) => restored.push(e));
    pool.subscribe('btcusdt@bookTicker');
    void pool.start();
    openAll(sockets);
    sockets[0]!.drop();
    failTimes(sockets[0]!, 1);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(degraded).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(degraded).toHaveLength(1);
    pool.unsubscribe('btcusdt@bookTicker');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(restored).toEqual([]);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);

    const off = makePool({ fallbackRest: rest, restFallback: false });
    const seen: DegradedEvent[] = [];
    off.pool.on('degraded', (e) => seen.push(e));
    off.pool.subscribe('btcusdt@bookTicker');
    void off.pool.start();
    openAll(off.sockets);
    off.sockets[0]!.drop();
    failTimes(off.sockets[0]!, 10);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen).toEqual([]);
    await off.pool.stop();
  });
});
