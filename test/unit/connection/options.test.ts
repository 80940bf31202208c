import { describe, expect, it } from 'vitest';
import { DEFAULT_HEARTBEAT, SOCKET_DEFAULTS, TIMING_BOUNDS, allowsShortTimings, checkSocketOptions, resolveSocketTuning, unsafeShortTimings } from '../../../src/connection/options';
import type { ResilientSocketOptions, SocketTuning } from '../../../src/connection/types';
import { ExponentialBackoff } from '../../../src/retry/exponential-backoff';
import { ResilientSocket } from '../../../src/connection/resilient-socket';
import { MARKETS } from '../../../src/core/markets';
import { isResolved } from '../../../src/core/validate';
import { makeSocket } from './helpers';

const invalid = (message: string | RegExp) => expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: typeof message === 'string' ? message : expect.stringMatching(message) });

describe('resolveSocketTuning', () => {
  it('applies the per-market defaults, frozen and marked resolved', () => {
    const spot = resolveSocketTuning({}, MARKETS.spot);
    expect(spot).toEqual({
      heartbeat: DEFAULT_HEARTBEAT.spot,
      staleAfterMs: undefined,
      ...SOCKET_DEFAULTS,
      maxStreamsPerRequest: 1024,
      maxOutgoingPerSecond: 4,
    });
    expect(Object.isFrozen(spot)).toBe(true);
    expect(isResolved(spot)).toBe(true);
    const usdm = resolveSocketTuning({ heartbeat: { idlePingMs: 5_000 }, staleAfterMs: false }, MARKETS.usdm);
    expect(usdm).toMatchObject({ heartbeat: { idlePingMs: 5_000, pongTimeoutMs: 15_000 }, staleAfterMs: false, maxStreamsPerRequest: 1024, maxOutgoingPerSecond: 9 });
    expect(resolveSocketTuning({ heartbeat: false }, MARKETS.spot).heartbeat).toBe(false);
  });

  it('every bad option is ERR_INVALID_OPTION naming it as written, with the nested prefix', () => {
    expect(() => resolveSocketTuning({ staleAfterMs: 0 }, MARKETS.spot)).toThrow(invalid('option staleAfterMs: expected a number >= 1000 ms, got 0'));
    expect(() => resolveSocketTuning({ maxOutgoingPerSecond: 0 }, MARKETS.spot)).toThrow(invalid(/^option maxOutgoingPerSecond: expected an integer >= 1, got 0$/));
    expect(() => resolveSocketTuning({ maxUrlLength: 10 }, MARKETS.spot, 'groups.fast')).toThrow(invalid(/^option groups\.fast\.maxUrlLength: expected an integer >= 64/));
    expect(() => resolveSocketTuning({ heartbeat: { pongTimeoutMs: -1 } }, MARKETS.spot, 'groups.fast.')).toThrow(invalid(/^option groups\.fast\.heartbeat\.pongTimeoutMs:/));
    expect(() => resolveSocketTuning({ heartbeat: 'on' as never }, MARKETS.spot)).toThrow(invalid(/^option heartbeat: expected false or an object/));
    expect(() => resolveSocketTuning({ requestTimeoutMs: Number.NaN }, MARKETS.spot)).toThrow(invalid(/^option requestTimeoutMs:/));
  });
});

