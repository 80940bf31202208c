import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { BinanceStreamClient, ConstantBackoff, consoleLogger, streams, type KlineEvent, type StreamMessage } from 'binance-stream-client';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator, type EmulatorOptions } from '../helpers/emulator';
import { until } from '../helpers/wait';

afterEach(() => {
  vi.useRealTimers();
});

const emulator = (opts: EmulatorOptions = {}): Promise<FakeBinance> => startEmulator({ seed: 7, ...opts });

interface Captured {
  lines: string[];
  logger: ReturnType<typeof consoleLogger>;
}
function captureLogs(): Captured {
  const lines: string[] = [];
  const sink = (l: string) => void lines.push(l);
  return { lines, logger: consoleLogger('debug', { console: { debug: sink, info: sink, warn: sink, error: sink }, timestamps: false }) };
}

function client(ex: FakeBinance, extra: ConstructorParameters<typeof BinanceStreamClient>[0] = {}): BinanceStreamClient {
  const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget(), ...extra });
  onCleanup(() => c.stop());
  return c;
}

describe('BinanceStreamClient against the emulator', () => {
  it('carries the first field report’s 280 klines on one connection and delivers typed events', async () => {
    const ex = await emulator({ symbolCount: 280, rates: { kline: 20 } });
    const c = client(ex);
    const names = ex.options.symbols.map((s) => streams.kline(s, '1h'));
    const got = new Set<string>();
    const typed: KlineEvent[] = [];
    c.on('kline', (k, msg) => {
      typed.push(k);
      got.add(msg.stream);
    });
    c.subscribe(names);
    await c.start();
    await until(() => got.size === 280, { timeoutMs: 5_000, message: () => `280 kline streams (got ${got.size})` });
    expect(ex.connections()).toHaveLength(1);
    expect(ex.connections()[0]!.streams).toHaveLength(280);
    expect(typed[0]!.e).toBe('kline');
    expect(typeof typed[0]!.k.c).toBe('string');
  });

  it('never opens a socket before a stream exists, and subscribes after start()', async () => {
    const ex = await emulator({ rates: { aggTrade: 50 } });
    const c = client(ex);
    await c.start();
    expect(ex.connections()).toHaveLength(0);
    expect(ex.stats().connectionsOpened).toBe(0);
    const msgs: StreamMessage[] = [];
    c.on('message', (m) => msgs.push(m));
    c.subscribe('BTCUSDT@aggTrade'); // symbol part normalised
    await until(() => msgs.length > 3, { timeoutMs: 5_000, message: 'four messages' });
    expect(msgs[0]!.stream).toBe('btcusdt@aggTrade');
    expect(typeof msgs[0]!.receivedAt).toBe('number');
    c.subscribe(['ethusdt@aggTrade']);
    await until(() => msgs.some((m) => m.stream === 'ethusdt@aggTrade'), { timeoutMs: 5_000, message: 'ethusdt@aggTrade data' });
    expect(ex.connections()).toHaveLength(1);
  });

  it('isolates a latency-critical stream on its own connection with a group', async () => {
    const ex = await emulator({ rates: { aggTrade: 20, bookTicker: 20 } });
    const c = client(ex, { groups: { fast: { maxStreamsPerConnection: 1 } } });
    c.subscribe(['btcusdt@aggTrade', 'ethusdt@aggTrade', 'solusdt@aggTrade']);
    c.subscribe('btcusdt@bookTicker', { group: 'fast' });
    await c.start();
    const conns = ex.connections().map((x) => [...x.streams].sort());
    expect(conns).toHaveLength(2);
    expect(conns).toContainEqual(['btcusdt@bookTicker']);
    expect(conns).toContainEqual(['btcusdt@aggTrade', 'ethusdt@aggTrade', 'solusdt@aggTrade']);
    expect(() => c.subscribe('xrpusdt@trade', { group: 'no spaces allowed' })).toThrow(/option group: expected a group name/);
  });

  it('reconnect() called 10 times at once causes one reconnect', async () => {
    const ex = await emulator({ rates: { aggTrade: 50 } });
    const c = client(ex, { retryPolicy: new ConstantBackoff({ delayMs: 50 }) });
    let reconnected = 0;
    let trades = 0;
    c.on('reconnected', () => reconnected++);
    c.on('aggTrade', () => trades++);
    c.subscribe(['btcusdt@aggTrade']);
    await c.start();
    for (let i = 0; i < 10; i++) c.reconnect('test');
    await until(() => reconnected >= 1, { timeoutMs: 5_000, message: 'reconnected' });
    expect(reconnected).toBe(1);
    const n = trades;
    // 15 trades on the new connection (≈ 300 ms at 50/s): a second reconnect from the burst would show by then.
    await until(() => trades >= n + 15, { timeoutMs: 5_000, message: '15 trades on the new connection' });
    expect(reconnected).toBe(1);
    expect(ex.stats().connectionsOpened).toBe(2);
  });

  it('a throwing listener never breaks delivery; the error is reported', async () => {
    const ex = await emulator({ rates: { aggTrade: 100 } });
    const c = client(ex);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.error.code));
    let n = 0;
    c.on('aggTrade', () => {
      n++;
      throw new Error('bot bug');
    });
    c.subscribe(['btcusdt@aggTrade']);
    await c.start();
    await until(() => n > 5, { timeoutMs: 5_000, message: () => `six deliveries (got ${n})` });
    expect(errors[0]).toBe('ERR_LISTENER');
    expect(c.stats().pool.sockets[0]!.state).toBe('open');
  });

  it('an error event with no listener is logged, not thrown', async () => {
    const ex = await emulator({ rates: { aggTrade: 100 } });
    const log = captureLogs();
    const c = client(ex, { logger: log.logger });
    c.on('aggTrade', () => {
      throw new TypeError('');
    });
    c.subscribe(['btcusdt@aggTrade']);
    await c.start();
    await until(() => log.lines.some((l) => l.includes('listener threw')), { timeoutMs: 5_000, message: "a 'listener threw' log line" });
    expect(log.lines.find((l) => l.includes('listener threw'))).toContain('TypeError (no message)');
  });

  it('recovers from an abrupt drop and reports it with typed events', async () => {
    const ex = await emulator({ rates: { aggTrade: 50 } });
    const c = client(ex);
    const events: string[] = [];
    c.on('close', (e) => events.push(`close ${e.code} ${e.willReconnect}`));
    c.on('reconnecting', (e) => events.push(`reconnecting ${e.attempt} ${e.error.code}`));
    c.on('reconnected', (e) => events.push(`reconnected ${e.attempts}`));
    c.subscribe(['btcusdt@aggTrade']);
    await c.start();
    ex.faults.close({ all: true }, { code: 1006 });
    await until(() => events.includes('reconnected 1'), { timeoutMs: 5_000, message: () => `'reconnected 1' (events: ${events.join(', ')})` });
    expect(events[0]).toBe('close 1006 true');
    expect(events[1]).toMatch(/^reconnecting 1 ERR_CLOSED$/);
  });

  it('start() rejects, and gaveUp names the error, when the policy gives up before a connection opened', async () => {
    // A loopback port nothing listens on: every dial is refused at once.
    const log = captureLogs();
    const c = new BinanceStreamClient({
      baseUrl: 'ws://127.0.0.1:1',
      connectionBudget: new ConnectionBudget(),
      retryPolicy: new ConstantBackoff({ delayMs: 20, maxRetries: 2 }),
      logger: log.logger,
    });
    onCleanup(() => c.stop());
    const gaveUp: string[] = [];
    const retries: number[] = [];
    c.on('gaveUp', (e) => gaveUp.push(`${e.attempts} ${e.error.code} ${e.streams.join(',')}`));
    c.on('reconnecting', (e) => retries.push(e.attempt));
    c.subscribe(['btcusdt@aggTrade']);
    await expect(c.start()).rejects.toMatchObject({ code: 'ERR_SOCKET', message: expect.stringMatching(/ECONNREFUSED/) });
    expect(retries).toEqual([1, 2]);
    expect(gaveUp).toEqual(['2 ERR_SOCKET btcusdt@aggTrade']);
    expect(log.lines.filter((l) => l.startsWith('WARN') && / retry [12]\/2 in /.test(l))).toHaveLength(2);
    const errorLines = log.lines.filter((l) => l.startsWith('ERROR'));
    expect(errorLines.length).toBeGreaterThan(0);
    for (const l of log.lines) expect(l).not.toMatch(/error="?\s*(,|$)/);
  });

  it('stats() reports per-stream and per-socket figures', async () => {
    const ex = await emulator({ rates: { aggTrade: 100 } });
    const c = client(ex);
    c.subscribe(['btcusdt@aggTrade', 'ethusdt@aggTrade']);
    await c.start();
    await until(() => c.stats().pool.streams.every((s) => s.messages > 2), { timeoutMs: 5_000, message: 'three messages on every stream' });
    const st = c.stats();
    expect(st.market).toBe('spot');
    const s = st.pool.streams.find((x) => x.stream === 'btcusdt@aggTrade')!;
    expect(s.socketId).toBe(st.pool.sockets[0]!.socketId);
    expect(s.lastMessageAt).toBeTypeOf('number');
    expect(s.lagMs).toBeTypeOf('number');
    expect(s.errors).toBe(0);
    const sock = st.pool.sockets[0]!;
    expect(sock.state).toBe('open');
    expect(sock.streams).toBe(2);
    expect(sock.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(sock.reconnects).toBe(0);
    expect(st.pool.budget?.attemptsInWindow).toBe(1);
  });

  it('stop() is idempotent and leaves no socket behind; the client cannot restart', async () => {
    const ex = await emulator({ rates: { aggTrade: 50 } });
    const c = client(ex);
    c.subscribe(['btcusdt@aggTrade']);
    await c.start();
    await Promise.all([c.stop(), c.stop()]);
    await c.stop();
    await until(() => ex.connections().length === 0, { timeoutMs: 2_000, message: 'zero server-side connections' });
    expect(() => c.subscribe(['ethusdt@trade'])).toThrow(/after stop\(\)/);
  });

  it('stop() leaves zero timers (fake timers for the client, real I/O)', async () => {
    const ex = await emulator({ rates: { aggTrade: 50 } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true });
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget() });
    let n = 0;
    c.on('aggTrade', () => n++);
    c.subscribe(['btcusdt@aggTrade']);
    await c.start();
    await until(() => n > 2, { timeoutMs: 5_000, message: 'three deliveries' });
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await c.stop();
    // The emulator runs in this process too and its pacing timers made after the fake clock was
    // installed are fake as well: close it, so that only the client's could remain (and `ws`'s own
    // close-handshake timer of a socket the client terminated, cleared when its TCP socket closes).
    await ex.close();
    await until(() => vi.getTimerCount() === 0, { timeoutMs: 2_000, message: () => `${vi.getTimerCount()} timer(s) left` });
  });
});

