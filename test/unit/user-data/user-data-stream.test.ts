/** The facade (futures driver) over a fake socket and a mock REST endpoint, under fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canTransition, createUserDataStream } from '../../../src/user-data/user-data-stream';
import type { CreateUserDataStreamOptions } from '../../../src/user-data/user-data-stream';
import { FakeSocket, fakeSocketFactory } from './fake-socket';
import { fastPolicy, recorder } from './harness';
import { mockRest } from './mock-rest';

const MIN = 60_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('createUserDataStream (futures, fake timers)', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => vi.useRealTimers());

  function make(rest = mockRest(), extra: Partial<CreateUserDataStreamOptions> = {}) {
    const rec = recorder();
    const ctl = createUserDataStream({
      product: 'usdm',
      apiKey: 'k-0123456789',
      restBaseUrl: 'https://fapi.test',
      streamBaseUrl: 'wss://fstream.test',
      wsApiUrl: 'wss://ws-api.test/ws-api/v3',
      logger: silent,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      fetch: rest.fetch,
      socketFactory: fakeSocketFactory(),
      heartbeat: false,
      ...extra,
    });
    return { ctl, rec, rest, socket: () => FakeSocket.all[0]! };
  }

  it('builds a raw-framed socket without a stale watchdog, with the user-data tuning', () => {
    const { socket } = make(undefined, { connectTimeoutMs: 5000, requestTimeoutMs: 3000 });
    expect(socket().options).toMatchObject({
      id: 'user-usdm',
      framing: { kind: 'raw', streamName: 'user-usdm' },
      staleAfterMs: false,
      heartbeat: false,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 3000,
    });
    expect(socket().options.market.id).toBe('usdm');
  });

  it('opens only with a key, keeps it alive every 30 min for 24 h, and stop() leaves no timer', async () => {
    const { ctl, rec, rest, socket } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    expect(socket().urls).toEqual([`wss://fstream.test/private/ws?listenKey=${rest.active}`]);
    const before = rest.count('PUT');
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    expect(rest.count('PUT') - before).toBe(48);
    expect(socket().urls).toHaveLength(1); // keepalives never touch the socket
    socket().push({ e: 'ORDER_TRADE_UPDATE', E: 1, T: 1, o: { i: 1 } });
    expect(rec.of('orderUpdate')).toHaveLength(1);
    expect(ctl.stats().timers).toBe(1); // the keepalive
    await ctl.stop();
    expect(rest.deleted, "default closeListenKeyOnStop 'never': the key is left to expire").toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(ctl.stats().timers).toBe(0);
    expect(rec.of('userDataState').map((e: any) => e.state)).toEqual(['subscribing', 'live', 'stopped']);
  });

  it('listenKeyExpired → new key → the socket re-dials with it → userDataGap', async () => {
    const { ctl, rec, rest, socket } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    const first = rest.active as string;
    rest.expireActive();
    socket().push({ e: 'listenKeyExpired', E: String(Date.now()), listenKey: first });
    await vi.advanceTimersByTimeAsync(10);
    expect(socket().urls).toHaveLength(2);
    const second = rest.active as string;
    expect(second).not.toBe(first);
    expect(socket().urls[1]).toContain(second);
    const expired = rec.of('listenKeyExpired')[0];
    expect(expired.listenKey).not.toBe(first);
    expect(rec.of('userDataGap')).toEqual([{ source: 'usdm', from: expect.any(Number), to: expect.any(Number), reason: 'listenKeyExpired' }]);
    expect(rec.of('listenKey').map((e: any) => e.action)).toEqual(['created', 'expired', 'replaced']);
    await ctl.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a drop reconnects under the retry policy; the gap starts at the drop', async () => {
    const { ctl, rec, socket } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    await vi.advanceTimersByTimeAsync(5 * MIN);
    const dropAt = Date.now();
    socket().drop();
    expect(ctl.stats().state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket().urls).toHaveLength(2);
    const gap = rec.of('userDataGap')[0];
    expect(gap.from).toBe(dropAt);
    expect(gap.to).toBeGreaterThan(dropAt);
    expect(gap.reason).toMatch(/ERR_CLOSED.*1006/);
    expect(rec.of('userDataState').map((e: any) => e.state)).toEqual(['subscribing', 'live', 'reconnecting', 'live']);
    await ctl.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() before live rejects start() with ERR_ABORTED and leaves no timer', async () => {
    const rest = mockRest();
    rest.hang('POST');
    const { ctl, socket } = make(rest);
    const p = ctl.start();
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(0);
    await ctl.stop();
    await done;
    expect(socket().urls).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(ctl.start()).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('a permanent failure gives up: failed, start() rejects, an ERROR log', async () => {
    const rest = mockRest();
    rest.failNext('POST', 5, 401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    const errors: string[] = [];
    const { ctl, rec } = make(rest, { logger: { ...silent, error: (_f: object, m: string) => errors.push(m) } });
    const p = ctl.start();
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_AUTH', permanent: true });
    await vi.advanceTimersByTimeAsync(0);
    await done;
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.of('userDataState').map((e: any) => e.state)).toEqual(['subscribing', 'failed']);
    expect(rec.of('userDataState')[1].error).toMatchObject({ code: 'ERR_AUTH' });
    expect(errors).toContain('user data gave up');
    await ctl.stop();
    expect(ctl.stats().state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('userDataState is emitted after the transition (deferred): a listener sees the new state', async () => {
    const seen: [string, string][] = [];
    const rest = mockRest();
    const ctl: ReturnType<typeof createUserDataStream> = createUserDataStream({
      product: 'usdm',
      apiKey: 'k-0123456789',
      restBaseUrl: 'https://fapi.test',
      streamBaseUrl: 'wss://fstream.test',
      wsApiUrl: 'wss://ws-api.test/ws-api/v3',
      logger: silent,
      retryPolicy: fastPolicy(),
      fetch: rest.fetch,
      socketFactory: fakeSocketFactory(),
      emit: ((event: string, e: any) => {
        if (event === 'userDataState') seen.push([e.state, ctl.stats().state]);
      }) as never,
    });
    const p = ctl.start();
    expect(seen).toEqual([]); // not during start(): after the transition
    await vi.advanceTimersByTimeAsync(0);
    await p;
    await ctl.stop();
    expect(seen).toEqual([
      ['subscribing', 'subscribing'],
      ['live', 'live'],
      ['stopped', 'stopped'],
    ]);
  });

  it('an illegal transition throws (a bug, not a log line)', async () => {
    expect(canTransition('idle', 'subscribing')).toBe(true);
    expect(canTransition('stopped', 'live')).toBe(false);
    expect(canTransition('failed', 'live')).toBe(true); // a revived socket (reconnect()/start()) opened again
    expect(canTransition('failed', 'subscribing')).toBe(false);
    expect(canTransition('idle', 'live')).toBe(false);
    const { ctl } = make();
    expect(() => (ctl as any).setState('live')).toThrow(/illegal state change idle → live/);
    await ctl.stop();
    expect(() => (ctl as any).setState('subscribing')).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED', message: expect.stringMatching(/stopped → subscribing/) }));
  });

  it('reconnect() re-dials, futures re-check nothing within 10 s of a validation', async () => {
    const { ctl, rec, rest, socket } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    const puts = rest.count('PUT');
    ctl.reconnect('test');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket().reconnects).toEqual(['test']);
    expect(socket().urls).toHaveLength(2);
    expect(rest.count('PUT')).toBe(puts);
    expect(rec.of('userDataGap')).toHaveLength(1);
    await ctl.stop();
  });
});
