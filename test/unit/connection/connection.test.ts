/**
 * Connection: the per-connection behaviour (subscriptions, the hot path, heartbeat, stale
 * watch, serverShutdown, ending as a unit), through the socket and directly.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../../src/connection/connection';
import type { ConnectionHost } from '../../../src/connection/connection';
import { endCause } from '../../../src/connection/end-cause';
import { combinedFraming } from '../../../src/connection/framing';
import { resolveSocketTuning, unsafeShortTimings } from '../../../src/connection/options';
import { BinanceStreamError } from '../../../src/core/errors';
import { MARKETS } from '../../../src/core/markets';
import { FakeBrowserWebSocket, FakeNodeWebSocket } from './fake-websocket';
import { combined, makeSocket, settle } from './helpers';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Connection: subscriptions', () => {
  it.each([
    [1000, 512, 50],
    [5000, 4096, 200],
  ])('%i streams: what fits in a %i-char URL, the rest SUBSCRIBEd in batches of %i, paced under the limit', async (count, maxUrlLength, batch) => {
    const streams = Array.from({ length: count }, (_, i) => `sym${i}usdt@aggTrade`);
    const { socket, fake, of } = makeSocket({ streams, maxUrlLength, maxStreamsPerRequest: batch });
    socket.start();
    await settle();
    const ws = fake.last();
    expect(ws.url.length).toBeLessThanOrEqual(maxUrlLength);
    const inUrl = ws.url.split('streams=')[1]!.split('/');
    expect(inUrl.length).toBeGreaterThan(10);
    ws.open();
    await settle();
    // spot limit 5/s → 4/s budget
    const expectedFrames = Math.ceil((count - inUrl.length) / batch);
    const sendTimes: number[] = [];
    let seen = 0;
    for (let t = 0; t < 20_000 && seen < expectedFrames; t += 50) {
      if (ws.sent.length > seen) {
        for (; seen < ws.sent.length; seen++) sendTimes.push(Date.now());
        for (const f of ws.frames().slice(-1)) ws.receive({ result: null, id: f.id }); // answer so nothing times out
      }
      await vi.advanceTimersByTimeAsync(50);
    }
    const frames = ws.frames();
    expect(frames).toHaveLength(expectedFrames);
    expect(frames.every((f) => f.method === 'SUBSCRIBE' && f.params.length <= batch)).toBe(true);
    const subscribed = new Set([...inUrl, ...frames.flatMap((f) => f.params)]);
    expect(subscribed.size).toBe(count);
    // sliding window: never more than 4 frames in any 1000 ms
    for (let i = 4; i < sendTimes.length; i++) expect(sendTimes[i]! - sendTimes[i - 4]!).toBeGreaterThanOrEqual(1000);
    expect(of('subscribed').length).toBeGreaterThan(1);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tracks ids: success → subscribed, error answer → subscribeFailed with binanceCode, no answer → timeout', async () => {
    const { socket, of, rec, open } = makeSocket({ streams: ['a@trade'], requestTimeoutMs: 3000 });
    const ws = await open();
    socket.addStreams(['b@trade']);
    socket.addStreams(['c@trade']); // the first frame already went: a second one
    const [f1] = ws.frames();
    expect(f1).toMatchObject({ method: 'SUBSCRIBE', params: ['b@trade'] });
    ws.receive({ result: null, id: f1.id });
    await settle();
    expect(of('subscribed').at(-1)).toMatchObject({ streams: ['b@trade'], requestId: f1.id });
    await vi.advanceTimersByTimeAsync(250); // frames are spaced 1000 / 4 ms apart
    const f2 = ws.frames()[1];
    ws.receive({ code: 2, msg: 'Invalid request: unknown variant', id: f2.id });
    await settle();
    const failed = of('subscribeFailed')[0];
    expect(failed).toMatchObject({ method: 'SUBSCRIBE', streams: ['c@trade'], requestId: f2.id });
    expect(failed.error.code).toBe('ERR_SUBSCRIBE_FAILED');
    expect(failed.error.binanceCode).toBe(2);
    expect(rec.lines.some((l) => l.level === 'warn' && String((l.fields.error as { message?: string })?.message).includes('unknown variant'))).toBe(true);
    socket.removeStreams(['b@trade']);
    await vi.advanceTimersByTimeAsync(250);
    const f3 = ws.frames()[2];
    expect(f3).toMatchObject({ method: 'UNSUBSCRIBE', params: ['b@trade'] });
    await vi.advanceTimersByTimeAsync(3000);
    expect(of('subscribeFailed')[1].error.message).toMatch(/no answer within 3000 ms/);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a stream added and removed before its SUBSCRIBE goes out costs no message', async () => {
    const { socket, open } = makeSocket({ streams: ['a@trade'] });
    const ws = await open();
    for (let i = 0; i < 4; i++) socket.addStreams([`x${i}@trade`]); // uses the 4/s budget
    socket.addStreams(['late@trade']);
    socket.removeStreams(['late@trade']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(ws.frames().flatMap((f) => f.params)).not.toContain('late@trade');
    await socket.stop();
  });

  it('id-less error objects fail the oldest pending request', async () => {
    const { socket, fake, of, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    socket.addStreams(['b@trade']);
    fake.last().receive({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' });
    await settle();
    expect(of('subscribeFailed')[0]).toMatchObject({ streams: ['b@trade'] });
    expect(of('subscribeFailed')[0].error.binanceCode).toBe(3);
    await socket.stop();
  });

  it('re-subscribes every stream after a reconnect; pending answers of the old connection are dropped silently', async () => {
    const { socket, fake, of, open } = makeSocket({ streams: ['a@trade'], maxUrlLength: 64 });
    await open();
    socket.addStreams(['b@trade', 'c@trade']);
    fake.last().serverClose(1006);
    await settle();
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    const ws2 = fake.last();
    expect(fake.sockets).toHaveLength(2);
    ws2.open();
    await settle();
    const carried = new Set([...ws2.url.split('streams=')[1]!.split('/'), ...ws2.frames().flatMap((f) => f.params)]);
    expect([...carried].sort()).toEqual(['a@trade', 'b@trade', 'c@trade']);
    expect(of('subscribeFailed')).toHaveLength(0);
    await socket.stop();
  });
});

describe('Connection: hot path', () => {
  it('delivers the parsed object itself with receivedAt, synchronously and in order; counts messages', async () => {
    const { socket, fake, messages } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    fake.last().receive(combined('a@trade', { e: 'trade', t: 1 }));
    fake.last().receive(combined('a@trade', { e: 'trade', t: 2 }));
    expect(messages.map((m) => (m.data as { t: number }).t)).toEqual([1, 2]);
    expect(messages[0]).toEqual({ stream: 'a@trade', data: { e: 'trade', t: 1 }, receivedAt: Date.now() });
    expect(socket.stats()).toMatchObject({ messagesReceived: 2, streams: 1, lastMessageAt: Date.now() });
    await socket.stop();
  });

  it('a malformed frame → error ERR_PARSE + warn; the socket keeps going', async () => {
    const { socket, fake, messages, of, rec, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    fake.last().receive('{"stream":"a@trade","data":{');
    fake.last().receive(combined('a@trade'));
    await settle();
    expect(of('error')[0].error.code).toBe('ERR_PARSE');
    expect(rec.lines.some((l) => l.level === 'warn' && l.message.includes('malformed'))).toBe(true);
    expect(messages).toHaveLength(1);
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it('a throwing onMessage or event listener never breaks the socket', async () => {
    const { socket, fake, of, open } = makeSocket({
      streams: ['a@trade'],
      onMessage: () => {
        throw new Error('');
      },
    });
    socket.on('open', () => {
      throw new TypeError('listener bug');
    });
    await open();
    expect(socket.state).toBe('open');
    fake.last().receive(combined('a@trade'));
    fake.last().receive(combined('a@trade'));
    await settle();
    const errors = of('error').map((e) => e.error);
    expect(errors.map((e) => e.code)).toEqual(['ERR_LISTENER', 'ERR_LISTENER', 'ERR_LISTENER']);
    expect(errors[1].message).toContain('Error (no message)');
    expect(socket.stats().messagesReceived).toBe(2);
    await socket.stop();
  });

  it('an error without listener is logged, not thrown', async () => {
    const { socket, fake, rec, open } = makeSocket({ streams: ['a@trade'] });
    socket.removeAllListeners('error');
    await open();
    expect(() => fake.last().receive('not json')).not.toThrow();
    await settle();
    expect(rec.lines.some((l) => l.level === 'warn' && (l.fields.error as { code?: string })?.code === 'ERR_PARSE')).toBe(true);
    await socket.stop();
  });

  it('works with a browser-style WebSocket (no ping API, onmessage)', async () => {
    const { socket, fake, messages, open } = makeSocket({ streams: ['a@trade'] }, FakeBrowserWebSocket as never);
    await open();
    fake.last().receive(combined('a@trade'));
    expect(messages).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000); // no heartbeat in browsers; the stale watchdog would act
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Connection: heartbeat', () => {
  it('answers server pings at once with the same payload, counted in the outbound budget', async () => {
    const { socket, open } = makeSocket({ streams: ['a@trade'] });
    const ws = await open();
    const payload = Buffer.from('hello');
    ws.serverPing(payload);
    expect(ws.pongs).toEqual([payload]);
    expect(socket.stats().outboundTotal).toBe(1);
    await socket.stop();
  });

  it('pings after idle silence and terminates when nothing answers', async () => {
    const { socket, of, open } = makeSocket({ streams: ['a@trade'], heartbeat: { idlePingMs: 1000, pongTimeoutMs: 500 }, staleAfterMs: false });
    const ws = await open();
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(ws.terminated).toBe(true);
    await settle();
    expect(of('reconnecting')[0].error.code).toBe('ERR_HEARTBEAT_TIMEOUT');
    expect(of('close')[0]).toMatchObject({ code: 1006, willReconnect: true });
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('any inbound frame is proof of life; a busy socket never pings', async () => {
    const { socket, open } = makeSocket({ streams: ['a@trade'], heartbeat: { idlePingMs: 1000, pongTimeoutMs: 500 } });
    const ws = await open();
    for (let i = 0; i < 20; i++) {
      ws.receive(combined('a@trade'));
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(ws.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.pings).toBe(1);
    ws.serverPong();
    await vi.advanceTimersByTimeAsync(500);
    expect(ws.terminated).toBe(false);
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it('uses per-market defaults: spot 30 s idle / 10 s pong, futures 60 s / 15 s', async () => {
    for (const [market, idle] of [
      [MARKETS.spot, 30_000],
      [MARKETS.usdm, 60_000],
    ] as const) {
      const { socket, fake, open } = makeSocket({ market, streams: ['a@trade'], staleAfterMs: false });
      await open();
      await vi.advanceTimersByTimeAsync(idle - 1);
      expect(fake.last().pings).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.last().pings).toBe(1);
      await socket.stop();
    }
  });
});

describe('Connection: stale watch', () => {
  it('derives the threshold from the streams and reconnects a silent feed, debounced; a connection that never delivered backs off', async () => {
    // depth → 10 s; kline → 30 s: the smallest wins
    const { socket, fake, of, open } = makeSocket({ streams: ['btcusdt@kline_1m', 'btcusdt@depth'], heartbeat: false, staleDebounceMs: 30_000 });
    await open();
    fake.last().receive(combined('btcusdt@depth'));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(of('stale')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(of('stale')[0]).toMatchObject({ scope: 'connection', action: 'reconnect', silentMs: 10_000, streams: ['btcusdt@kline_1m', 'btcusdt@depth'] });
    expect(of('reconnecting')[0]).toMatchObject({ delayMs: 0 });
    expect(of('reconnecting')[0].error.code).toBe('ERR_STALE');
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    await settle();
    // silent again: within the debounce → stale 'none' once, no reconnect
    await vi.advanceTimersByTimeAsync(10_000);
    expect(of('stale')[1]).toMatchObject({ action: 'none' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(of('stale')).toHaveLength(2);
    expect(fake.sockets).toHaveLength(2);
    // debounce over → reconnect; this connection never delivered, so it counts as a failed attempt (backoff)
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();
    expect(of('stale')[2]).toMatchObject({ action: 'reconnect' });
    const retry = of('reconnecting')[1];
    expect(retry.delayMs).toBeGreaterThan(0);
    expect(retry.attempt).toBe(1);
    await vi.advanceTimersByTimeAsync(retry.delayMs);
    await settle();
    expect(fake.sockets).toHaveLength(3);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('data keeps it quiet; removing the fast stream relaxes the threshold', async () => {
    const { socket, fake, of, open } = makeSocket({ streams: ['btcusdt@kline_1m', 'btcusdt@depth'], heartbeat: false });
    await open();
    for (let i = 0; i < 10; i++) {
      fake.last().receive(combined('btcusdt@depth'));
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(of('stale')).toHaveLength(0);
    socket.removeStreams(['btcusdt@depth']);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(of('stale')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(of('stale')).toHaveLength(1);
    await socket.stop();
  });
});

describe('Connection: serverShutdown', () => {
  it.each([
    ['combined', { stream: '!serverShutdown', data: { e: 'serverShutdown', E: 42 } }],
    ['raw', { e: 'serverShutdown', E: 42 }],
    ['WS-API', { event: { e: 'serverShutdown', E: 42 } }],
  ])('%s form → serverShutdown event, then (default hook) an immediate reconnect', async (_name, frame) => {
    const { socket, fake, of, events, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    fake.last().receive(frame);
    fake.last().receive(frame); // announced twice: handled once
    await settle();
    expect(of('serverShutdown')).toEqual([{ socketId: 's1', at: 42 }]);
    expect(of('reconnecting')[0]).toMatchObject({ delayMs: 0 });
    expect(of('reconnecting')[0].error.code).toBe('ERR_SERVER_SHUTDOWN');
    const names = events.map((e) => e.name);
    expect(names.indexOf('serverShutdown')).toBeLessThan(names.indexOf('close'));
    expect(fake.sockets).toHaveLength(2);
    await socket.stop();
  });

  it('an onServerShutdown hook replaces the reconnect; it runs after the event; expectSilence() keeps the stale watch quiet', async () => {
    const order: string[] = [];
    const { socket, fake, of, open } = makeSocket({
      streams: ['btcusdt@depth'],
      staleAfterMs: 5_000,
      heartbeat: false,
      onServerShutdown: (s) => {
        order.push('hook');
        s.expectSilence();
      },
    });
    socket.on('serverShutdown', () => order.push('event'));
    await open();
    fake.last().receive({ stream: '!serverShutdown', data: { e: 'serverShutdown', E: 1 } });
    await settle();
    expect(order).toEqual(['event', 'hook']);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(of('stale')[0]).toMatchObject({ scope: 'connection', action: 'none' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(of('stale')).toHaveLength(1);
    expect(of('reconnecting')).toHaveLength(0);
    expect(fake.sockets).toHaveLength(1);
    expect(socket.state).toBe('open');
    await socket.stop();
  });
});

describe('Connection: ends as a unit', () => {
  function host(): ConnectionHost & { calls: string[] } {
    const calls: string[] = [];
    const rec = (name: string) => () => void calls.push(name);
    return {
      calls,
      data: rec('data'),
      firstData: rec('firstData'),
      shutdown: rec('shutdown'),
      stale: rec('stale'),
      rejected: rec('rejected'),
      answered: rec('answered'),
      failed: rec('failed'),
      error: rec('error'),
      debug: rec('debug'),
    };
  }
  function make(ws: FakeNodeWebSocket, h = host()) {
    return new Connection({
      ws,
      url: ws.url,
      urlStreams: ['a@trade'],
      framing: combinedFraming(),
      tuning: resolveSocketTuning({ ...unsafeShortTimings, heartbeat: { idlePingMs: 1000, pongTimeoutMs: 500 } }, MARKETS.spot),
      wanted: new Set(['a@trade']),
      staleAfterMs: 10_000,
      staleNotBefore: -Infinity,
      now: Date.now,
      host: h,
      hook: undefined,
    });
  }

  it('end(cause) is idempotent: detaches every listener first, clears its timers, fails requests, closes; ended never rejects', async () => {
    const ws = new FakeNodeWebSocket('wss://x/stream?streams=a@trade');
    const h = host();
    const conn = make(ws, h);
    ws.open();
    expect(await conn.ready).toBe(true);
    expect(conn.timers).toBeGreaterThan(0);
    const pending = conn.request('LIST', (id) => ({ id }));
    const cause = endCause('reconnect', new BinanceStreamError('ERR_CLOSED', 'bye'), 1000, 'bye');
    conn.end(cause);
    conn.end(endCause('stop', new BinanceStreamError('ERR_CLOSED', 'second')));
    await expect(conn.ended).resolves.toBe(cause);
    await expect(pending).rejects.toBe(cause.error);
    expect(conn.timers).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(ws.closeCalls).toEqual([{ code: 1000, reason: 'bye' }]);
    expect(ws.listenerCount()).toBe(0);
    // a dead Connection hears nothing: late frames and errors are absorbed
    ws.emitNode('message', Buffer.from(JSON.stringify(combined('a@trade'))));
    ws.onerror?.({ type: 'error' });
    expect(h.calls.filter((c) => c !== 'debug')).toEqual([]);
    await conn.closed;
  });

  it('ready resolves false when the connection ends before the handshake; a handshake timeout terminates', async () => {
    const ws = new FakeNodeWebSocket('wss://x/');
    const conn = make(ws);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await conn.ready).toBe(false);
    const cause = await conn.ended;
    expect(cause.kind).toBe('timeout');
    expect(cause.error.code).toBe('ERR_CONNECT_TIMEOUT');
    expect(ws.terminated).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a transport close ends it with kind closed, the code and the close error', async () => {
    const ws = new FakeNodeWebSocket('wss://x/');
    const conn = make(ws);
    ws.open();
    ws.serverClose(1012, 'restart');
    const cause = await conn.ended;
    expect(cause).toMatchObject({ kind: 'closed', code: 1012, reason: 'restart' });
    expect(cause.error).toMatchObject({ code: 'ERR_CLOSED', closeCode: 1012 });
  });
});
