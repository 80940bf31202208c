/**
 * The pool against the emulator with Binance's REAL limits (5 msgs/s spot, 10 futures;
 * 1024 streams per connection; 300 attempts per 5 min): thousands of streams at once,
 * runtime subscribe/unsubscribe on a live connection, per-stream silence repair.
 */
import { describe, expect, it } from 'vitest';
import type { StaleEvent } from '../../src/connection/events';
import type { ConnectingProgressEvent } from '../../src/pool/events';
import { MARKETS } from '../../src/core/markets';
import type { MarketId } from '../../src/core/markets';
import { ConnectionBudget } from '../../src/pool/connection-budget';
import { StreamPool } from '../../src/pool/stream-pool';
import type { StreamPoolOptions } from '../../src/pool/options';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import type { StreamMessage } from '../../src/streams/types';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { unsafeShortTimings } from '../../src/connection/options';

async function setup(market: MarketId, fakeOpts: ConstructorParameters<typeof Object>[0] = {}, poolOpts: Partial<StreamPoolOptions> = {}) {
  const fake = await startEmulator({ market, ...(fakeOpts as object) });
  const delivered: StreamMessage[] = [];
  const pool = new StreamPool({
    ...unsafeShortTimings,
    market: MARKETS[market],
    baseUrl: fake.urls.ws,
    sink: (m) => delivered.push(m),
    budget: new ConnectionBudget(),
    retryPolicy: new ConstantBackoff({ delayMs: 50 }),
    ...poolOpts,
  });
  onCleanup(() => pool.stop());
  return { fake, pool, delivered };
}

function manyStreams(symbols: readonly string[], kinds: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (const s of symbols) for (const k of kinds) if (out.length < n) out.push(`${s}@${k}`);
  return out;
}

describe('StreamPool at scale, real limits', () => {
  it('subscribes 5,000 spot streams at once on 5 connections without a limit disconnect', async () => {
    const { fake, pool } = await setup('spot', { symbolCount: 1000, autoGenerate: false });
    const streams = manyStreams(fake.options.symbols, ['aggTrade', 'trade', 'kline_1m', 'bookTicker', 'depth@100ms'], 5000);
    const progress: ConnectingProgressEvent[] = [];
    pool.on('connecting', (e) => progress.push(e));
    pool.subscribe(streams);
    await pool.start();
    await until(() => progress.at(-1)?.streamsReady === 5000, { timeoutMs: 4_500, message: 'all 5,000 acknowledged' });
    const conns = fake.connections();
    expect(conns).toHaveLength(5);
    expect(conns.reduce((n, c) => n + c.streams.length, 0)).toBe(5000);
    expect(fake.stats().limitViolations).toEqual({ messageRate: 0, streamCount: 0, pongTimeout: 0, connectionAttempts: 0 });
    expect(fake.stats().connectionsOpened).toBe(5);
    const s = pool.stats();
    expect(s.sockets.every((k) => k.state === 'open' && k.reconnects === 0)).toBe(true);
    expect(s.sockets.map((k) => k.streams)).toEqual([1024, 1024, 1024, 1024, 904]);
    expect(s.sockets.every((k) => typeof k.outboundPerSecond === 'number' && k.outboundTotal > 0)).toBe(true);
    expect(s.budget).toMatchObject({ limit: 300, attemptsInWindow: 5 });
    expect(progress.length).toBeLessThan(100);
    await pool.stop();
    await until(() => fake.stats().connectionsOpen === 0, { timeoutMs: 2_000, message: 'zero sockets after stop()' });
  });

  it('subscribes 5,000 USD-M streams at once, split by route, without a limit disconnect', async () => {
    const { fake, pool } = await setup('usdm', { symbolCount: 1000, autoGenerate: false });
    const streams = manyStreams(fake.options.symbols, ['aggTrade', 'kline_1m', 'markPrice', 'bookTicker', 'depth@100ms'], 5000);
    const progress: ConnectingProgressEvent[] = [];
    pool.on('connecting', (e) => progress.push(e));
    pool.subscribe(streams);
    await pool.start();
    await until(() => progress.at(-1)?.streamsReady === 5000, { timeoutMs: 4_500, message: 'all 5,000 acknowledged' });
    const conns = fake.connections();
    expect(conns).toHaveLength(5); // 1024 per connection: 2 on /public, 3 on /market
    expect(conns.filter((c) => c.route === 'public').reduce((n, c) => n + c.streams.length, 0)).toBe(2000);
    expect(conns.filter((c) => c.route === 'market').reduce((n, c) => n + c.streams.length, 0)).toBe(3000);
    expect(conns.every((c) => c.streams.length <= 1024)).toBe(true);
    expect(fake.stats().limitViolations).toEqual({ messageRate: 0, streamCount: 0, pongTimeout: 0, connectionAttempts: 0 });
    expect(fake.stats().connectionsOpened).toBe(5);
  });
});

