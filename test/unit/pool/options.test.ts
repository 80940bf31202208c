import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveSocketTuning } from '../../../src/connection/options';
import { MARKETS } from '../../../src/core/markets';
import { isResolved } from '../../../src/core/validate';
import { ConnectionBudget } from '../../../src/pool/connection-budget';
import type { StreamPoolOptions } from '../../../src/pool/options';
import { POOL_DEFAULTS, resolvePoolOptions } from '../../../src/pool/options';
import { StreamPool } from '../../../src/pool/stream-pool';
import { fakeFactory } from './fake-socket';
import { makePool, T0 } from './pool-harness';

const base: StreamPoolOptions = { market: MARKETS.spot, sink: () => {} };
const resolve = (extra: Partial<StreamPoolOptions> | Record<string, unknown>) => resolvePoolOptions({ ...base, ...extra } as StreamPoolOptions);
const invalid = (message: string) => expect.objectContaining({ name: 'BinanceStreamError', code: 'ERR_INVALID_OPTION', message });

describe('resolvePoolOptions', () => {
  it('applies every default once and marks the result resolved (frozen)', () => {
    const r = resolvePoolOptions(base);
    expect(isResolved(r)).toBe(true);
    expect(Object.isFrozen(r)).toBe(true);
    expect(r).toMatchObject({
      baseUrl: MARKETS.spot.urls.live.streamBase,
      maxStreamsPerConnection: 1024,
      idPrefix: 'spot',
      handoverTimeoutMs: POOL_DEFAULTS.handoverTimeoutMs,
      handoverSettleMs: 3_000,
      sweepIntervalMs: 5_000,
      progressIntervalMs: 100,
      liveness: { streamStaleAfterMs: undefined, minStaleAfterMs: 0, livenessTickMs: 100, loopBlockedMs: 1_000, lagThresholdMs: 1_000 },
      socketFactory: undefined,
      now: Date.now,
      random: Math.random,
    });
    expect(r.rotation).toEqual({ rotateAfterMs: 23 * 3_600_000, rotationJitterMs: 30 * 60_000, window: undefined, maxLifetimeMs: 24 * 3_600_000, rotationSafetyMs: 600_000 });
    expect(r.budget).toBe(ConnectionBudget.shared());
    expect(r.tuning).toEqual(resolveSocketTuning({}, MARKETS.spot));
    expect(isResolved(r.tuning)).toBe(true);
    expect(resolvePoolOptions({ ...base, market: MARKETS.usdm }).maxStreamsPerConnection).toBe(1024);
  });

  it('keeps given values and resolves the socket tuning from the tuning fields', () => {
    const r = resolve({
      baseUrl: 'ws://127.0.0.1:9',
      rotateAfterMs: false,
      rotationWindow: { startHourUtc: 22, endHourUtc: 2 },
      streamStaleAfterMs: false,
      staleAfterMs: 5_000,
      groups: { fast: { maxStreamsPerConnection: 5 } },
    });
    expect(r.baseUrl).toBe('ws://127.0.0.1:9');
    expect(r.rotation.rotateAfterMs).toBe(false);
    expect(r.rotation.window).toEqual({ startHourUtc: 22, endHourUtc: 2 });
    expect(r.liveness.streamStaleAfterMs).toBe(false);
    expect(r.tuning.staleAfterMs).toBe(5_000);
    expect(r.socketTuning.staleAfterMs).toBe(false); // the pool judges silence itself; its sockets' own watch is off
    expect(resolve({ staleAfterMs: 5_000 }).liveness.streamStaleAfterMs).toBe(5_000); // the tuning's threshold, per stream
    expect(resolve({ streamStaleAfterMs: { 'BTCUSDT@depth': 2_000 }, lagThresholdMs: false }).liveness).toMatchObject({ streamStaleAfterMs: { 'btcusdt@depth': 2_000 }, lagThresholdMs: 0 });
    expect([...r.groupCaps]).toEqual([['fast', 5]]);
    const fn = () => 1_000;
    expect(resolve({ streamStaleAfterMs: fn }).liveness.streamStaleAfterMs).toBe(fn);
  });

  it('names a bad rotationWindow the way the user writes it (was a plain RangeError)', () => {
    expect(() => resolve({ rotationWindow: { startHourUtc: 25, endHourUtc: 3 } })).toThrow(invalid('option rotationWindow.startHourUtc: expected an integer from 0 to 23, got 25'));
    expect(() => resolve({ rotationWindow: { startHourUtc: 3, endHourUtc: 3 } })).toThrow(invalid('option rotationWindow.endHourUtc: expected an hour different from startHourUtc, got 3'));
    expect(() => resolve({ rotationWindow: { startHourUtc: 3, endHourUtc: 25 } })).toThrow(invalid('option rotationWindow.endHourUtc: expected an integer from 1 to 24, got 25'));
    expect(() => resolve({ rotationWindow: null })).toThrow(invalid('option rotationWindow: expected an object { startHourUtc, endHourUtc }, got null'));
  });

  it('every bad pool option is ERR_INVALID_OPTION naming option, expected form and value', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ maxStreamsPerConnection: 1025 }, 'option maxStreamsPerConnection: expected an integer from 1 to 1024, got 1025'],
      [{ market: MARKETS.usdm, maxStreamsPerConnection: 1025 }, 'option maxStreamsPerConnection: expected an integer from 1 to 1024, got 1025'],
      [{ groups: { fast: { maxStreamsPerConnection: 0 } } }, 'option groups.fast.maxStreamsPerConnection: expected an integer from 1 to 1024, got 0'],
      [{ groups: { 'bad name': {} } }, 'option groups key: expected a group name (1-32 of A-Z a-z 0-9 _ . -), got "bad name"'],
      [{ groups: { fast: { cap: 1 } } }, 'option groups.fast.cap: unknown option (known: maxStreamsPerConnection)'],
      [{ baseUrl: 'http://x' }, 'option baseUrl: expected a ws:// or wss:// URL, got "http://x"'],
      [{ rotateAfterMs: 0 }, 'option rotateAfterMs: expected a number >= 60000 ms, got 0'],
      [{ rotateAfterMs: 'soon' }, 'option rotateAfterMs: expected false or a number >= 60000 ms, got "soon"'],
      [{ rotationJitterMs: -1 }, 'option rotationJitterMs: expected a number >= 0 ms, got -1'],
      [{ handoverTimeoutMs: 0 }, 'option handoverTimeoutMs: expected a number >= 1000 ms, got 0'],
      [{ handoverSettleMs: Number.NaN }, 'option handoverSettleMs: expected a number >= 0 ms, got NaN'],
      [{ streamStaleAfterMs: 0 }, 'option streamStaleAfterMs: expected a number >= 1 ms, got 0'],
      [{ sweepIntervalMs: 0 }, 'option sweepIntervalMs: expected a number >= 1 ms, got 0'],
      [{ progressIntervalMs: -5 }, 'option progressIntervalMs: expected a number >= 0 ms, got -5'],
      [{ sink: undefined }, 'option sink: expected a function (message, info) => void, got undefined'],
      [{ market: undefined }, 'option market: expected a MarketProfile, got undefined'],
      [{ budget: {} }, 'option budget: expected a DialGate (acquire, reportRejection), e.g. a ConnectionBudget, got an object'],
      [{ retryPolicy: 3 }, 'option retryPolicy: expected a RetryPolicy (e.g. new ExponentialBackoff()), got 3'],
      [{ socketFactory: 'ws' }, 'option socketFactory: expected a function (options) => socket, got "ws"'],
      [{ idPrefix: 'a b' }, 'option idPrefix: expected a socket-id prefix (1-32 of A-Z a-z 0-9 _ . -), got "a b"'],
      [{ tuning: { heartbeat: false } }, 'option tuning: expected a tuning object returned by resolveSocketTuning(), got an object'],
      [{ rotationWindw: {} }, expect.stringContaining('option rotationWindw: unknown option (known: ') as unknown as string],
    ];
    for (const [extra, message] of cases) expect(() => resolve(extra), JSON.stringify(extra)).toThrow(invalid(message));
  });

  it('bad socket tuning fails through the connection layer’s one check set, same code', () => {
    expect(() => resolve({ heartbeat: { idlePingMs: -1 } })).toThrow(invalid('option heartbeat.idlePingMs: expected 0 (off) or a number >= 1000 ms, got -1'));
    expect(() => resolve({ connectTimeoutMs: 0 })).toThrow(invalid('option connectTimeoutMs: expected a number >= 1000 ms, got 0'));
  });

  it('a prefix names the options inside a larger object', () => {
    expect(() => resolvePoolOptions({ ...base, sweepIntervalMs: 0 }, 'pool')).toThrow(invalid('option pool.sweepIntervalMs: expected a number >= 1 ms, got 0'));
    expect(() => resolvePoolOptions({ ...base, staleAfterMs: 0 }, 'pool.')).toThrow(invalid('option pool.staleAfterMs: expected a number >= 1000 ms, got 0'));
  });
});

