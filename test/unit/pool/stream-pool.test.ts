import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SOCKET_EVENT_NAMES } from '../../../src/connection/events';
import type { ConnectingProgressEvent } from '../../../src/pool/events';
import { klines, makePool, openAll, T0 } from './pool-harness';

describe('StreamPool lifecycle and runtime changes', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
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
    expect(pool.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('start() rejects when a socket gives up before it ever opened, without an unhandled rejection', async () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['btcusdt@trade']);
    const p = pool.start();
    sockets[0]!.giveUp();
    await expect(p).rejects.toMatchObject({ code: 'ERR_GAVE_UP' });
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
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
    // A drop takes that socket's streams out of the ready count.
    sockets[3]!.drop();
    await vi.advanceTimersByTimeAsync(200);
    expect(progress.at(-1)).toEqual({ streamsReady: 900, streamsTotal: 1000, socketsOpen: 9, socketsTotal: 10, dialsQueued: 0 });
    await pool.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forwards every socket event unchanged, once, after its own bookkeeping', async () => {
    const { pool, sockets } = makePool();
    const seen: string[] = [];
    pool.on('subscribed', (e) => seen.push(`subscribed ${e.streams.join()} acked=${pool.stats().streams[0]!.ackedAt !== undefined}`));
    pool.subscribe(['a@trade']);
    void pool.start();
    sockets[0]!.open();
    expect(seen).toEqual(['subscribed a@trade acked=true']);
    const got = new Map<string, unknown>();
    for (const name of SOCKET_EVENT_NAMES) pool.on(name, (e: unknown) => void got.set(name, e));
    for (const name of SOCKET_EVENT_NAMES) (sockets[0]!.emit as (n: string, e: unknown) => boolean)(name, { socketId: 'spot-1', streams: [], name });
    expect([...got.keys()]).toEqual([...SOCKET_EVENT_NAMES]);
    expect(got.get('reconnecting')).toEqual({ socketId: 'spot-1', streams: [], name: 'reconnecting' });
    await pool.stop();
    // A stopped socket is detached: nothing of it reaches the pool any more.
    got.clear();
    sockets[0]!.emit('stale', { socketId: 'spot-1', scope: 'connection', streams: [], silentMs: 1, action: 'none' });
    expect(got.size).toBe(0);
  });

  it('a throwing sink is counted on the stream and logged at WARN with the error as an object; delivery goes on', async () => {
    const warns: [Record<string, unknown>, string][] = [];
    const logger = { warn: (f: Record<string, unknown>, m: string) => void warns.push([f, m]) };
    const { pool, sockets } = makePool({
      logger,
      sink: () => {
        throw new TypeError('listener bug');
      },
    });
    pool.subscribe(['a@trade']);
    void pool.start();
    openAll(sockets);
    sockets[0]!.deliver('a@trade', { t: 1 });
    sockets[0]!.deliver('a@trade', { t: 2 });
    expect(pool.stats()).toMatchObject({ sinkErrors: 2, streams: [{ stream: 'a@trade', messages: 2, errors: 2 }] });
    expect(warns[0]).toEqual([{ stream: 'a@trade', error: { name: 'TypeError', message: 'TypeError: listener bug' } }, 'stream listener threw; the pool keeps delivering']);
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
