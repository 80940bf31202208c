import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamError } from '../../../src/core/errors';
import { MARKETS } from '../../../src/core/markets';
import { RetryPolicy } from '../../../src/retry/policy';
import type { RetryContext } from '../../../src/retry/policy';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import { FakeBrowserWebSocket, FakeNodeWebSocket } from './fake-websocket';
import { BASE, makeSocket, settle } from './helpers';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function combined(stream: string, data: object = { e: 'x', E: 1 }) {
  return { stream, data };
}

describe('ResilientSocket: opening', () => {
  it('constructor does no I/O; start() with no stream does not open (combined mode)', async () => {
    const { socket, fake } = makeSocket();
    expect(socket.state).toBe('idle');
    socket.start();
    await settle();
    expect(fake.sockets).toHaveLength(0);
    expect(socket.state).toBe('idle');
    socket.addStreams(['btcusdt@aggTrade']);
    await settle();
    expect(fake.sockets).toHaveLength(1);
    expect(fake.last().url).toBe(`${BASE}/stream?streams=btcusdt@aggTrade`);
    expect(socket.state).toBe('connecting');
    fake.last().open();
    await settle();
    expect(socket.state).toBe('open');
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('streams added before start() go in the first URL', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'] });
    socket.addStreams(['b@trade']);
    expect(fake.sockets).toHaveLength(0);
    socket.start();
    await settle();
    expect(fake.last().url).toBe(`${BASE}/stream?streams=a@trade/b@trade`);
    fake.last().open();
    await settle();
    expect(of('open')[0]).toMatchObject({ socketId: 's1', streams: 2, retries: 0 });
    expect(of('subscribed')[0]).toMatchObject({ streams: ['a@trade', 'b@trade'] });
    expect(fake.last().sent).toHaveLength(0);
    await socket.stop();
  });

  it('walks idle → connecting → open → closing → closed through legal transitions only', async () => {
    const { socket, fake, of, rec } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    await socket.stop();
    expect(of('stateChange').map((e) => `${e.from}>${e.to}`)).toEqual(['idle>connecting', 'connecting>open', 'open>closing', 'closing>closed']);
    expect(rec.lines.filter((l) => l.level === 'debug' && l.message.includes('→')).length).toBe(4);
    expect(rec.lines.some((l) => l.message.startsWith('illegal'))).toBe(false);
  });

  it('removing every stream closes the socket (idle); adding one reopens it', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    socket.removeStreams(['a@trade']);
    expect(socket.state).toBe('idle');
    expect(fake.last().closeCalls[0]?.code).toBe(1000);
    expect(of('close')[0]).toMatchObject({ willReconnect: false });
    socket.addStreams(['b@trade']);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    expect(fake.last().url).toContain('streams=b@trade');
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out a handshake that never completes and retries', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], connectTimeoutMs: 2000 });
    socket.start();
    await settle();
    await vi.advanceTimersByTimeAsync(2000);
    expect(fake.sockets[0]?.terminated).toBe(true);
    const r = of('reconnecting')[0];
    expect(r.error.code).toBe('ERR_CONNECT_TIMEOUT');
    expect(socket.state).toBe('reconnecting');
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects bad options and stream names with clear errors', () => {
    expect(() => makeSocket({ maxOutgoingPerSecond: 0 })).toThrow(/maxOutgoingPerSecond/);
    expect(() => makeSocket({ id: '' })).toThrow(TypeError);
    const { socket } = makeSocket();
    expect(() => socket.addStreams(['bad stream'])).toThrow(/invalid stream name "bad stream"/);
    expect(() => socket.addStreams([''])).toThrow(TypeError);
  });
});

