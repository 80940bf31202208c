/** Sequence tracking (recovery/sequence.ts) and gap handling (recovery/backfill.ts), with scripted messages and a fake REST. */
import { describe, expect, it } from 'vitest';
import type { AggTradeRow, BackfillRest, KlineRow } from '../../../src/recovery/backfill';
import { GapFiller } from '../../../src/recovery/backfill';
import type { GapEvent } from '../../../src/recovery/gap';
import { candleClock, candlesBetween, nextOpen } from '../../../src/recovery/gap';
import type { InterruptionView } from '../../../src/recovery/sequence';
import { SequenceStage } from '../../../src/recovery/sequence';
import { classifyStream } from '../../../src/streams/classify';
import type { StreamMessage } from '../../../src/streams/types';
import { until } from '../../helpers/wait';

function harness(stream: string, kind: 'aggTrade' | 'trade' | 'depth' | 'kline', opts: { futures?: boolean; rest?: BackfillRest; maxHeld?: number } = {}) {
  const view: { -readonly [K in keyof InterruptionView]: InterruptionView[K] } = {
    name: stream,
    info: classifyStream(stream, opts.futures),
    group: '',
    messages: 0,
    lastMessageAt: 0,
    interruptions: 0,
    interruption: undefined,
  };
  const out: StreamMessage[] = [];
  const gaps: GapEvent[] = [];
  const filler = new GapFiller({ stream, symbol: stream.split('@')[0]!.toUpperCase(), deliver: (m) => out.push(m), emit: (g) => gaps.push(g), rest: opts.rest, maxHeld: opts.maxHeld });
  const stage = new SequenceStage(kind, opts.futures ?? false, stream, filler, () => 42);
  const push = (data: unknown): void => {
    const m = { stream, data, receivedAt: 0 };
    if (stage.accept(view, m)) out.push(m);
  };
  return { view, out, gaps, stage, push, filler };
}

const ids = (out: StreamMessage[], f = 'a'): number[] => out.map((m) => (m.data as Record<string, number>)[f] as number);

