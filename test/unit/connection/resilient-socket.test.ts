/** ResilientSocket: lifecycle, the reconnect loop, the retry policy, stop(), the public API (fake timers, in-memory WebSockets). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamError } from '../../../src/core/errors';
import { RetryPolicy } from '../../../src/retry/policy';
import type { RetryContext } from '../../../src/retry/policy';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import { rawFraming } from '../../../src/connection/framing';
import { FakeNodeWebSocket } from './fake-websocket';
import { BASE, combined, makeSocket, settle } from './helpers';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

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

describe('ResilientSocket: opening and state', () => {
  it('constructor does no I/O; start() with no stream does not open (combined framing)', async () => {
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

  it('walks idle → connecting → open → closing → closed through legal transitions only, logged at DEBUG', async () => {
    const { socket, of, rec, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    await socket.stop();
    expect(of('stateChange').map((e) => `${e.from}>${e.to}`)).toEqual(['idle>connecting', 'connecting>open', 'open>closing', 'closing>closed']);
    expect(rec.lines.filter((l) => l.level === 'debug' && l.message.includes('→')).map((l) => l.message)).toEqual(['idle → connecting', 'connecting → open', 'open → closing', 'closing → closed']);
  });

  it('events arrive after the state is assigned: a listener reads the new state', async () => {
    const { socket, events, open, fake } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 100 }) });
    await open();
    fake.last().serverClose(1006);
    await settle();
    await socket.stop();
    const seen = events.filter((e) => ['stateChange', 'open', 'reconnecting'].includes(e.name));
    for (const e of seen) if (e.name === 'stateChange') expect(e.state).toBe(e.payload.to);
    expect(seen.find((e) => e.name === 'open')!.state).toBe('open');
    expect(seen.find((e) => e.name === 'reconnecting')!.state).toBe('reconnecting');
  });

  it('a listener may call stop() from open: no half-done transition, no guard needed', async () => {
    const { socket, of, open } = makeSocket({ streams: ['a@trade'] });
    socket.on('open', () => void socket.stop());
    await open();
    await settle();
    await socket.stop();
    expect(socket.state).toBe('closed');
    expect(of('stateChange').map((e) => `${e.from}>${e.to}`)).toEqual(['idle>connecting', 'connecting>open', 'open>closing', 'closing>closed']);
    expect(of('error')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removing every stream closes the socket (idle); adding one reopens it', async () => {
    const { socket, fake, of, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    socket.removeStreams(['a@trade']);
    expect(fake.last().closeCalls[0]?.code).toBe(1000);
    await settle();
    expect(socket.state).toBe('idle');
    expect(of('close')[0]).toMatchObject({ willReconnect: false });
    socket.addStreams(['b@trade']);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    expect(fake.last().url).toContain('streams=b@trade');
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removing every stream during a backoff goes idle without dialing', async () => {
    const { socket, fake, open } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 60_000 }) });
    await open();
    fake.last().serverClose(1006);
    await settle();
    expect(socket.state).toBe('reconnecting');
    socket.removeStreams(['a@trade']);
    await settle();
    expect(socket.state).toBe('idle');
    expect(vi.getTimerCount()).toBe(0);
    expect(fake.sockets).toHaveLength(1);
    await socket.stop();
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

  it('raw framing opens without streams, wraps frames, and runs onOpen before open', async () => {
    const order: string[] = [];
    const { socket, fake, messages, of } = makeSocket({
      framing: rawFraming('user'),
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
      framing: rawFraming('user'),
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

  it('a hook that never settles fails the attempt after connectTimeoutMs + requestTimeoutMs', async () => {
    const { socket, fake, of } = makeSocket({
      framing: rawFraming('user'),
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
    await settle();
    expect(of('reconnecting')[0].error.message).toMatch(/onOpen hook did not finish within 1500 ms/);
    expect(of('reconnecting')).toHaveLength(1);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ResilientSocket: reconnect loop and retry policy', () => {
  it("a RetryPolicy subclass's delays are the ones used", async () => {
    const policy = new RecordingPolicy([123, 4_567, 89]);
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], retryPolicy: policy });
    socket.start();
    await settle();
    for (const expected of [123, 4_567, 89]) {
      const before = fake.sockets.length;
      fake.last().fail(new Error('ECONNREFUSED'));
      await settle();
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

  it('logs retries as WARN, one line each, with attempt and maxRetries as numbers and the error as an object; success after retries as INFO', async () => {
    const { socket, fake, rec } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 4100, maxRetries: 10 }) });
    socket.start();
    await settle();
    fake.last().fail(new Error(''));
    await settle();
    await vi.advanceTimersByTimeAsync(4100);
    await settle();
    fake.last().fail(new Error(''));
    await settle();
    const warns = rec.lines.filter((l) => l.level === 'warn');
    expect(warns.map((l) => l.message)).toEqual(['retry 1/10 in 4.1 s', 'retry 2/10 in 4.1 s']);
    expect(warns[1]!.fields).toMatchObject({ socketId: 's1', attempt: 2, maxRetries: 10, delayMs: 4100, delaySource: 'policy' });
    expect(warns[1]!.fields.error).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_SOCKET' });
    expect((warns[1]!.fields.error as { message: string }).message).toContain('Error (no message)');
    await vi.advanceTimersByTimeAsync(4100);
    await settle();
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
    await settle();
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

  it('a 429 without Retry-After: the dial pause is the wait that is logged, emitted and waited', async () => {
    let pausedUntil = 0;
    const gate = {
      acquire: async () => {},
      reportRejection: () => ((pausedUntil = Date.now() + 60_000), 60_000),
      pausedForMs: () => Math.max(0, pausedUntil - Date.now()),
    };
    const { socket, fake, of, rec } = makeSocket({ streams: ['a@trade'], dialGate: gate, retryPolicy: new ConstantBackoff({ delayMs: 1_200 }) });
    socket.start();
    await settle();
    fake.last().rejectUpgrade(429);
    await settle();
    expect(of('reconnecting')[0].delayMs).toBe(60_000);
    expect(rec.lines.find((l) => l.level === 'warn')!.fields).toMatchObject({ delayMs: 60_000, delaySource: 'pause' });
    expect(rec.lines.find((l) => l.level === 'warn')!.message).toBe('retry 1 in 60.0 s');
    await vi.advanceTimersByTimeAsync(59_999);
    expect(fake.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    await socket.stop();
  });

  it('the pause returned by reportRejection is used when the gate has no pausedForMs()', async () => {
    const gate = { acquire: async () => {}, reportRejection: () => 30_000 };
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], dialGate: gate, retryPolicy: new ConstantBackoff({ delayMs: 1_200 }) });
    socket.start();
    await settle();
    fake.last().rejectUpgrade(403);
    await settle();
    expect(of('reconnecting')[0].delayMs).toBe(30_000);
    await socket.stop();
  });

  it('a permanent error is never retried: gaveUp + ERROR log + failed', async () => {
    const { socket, of, rec } = makeSocket({
      streams: ['a@trade'],
      url: () => {
        throw new BinanceStreamError('ERR_ENDPOINT_RETIRED', 'gone', { httpStatus: 410, permanent: true });
      },
    });
    socket.start();
    await settle();
    expect(socket.state).toBe('failed');
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
      await settle();
      await vi.advanceTimersByTimeAsync(100);
      await settle();
    }
    expect(of('reconnecting')).toHaveLength(2);
    expect(of('gaveUp')[0]).toMatchObject({ attempts: 2 });
    expect(socket.state).toBe('failed');
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
    await settle();
    await vi.advanceTimersByTimeAsync(999);
    await settle();
    fake.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(4_000); // < resetAfterMs (5 s)
    fake.last().serverClose(1006);
    await settle();
    expect(policy.seen.at(-1)!.attempt).toBe(2);
    expect(policy.seen.at(-1)!.uptimeMs).toBe(4_000);
    await vi.advanceTimersByTimeAsync(999);
    await settle();
    fake.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(socket.stats().retries).toBe(0);
    fake.last().serverClose(1000);
    await settle();
    expect(policy.seen.at(-1)!.attempt).toBe(1);
    await socket.stop();
  });

  it('emits close/reconnecting/reconnected with code, attempts and downtime', async () => {
    const { socket, fake, of, open } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 1000 }) });
    await open();
    fake.last().serverClose(1001, 'going away');
    await settle();
    expect(of('close')[0]).toMatchObject({ code: 1001, reason: 'going away', willReconnect: true });
    expect(of('close')[0].error.message).toContain('1001 (going away)');
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    fake.last().fail();
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    fake.last().open();
    await settle();
    expect(of('reconnected')[0]).toEqual({ socketId: 's1', attempts: 2, downtimeMs: 2000 });
    expect(socket.stats().reconnects).toBe(1);
    await socket.stop();
  });

  it('reconnect() called 10 times at once reconnects once', async () => {
    const { socket, fake, of, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    for (let i = 0; i < 10; i++) socket.reconnect(`manual ${i}`);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    expect(of('reconnecting')).toHaveLength(1);
    expect(of('reconnecting')[0]).toMatchObject({ delayMs: 0, attempt: 1 });
    expect(of('close')[0]).toMatchObject({ code: 1000, reason: 'manual 0', willReconnect: true });
    fake.last().open();
    await settle();
    expect(socket.state).toBe('open');
    await socket.stop();
  });

  it('reconnect() during backoff dials at once', async () => {
    const { socket, fake, rec } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 60_000 }) });
    socket.start();
    await settle();
    fake.last().fail();
    await settle();
    expect(socket.state).toBe('reconnecting');
    socket.reconnect('user');
    await settle();
    expect(fake.sockets).toHaveLength(2);
    expect(rec.lines.some((l) => l.level === 'info' && l.message === 'reconnect requested during backoff: dialing now')).toBe(true);
    await socket.stop();
  });
});

describe('ResilientSocket: stop()', () => {
  it('stop() during backoff resolves, leaves no timer and dials nothing more', async () => {
    const { socket, fake, of } = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 60_000 }) });
    socket.start();
    await settle();
    fake.last().fail();
    await settle();
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
    await open.open();
    open.socket.addStreams(['b@trade', 'c@trade']);
    await open.socket.stop();
    expect(open.fake.last().closeCalls[0]?.code).toBe(1000);
    expect(open.of('close').at(-1)).toMatchObject({ willReconnect: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() leaves zero timers and zero open sockets, from open with pending requests', async () => {
    const { socket, fake, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    socket.addStreams(['b@trade']);
    const req = socket.request('LIST_SUBSCRIPTIONS', (id) => ({ method: 'LIST_SUBSCRIPTIONS', id }));
    await socket.stop();
    await expect(req).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(vi.getTimerCount()).toBe(0);
    expect(fake.sockets.every((ws) => ws.readyState === 3)).toBe(true);
    expect(fake.sockets.every((ws) => ws.listenerCount() === 0)).toBe(true);
  });

  it('stop() terminates a socket whose close handshake never completes', async () => {
    class Stubborn extends FakeNodeWebSocket {
      override close(code?: number, reason?: string): void {
        this.closeCalls.push({ code, reason });
        this.readyState = 2;
      }
    }
    const { socket, fake, open } = makeSocket({ streams: ['a@trade'] }, Stubborn);
    await open();
    const p = socket.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await p;
    expect(fake.last().terminated).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ResilientSocket: firstData() and request()', () => {
  it('firstData() resolves at the first data message after open, at once when data already came, false after stop', async () => {
    const { socket, fake, open } = makeSocket({ streams: ['a@trade'] });
    const early = socket.firstData();
    await open();
    let resolved: boolean | undefined;
    void early.then((v) => (resolved = v));
    await settle();
    expect(resolved).toBeUndefined();
    fake.last().receive(combined('a@trade'));
    await settle();
    expect(resolved).toBe(true);
    await expect(socket.firstData()).resolves.toBe(true);
    fake.last().serverClose(1006);
    await settle();
    const next = socket.firstData(); // the next connection's first data
    await socket.stop();
    await expect(next).resolves.toBe(false);
    await expect(socket.firstData()).resolves.toBe(false);
  });

  it('request(): answered by id, paced through the scheduler; timeout; rejected with the end cause', async () => {
    const { socket, open } = makeSocket({ framing: rawFraming('user'), url: () => 'wss://fake.test/ws-api/v3', requestTimeoutMs: 2_000, heartbeat: false });
    const ws = await open();
    const ok = socket.request<{ id: number; result: string }>('session.status', (id) => ({ id, method: 'session.status' }));
    const sent = ws.frames()[0];
    expect(sent).toMatchObject({ method: 'session.status' });
    ws.receive({ id: sent.id, status: 200, result: 'fine' });
    await expect(ok).resolves.toEqual({ id: sent.id, status: 200, result: 'fine' });
    expect(socket.stats().outboundTotal).toBe(1);

    const late = socket.request('session.logon', (id) => ({ id, method: 'session.logon' }));
    const lateCheck = expect(late).rejects.toThrow(/session.logon \(request 2\) got no answer within 2000 ms/);
    await vi.advanceTimersByTimeAsync(2_000);
    await lateCheck;

    const custom = socket.request('x', (id) => ({ id }), { timeoutMs: 100, onTimeout: (id) => new BinanceStreamError('ERR_WS_API', `custom ${id}`) });
    const customCheck = expect(custom).rejects.toMatchObject({ code: 'ERR_WS_API', message: 'custom 3' });
    await vi.advanceTimersByTimeAsync(100);
    await customCheck;

    const cut = socket.request('userDataStream.subscribe', (id) => ({ id }));
    ws.serverClose(1006);
    await expect(cut).rejects.toMatchObject({ code: 'ERR_CLOSED', closeCode: 1006 });
    await expect(socket.request('x', (id) => ({ id }))).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ResilientSocket: logging hygiene', () => {
  it('never logs an empty error text nor the API key; masks listenKeys; errors are {name, code, message} objects', async () => {
    const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const listenKey = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
    const { socket, fake, rec, events } = makeSocket({
      framing: rawFraming('user'),
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
    await settle();
    await vi.advanceTimersByTimeAsync(50);
    await settle();
    fake.last().rejectUpgrade(503);
    await settle();
    await vi.advanceTimersByTimeAsync(50);
    await settle();
    fake.last().open();
    await settle();
    fake.last().receive('garbage');
    await vi.advanceTimersByTimeAsync(300); // heartbeat timeout
    await settle();
    await vi.advanceTimersByTimeAsync(50);
    await settle();
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
      if ('error' in l.fields && l.fields.error !== undefined) {
        const e = l.fields.error as { name: string; message: string };
        expect(e.name).toMatch(/\S/);
        expect(e.message.trim()).not.toBe('');
        expect(e.message).not.toMatch(/^:|: ?$|^\s*,/);
        expect(e.message).toMatch(/^[A-Za-z_[\]]+.*(:|\(no message\))/);
      }
      for (const v of Object.values(l.fields)) if (typeof v === 'string') expect(v).not.toContain('/∞');
    }
  });
});
