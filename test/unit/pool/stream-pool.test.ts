import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MARKETS } from '../../../src/core/markets';
import { ConnectionBudget } from '../../../src/pool/connection-budget';
import { StreamPool } from '../../../src/pool/stream-pool';
import type { StreamPoolOptions } from '../../../src/pool/types';
import type { StaleEvent } from '../../../src/connection/events';
import type { ConnectingProgressEvent, RotatedEvent } from '../../../src/pool/events';
import type { StreamMessage } from '../../../src/streams/types';
import { fakeFactory } from './fake-socket';
import type { FakeSocket } from './fake-socket';

const klines = (n: number) => Array.from({ length: n }, (_, i) => `sym${i}usdt@kline_1h`);

function makePool(extra: Partial<StreamPoolOptions> = {}) {
  const { sockets, factory } = fakeFactory();
  const delivered: StreamMessage[] = [];
  const pool = new StreamPool({
    market: MARKETS.spot,
    baseUrl: 'ws://127.0.0.1:1',
    sink: (m) => delivered.push(m),
    socketFactory: factory,
    budget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    random: () => 0,
    ...extra,
  });
  return { pool, sockets, delivered };
}

function openAll(sockets: FakeSocket[]) {
  for (const s of sockets) if (s.started && s.state !== 'open' && !s.stopped) s.open();
}