describe('sequence tracking', () => {
  it('aggTrade: a jump is a gap of exactly the ids in between, with the last interruption as its cause; duplicates are dropped and counted', () => {
    const h = harness('btcusdt@aggTrade', 'aggTrade');
    for (const a of [1, 2, 3]) h.push({ a });
    h.view.interruptions = 1;
    h.view.interruption = 'reconnect';
    for (const a of [2, 3, 8, 9]) h.push({ a });
    expect(ids(h.out)).toEqual([1, 2, 3, 8, 9]);
    expect(h.gaps).toEqual([{ stream: 'btcusdt@aggTrade', kind: 'aggTrade', fromId: 4, toId: 7, count: 4, cause: 'reconnect', detectedAt: 42, filled: false, reason: 'backfill off' }]);
    expect(h.stage.counters).toEqual({ gaps: 1, missed: 4, duplicates: 2 });
    // A jump with no interruption recorded: a stall too short for any detector.
    h.push({ a: 12 });
    expect(h.gaps[1]).toMatchObject({ fromId: 10, toId: 11, count: 2, cause: 'stall' });
  });

  it('trade ids (`t`), and a payload without an id passes untouched', () => {
    const h = harness('btcusdt@trade', 'trade');
    for (const t of [10, 11, 13]) h.push({ t });
    h.push({ e: 'other' });
    expect(h.gaps).toMatchObject([{ kind: 'trade', fromId: 12, toId: 12, count: 1 }]);
    expect(h.out).toHaveLength(4);
  });

  it('spot diff depth: U must follow the last u; futures: pu must equal the last u while U jumps', () => {
    const spot = harness('btcusdt@depth@100ms', 'depth');
    spot.push({ U: 1, u: 5 });
    spot.push({ U: 6, u: 9 });
    spot.push({ U: 8, u: 9 }); // not newer: passes (an order book may need it after a resync), not a gap
    spot.push({ U: 12, u: 14 });
    expect(spot.gaps).toMatchObject([{ kind: 'depth', lastUpdateId: 9, nextFirstUpdateId: 12 }]);
    expect(spot.stage.counters.duplicates).toBe(0);
    expect(spot.out).toHaveLength(4);
    const fut = harness('btcusdt@depth@100ms', 'depth', { futures: true });
    fut.push({ U: 100, u: 110, pu: 95 });
    fut.push({ U: 130, u: 150, pu: 110 }); // U jumps, pu chains: fine
    fut.push({ U: 170, u: 180, pu: 160 }); // pu breaks
    expect(fut.gaps).toMatchObject([{ kind: 'depth', lastUpdateId: 150, nextFirstUpdateId: 170, previousUpdateId: 160 }]);
    expect(fut.out).toHaveLength(3);
  });

  it('klines: every candle must be seen closed before a later one opens; a skipped close or whole candles are a gap of those candles', () => {
    const M = 60_000;
    const h = harness('btcusdt@kline_1m', 'kline');
    const k = (t: number, x: boolean) => ({ e: 'kline', k: { t, x } });
    h.push(k(0, false));
    h.push(k(0, true));
    h.push(k(M, false));
    h.push(k(M, false));
    h.push(k(4 * M, false)); // candles M (never closed), 2M, 3M missing
    expect(h.gaps).toMatchObject([{ kind: 'kline', interval: '1m', fromOpenTime: M, toOpenTime: 3 * M, count: 3 }]);
    h.push(k(4 * M, true));
    h.push(k(4 * M, true)); // a second close: duplicate
    h.push(k(3 * M, false)); // older: duplicate
    h.push(k(5 * M, false)); // the next candle, as expected
    expect(h.gaps).toHaveLength(1);
    expect(h.stage.counters.duplicates).toBe(2);
  });

  it('candle clocks: fixed intervals, months, and UTC+8 months', () => {
    const m1 = candleClock('btcusdt@kline_1m')!;
    expect(candlesBetween(m1, 0, 5 * 60_000)).toBe(6);
    const mo = candleClock('btcusdt@kline_1M')!;
    expect(nextOpen(mo, Date.UTC(2026, 0, 1))).toBe(Date.UTC(2026, 1, 1));
    expect(candlesBetween(mo, Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 1))).toBe(12);
    const cn = candleClock('btcusdt@kline_1M@+08:00')!;
    expect(cn.offsetMs).toBe(8 * 3_600_000);
    expect(nextOpen(cn, Date.UTC(2025, 11, 31, 16))).toBe(Date.UTC(2026, 0, 31, 16));
    expect(candleClock('btcusdt_perpetual@continuousKline_5m')?.ms).toBe(300_000);
    expect(candleClock('btcusdt@trade')).toBeUndefined();
  });
});

