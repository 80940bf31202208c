/**
 * `client.stream()` against the emulator with `autoGenerate: false`: every message is one the
 * test published, so counts are exact. A "slow consumer" is a loop parked on a gate the test
 * opens once the burst is accounted for in `stats()` (no timing guesses).
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { BinanceStreamClient, type BookTickerEvent, type KlineEvent, type StreamMessage } from 'binance-stream-client';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

afterEach(() => {
  vi.useRealTimers();
});

const emulator = (): Promise<FakeBinance> => startEmulator({ seed: 7, autoGenerate: false });

function client(ex: FakeBinance, extra: ConstructorParameters<typeof BinanceStreamClient>[0] = {}): BinanceStreamClient {
  const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget(), ...extra });
  onCleanup(() => c.stop());
  return c;
}

/** The emulator serves `stream` on a connection (so a publish reaches the client). */
const served = (ex: FakeBinance, ...names: string[]) =>
  until(() => names.every((n) => ex.connections().some((x) => x.streams.includes(n))), { timeoutMs: 5_000, message: () => `${names.join(', ')} served` });

const book = (symbol: string, u: number) => ({ u, s: symbol.toUpperCase(), b: '1.0', B: '1', a: '1.1', A: '1' });
const candle = (t: number, c: string, x = false) => ({ e: 'kline', E: t + 1, s: 'BTCUSDT', k: { t, T: t + 59_999, s: 'BTCUSDT', i: '1m', c, x } });