describe('StreamPool packing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 22, 6, 0, 0));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts 280 klines on ONE spot socket and 2,500 streams on three', () => {
    const a = makePool();
    a.pool.subscribe(klines(280));
    expect(a.sockets).toHaveLength(1);
    expect(a.sockets[0]!.streams.size).toBe(280);
    const b = makePool();
    b.pool.subscribe(klines(2500));
    expect(b.sockets.map((s) => s.streams.size)).toEqual([1024, 1024, 452]);
  });

  it('splits USD-M streams by route, each socket dialling its route URL', () => {
    const { pool, sockets } = makePool({ market: MARKETS.usdm });
    const depth = Array.from({ length: 250 }, (_, i) => `s${i}usdt@depth@100ms`);
    const agg = Array.from({ length: 150 }, (_, i) => `s${i}usdt@aggTrade`);
    pool.subscribe([...depth, ...agg]);
    expect(sockets.map((s) => [s.id, s.streams.size])).toEqual([
      ['usdm-public-1', 200],
      ['usdm-public-2', 50],
      ['usdm-market-3', 150],
    ]);
    const url = sockets[0]!.options.url({ streams: ['a@depth', 'b@depth'], attempt: 0, signal: new AbortController().signal });
    expect(url).toBe('ws://127.0.0.1:1/public/stream?streams=a@depth/b@depth');
    expect(sockets[2]!.options.url({ streams: ['x@aggTrade'], attempt: 0, signal: new AbortController().signal })).toBe(
      'ws://127.0.0.1:1/market/stream?streams=x@aggTrade',
    );
    expect(sockets.every((s) => s.options.onServerShutdown === 'emit')).toBe(true);
  });

  it('rejects maxStreamsPerConnection above the market limit, naming the option', () => {
    expect(() => makePool({ maxStreamsPerConnection: 1025 })).toThrow(RangeError);
    expect(() => makePool({ maxStreamsPerConnection: 1025 })).toThrow(/maxStreamsPerConnection/);
    expect(() => makePool({ market: MARKETS.usdm, maxStreamsPerConnection: 201 })).toThrow(/maxStreamsPerConnection/);
    expect(() => makePool({ groups: { fast: { maxStreamsPerConnection: 0 } } })).toThrow(/groups\.fast\.maxStreamsPerConnection/);
    expect(() => makePool().pool.subscribe(['bad stream'])).toThrow(/bad stream/);
  });

  it('gives a group its own sockets and its own cap', () => {
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 100, groups: { fast: { maxStreamsPerConnection: 1 } } });
    pool.subscribe(klines(50));
    pool.subscribe(['btcusdt@bookTicker', 'ethusdt@bookTicker'], { group: 'fast' });
    expect(sockets.map((s) => [s.id, s.streams.size])).toEqual([
      ['spot-1', 50],
      ['spot-fast-2', 1],
      ['spot-fast-3', 1],
    ]);
  });

  it('duplicate subscribe and unknown unsubscribe are no-ops; names are normalised', () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['BTCUSDT@aggTrade', 'btcusdt@aggTrade']);
    pool.subscribe(['btcusdt@aggTrade']);
    pool.unsubscribe(['nothere@trade']);
    expect(pool.size).toBe(1);
    expect(sockets).toHaveLength(1);
    expect([...sockets[0]!.streams]).toEqual(['btcusdt@aggTrade']);
  });

  it('never creates a socket without streams; start() of an empty pool resolves at once', async () => {
    const { pool, sockets } = makePool();
    await pool.start();
    expect(sockets).toHaveLength(0);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('StreamPool lifecycle and runtime changes', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 22, 6, 0, 0));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('start() is single-flight and resolves once every socket is open; stop() leaves no timer', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(klines(1500));
    const p1 = pool.start();
    const p2 = pool.start();
    expect(p1).toBe(p2);
    expect(sockets.every((s) => s.count('start') === 1)).toBe(true);
    let done = false;
    void p1.then(() => (done = true));
    sockets[0]!.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    sockets[1]!.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    await pool.stop();
    await pool.stop();
    expect(sockets.every((s) => s.stopped)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('start() rejects when a socket gives up before it ever opened, without an unhandled rejection', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['btcusdt@trade']);
    const p = pool.start();
    const { BinanceStreamError } = await import('../../../src/core/errors');
    sockets[0]!.emit('gaveUp', { socketId: sockets[0]!.id, streams: ['btcusdt@trade'], attempts: 3, error: new BinanceStreamError('ERR_GAVE_UP', 'gave up') });
    await expect(p).rejects.toMatchObject({ code: 'ERR_GAVE_UP' });
    await pool.stop();
  });

  it('stop() during start resolves the start promise', async () => {
    const { pool } = makePool();
    pool.subscribe(['btcusdt@trade']);
    const p = pool.start();
    await pool.stop();
    await expect(p).resolves.toBeUndefined();
  });

  it('subscribes at runtime on a socket with room, opens new sockets when full, closes emptied ones', async () => {
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 3 });
    pool.subscribe(['a@trade', 'b@trade']);
    void pool.start();
    openAll(sockets);
    pool.subscribe(['c@trade', 'd@trade']);
    expect(sockets[0]!.calls.find((c) => c.method === 'addStreams')?.args[0]).toEqual(['c@trade']);
    expect(sockets).toHaveLength(2);
    expect([...sockets[1]!.streams]).toEqual(['d@trade']);
    expect(sockets[1]!.started).toBe(true);
    pool.unsubscribe(['d@trade']);
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets[1]!.stopped).toBe(true);
    pool.unsubscribe(['a@trade']);
    expect(sockets[0]!.calls.find((c) => c.method === 'removeStreams')?.args[0]).toEqual(['a@trade']);
    expect(sockets[0]!.stopped).toBe(false);
    // Messages of an unsubscribed stream are not delivered.
    sockets[0]!.deliver('a@trade', { t: 1 });
    expect(pool.stats().unknownDropped).toBe(1);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps subscriptions across stop() and start()', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    await pool.stop();
    pool.subscribe(['b@trade']);
    expect(sockets).toHaveLength(1);
    const p = pool.start();
    expect(sockets).toHaveLength(2);
    expect([...sockets[1]!.streams].sort()).toEqual(['a@trade', 'b@trade']);
    openAll(sockets);
    await p;
    await pool.stop();
  });

  it('delivers through the sink with the stream info, and reports per-stream stats', async () => {
    const infos: string[] = [];
    const { pool, sockets } = makePool({ sink: (_m, info) => infos.push(`${info.stream}:${info.kind}`) });
    pool.subscribe(['btcusdt@aggTrade']);
    void pool.start();
    openAll(sockets);
    sockets[0]!.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now() - 5, a: 1 });
    expect(infos).toEqual(['btcusdt@aggTrade:aggTrade']);
    const s = pool.stats();
    expect(s.streams[0]).toMatchObject({ stream: 'btcusdt@aggTrade', socketId: 'spot-1', messages: 1, lagMs: 5, errors: 0 });
    expect(s.sockets[0]).toMatchObject({ socketId: 'spot-1', state: 'open', streams: 1, outboundTotal: 0 });
    expect(s.budget).toMatchObject({ limit: 300 });
    await pool.stop();
  });

  it('forwards socket events and emits throttled connecting progress', async () => {
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 100 });
    const progress: ConnectingProgressEvent[] = [];
    const opens: string[] = [];
    pool.on('connecting', (e) => progress.push(e));
    pool.on('open', (e) => opens.push(e.socketId));
    pool.subscribe(klines(1000));
    void pool.start();
    await vi.advanceTimersByTimeAsync(0);
    for (const s of sockets) s.open();
    await vi.advanceTimersByTimeAsync(500);
    expect(opens).toHaveLength(10);
    expect(progress.length).toBeLessThanOrEqual(3);
    expect(progress.at(-1)).toEqual({ streamsReady: 1000, streamsTotal: 1000, socketsOpen: 10, socketsTotal: 10, dialsQueued: 0 });
    await pool.stop();
  });

  it('reconnect() reaches every socket', async () => {
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 1 });
    pool.subscribe(['a@trade', 'b@trade']);
    pool.reconnect('test');
    expect(sockets.map((s) => s.count('reconnect'))).toEqual([1, 1]);
    await pool.stop();
  });
});

