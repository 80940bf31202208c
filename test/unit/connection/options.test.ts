import { describe, expect, it } from 'vitest';
import { DEFAULT_HEARTBEAT, SOCKET_DEFAULTS, resolveSocketTuning } from '../../../src/connection/options';
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
    expect(usdm).toMatchObject({ heartbeat: { idlePingMs: 5_000, pongTimeoutMs: 15_000 }, staleAfterMs: false, maxStreamsPerRequest: 200, maxOutgoingPerSecond: 9 });
    expect(resolveSocketTuning({ heartbeat: false }, MARKETS.spot).heartbeat).toBe(false);
  });

  it('every bad option is ERR_INVALID_OPTION naming it as written, with the nested prefix', () => {
    expect(() => resolveSocketTuning({ staleAfterMs: 0 }, MARKETS.spot)).toThrow(invalid('option staleAfterMs: expected a number >= 1 ms, got 0'));
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
    expect(() => socket.addStreams(['bad stream'])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: expect.stringContaining('addStreams: invalid stream name "bad stream"') }));
    expect(() => socket.addStreams([''])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => socket.removeStreams('a@trade' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM', message: 'removeStreams: expected an array of stream names, got string' }));
    expect(() => socket.resubscribe([1 as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => makeSocket({ streams: ['a b'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STREAM' }));
    expect(() => socket.send(null as never)).toThrow(invalid(/^option send\(frame\): expected a JSON-serialisable object/));
  });
});