describe('bad input', () => {
  it('names the option and the value', () => {
    expect(() => new BinanceStreamClient({ market: 'futures' as never })).toThrow(/option market: expected one of "spot", "usdm", "coinm", got "futures"/);
    expect(() => new BinanceStreamClient({ maxStreamsPerConnection: 2000 })).toThrow(/option maxStreamsPerConnection: expected an integer from 1 to 1024, got 2000/);
    expect(() => new BinanceStreamClient({ market: 'usdm', maxStreamsPerConnection: 1025 })).toThrow(/option maxStreamsPerConnection: expected an integer from 1 to 1024, got 1025/);
    expect(() => new BinanceStreamClient({ baseUrl: 'http://x' })).toThrow(/option baseUrl: expected a ws:\/\/ or wss:\/\/ URL, got "http:\/\/x"/);
    expect(() => new BinanceStreamClient({ maxStreamPerConnection: 5 } as never)).toThrow(/option maxStreamPerConnection: unknown option/);
    expect(() => new BinanceStreamClient({ heartbeat: { pongTimeoutMs: -1 } })).toThrow(/heartbeat.pongTimeoutMs/);
    expect(() => new BinanceStreamClient({ retryPolicy: {} as never })).toThrow(/option retryPolicy/);
  });

  it('never echoes a secret in an option error', () => {
    let msg = '';
    try {
      new BinanceStreamClient({ apiKey: 42 as never, apiSecret: 'S3CRET' });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/option apiKey/);
    expect(msg).not.toContain('42');
  });

  it('rejects bad stream names with the name, before anything changes', () => {
    const c = new BinanceStreamClient();
    expect(() => c.subscribe(['btcusdt@aggTrade', 'not a stream'])).toThrow(/"not a stream"/);
    expect(c.streams).toEqual([]);
    try {
      c.subscribe('btcusdt');
    } catch (err) {
      expect((err as { code: string }).code).toBe('ERR_INVALID_STREAM');
    }
  });

  it('does no I/O in the constructor', () => {
    const factory = vi.fn();
    const c = new BinanceStreamClient({ webSocketFactory: factory });
    c.subscribe(['btcusdt@aggTrade']);
    expect(factory).not.toHaveBeenCalled();
  });
});
