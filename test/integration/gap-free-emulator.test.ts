/**
 * Gap-free data against the emulator's ground truth (its aggTrade history goes on whether or
 * not anyone listens, and its REST serves it): with backfill on, over each fault kind the
 * listener gets every aggTrade and every closed 1 s candle exactly once and in order; with
 * backfill off every loss is one `gap` with its exact range; a 300-stream mass drop backfills
 * within Binance's REST weight limit (the emulator counts weight like Binance and answers 429).
 */
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { GapEvent, LocalOrderBook, StreamMessage, TradeGap } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

type Msg = StreamMessage & { backfilled?: boolean };

function client(fake: FakeBinance, extra: Record<string, unknown> = {}) {
  const c = new BinanceStreamClient({
    ...fake.clientOptions(),
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 100 }),
    heartbeat: { idlePingMs: 1_000, pongTimeoutMs: 1_000 },
    ...extra,
  });
  onCleanup(() => c.stop());
  const got = new Map<string, Msg[]>();
  const gaps: GapEvent[] = [];
  c.on('message', (m) => {
    const list = got.get(m.stream) ?? [];
    list.push(m);
    got.set(m.stream, list);
  });
  c.on('gap', (g) => gaps.push(g));
  const ids = (s: string) => (got.get(s) ?? []).map((m) => (m.data as { a: number }).a);
  const closed = (s: string) => (got.get(s) ?? []).filter((m) => (m.data as { k: { x: boolean } }).k.x).map((m) => (m.data as { k: { t: number } }).k.t);
  return { c, got, gaps, ids, closed };
}

const contiguous = (list: number[], step = 1): boolean => list.every((v, i) => i === 0 || v === (list[i - 1] as number) + step);

const FAULTS: [string, (fake: FakeBinance) => void][] = [
  ['abrupt drop (1006)', (f) => f.faults.close({ all: true }, { code: 1006 })],
  ['stall (data stops for 2.5 s, pings answered)', (f) => f.faults.stall({ all: true }, { durationMs: 2_500 })],
  ['blackhole (nothing in or out)', (f) => f.faults.blackhole({ all: true })],
  ['serverShutdown (handover)', (f) => f.faults.serverShutdown({ all: true }, { closeAfterMs: 1_000 })],
  [
    '429 on the reconnect',
    (f) => {
      f.faults.rejectUpgrades({ status: 429, retryAfterSec: 1, count: 1 });
      f.faults.close({ all: true }, { code: 1006 });
    },
  ],
  ['malformed frames', (f) => f.faults.malformedFrame({ all: true })],
];

describe('backfill over every fault kind (emulator ground truth)', () => {
  for (const [name, fault] of FAULTS) {
    it(`${name}: every aggTrade and every closed candle exactly once, in order; the order book equals the emulator's`, async () => {
      const fake = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 40, kline: 5 } });
      const { c, ids, closed, gaps } = client(fake, { backfill: true });
      c.subscribe(['btcusdt@aggTrade', 'btcusdt@kline_1s']);
      const book = c.orderBook('btcusdt', { depth: 5_000 });
      await c.start();
      await until(() => ids('btcusdt@aggTrade').length >= 40 && closed('btcusdt@kline_1s').length >= 1, { timeoutMs: 10_000, message: 'warm-up' });
      fault(fake);
      if (name.startsWith('blackhole')) setTimeout(() => fake.faults.heal(), 4_000);
      const n = ids('btcusdt@aggTrade').length;
      const k = closed('btcusdt@kline_1s').length;
      await until(() => ids('btcusdt@aggTrade').length >= n + 200 && closed('btcusdt@kline_1s').length >= k + 3, {
        timeoutMs: 20_000,
        message: () => `trades after the fault (gaps ${JSON.stringify(gaps)})`,
      });
      const trades = ids('btcusdt@aggTrade');
      expect(contiguous(trades), `aggTrade ids ${trades.join(',')}`).toBe(true);
      expect(contiguous(closed('btcusdt@kline_1s'), 1_000)).toBe(true);
      expect(gaps.filter((g) => !g.filled && g.kind !== 'depth')).toEqual([]); // diff depth is not backfilled: the book resyncs
      await bookMatches(fake, book);
    }, 40_000);
  }
});

