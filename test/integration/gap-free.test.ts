/**
 * Gap-free data against a small market that is not the emulator (../helpers/trade-server.ts:
 * trades happen whether or not anyone listens, REST serves its history): sequence tracking
 * reports exactly what was lost; backfill delivers every aggTrade and every closed candle exactly
 * once and in order; the REST fallback serves a connection that cannot be restored and hands
 * back without loss or duplicate.
 */
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { DegradedEvent, GapEvent, RestoredEvent, StreamMessage, TradeGap } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { onCleanup } from '../helpers/emulator';
import { startTradeServer } from '../helpers/trade-server';
import { until } from '../helpers/wait';

type Msg = StreamMessage & { backfilled?: boolean; source?: string };

async function setup(extra: Record<string, unknown> = {}) {
  const srv = await startTradeServer({ symbols: ['btcusdt'], tradeMs: 10 });
  const c = new BinanceStreamClient({
    baseUrl: srv.wsUrl,
    restBaseUrl: srv.httpUrl,
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 100 }),
    ...extra,
  });
  onCleanup(() => c.stop());
  const got: Msg[] = [];
  const gaps: GapEvent[] = [];
  c.on('message', (m) => got.push(m));
  c.on('gap', (g) => gaps.push(g));
  const ids = () => got.filter((m) => m.stream === 'btcusdt@aggTrade').map((m) => (m.data as { a: number }).a);
  return { srv, c, got, gaps, ids };
}

const contiguous = (list: number[]): boolean => list.every((v, i) => i === 0 || v === (list[i - 1] as number) + 1);

describe('sequence tracking (backfill off)', () => {
  it('an abrupt drop: one gap event with exactly the ids that were missed, cause reconnect', async () => {
    const { srv, c, gaps, ids } = await setup();
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    await until(() => ids().length >= 50, { message: 'first trades' });
    srv.dropAll();
    await until(() => gaps.length === 1 && ids().length >= 120, { timeoutMs: 10_000, message: 'the gap and more trades' });
    const got = ids();
    const g = gaps[0] as TradeGap;
    expect(g).toMatchObject({ stream: 'btcusdt@aggTrade', kind: 'aggTrade', cause: 'reconnect', filled: false, reason: 'backfill off' });
    expect(g.count).toBe(g.toId - g.fromId + 1);
    // What arrived plus what the gap names is every id, once.
    const all = [...got, ...Array.from({ length: g.count }, (_, i) => g.fromId + i)].sort((a, b) => a - b);
    expect(contiguous(all)).toBe(true);
    expect(new Set(got).size).toBe(got.length);
    expect(c.stats().pool.streams[0]).toMatchObject({ gaps: 1, missed: g.count });
  });
});

describe('backfill', () => {
  it('an abrupt drop: every aggTrade exactly once and in order, the missed ones marked backfilled', async () => {
    const { srv, c, gaps, ids, got } = await setup({ backfill: true });
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    await until(() => ids().length >= 50, { message: 'first trades' });
    srv.dropAll();
    await until(() => gaps.length === 1 && ids().length >= 150, { timeoutMs: 10_000, message: 'the filled gap and more trades' });
    const list = ids();
    expect(contiguous(list)).toBe(true);
    expect(list[0]).toBe(srv.trades('btcusdt').findIndex((t) => t.a === list[0]) + 1);
    expect(gaps[0]).toMatchObject({ filled: true, cause: 'reconnect' });
    const filled = got.filter((m) => m.backfilled === true);
    expect(filled.length).toBe((gaps[0] as { count: number }).count);
    expect(filled.every((m) => m.source === 'rest')).toBe(true);
    expect(srv.log.rest['/api/v3/aggTrades']).toBeGreaterThanOrEqual(1);
  });

  it('upgrades rejected for a while: every closed 1 s candle exactly once and in order, the missed ones from REST', async () => {
    const { srv, c, gaps, got } = await setup({ backfill: true, restFallback: false });
    c.subscribe('btcusdt@kline_1s');
    await c.start();
    const closed = () => got.filter((m) => m.stream === 'btcusdt@kline_1s' && (m.data as { k: { x: boolean } }).k.x).map((m) => (m.data as { k: { t: number } }).k.t);
    await until(() => closed().length >= 2, { timeoutMs: 10_000, message: 'two closed candles' });
    srv.rejectUpgrades(20);
    srv.dropAll();
    await until(() => srv.log.upgradesRejected >= 20, { timeoutMs: 10_000, message: '20 rejected upgrades (about 2 s down)' });
    const back = closed().length;
    await until(() => gaps.length >= 1 && closed().length >= back + 3, { timeoutMs: 10_000, message: 'the filled gap and more candles' });
    const opens = closed();
    for (let i = 1; i < opens.length; i++) expect(opens[i]).toBe((opens[i - 1] as number) + 1_000);
    expect(gaps.every((g) => g.filled)).toBe(true);
    expect(got.some((m) => m.backfilled === true)).toBe(true);
  });
});

describe('REST fallback', () => {
  it('a connection that cannot be restored is served over REST, then handed back: every aggTrade once, in order, at both switch-overs', async () => {
    const { srv, c, gaps, ids, got } = await setup({ backfill: true, restFallback: { afterMs: 60_000, afterAttempts: 3, pollMs: 100 } });
    const degraded: DegradedEvent[] = [];
    const restored: RestoredEvent[] = [];
    c.on('degraded', (e) => degraded.push(e));
    c.on('restored', (e) => restored.push(e));
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    await until(() => ids().length >= 50, { message: 'first trades' });
    srv.rejectUpgrades(1_000_000, 503); // a 403/429 would pause every dial for a minute instead
    srv.dropAll();
    await until(() => degraded.length === 1, { timeoutMs: 10_000, message: 'degraded' });
    expect(degraded[0]).toMatchObject({ streams: ['btcusdt@aggTrade'], source: 'rest' });
    const atFallback = ids().length;
    await until(() => got.filter((m) => m.source === 'rest').length >= 50, { timeoutMs: 10_000, message: 'trades over REST' });
    srv.rejectUpgrades(0);
    await until(() => restored.length === 1, { timeoutMs: 10_000, message: 'restored' });
    const atRestore = ids().length;
    await until(() => ids().length >= atRestore + 50 && got.at(-1)?.source === undefined, { timeoutMs: 10_000, message: 'live again' });
    const list = ids();
    expect(list.length).toBeGreaterThan(atFallback);
    expect(contiguous(list)).toBe(true); // no gap, no duplicate at either switch-over
    expect(gaps.every((g) => g.filled)).toBe(true);
  });
});