describe('StreamPool per-stream silence', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 22, 6, 0, 0));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('re-subscribes a stream silent on a live socket, once per silence episode', async () => {
    const { pool, sockets } = makePool({ streamStaleAfterMs: 10_000, sweepIntervalMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['live@depth', 'dead@depth']);
    void pool.start();
    openAll(sockets);
    const s = sockets[0]!;
    let u = 0;
    const feed = setInterval(() => s.deliver('live@depth', { e: 'depthUpdate', E: Date.now(), u: ++u }), 500);
    await vi.advanceTimersByTimeAsync(10_500);
    expect(stale).toEqual([{ socketId: 'spot-1', scope: 'stream', streams: ['dead@depth'], silentMs: expect.any(Number), action: 'resubscribe' }]);
    expect(stale[0]!.silentMs).toBeGreaterThanOrEqual(10_000);
    expect(s.calls.filter((c) => c.method === 'resubscribe').map((c) => c.args[0])).toEqual([['dead@depth']]);
    // Still silent: no second report in the same episode.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(stale).toHaveLength(1);
    expect(s.count('reconnect')).toBe(0);
    // It delivers once, then goes silent again: a new episode.
    s.deliver('dead@depth', { e: 'depthUpdate', E: Date.now(), u: 1 });
    await vi.advanceTimersByTimeAsync(11_000);
    expect(stale).toHaveLength(2);
    expect(pool.stats().streams.find((x) => x.stream === 'dead@depth')?.resubscribes).toBe(2);
    clearInterval(feed);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves a silent socket to the socket watchdog (no per-stream resubscribe)', async () => {
    const { pool, sockets } = makePool({ streamStaleAfterMs: 10_000, sweepIntervalMs: 1_000 });
    const stale: StaleEvent[] = [];
    pool.on('stale', (e) => stale.push(e));
    pool.subscribe(['a@depth', 'b@depth']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stale).toHaveLength(0);
    await pool.stop();
  });
});