/** A gate a loop can park on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('client.stream() against the emulator', () => {
  it('for await receives typed messages in order', async () => {
    const ex = await emulator();
    const c = client(ex);
    const it = c.stream<BookTickerEvent>(['BTCUSDT@bookTicker']);
    expect(c.streams).toEqual(['btcusdt@bookTicker']);
    await c.start();
    await served(ex, 'btcusdt@bookTicker');
    for (let u = 1; u <= 5; u++) ex.publish('btcusdt@bookTicker', book('btcusdt', u));
    const got: number[] = [];
    for await (const m of it) {
      expectTypeOf(m).toEqualTypeOf<StreamMessage<BookTickerEvent>>();
      expect(m.stream).toBe('btcusdt@bookTicker');
      expect(typeof m.receivedAt).toBe('number');
      got.push(m.data.u);
      if (got.length === 5) break;
    }
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(it.stats()).toMatchObject({ delivered: 5, dropped: 0, coalesced: 0, buffered: 0, ended: true });
  });

  it('break unsubscribes the stream it added (UNSUBSCRIBE on the wire), keeps the user’s, and stop() leaves no timer or socket', async () => {
    const ex = await emulator();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true });
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget() });
    onCleanup(() => c.stop());
    c.subscribe('ethusdt@bookTicker');
    await c.start();
    const it = c.stream(['btcusdt@bookTicker', 'ethusdt@bookTicker']);
    await served(ex, 'btcusdt@bookTicker', 'ethusdt@bookTicker');
    ex.publish('btcusdt@bookTicker', book('btcusdt', 1));
    for await (const m of it) {
      expect(m.stream).toBe('btcusdt@bookTicker');
      break;
    }
    expect(c.streams).toEqual(['ethusdt@bookTicker']);
    await until(() => ex.controlLog().some((m) => m.method === 'UNSUBSCRIBE' && JSON.stringify(m.params) === '["btcusdt@bookTicker"]'), { message: 'UNSUBSCRIBE btcusdt@bookTicker' });
    await until(() => ex.connections().length === 1 && ex.connections()[0]!.streams.join() === 'ethusdt@bookTicker', { message: 'only ethusdt@bookTicker served' });
    await c.stop();
    expect(vi.getTimerCount()).toBe(0);
    await until(() => ex.connections().length === 0, { timeoutMs: 2_000, message: 'zero server-side connections' });
  });

  it('an aborted signal ends the loop with ERR_ABORTED and no subscription left; stop() ends another loop with done', async () => {
    const ex = await emulator();
    const c = client(ex);
    await c.start();
    const ac = new AbortController();
    const it = c.stream(['btcusdt@bookTicker'], { signal: ac.signal });
    await served(ex, 'btcusdt@bookTicker');
    ex.publish('btcusdt@bookTicker', book('btcusdt', 1));
    let n = 0;
    const loop = (async () => {
      for await (const _m of it) if (++n === 1) ac.abort(new Error('user cancelled'));
    })();
    await expect(loop).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: expect.objectContaining({ message: 'user cancelled' }) });
    expect(n).toBe(1);
    expect(c.streams).toEqual([]);
    expect(it.stats().ended).toBe(true);
    await until(() => ex.connections().length === 0, { message: 'the emptied connection closed' });

    const other = c.stream(['ethusdt@bookTicker']);
    const pending = other.next();
    await c.stop();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(() => c.stream(['btcusdt@bookTicker'])).toThrow(/stream\(\) called after stop\(\)/);
  });

  it("'coalesce': a slow loop gets the newest book ticker per stream and every candle, with exact counts", async () => {
    const ex = await emulator();
    const c = client(ex);
    const names = ['btcusdt@bookTicker', 'ethusdt@bookTicker', 'btcusdt@kline_1m'];
    const it = c.stream(names, { overflow: 'coalesce', highWaterMark: 50 });
    await c.start();
    await served(ex, ...names);
    const g = gate();
    const got: StreamMessage[] = [];
    const loop = (async () => {
      for await (const m of it) {
        got.push(m);
        if (got.length === 1) await g.opened; // the slow part
        if (got.length === 5) break;
      }
    })();
    ex.publish('btcusdt@bookTicker', book('btcusdt', 0)); // taken at once, then the loop parks
    await until(() => got.length === 1, { message: 'the first message' });
    for (let u = 1; u <= 100; u++) {
      ex.publish('btcusdt@bookTicker', book('btcusdt', u));
      if (u % 10 === 0) ex.publish('ethusdt@bookTicker', book('ethusdt', u));
    }
    ex.publish('btcusdt@kline_1m', candle(0, '1'));
    ex.publish('btcusdt@kline_1m', candle(0, '2'));
    ex.publish('btcusdt@kline_1m', candle(0, '3', true));
    ex.publish('btcusdt@kline_1m', candle(60_000, '4'));
    ex.publish('btcusdt@kline_1m', candle(60_000, '5'));
    const arrived = () => it.stats().buffered + it.stats().coalesced;
    await until(() => arrived() === 115, { message: () => `115 messages in the buffer (got ${arrived()})` });
    expect(it.stats()).toMatchObject({ buffered: 4, coalesced: 111, dropped: 0, delivered: 1 });
    g.open();
    await loop;
    expect(got.map((m) => m.stream)).toEqual(['btcusdt@bookTicker', 'btcusdt@bookTicker', 'ethusdt@bookTicker', 'btcusdt@kline_1m', 'btcusdt@kline_1m']);
    expect((got[1]!.data as BookTickerEvent).u).toBe(100);
    expect((got[2]!.data as BookTickerEvent).u).toBe(100);
    expect(got.slice(3).map((m) => (m.data as KlineEvent).k)).toMatchObject([
      { t: 0, c: '3', x: true },
      { t: 60_000, c: '5', x: false },
    ]);
    expect(it.stats()).toMatchObject({
      delivered: 5,
      coalesced: 111,
      streams: { 'btcusdt@bookTicker': { delivered: 2, coalesced: 99 }, 'ethusdt@bookTicker': { delivered: 1, coalesced: 9 }, 'btcusdt@kline_1m': { delivered: 2, coalesced: 3 } },
    });
    expect(() => c.stream(['btcusdt@aggTrade'], { overflow: 'coalesce' })).toThrow(/'coalesce' cannot apply to "btcusdt@aggTrade"/);
  });

  it("'drop-oldest': a slow loop gets the last highWaterMark messages of the full stream, the other stream whole, in arrival order", async () => {
    const ex = await emulator();
    const c = client(ex);
    const it = c.stream(['btcusdt@aggTrade', 'ethusdt@aggTrade'], { overflow: 'drop-oldest', highWaterMark: 10 });
    await c.start();
    await served(ex, 'btcusdt@aggTrade', 'ethusdt@aggTrade');
    const trade = (s: string, a: number) => ({ e: 'aggTrade', E: a, s, a, p: '1', q: '1', f: a, l: a, T: a, m: false, M: true });
    const g = gate();
    const got: string[] = [];
    const loop = (async () => {
      for await (const m of it) {
        got.push(`${m.stream.slice(0, 3)}${(m.data as { a: number }).a}`);
        if (got.length === 1) await g.opened;
        if (got.length === 16) break;
      }
    })();
    ex.publish('btcusdt@aggTrade', trade('BTCUSDT', 0));
    await until(() => got.length === 1, { message: 'the first message' });
    for (let a = 1; a <= 50; a++) {
      ex.publish('btcusdt@aggTrade', trade('BTCUSDT', a));
      if (a % 10 === 0) ex.publish('ethusdt@aggTrade', trade('ETHUSDT', a));
    }
    const arrived = () => it.stats().buffered + it.stats().dropped;
    await until(() => arrived() === 55, { message: () => `55 messages in the buffer (got ${arrived()})` });
    expect(it.stats()).toMatchObject({ buffered: 15, dropped: 40, streams: { 'btcusdt@aggTrade': { buffered: 10, dropped: 40 }, 'ethusdt@aggTrade': { buffered: 5, dropped: 0 } } });
    g.open();
    await loop;
    expect(got).toEqual(['btc0', 'eth10', 'eth20', 'eth30', 'eth40', 'btc41', 'btc42', 'btc43', 'btc44', 'btc45', 'btc46', 'btc47', 'btc48', 'btc49', 'btc50', 'eth50']);
  });

  it("'block': a slow loop loses nothing: the connection is paused while the buffer is full, and resumed", async () => {
    const ex = await emulator();
    const c = client(ex);
    const it = c.stream<BookTickerEvent>(['btcusdt@bookTicker'], { highWaterMark: 20 });
    await c.start();
    await served(ex, 'btcusdt@bookTicker');
    const sent = 5_000;
    const g = gate();
    const got: number[] = [];
    let sawHeld = false;
    const loop = (async () => {
      for await (const m of it) {
        got.push(m.data.u);
        if (got.length === 1) await g.opened;
        if (got.length % 50 === 0) await new Promise((r) => setTimeout(r, 1)); // stays slow
        sawHeld ||= it.stats().held;
        if (got.length === sent) break;
      }
    })();
    for (let u = 1; u <= sent; u++) ex.publish('btcusdt@bookTicker', book('btcusdt', u));
    await until(() => it.stats().held, { message: 'a hold on the connection' });
    let last = -1;
    const settled = () => {
      const b = it.stats().buffered;
      const same = b === last;
      last = b;
      return same;
    };
    await until(settled, { intervalMs: 25, message: 'the buffer to stop growing' });
    // Paused: only what the socket had read already (one read, about 64 KB) came in after the hold.
    expect(it.stats().buffered).toBeLessThan(sent / 2);
    g.open();
    await loop;
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect(sawHeld).toBe(true);
    expect(it.stats()).toMatchObject({ delivered: sent, dropped: 0, coalesced: 0, held: false });
    expect(c.streams).toEqual([]);
  });
});

describe('start({ signal })', () => {
  it('rejects with ERR_ABORTED and stops the client when the signal aborts before start() resolved (already aborted, or while dialling)', async () => {
    const ac = new AbortController();
    ac.abort(new Error('too late'));
    const a = new BinanceStreamClient({ baseUrl: 'ws://127.0.0.1:1', connectionBudget: new ConnectionBudget() });
    onCleanup(() => a.stop());
    a.subscribe('btcusdt@aggTrade');
    await expect(a.start({ signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: expect.objectContaining({ message: 'too late' }) });
    expect(() => a.subscribe('ethusdt@aggTrade')).toThrow(/after stop\(\)/);

    // A loopback port nothing listens on: start() keeps waiting for the retries.
    const b = new BinanceStreamClient({ baseUrl: 'ws://127.0.0.1:1', connectionBudget: new ConnectionBudget() });
    onCleanup(() => b.stop());
    let retries = 0;
    b.on('reconnecting', () => retries++);
    b.subscribe('btcusdt@aggTrade');
    const ac2 = new AbortController();
    const started = b.start({ signal: ac2.signal });
    await until(() => retries > 0, { message: 'a retry scheduled' });
    ac2.abort();
    await expect(started).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await b.stop();
    expect(getEventListeners(ac2.signal, 'abort')).toHaveLength(0);
    expect(b.stats().pool.sockets).toEqual([]);
  });

  it('stops the client when the signal aborts after start() resolved; stop() removes the listener', async () => {
    const ex = await emulator();
    const c = client(ex);
    c.subscribe('btcusdt@bookTicker');
    const ac = new AbortController();
    await c.start({ signal: ac.signal });
    await c.start({ signal: ac.signal }); // once per signal
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const it = c.stream(['btcusdt@bookTicker']);
    const pending = it.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined }); // the client stopping ends its loops (done)
    await until(() => ex.connections().length === 0, { message: 'the client stopped' });
    expect(() => c.subscribe('ethusdt@bookTicker')).toThrow(/after stop\(\)/);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);

    const d = client(ex);
    const ac2 = new AbortController();
    await d.start({ signal: ac2.signal });
    await d.stop();
    expect(getEventListeners(ac2.signal, 'abort')).toHaveLength(0);
    expect(() => d.start({ signal: 'x' } as never)).toThrow(/after stop/);
    expect(() => client(ex).start({ signal: 'x' } as never)).toThrow(/option start\(\)\.signal: expected an AbortSignal/);
    expect(() => client(ex).start({ sigal: ac2.signal } as never)).toThrow(/option start\(\)\.sigal: unknown option/);
  });
});
