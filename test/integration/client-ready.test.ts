/**
 * Modern ergonomics of the client: `await client.ready()` (every subscribed stream live),
 * `await using` (Symbol.asyncDispose → stop()), and Node's `events.on(client, 'aggTrade')`.
 * Against the emulator, and against an independent loopback server that answers SUBSCRIBE
 * only when the test says so (ready() must wait for that answer).
 */
import { on } from 'node:events';
import type { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { AggTradeEvent, ClientEventName } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { startLoopbackServer } from '../helpers/ws-server';

const COUNTED: readonly ClientEventName[] = ['open', 'subscribed', 'stateChange', 'streamRestored', 'connecting', 'userDataState', 'unsubscribed', 'gaveUp'];

function make(fake: FakeBinance | { url: string }, extra: Record<string, unknown> = {}): BinanceStreamClient {
  const base = 'clientOptions' in fake ? fake.clientOptions() : { baseUrl: fake.url, restFallback: false as const };
  const client = new BinanceStreamClient({ ...base, connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }), retryPolicy: new ConstantBackoff({ delayMs: 50 }), ...extra });
  onCleanup(() => client.stop());
  return client;
}

const listeners = (c: BinanceStreamClient): number => COUNTED.reduce((n, e) => n + c.listenerCount(e), 0);

describe('client.ready()', () => {
  it('resolves once every subscribed stream is live, and leaves no listener behind', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt', 'ethusdt'], rates: { aggTrade: 10 } });
    const client = make(fake);
    await client.ready(); // nothing subscribed: at once
    client.subscribe(['btcusdt@aggTrade', 'ethusdt@aggTrade', 'btcusdt@bookTicker']);
    const baseline = listeners(client);
    const ready = client.ready();
    expect(listeners(client)).toBeGreaterThan(baseline);
    void client.start();
    await ready;
    const h = client.health();
    expect(h.live).toBe(3);
    expect(Object.values(h.streams).every((s) => s.state === 'live')).toBe(true);
    expect(listeners(client)).toBe(baseline);
    await client.ready(); // live already: at once
  });

  it('timeoutMs: ERR_ABORTED naming the streams that are not live and why; the client keeps going', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'] });
    const client = make(fake);
    client.subscribe(['btcusdt@aggTrade', 'btcusdt@depth']);
    const baseline = listeners(client);
    const err = await client.ready({ timeoutMs: 200 }).catch((e: unknown) => e); // never started
    expect(err).toMatchObject({ code: 'ERR_ABORTED' });
    expect(String((err as Error).message)).toMatch(/ready\(\) timed out after 200 ms: 2 of 2 streams not live: btcusdt@aggTrade \(pending: .+\), btcusdt@depth \(pending/);
    expect(listeners(client)).toBe(baseline);
    await client.start();
    await client.ready({ timeoutMs: 10_000 });
  });

  it('leaves no timer behind when it settles (fake timers)', async () => {
    vi.useFakeTimers();
    try {
      const client = new BinanceStreamClient({ baseUrl: 'ws://127.0.0.1:9', restFallback: false });
      client.subscribe('btcusdt@aggTrade'); // never started: stays pending
      expect(vi.getTimerCount()).toBe(0);
      const ready = client.ready({ timeoutMs: 5_000 });
      ready.catch(() => undefined);
      expect(vi.getTimerCount()).toBe(2); // the safety poll and the deadline
      await vi.advanceTimersByTimeAsync(5_000);
      await expect(ready).rejects.toMatchObject({ code: 'ERR_ABORTED', message: expect.stringMatching(/timed out after 5000 ms/) });
      expect(vi.getTimerCount()).toBe(0);
      const byStop = client.ready();
      byStop.catch(() => undefined);
      await client.stop();
      await expect(byStop).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stop() and an aborted signal reject it with ERR_ABORTED; after stop() it rejects at once (never throws)', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'] });
    const client = make(fake);
    client.subscribe('btcusdt@aggTrade');
    const ac = new AbortController();
    const bySignal = client.ready({ signal: ac.signal });
    ac.abort(new Error('shutting down'));
    await expect(bySignal).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: expect.objectContaining({ message: 'shutting down' }) });
    await expect(client.ready({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });

    const byStop = client.ready();
    await client.stop();
    await expect(byStop).rejects.toMatchObject({ code: 'ERR_ABORTED', message: expect.stringMatching(/client stopped/) });
    const after = client.ready();
    expect(after).toBeInstanceOf(Promise);
    await expect(after).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await expect(client.ready({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/ready\(\)\.timeoutMs/) });
    await expect(client.ready({ nope: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it("ERR_GAVE_UP when a socket's retry policy gives up", async () => {
    const server = await startLoopbackServer();
    await server.close(); // nothing listens on its port any more: every dial is refused
    const client = make(server, { retryPolicy: new ConstantBackoff({ delayMs: 20, maxRetries: 1 }) });
    client.subscribe('btcusdt@aggTrade');
    const ready = client.ready();
    ready.catch(() => undefined); // asserted below, after start()
    await expect(client.start()).rejects.toMatchObject({ code: expect.any(String) });
    await expect(ready).rejects.toMatchObject({ code: 'ERR_GAVE_UP', streams: ['btcusdt@aggTrade'], message: expect.stringMatching(/ready\(\): socket .+ gave up after/) });
  });

  it('independent server: a stream added by SUBSCRIBE is live only once the server answers', async () => {
    const server = await startLoopbackServer();
    onCleanup(() => server.close());
    let answer: (() => void) | undefined;
    server.onConnection((c) => {
      c.ws.on('message', (raw) => {
        const req = JSON.parse(String(raw)) as { id: number; method: string };
        if (req.method === 'SUBSCRIBE') answer = () => c.send({ result: null, id: req.id });
      });
    });
    const client = make(server, { heartbeat: false });
    client.subscribe('btcusdt@aggTrade');
    await client.start();
    await client.ready({ timeoutMs: 5_000 }); // opened with the stream in the URL: acknowledged by the open
    client.subscribe('ethusdt@aggTrade');
    let resolved = false;
    const ready = client.ready().then(() => void (resolved = true));
    await until(() => answer !== undefined, { message: 'the SUBSCRIBE request' });
    await new Promise((r) => setTimeout(r, 300)); // a window in which ready() must NOT resolve
    expect(resolved).toBe(false);
    expect(client.health().streams['ethusdt@aggTrade']?.state).toBe('pending');
    answer!();
    await ready;
    expect(client.health().streams['ethusdt@aggTrade']?.state).toBe('live');
  });
});

describe('await using (Symbol.asyncDispose)', () => {
  it('stops the client when the scope ends, sockets closed', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 10 } });
    let escaped: BinanceStreamClient | undefined;
    {
      await using client = new BinanceStreamClient({ ...fake.clientOptions(), connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }) });
      escaped = client;
      client.subscribe('btcusdt@aggTrade');
      await client.start();
      await client.ready({ timeoutMs: 10_000 });
      expect(fake.connections().length).toBe(1);
    }
    expect(() => escaped.subscribe('ethusdt@aggTrade')).toThrow(/after stop\(\)/);
    expect(escaped.stats().pool.sockets.every((s) => s.state === 'closed')).toBe(true);
    await until(() => fake.connections().length === 0, { message: 'the server side to see the close' });
    expect(typeof BinanceStreamClient.prototype[Symbol.asyncDispose]).toBe('function');
  });
});