/** The local book at the emulator's update id, every level equal (both read in one tick). */
async function bookMatches(fake: FakeBinance, book: LocalOrderBook): Promise<void> {
  let last = '';
  await until(
    () => {
      const want = fake.orderBook('btcusdt');
      last = `local ${book.state} at ${book.lastUpdateId}, emulator at ${want.lastUpdateId}`;
      if (book.state !== 'live' || book.lastUpdateId !== want.lastUpdateId) return false;
      expect(book.bids()).toEqual(want.bids);
      expect(book.asks()).toEqual(want.asks);
      return true;
    },
    { timeoutMs: 10_000, message: () => last },
  );
}

describe('REST fallback (emulator)', () => {
  it('a 2-minute outage (compressed) with upgrades rejected is served over REST: every aggTrade once, in order, at both switch-overs', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'], timeScale: 40, rates: { aggTrade: 40 } });
    const { c, ids, gaps, got } = client(fake, { backfill: true, restFallback: { afterMs: 60_000, afterAttempts: 3, pollMs: 100 } });
    let degraded = 0;
    let restored = 0;
    c.on('degraded', () => void degraded++);
    c.on('restored', () => void restored++);
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    await until(() => ids('btcusdt@aggTrade').length >= 40, { timeoutMs: 10_000, message: 'warm-up' });
    fake.faults.rejectUpgrades({ status: 503 });
    fake.faults.close({ all: true }, { code: 1006 });
    await until(() => degraded === 1, { timeoutMs: 10_000, message: 'degraded' });
    const t0 = Date.now();
    await until(() => Date.now() - t0 >= 3_000, { timeoutMs: 10_000, intervalMs: 100, message: '2 emulator minutes over REST' });
    const fromRest = (got.get('btcusdt@aggTrade') ?? []).filter((m) => (m as { source?: string }).source === 'rest').length;
    expect(fromRest).toBeGreaterThan(50);
    fake.faults.heal();
    await until(() => restored === 1, { timeoutMs: 10_000, message: 'restored' });
    const n = ids('btcusdt@aggTrade').length;
    await until(() => ids('btcusdt@aggTrade').length >= n + 100, { timeoutMs: 10_000, message: 'live again' });
    expect(contiguous(ids('btcusdt@aggTrade'))).toBe(true);
    expect(gaps.filter((g) => !g.filled)).toEqual([]);
  }, 40_000);
});

describe('backfill off', () => {
  it('an abrupt drop: one gap with exactly the ids the emulator published meanwhile', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 40 } });
    const { c, ids, gaps } = client(fake);
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    await until(() => ids('btcusdt@aggTrade').length >= 40, { message: 'warm-up' });
    fake.faults.close({ all: true }, { code: 1006 });
    await until(() => gaps.length >= 1 && ids('btcusdt@aggTrade').length >= 120, { timeoutMs: 10_000, message: 'the gap' });
    const g = gaps[0] as TradeGap;
    expect(g).toMatchObject({ kind: 'aggTrade', cause: 'reconnect', filled: false });
    const got = ids('btcusdt@aggTrade');
    const all = [...got, ...Array.from({ length: g.count }, (_, i) => g.fromId + i)].sort((a, b) => a - b);
    expect(contiguous(all)).toBe(true);
  }, 30_000);
});

describe('mass drop with backfill', () => {
  it('300 aggTrade streams cut at once: every one backfilled, in order, and REST never over the weight limit (no 429)', async () => {
    const symbols = Array.from({ length: 300 }, (_, i) => `sym${String(i).padStart(4, '0')}usdt`);
    const fake = await startEmulator({ symbols, rates: { aggTrade: 5 } });
    const { c, ids, gaps } = client(fake, { backfill: true });
    const streams = symbols.map((s) => `${s}@aggTrade`);
    c.subscribe(streams);
    await c.start();
    await until(() => streams.every((s) => ids(s).length >= 3), { timeoutMs: 20_000, message: 'every stream delivers' });
    fake.faults.close({ all: true }, { code: 1006 });
    const before = new Map(streams.map((s) => [s, ids(s).length]));
    // At 5 trades/s a short outage misses a trade on about half of the streams: each of those has one gap.
    await until(() => streams.every((s) => ids(s).length >= (before.get(s) as number) + 5), {
      timeoutMs: 60_000,
      intervalMs: 50,
      message: () => `every stream delivering again (gaps ${gaps.length})`,
    });
    expect(gaps.length).toBeGreaterThan(50);
    expect(gaps.filter((g) => !g.filled)).toEqual([]);
    for (const s of streams) expect(contiguous(ids(s)), s).toBe(true);
    const w = fake.stats().rest;
    expect(w.rateLimited429).toBe(0);
    expect(w.banned418).toBe(0);
  }, 90_000);
});