describe('StreamPool rotation', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 22, 6, 0, 0));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function aggFeed(stream: string) {
    let a = 0;
    return (sockets: FakeSocket[], upto: number) => {
      a++;
      for (const s of sockets) if (s.state === 'open' && a <= upto) s.deliver(stream, { e: 'aggTrade', E: Date.now(), a });
      return a;
    };
  }

  it('rotates before 23 h make-before-break, exactly once across the overlap, and emits rotated', async () => {
    const { pool, sockets, delivered } = makePool({ rotationJitterMs: 0, handoverSettleMs: 1_000, sweepIntervalMs: 60_000 });
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe(['btcusdt@aggTrade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(23 * 3_600_000 - 60_000);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(2);
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    expect(next.started).toBe(true);
    expect([...next.streams]).toEqual(['btcusdt@aggTrade']);
    // Overlap: both deliver the same sequence.
    for (let a = 1; a <= 3; a++) old.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), a });
    next.open();
    for (let a = 2; a <= 6; a++) {
      next.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), a });
      if (a <= 5) old.deliver('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), a: a + 2 });
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(delivered.map((m) => (m.data as { a: number }).a)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rotated).toEqual([{ oldSocketId: 'spot-1', newSocketId: 'spot-2', reason: 'lifetime', handoverMs: expect.any(Number), streams: 1 }]);
    expect(old.stopped).toBe(true);
    expect(next.stopped).toBe(false);
    expect(pool.stats().sockets.map((s) => s.socketId)).toEqual(['spot-2']);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('staggers rotations of sockets opened together', async () => {
    let r = 0;
    const draws = [0, 0.5, 0.99];
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 1, rotationJitterMs: 30 * 60_000, random: () => draws[r++ % 3]!, sweepIntervalMs: 60_000 });
    pool.subscribe(['a@trade', 'b@trade', 'c@trade']);
    void pool.start();
    openAll(sockets);
    const startedAt = Date.now();
    const times: number[] = [];
    pool.on('stateChange', () => {});
    const seen = new Set<FakeSocket>();
    for (let t = 0; t < 24 * 60; t++) {
      await vi.advanceTimersByTimeAsync(60_000);
      for (const s of sockets.slice(3)) if (!seen.has(s)) (seen.add(s), times.push(Date.now() - startedAt), s.open(), s.deliver([...s.streams][0]!, { t: 1 }));
    }
    expect(times).toHaveLength(3);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(25 * 60_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(23 * 3_600_000);
    await pool.stop();
  });

  it('falls back to a plain reconnect when the replacement does not deliver in time', async () => {
    const { pool, sockets } = makePool({ handoverTimeoutMs: 5_000 });
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    const p = pool.rotate();
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    await vi.advanceTimersByTimeAsync(5_000);
    await p;
    expect(next.stopped).toBe(true);
    expect(old.calls.find((c) => c.method === 'reconnect')?.args).toEqual(['rotation fallback']);
    expect(pool.stats().sockets.map((s) => s.socketId)).toEqual(['spot-1']);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hands over on serverShutdown; when the old socket closes, the replacement takes over at once', async () => {
    const { pool, sockets, delivered } = makePool();
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe(['a@aggTrade']);
    void pool.start();
    openAll(sockets);
    const old = sockets[0]!;
    old.deliver('a@aggTrade', { E: 1, a: 1 });
    old.emit('serverShutdown', { socketId: old.id, at: Date.now() });
    const next = sockets[1]!;
    next.open();
    next.deliver('a@aggTrade', { E: 2, a: 2 });
    old.drop();
    next.deliver('a@aggTrade', { E: 3, a: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(rotated).toMatchObject([{ oldSocketId: 'spot-1', newSocketId: 'spot-2', reason: 'serverShutdown' }]);
    expect(old.stopped).toBe(true);
    expect(delivered.map((m) => (m.data as { a: number }).a)).toEqual([1, 2, 3]);
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('subscribe and unsubscribe during a handover reach both sockets', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['a@trade', 'b@trade']);
    void pool.start();
    openAll(sockets);
    void pool.rotate();
    const [old, next] = sockets as [FakeSocket, FakeSocket];
    pool.subscribe(['c@trade']);
    pool.unsubscribe(['a@trade']);
    expect([...old.streams].sort()).toEqual(['b@trade', 'c@trade']);
    expect([...next.streams].sort()).toEqual(['b@trade', 'c@trade']);
    await pool.stop();
    expect(next.stopped && old.stopped).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rotateAfterMs: false disables rotation', async () => {
    const { pool, sockets } = makePool({ rotateAfterMs: false, sweepIntervalMs: 3_600_000 });
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    await vi.advanceTimersByTimeAsync(25 * 3_600_000);
    expect(sockets).toHaveLength(1);
    await pool.stop();
  });
});