describe("Node's events.on(client, 'aggTrade')", () => {
  it('iterates typed [data, message] pairs; ends with the signal; rejects on the first error event (Node’s rule)', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 40 } });
    const client = make(fake);
    client.subscribe('btcusdt@aggTrade');
    await client.start();
    const ac = new AbortController();
    const seen: AggTradeEvent[] = [];
    const loop = (async () => {
      for await (const [trade] of on(client as unknown as EventEmitter, 'aggTrade', { signal: ac.signal }) as AsyncIterable<[AggTradeEvent]>) {
        seen.push(trade);
        if (seen.length === 5) ac.abort(); // the loop then throws AbortError
      }
    })();
    await expect(loop).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.length).toBeGreaterThanOrEqual(5); // events already queued when it aborted still come first (Node's rule)
    expect(seen.every((t) => t.e === 'aggTrade' && t.s === 'BTCUSDT')).toBe(true);
    expect(client.listenerCount('aggTrade')).toBe(0); // removed when the loop ended
    expect(client.listenerCount('error')).toBe(0);

    // events.on also listens to 'error': the client's first error event (here a malformed frame it skips) ends the loop.
    const loop2 = (async () => {
      for await (const _ of on(client as unknown as EventEmitter, 'aggTrade')) fake.faults.malformedFrame({ all: true });
    })();
    await expect(loop2).rejects.toMatchObject({ error: expect.objectContaining({ code: 'ERR_PARSE' }) });
    await until(() => client.health().live === 1, { message: 'the client carried on' });
  });
});