describe('StreamPool runtime changes on a live connection', () => {
  it('subscribes and unsubscribes on the open connection; an emptied connection closes', async () => {
    const { fake, pool, delivered } = await setup('spot', { symbols: ['btcusdt', 'ethusdt', 'bnbusdt'], rates: { aggTrade: 50, bookTicker: 50 } });
    pool.subscribe(['btcusdt@aggTrade']);
    await pool.start();
    await until(() => delivered.length > 0, { timeoutMs: 2_000, message: 'first message' });
    pool.subscribe(['ethusdt@aggTrade', 'bnbusdt@bookTicker']);
    await until(() => delivered.some((m) => m.stream === 'ethusdt@aggTrade') && delivered.some((m) => m.stream === 'bnbusdt@bookTicker'), { timeoutMs: 3_000, message: 'new streams' });
    expect(fake.stats().connectionsOpened).toBe(1);
    expect(fake.connections()[0]!.streams.sort()).toEqual(['bnbusdt@bookTicker', 'btcusdt@aggTrade', 'ethusdt@aggTrade']);

    pool.unsubscribe(['btcusdt@aggTrade']);
    await until(() => !fake.connections()[0]?.streams.includes('btcusdt@aggTrade'), { timeoutMs: 3_000, message: 'UNSUBSCRIBE' });
    const n = delivered.length;
    // Ten more messages of the other streams (≈ 200 ms at 50/s) on the same connection, none of the unsubscribed one.
    await until(() => delivered.slice(n).filter((m) => m.stream === 'ethusdt@aggTrade').length >= 10, { timeoutMs: 3_000, message: 'ten more ethusdt@aggTrade' });
    expect(delivered.slice(n).some((m) => m.stream === 'btcusdt@aggTrade')).toBe(false);
    expect(fake.stats().connectionsOpened).toBe(1);

    pool.unsubscribe(['ethusdt@aggTrade', 'bnbusdt@bookTicker']);
    await until(() => fake.stats().connectionsOpen === 0, { timeoutMs: 3_000, message: 'emptied connection to close' });
    expect(pool.stats().sockets).toHaveLength(0);
    // A new subscription opens a new connection.
    pool.subscribe(['ethusdt@aggTrade']);
    await until(() => fake.stats().connectionsOpen === 1, { timeoutMs: 3_000, message: 'new connection' });
  });

  it('repairs a per-stream silence by re-subscribing that stream, not by reconnecting', async () => {
    const { fake, pool, delivered } = await setup('spot', { symbols: ['btcusdt'], rates: { bookTicker: 50 } }, { streamStaleAfterMs: 400, sweepIntervalMs: 100 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    // `nosuchusdt` is acknowledged by Binance (and the emulator) and then never delivers.
    pool.subscribe(['btcusdt@bookTicker', 'nosuchusdt@bookTicker']);
    await pool.start();
    await until(() => stale.length > 0, { timeoutMs: 3_000, message: 'per-stream stale' });
    // 30 more messages of the healthy stream (≈ 600 ms at 50/s, past another 400 ms stale threshold and its sweeps):
    // the repaired stream is not reported stale a second time meanwhile.
    const n = delivered.length;
    await until(() => delivered.length >= n + 30, { timeoutMs: 3_000, message: '30 more btcusdt@bookTicker' });
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ scope: 'stream', streams: ['nosuchusdt@bookTicker'], action: 'resubscribe' });
    expect(stale[0]!.silentMs).toBeGreaterThanOrEqual(400);
    // It was in the URL; the repair is a SUBSCRIBE of just that stream on the same connection.
    const resubs = fake.connections()[0]!.received.filter((m) => m.method === 'SUBSCRIBE');
    // A quiet probe first, then the reported one: each a SUBSCRIBE of just that stream.
    expect(resubs.length).toBeGreaterThanOrEqual(2);
    expect(resubs.every((m) => JSON.stringify(m.params) === '["nosuchusdt@bookTicker"]')).toBe(true);
    expect(fake.stats().connectionsOpened).toBe(1);
    // Data for it now flows on the same connection (the "repaired" stream delivers).
    fake.publish('nosuchusdt@bookTicker', { u: 1, s: 'NOSUCHUSDT', b: '1', B: '1', a: '2', A: '1' });
    await until(() => (pool.stats().streams.find((s) => s.stream === 'nosuchusdt@bookTicker')?.messages ?? 0) === 1, { timeoutMs: 2_000, message: 'repaired stream' });
  });
});