describe('StreamPool and resolved options', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('uses a resolved object as it is and gives every socket the same resolved tuning', async () => {
    const { sockets, factory } = fakeFactory();
    const r = resolvePoolOptions({ ...base, socketFactory: factory, maxStreamsPerConnection: 1, staleAfterMs: 7_000 });
    const pool = new StreamPool(r);
    pool.subscribe(['a@trade', 'b@trade']);
    void pool.start();
    sockets[0]!.open();
    const rotating = pool.rotate('spot-1');
    expect(sockets).toHaveLength(3);
    expect(sockets.every((s) => s.options.tuning === r.socketTuning && s.options.dialGate === r.budget && s.options.logger === r.logger)).toBe(true);
    expect(pool.baseUrl).toBe(r.baseUrl);
    await pool.stop();
    await rotating; // a stop cancels the handover
  });

  it('resolves raw options itself: a bad one throws from the constructor, the tuning is resolved once for all sockets', async () => {
    expect(() => makePool({ maxStreamsPerConnection: 1025 })).toThrow(invalid('option maxStreamsPerConnection: expected an integer from 1 to 1024, got 1025'));
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 1 });
    pool.subscribe(['a@trade', 'b@trade', 'c@trade']);
    expect(sockets).toHaveLength(3);
    expect(isResolved(sockets[0]!.options.tuning)).toBe(true);
    expect(sockets.every((s) => s.options.tuning === sockets[0]!.options.tuning)).toBe(true);
    await pool.stop();
  });

  it('subscribe() and unsubscribe() arguments: typed errors with a code, never a plain TypeError; nothing is added on error', () => {
    const { pool, sockets } = makePool();
    expect(() => pool.subscribe(['a@trade'], { group: 'bad group' })).toThrow(invalid('option group: expected a group name (1-32 of A-Z a-z 0-9 _ . -), got "bad group"'));
    expect(() => pool.subscribe(['a@trade'], { group: 7 as unknown as string })).toThrow(invalid('option group: expected a group name (1-32 of A-Z a-z 0-9 _ . -), got 7'));
    for (const bad of [undefined, null, 42, new Set(['a@trade']), { length: 1, 0: 'a@trade' }]) {
      expect(() => pool.subscribe(bad as unknown as string[]), String(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: expect.stringMatching(/subscribe\(\): expected a stream name or an array of stream names/) }),
      );
    }
    expect(() => pool.unsubscribe(undefined as unknown as string[])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    // A name the market does not serve (a typo) is rejected naming the bad part.
    expect(() => pool.subscribe(['btcusdt@klin_1m'])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: expect.stringMatching(/unknown stream type "klin_1m"/) }));
    for (const bad of ['bad stream', '', 42, null, 'nosymbol']) {
      expect(() => pool.subscribe(['ok@trade', bad as string]), String(bad)).toThrow(expect.objectContaining({ name: 'BinanceStreamError', code: 'ERR_INVALID_STREAM', permanent: true }));
    }
    expect(() => pool.subscribe(['bad stream'])).toThrow(/bad stream/);
    expect(() => pool.unsubscribe(['bad stream'])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', streams: ['bad stream'] }));
    expect(pool.size).toBe(0);
    expect(sockets).toHaveLength(0);
  });
});