describe('ResilientSocket: subscriptions', () => {
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
    // spot limit 5/s → 4/s budget; 1000 - inUrl streams in batches of 50
    const expectedFrames = Math.ceil((count - inUrl.length) / batch);
    const sendTimes: number[] = [];
    let seen = 0;
    for (let t = 0; t < 20_000 && seen < expectedFrames; t += 50) {
      if (ws.sent.length > seen) {
        for (; seen < ws.sent.length; seen++) sendTimes.push(Date.now());
        // answer every request so nothing times out
        for (const f of ws.frames().slice(-1)) ws.receive({ result: null, id: f.id });
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
    const { socket, fake, of, rec } = makeSocket({ streams: ['a@trade'], requestTimeoutMs: 3000 });
    socket.start();
    await settle();
    const ws = fake.last();
    ws.open();
    await settle();
    socket.addStreams(['b@trade']);
    socket.addStreams(['c@trade']); // coalesces? no: first frame already sent
    const [f1] = ws.frames();
    expect(f1).toMatchObject({ method: 'SUBSCRIBE', params: ['b@trade'] });
    ws.receive({ result: null, id: f1.id });
    expect(of('subscribed').at(-1)).toMatchObject({ streams: ['b@trade'], requestId: f1.id });
    await vi.advanceTimersByTimeAsync(250); // frames are spaced 1000 / 4 ms apart
    const f2 = ws.frames()[1];
    ws.receive({ code: 2, msg: 'Invalid request: unknown variant', id: f2.id });
    const failed = of('subscribeFailed')[0];
    expect(failed).toMatchObject({ method: 'SUBSCRIBE', streams: ['c@trade'], requestId: f2.id });
    expect(failed.error.code).toBe('ERR_SUBSCRIBE_FAILED');
    expect(failed.error.binanceCode).toBe(2);
    expect(rec.lines.some((l) => l.level === 'warn' && String(l.fields.error).includes('unknown variant'))).toBe(true);
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
    const { socket, fake } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    const ws = fake.last();
    ws.open();
    await settle();
    for (let i = 0; i < 4; i++) socket.addStreams([`x${i}@trade`]); // uses the 4/s budget
    socket.addStreams(['late@trade']);
    socket.removeStreams(['late@trade']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(ws.frames().flatMap((f) => f.params)).not.toContain('late@trade');
    await socket.stop();
  });

  it('id-less error objects fail the oldest pending request', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    socket.addStreams(['b@trade']);
    fake.last().receive({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' });
    expect(of('subscribeFailed')[0]).toMatchObject({ streams: ['b@trade'] });
    expect(of('subscribeFailed')[0].error.binanceCode).toBe(3);
    await socket.stop();
  });

  it('re-subscribes every stream after a reconnect', async () => {
    const { socket, fake } = makeSocket({ streams: ['a@trade'], maxUrlLength: 64 });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    socket.addStreams(['b@trade', 'c@trade']);
    fake.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(2000);
    const ws2 = fake.last();
    expect(fake.sockets).toHaveLength(2);
    ws2.open();
    await settle();
    const carried = new Set([...ws2.url.split('streams=')[1]!.split('/'), ...ws2.frames().flatMap((f) => f.params)]);
    expect([...carried].sort()).toEqual(['a@trade', 'b@trade', 'c@trade']);
    await socket.stop();
  });
});

describe('ResilientSocket: hot path', () => {
  it('delivers the parsed object itself with receivedAt, in order; counts messages', async () => {
    const { socket, fake, messages, of } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    fake.last().receive(combined('a@trade', { e: 'trade', t: 1 }));
    fake.last().receive(combined('a@trade', { e: 'trade', t: 2 }));
    expect(messages.map((m) => (m.data as { t: number }).t)).toEqual([1, 2]);
    expect(messages[0]).toEqual({ stream: 'a@trade', data: { e: 'trade', t: 1 }, receivedAt: Date.now() });
    expect(of('firstMessage')).toHaveLength(1);
    expect(socket.stats()).toMatchObject({ messagesReceived: 2, state: 'open', streams: 1, lastMessageAt: Date.now() });
    await socket.stop();
  });

  it('a malformed frame → error ERR_PARSE + warn; the socket keeps going', async () => {
    const { socket, fake, messages, of, rec } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    fake.last().receive('{"stream":"a@trade","data":{');
    fake.last().receive(combined('a@trade'));
    expect(of('error')[0].error.code).toBe('ERR_PARSE');
    expect(rec.lines.some((l) => l.level === 'warn' && l.message.includes('malformed'))).toBe(true);
    expect(messages).toHaveLength(1);
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it('a throwing onMessage or event listener never breaks the socket', async () => {
    const { socket, fake, of } = makeSocket({
      streams: ['a@trade'],
      onMessage: () => {
        throw new Error('');
      },
    });
    socket.on('open', () => {
      throw new TypeError('listener bug');
    });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    expect(socket.state).toBe('open');
    fake.last().receive(combined('a@trade'));
    fake.last().receive(combined('a@trade'));
    const errors = of('error').map((e) => e.error);
    expect(errors.map((e) => e.code)).toEqual(['ERR_LISTENER', 'ERR_LISTENER', 'ERR_LISTENER']);
    expect(errors[1].message).toContain('Error (no message)');
    expect(socket.stats().messagesReceived).toBe(2);
    await socket.stop();
  });

  it('an error without listener is logged, not thrown', async () => {
    const { socket, fake, rec } = makeSocket({ streams: ['a@trade'] });
    socket.removeAllListeners('error');
    socket.start();
    await settle();
    fake.last().open();
    expect(() => fake.last().receive('not json')).not.toThrow();
    expect(rec.lines.some((l) => l.level === 'warn' && String(l.fields.error).includes('ERR_PARSE'))).toBe(true);
    await socket.stop();
  });

  it('raw mode opens without streams, wraps frames, and runs onOpen before open', async () => {
    const order: string[] = [];
    const { socket, fake, messages, of } = makeSocket({
      mode: 'raw',
      rawStreamName: 'user',
      url: () => 'wss://fake.test/private/ws?listenKey=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWX',
      heartbeat: false,
      onOpen: async (s) => {
        order.push(`hook:${s.state}`);
        expect(s.send({ method: 'session.logon', id: 'x' })).toBe(true);
      },
    });
    socket.on('open', () => order.push('open'));
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    expect(order).toEqual(['hook:connecting', 'open']);
    expect(fake.last().frames()[0]).toMatchObject({ method: 'session.logon' });
    fake.last().receive({ e: 'ORDER_TRADE_UPDATE', E: 5 });
    expect(messages[0]).toMatchObject({ stream: 'user', data: { e: 'ORDER_TRADE_UPDATE', E: 5 } });
    expect(of('open')[0].url).toBe('wss://fake.test/private/ws?listenKey=abcd…UVWX');
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a rejecting onOpen hook fails the attempt through the policy', async () => {
    let calls = 0;
    const { socket, fake, of } = makeSocket({
      mode: 'raw',
      url: () => 'wss://fake.test/ws',
      onOpen: () => {
        calls++;
        if (calls === 1) throw new BinanceStreamError('ERR_WS_API', 'logon refused', { httpStatus: 400 });
      },
    });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    expect(of('reconnecting')[0].error.code).toBe('ERR_WS_API');
    expect(of('open')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    fake.last().open();
    await settle();
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it('works with a browser-style WebSocket (no ping API, onmessage)', async () => {
    const { socket, fake, messages } = makeSocket({ streams: ['a@trade'] }, FakeBrowserWebSocket as never);
    socket.start();
    await settle();
    fake.last().open();
    fake.last().receive(combined('a@trade'));
    expect(messages).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000); // no heartbeat in browsers; the stale watchdog would act
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ResilientSocket: heartbeat', () => {
  it('answers server pings at once with the same payload, counted in the outbound budget', async () => {
    const { socket, fake } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    const ws = fake.last();
    ws.open();
    await settle();
    const payload = Buffer.from('hello');
    ws.serverPing(payload);
    expect(ws.pongs).toEqual([payload]);
    expect(socket.stats().outboundTotal).toBe(1);
    await socket.stop();
  });

  it('pings after idle silence and terminates when nothing answers', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], heartbeat: { idlePingMs: 1000, pongTimeoutMs: 500 }, staleAfterMs: false });
    socket.start();
    await settle();
    const ws = fake.last();
    ws.open();
    await settle();
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(ws.terminated).toBe(true);
    expect(of('reconnecting')[0].error.code).toBe('ERR_HEARTBEAT_TIMEOUT');
    expect(of('close')[0]).toMatchObject({ code: 1006, willReconnect: true });
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('any inbound frame is proof of life; a busy socket never pings', async () => {
    const { socket, fake } = makeSocket({ streams: ['a@trade'], heartbeat: { idlePingMs: 1000, pongTimeoutMs: 500 } });
    socket.start();
    await settle();
    const ws = fake.last();
    ws.open();
    await settle();
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
      const { socket, fake } = makeSocket({ market, streams: ['a@trade'], staleAfterMs: false });
      socket.start();
      await settle();
      fake.last().open();
      await settle();
      await vi.advanceTimersByTimeAsync(idle - 1);
      expect(fake.last().pings).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.last().pings).toBe(1);
      await socket.stop();
    }
  });
});

describe('ResilientSocket: stale watchdog', () => {
  it('derives the threshold from the streams and reconnects a silent feed, debounced', async () => {
    // depth → 10 s; kline → 30 s: the smallest wins
    const { socket, fake, of } = makeSocket({ streams: ['btcusdt@kline_1m', 'btcusdt@depth'], heartbeat: false, staleDebounceMs: 30_000 });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(of('stale')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(of('stale')[0]).toMatchObject({ scope: 'connection', action: 'reconnect', silentMs: 10_000, streams: ['btcusdt@kline_1m', 'btcusdt@depth'] });
    expect(of('reconnecting')[0]).toMatchObject({ delayMs: 0 });
    expect(of('reconnecting')[0].error.code).toBe('ERR_STALE');
    await settle();
    expect(fake.sockets).toHaveLength(2);
    fake.last().open();
    await settle();
    // silent again: within the debounce → stale 'none' once, no reconnect
    await vi.advanceTimersByTimeAsync(10_000);
    expect(of('stale')[1]).toMatchObject({ action: 'none' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(of('stale')).toHaveLength(2);
    expect(fake.sockets).toHaveLength(2);
    // debounce over → reconnect
    await vi.advanceTimersByTimeAsync(10_000);
    expect(of('stale')[2]).toMatchObject({ action: 'reconnect' });
    await settle();
    expect(fake.sockets).toHaveLength(3);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('data keeps it quiet; removing the fast stream relaxes the threshold', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['btcusdt@kline_1m', 'btcusdt@depth'], heartbeat: false });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
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

describe('ResilientSocket: serverShutdown', () => {
  it.each([
    ['combined', { stream: '!serverShutdown', data: { e: 'serverShutdown', E: 42 } }],
    ['raw', { e: 'serverShutdown', E: 42 }],
    ['WS-API', { event: { e: 'serverShutdown', E: 42 } }],
  ])('%s form → serverShutdown event and an immediate reconnect', async (_name, frame) => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    fake.last().receive(frame);
    expect(of('serverShutdown')[0]).toEqual({ socketId: 's1', at: 42 });
    expect(of('reconnecting')[0]).toMatchObject({ delayMs: 0 });
    await settle();
    expect(fake.sockets).toHaveLength(2);
    await socket.stop();
  });

  it("onServerShutdown: 'emit' only emits", async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], onServerShutdown: 'emit' });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    fake.last().receive({ stream: '!serverShutdown', data: { e: 'serverShutdown', E: 1 } });
    expect(of('serverShutdown')).toHaveLength(1);
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it("onServerShutdown: 'emit' — silence after the announcement is the owner's handover, not a stale reconnect", async () => {
    const { socket, fake, of } = makeSocket({ streams: ['btcusdt@depth'], onServerShutdown: 'emit', staleAfterMs: 5_000 });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    fake.last().receive({ stream: '!serverShutdown', data: { e: 'serverShutdown', E: 1 } });
    await vi.advanceTimersByTimeAsync(6_000);
    expect(of('stale')[0]).toMatchObject({ scope: 'connection', action: 'none' });
    expect(of('reconnecting')).toHaveLength(0);
    expect(fake.sockets).toHaveLength(1);
    expect(socket.state).toBe('open');
    await socket.stop();
  });
});

describe('ResilientSocket: reconnect, retry policy, stop', () => {
  class RecordingPolicy extends RetryPolicy {
    readonly seen: RetryContext[] = [];
    constructor(private readonly delays: number[]) {
      super({ maxRetries: 10, resetAfterMs: 5_000 });
    }
    delayMs(ctx: RetryContext): number {
      this.seen.push(ctx);
      return this.delays[ctx.attempt - 1] ?? 999;
    }
  }

  it("a RetryPolicy subclass's delays are the ones used", async () => {
    const policy = new RecordingPolicy([123, 4_567, 89]);
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], retryPolicy: policy });
    socket.start();
    await settle();
    for (const expected of [123, 4_567, 89]) {
      const before = fake.sockets.length;
      fake.last().fail(new Error('ECONNREFUSED'));
      await vi.advanceTimersByTimeAsync(expected - 1);
      expect(fake.sockets).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(fake.sockets).toHaveLength(before + 1);
    }
    expect(of('reconnecting').map((e) => e.delayMs)).toEqual([123, 4_567, 89]);
    expect(policy.seen.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(policy.seen[0]).toMatchObject({ socketId: 's1', streams: ['a@trade'], uptimeMs: 0 });
    expect(policy.seen[0]!.error.code).toBe('ERR_SOCKET');
    expect(policy.seen[2]!.elapsedMs).toBe(123 + 4_567);
    fake.last().open();
    await settle();
    expect(of('open')[0]).toMatchObject({ retries: 3 });
    await socket.stop();
  });

  it('logs retries as WARN with progress, success after retries as INFO', async () => {
    const { socket, fake, rec } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 4100, maxRetries: 10 }) });
    socket.start();
    await settle();
    fake.last().fail(new Error(''));
    await vi.advanceTimersByTimeAsync(4100);
    fake.last().fail(new Error(''));
    const warns = rec.lines.filter((l) => l.level === 'warn');
    expect(warns.map((l) => l.message)).toEqual(['retry 1/10 in 4.1 s', 'retry 2/10 in 4.1 s']);
    expect(warns[1]!.fields).toMatchObject({ socketId: 's1', attempt: '2/10', delayMs: 4100 });
    expect(String(warns[1]!.fields.error)).toContain('Error (no message)');
    await vi.advanceTimersByTimeAsync(4100);
    fake.last().open();
    await settle();
    expect(rec.lines.some((l) => l.level === 'info' && l.message === 'connected after 2 retries')).toBe(true);
    await socket.stop();
  });

  it('Retry-After from a 429 handshake wins over the policy and reaches the dial gate', async () => {
    const reported: [number, number | undefined][] = [];
    const gate = { acquire: async () => {}, reportRejection: (s: number, r: number | undefined) => void reported.push([s, r]) };
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], dialGate: gate, retryPolicy: new ConstantBackoff({ delayMs: 10 }) });
    socket.start();
    await settle();
    fake.last().rejectUpgrade(429, { 'retry-after': '7' });
    expect(fake.last().terminated).toBe(true);
    const r = of('reconnecting')[0];
    expect(r.delayMs).toBe(7000);
    expect(r.error).toMatchObject({ code: 'ERR_HANDSHAKE_REJECTED', httpStatus: 429, retryAfterMs: 7000 });
    expect(reported).toEqual([[429, 7000]]);
    await vi.advanceTimersByTimeAsync(6_999);
    expect(fake.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    await socket.stop();
  });

  it('a permanent error is never retried: gaveUp + ERROR log + closed', async () => {
    const { socket, of, rec } = makeSocket({
      streams: ['a@trade'],
      url: () => {
        throw new BinanceStreamError('ERR_ENDPOINT_RETIRED', 'gone', { httpStatus: 410, permanent: true });
      },
    });
    socket.start();
    await settle();
    expect(socket.state).toBe('closed');
    expect(of('gaveUp')[0]).toMatchObject({ socketId: 's1', streams: ['a@trade'], attempts: 0 });
    expect(rec.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['gave up after 0 retries']);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a finite maxRetries gives up after that many retries', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 100, maxRetries: 2 }) });
    socket.start();
    await settle();
    for (let i = 0; i < 3; i++) {
      fake.last().fail();
      await vi.advanceTimersByTimeAsync(100);
      await settle();
    }
    expect(of('reconnecting')).toHaveLength(2);
    expect(of('gaveUp')[0]).toMatchObject({ attempts: 2 });
    expect(socket.state).toBe('closed');
    expect(fake.sockets).toHaveLength(3);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resets the attempt counter only after a connection stayed up resetAfterMs', async () => {
    const policy = new RecordingPolicy([]);
    const { socket, fake } = makeSocket({ streams: ['a@trade'], retryPolicy: policy, heartbeat: false, staleAfterMs: false });
    socket.start();
    await settle();
    fake.last().fail();
    await vi.advanceTimersByTimeAsync(999);
    await settle();
    fake.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(4_000); // < resetAfterMs (5 s)
    fake.last().serverClose(1006);
    expect(policy.seen.at(-1)!.attempt).toBe(2);
    expect(policy.seen.at(-1)!.uptimeMs).toBe(4_000);
    await vi.advanceTimersByTimeAsync(999);
    await settle();
    fake.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    fake.last().serverClose(1000);
    expect(policy.seen.at(-1)!.attempt).toBe(1);
    await socket.stop();
  });

  it('emits close/reconnecting/reconnected with code, attempts and downtime', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 1000 }) });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    fake.last().serverClose(1001, 'going away');
    expect(of('close')[0]).toMatchObject({ code: 1001, reason: 'going away', willReconnect: true });
    expect(of('close')[0].error.message).toContain('1001 (going away)');
    await vi.advanceTimersByTimeAsync(1000);
    fake.last().fail();
    await vi.advanceTimersByTimeAsync(1000);
    fake.last().open();
    await settle();
    expect(of('reconnected')[0]).toEqual({ socketId: 's1', attempts: 2, downtimeMs: 2000 });
    expect(socket.stats().reconnects).toBe(1);
    await socket.stop();
  });

  it('reconnect() called 10 times at once reconnects once', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'] });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    for (let i = 0; i < 10; i++) socket.reconnect(`manual ${i}`);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    expect(of('reconnecting')).toHaveLength(1);
    fake.last().open();
    await settle();
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it('reconnect() during backoff dials at once', async () => {
    const { socket, fake } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 60_000 }) });
    socket.start();
    await settle();
    fake.last().fail();
    expect(socket.state).toBe('reconnecting');
    socket.reconnect('user');
    await settle();
    expect(fake.sockets).toHaveLength(2);
    await socket.stop();
  });

  it('stop() during backoff resolves, leaves no timer and dials nothing more', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 60_000 }) });
    socket.start();
    await settle();
    fake.last().fail();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await socket.stop();
    expect(socket.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.sockets).toHaveLength(1);
    expect(of('stateChange').at(-1)).toMatchObject({ from: 'closing', to: 'closed' });
  });

  it('stop() is idempotent, aborts a pending dial, and works from every state', async () => {
    let release!: () => void;
    const gate = {
      acquire: (_id: string, signal: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          release = resolve;
          signal.addEventListener('abort', () => reject(new BinanceStreamError('ERR_ABORTED', 'aborted')));
        }),
      reportRejection: () => {},
    };
    const { socket, fake } = makeSocket({ streams: ['a@trade'], dialGate: gate });
    socket.start();
    await settle();
    const p1 = socket.stop();
    const p2 = socket.stop();
    expect(p1).toBe(p2);
    await p1;
    release();
    await settle();
    expect(fake.sockets).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    socket.start(); // ignored after stop
    await settle();
    expect(fake.sockets).toHaveLength(0);

    const idle = makeSocket();
    await idle.socket.stop();
    expect(idle.socket.state).toBe('closed');

    const open = makeSocket({ streams: ['a@trade'] });
    open.socket.start();
    await settle();
    open.fake.last().open();
    await settle();
    open.socket.addStreams(['b@trade', 'c@trade']);
    await open.socket.stop();
    expect(open.fake.last().closeCalls[0]?.code).toBe(1000);
    expect(open.of('close').at(-1)).toMatchObject({ willReconnect: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() terminates a socket whose close handshake never completes', async () => {
    class Stubborn extends FakeNodeWebSocket {
      override close(code?: number, reason?: string): void {
        this.closeCalls.push({ code, reason });
        this.readyState = 2;
      }
    }
    const { socket, fake } = makeSocket({ streams: ['a@trade'] }, Stubborn);
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    const p = socket.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await p;
    expect(fake.last().terminated).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ResilientSocket: logging hygiene', () => {
  it('never logs an empty error text nor the API key; masks listenKeys', async () => {
    const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const listenKey = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
    const { socket, fake, rec, events } = makeSocket({
      mode: 'raw',
      url: () => `wss://fake.test/ws/${listenKey}`,
      onOpen: () => {
        void apiKey; // a user-data hook would use it; it must never reach logs
      },
      heartbeat: { idlePingMs: 100, pongTimeoutMs: 100 },
      retryPolicy: new ConstantBackoff({ delayMs: 50, maxRetries: 3 }),
    });
    socket.start();
    await settle();
    fake.last().fail(new Error(''));
    await vi.advanceTimersByTimeAsync(50);
    fake.last().rejectUpgrade(503);
    await vi.advanceTimersByTimeAsync(50);
    fake.last().open();
    await settle();
    fake.last().receive('garbage');
    await vi.advanceTimersByTimeAsync(300); // heartbeat timeout
    await vi.advanceTimersByTimeAsync(50);
    fake.last().fail({});
    await settle();
    await socket.stop();
    const levels = new Set(rec.lines.map((l) => l.level));
    expect(levels).toEqual(new Set(['debug', 'info', 'warn', 'error']));
    const dump = JSON.stringify(rec.lines) + JSON.stringify(events.map((e) => ({ ...e.payload, error: e.payload?.error ? String(e.payload.error) : undefined })));
    expect(dump).not.toContain(apiKey);
    expect(dump).not.toContain(listenKey);
    for (const l of rec.lines) {
      expect(l.message.trim()).not.toBe('');
      if ('error' in l.fields) {
        const text = String(l.fields.error);
        expect(text.trim()).not.toBe('');
        expect(text).not.toMatch(/^:|: ?$|^\s*,/);
        expect(text).toMatch(/^[A-Za-z_[\]]+.*(:|\(no message\))/);
      }
    }
  });
});

describe('ResilientSocket: onOpen hook deadline', () => {
  it('a hook that never settles fails the attempt after connectTimeoutMs + requestTimeoutMs', async () => {
    const { socket, fake, of } = makeSocket({
      mode: 'raw',
      url: () => 'wss://fake.test/ws-api/v3',
      connectTimeoutMs: 1000,
      requestTimeoutMs: 500,
      onOpen: (_s, signal) => new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(1499);
    expect(socket.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(of('reconnecting')[0].error.message).toMatch(/onOpen hook did not finish within 1500 ms/);
    expect(of('reconnecting')).toHaveLength(1);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