describe('backfill', () => {
  function restOf(rows: AggTradeRow[], klines: KlineRow[] = [], fail?: Error) {
    const calls: string[] = [];
    const rest: BackfillRest = {
      aggTrades: async (q) => {
        calls.push(`aggTrades ${q.fromId}`);
        if (fail) throw fail;
        return rows.filter((r) => r.a >= q.fromId).slice(0, 3); // pages of 3
      },
      klines: async (q) => {
        calls.push(`klines ${q.startTime}`);
        return klines.filter((r) => r[0] >= q.startTime && r[0] <= q.endTime);
      },
    };
    return { rest, calls };
  }
  const row = (a: number): AggTradeRow => ({ a, p: '1', q: '1', f: a, l: a, T: a, m: false, M: true });

  it('aggTrade: holds live data, pages the missing ids from REST, delivers them marked backfilled and in order, then the held live messages', async () => {
    const { rest, calls } = restOf(Array.from({ length: 20 }, (_, i) => row(i + 1)));
    const h = harness('btcusdt@aggTrade', 'aggTrade', { rest });
    h.push({ a: 1 });
    h.push({ a: 9 }); // ids 2..8 missing
    h.push({ a: 10 }); // held behind the fill
    expect(ids(h.out)).toEqual([1]);
    await until(() => h.gaps.length === 1);
    expect(ids(h.out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(h.out.slice(1, 8).every((m) => (m as { backfilled?: boolean }).backfilled === true)).toBe(true);
    expect((h.out[8] as { backfilled?: boolean }).backfilled).toBeUndefined();
    expect(h.out[1]!.data).toMatchObject({ e: 'aggTrade', s: 'BTCUSDT', a: 2, M: true });
    expect(h.gaps[0]).toMatchObject({ fromId: 2, toId: 8, count: 7, filled: true });
    expect(h.gaps[0]!.reason).toBeUndefined();
    expect(calls).toEqual(['aggTrades 2', 'aggTrades 5', 'aggTrades 8']);
    h.push({ a: 11 });
    expect(ids(h.out).at(-1)).toBe(11); // live again, straight through
  });

  it('a second gap while the first is filled waits its turn: the stream stays in order', async () => {
    const { rest } = restOf(Array.from({ length: 30 }, (_, i) => row(i + 1)));
    const h = harness('btcusdt@aggTrade', 'aggTrade', { rest });
    for (const a of [1, 5, 6, 10, 11]) h.push({ a });
    await until(() => h.gaps.length === 2);
    expect(ids(h.out)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(h.gaps.map((g) => g.filled)).toEqual([true, true]);
  });

  it('REST fails: the gap says so (filled: false, why), and the held live data follows at once', async () => {
    const { rest } = restOf([], [], new Error('HTTP 418 banned'));
    const h = harness('btcusdt@aggTrade', 'aggTrade', { rest });
    for (const a of [1, 5, 6]) h.push({ a });
    await until(() => h.gaps.length === 1);
    expect(h.gaps[0]).toMatchObject({ filled: false, reason: expect.stringContaining('418') });
    expect(ids(h.out)).toEqual([1, 5, 6]);
  });

  it('REST has nothing that far back: filled: false, with the reason', async () => {
    const { rest } = restOf([row(6), row(7)]);
    const h = harness('btcusdt@aggTrade', 'aggTrade', { rest });
    h.push({ a: 1 });
    h.push({ a: 8 });
    await until(() => h.gaps.length === 1);
    expect(h.gaps[0]).toMatchObject({ filled: false, reason: expect.stringContaining('REST returned 2 of 6') });
    expect(ids(h.out)).toEqual([1, 6, 7, 8]);
  });

  it('the buffer limit: held live data is delivered, the gap reported not filled, nothing is lost twice', async () => {
    let release!: () => void;
    const rest: BackfillRest = {
      aggTrades: () => new Promise((r) => (release = () => r([row(2), row(3)]))),
      klines: async () => [],
    };
    const h = harness('btcusdt@aggTrade', 'aggTrade', { rest, maxHeld: 3 });
    for (const a of [1, 4, 5, 6, 7]) h.push({ a });
    expect(ids(h.out)).toEqual([1, 4, 5, 6, 7]);
    expect(h.gaps).toMatchObject([{ fromId: 2, toId: 3, filled: false, reason: expect.stringContaining('buffer limit') }]);
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(ids(h.out)).toEqual([1, 4, 5, 6, 7]); // the late REST answer is dropped
    expect(h.gaps).toHaveLength(1);
  });

  it('klines: every candle that closed in the gap comes from REST (closed, backfilled), then the current candle', async () => {
    const M = 60_000;
    const krow = (t: number): KlineRow => [t, '1', '2', '0.5', '1.5', '10', t + M - 1, '15', 3, '4', '6', '0'];
    const { rest } = restOf([], [krow(M), krow(2 * M), krow(3 * M)]);
    const h = harness('btcusdt@kline_1m', 'kline', { rest });
    h.push({ e: 'kline', k: { t: 0, x: true } });
    h.push({ e: 'kline', k: { t: 4 * M, x: false } });
    await until(() => h.gaps.length === 1);
    expect(h.out.map((m) => (m.data as { k: { t: number; x: boolean } }).k)).toMatchObject([
      { t: 0, x: true },
      { t: M, x: true },
      { t: 2 * M, x: true },
      { t: 3 * M, x: true },
      { t: 4 * M, x: false },
    ]);
    expect(h.out[1]!.data).toMatchObject({ e: 'kline', s: 'BTCUSDT', k: { i: '1m', o: '1', c: '1.5', h: '2', l: '0.5', v: '10', n: 3, x: true } });
    expect(h.gaps[0]).toMatchObject({ kind: 'kline', count: 3, filled: true });
  });

  it('trades and diff depth are reported at once even with backfill on', () => {
    const { rest } = restOf([]);
    const h = harness('btcusdt@trade', 'trade', { rest });
    h.push({ t: 1 });
    h.push({ t: 3 });
    expect(h.gaps).toMatchObject([{ filled: false, reason: 'not backfillable' }]);
    expect(h.out).toHaveLength(2);
  });
});