describe('ResilientSocket option wiring', () => {
  it('rejects bad wiring with ERR_INVALID_OPTION naming the option', () => {
    expect(() => makeSocket({ maxOutgoingPerSecond: 0 })).toThrow(invalid(/maxOutgoingPerSecond/));
    expect(() => makeSocket({ id: '' })).toThrow(invalid('option id: expected a non-empty string, got ""'));
    expect(() => makeSocket({ id: undefined as never })).toThrow(invalid(/^option id:/));
    expect(() => makeSocket({ market: {} as never })).toThrow(invalid(/^option market: expected a MarketProfile/));
    expect(() => makeSocket({ url: 'wss://x' as never })).toThrow(invalid(/^option url: expected a function/));
    expect(() => makeSocket({ onMessage: undefined as never })).toThrow(invalid(/^option onMessage: expected a function/));
    expect(() => makeSocket({ retryPolicy: {} as never })).toThrow(invalid(/^option retryPolicy: expected a RetryPolicy/));
    expect(() => makeSocket({ onOpen: 1 as never })).toThrow(invalid(/^option onOpen: expected a function/));
    expect(() => makeSocket({ onServerShutdown: 'emit' as never })).toThrow(invalid(/^option onServerShutdown: expected a function/));
    expect(() => makeSocket({ framing: { kind: 'raw' } as never })).toThrow(invalid(/^option framing:/));
    expect(() => makeSocket({ tuning: { connectTimeoutMs: 1 } as never })).toThrow(invalid(/^option tuning: expected a tuning object returned by resolveSocketTuning/));
    expect(() => new ResilientSocket(null as never)).toThrow(invalid(/^option options:/));
  });

  it('uses options.tuning as it is (the SocketTuning fields are then ignored)', () => {
    const tuning = resolveSocketTuning({ connectTimeoutMs: 1234 }, MARKETS.spot);
    expect(() => makeSocket({ tuning, maxOutgoingPerSecond: 0 })).not.toThrow();
  });

  it('bad stream names and non-arrays are ERR_INVALID_STREAM naming the call', () => {
    const { socket } = makeSocket();
    expect(() => socket.addStreams(['bad stream'])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: expect.stringContaining('addStreams: stream name "bad stream" is invalid') }),
    );
    expect(() => socket.addStreams([''])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => socket.removeStreams('a@trade' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: 'removeStreams: expected an array of stream names, got "a@trade"' }));
    expect(() => socket.resubscribe([1 as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => makeSocket({ streams: ['a b'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => socket.send(null as never)).toThrow(invalid(/^option send\(frame\): expected a JSON-serialisable object/));
  });
});

describe('timing bounds (issue 10, item 11)', () => {
  it('rejects every timing option below its documented bound, naming the bound', () => {
    const cases: [SocketTuning, string][] = [
      [{ staleAfterMs: 1 }, 'option staleAfterMs: expected a number >= 1000 ms, got 1'],
      [{ staleDebounceMs: 0 }, 'option staleDebounceMs: expected a number >= 1000 ms, got 0'],
      [{ heartbeat: { idlePingMs: 999 } }, 'option heartbeat.idlePingMs: expected 0 (off) or a number >= 1000 ms, got 999'],
      [{ heartbeat: { pongTimeoutMs: 500 } }, 'option heartbeat.pongTimeoutMs: expected a number >= 1000 ms, got 500'],
      [{ connectTimeoutMs: 300 }, 'option connectTimeoutMs: expected a number >= 1000 ms, got 300'],
      [{ requestTimeoutMs: 999 }, 'option requestTimeoutMs: expected a number >= 1000 ms, got 999'],
    ];
    for (const [o, message] of cases) expect(() => resolveSocketTuning(o, MARKETS.spot), JSON.stringify(o)).toThrow(invalid(message));
    expect(TIMING_BOUNDS).toEqual({ staleAfterMs: 1_000, staleDebounceMs: 1_000, idlePingMs: 1_000, pongTimeoutMs: 1_000, connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
    // The bounds themselves, 0 (no idle ping) and false are accepted.
    const t = resolveSocketTuning({ staleAfterMs: 1_000, staleDebounceMs: 1_000, heartbeat: { idlePingMs: 0, pongTimeoutMs: 1_000 }, connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 }, MARKETS.spot);
    expect(t).toMatchObject({ staleAfterMs: 1_000, staleDebounceMs: 1_000, heartbeat: { idlePingMs: 0, pongTimeoutMs: 1_000 } });
  });

  it('the reported storm (staleAfterMs: 1, staleDebounceMs: 0) is refused for a socket built alone too', () => {
    const o = { id: 's', market: MARKETS.spot, url: () => 'ws://127.0.0.1:1', onMessage: () => {}, retryPolicy: new ExponentialBackoff(), staleAfterMs: 1, staleDebounceMs: 0 };
    expect(() => checkSocketOptions(o as unknown as ResilientSocketOptions)).toThrow(invalid('option staleAfterMs: expected a number >= 1000 ms, got 1'));
  });

  it('unsafeShortTimings (test-only) lifts the bounds to positive values; it survives a copy of the options', () => {
    const t = resolveSocketTuning(
      { ...unsafeShortTimings, staleAfterMs: 1, staleDebounceMs: 0, heartbeat: { idlePingMs: 5, pongTimeoutMs: 5 }, connectTimeoutMs: 5, requestTimeoutMs: 5 },
      MARKETS.spot,
    );
    expect(t).toMatchObject({ staleAfterMs: 1, staleDebounceMs: 0, connectTimeoutMs: 5 });
    expect(allowsShortTimings({ ...unsafeShortTimings })).toBe(true);
    expect(allowsShortTimings({})).toBe(false);
    expect(() => resolveSocketTuning({ ...unsafeShortTimings, connectTimeoutMs: 0 }, MARKETS.spot)).toThrow(invalid('option connectTimeoutMs: expected a number >= 1 ms, got 0'));
  });
});
