/** The futures driver's URLs, and its socket wiring against a fake socket. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { futuresUserDataUrl } from '../../../../src/user-data/futures/futures-user-stream';
import { createUserDataStream } from '../../../../src/user-data/user-data-stream';
import { FakeSocket, fakeSocketFactory } from '../fake-socket';
import { fastPolicy, recorder } from '../harness';
import { mockRest } from '../mock-rest';

describe('futuresUserDataUrl', () => {
  it('builds each product’s URL; events always include listenKeyExpired', () => {
    expect(futuresUserDataUrl('usdm', 'wss://fstream.binance.com/', 'KEY')).toBe('wss://fstream.binance.com/private/ws?listenKey=KEY');
    expect(futuresUserDataUrl('usdm', 'wss://fstream.binance.com', 'KEY', ['ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'])).toBe(
      'wss://fstream.binance.com/private/ws?listenKey=KEY&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired',
    );
    expect(futuresUserDataUrl('usdm', 'wss://x', 'KEY', ['listenKeyExpired'])).toBe('wss://x/private/ws?listenKey=KEY&events=listenKeyExpired');
    expect(futuresUserDataUrl('coinm', 'wss://dstream.binance.com', 'KEY')).toBe('wss://dstream.binance.com/ws/KEY');
    expect(futuresUserDataUrl('portfolio', 'wss://fstream.binance.com', 'KEY')).toBe('wss://fstream.binance.com/pm/ws/KEY');
  });
});

describe('FuturesUserStream (fake socket, fake timers)', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  function make(product: 'usdm' | 'coinm' | 'portfolio', extra: object = {}) {
    const rest = mockRest();
    const rec = recorder();
    const ctl = createUserDataStream({
      product,
      apiKey: 'k-0123456789',
      restBaseUrl: 'https://f.test',
      streamBaseUrl: 'wss://f.test',
      wsApiUrl: 'wss://f.test/ws-api/v3',
      logger: undefined,
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      fetch: rest.fetch,
      socketFactory: fakeSocketFactory(),
      closeListenKeyOnStop: 'owned', // the scripted REST sequences below include its ownership probe
      ...extra,
    });
    return { ctl, rec, rest, socket: () => FakeSocket.all[0]! };
  }

  it('COIN-M and portfolio dial <base>/ws/<key> and <base>/pm/ws/<key> on their own REST paths', async () => {
    for (const [product, path, ws] of [
      ['coinm', '/dapi/v1/listenKey', '/ws/'],
      ['portfolio', '/papi/v1/listenKey', '/pm/ws/'],
    ] as const) {
      FakeSocket.all = [];
      const { ctl, rest, socket, rec } = make(product);
      const p = ctl.start();
      await vi.advanceTimersByTimeAsync(0);
      await p;
      expect(rest.calls.every((c) => c.path === path)).toBe(true);
      expect(socket().urls).toEqual([`wss://f.test${ws}${rest.active}`]);
      expect(socket().options.market.id).toBe(product === 'coinm' ? 'coinm' : 'usdm');
      socket().push({ e: 'ACCOUNT_UPDATE', E: 1, T: 1, a: { m: 'x', B: [], P: [] } });
      expect(rec.of('userData')[0]).toMatchObject({ source: product });
      await ctl.stop();
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('USD-M events allow-list goes in the URL with listenKeyExpired', async () => {
    const { ctl, rest, socket } = make('usdm', { events: ['ORDER_TRADE_UPDATE'] });
    const p = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await p;
    expect(socket().urls[0]).toBe(`wss://f.test/private/ws?listenKey=${rest.active}&events=ORDER_TRADE_UPDATE/listenKeyExpired`);
    await ctl.stop();
  });

  it('a listenKeyExpired for an older key is delivered (masked) but interrupts nothing', async () => {
    const { ctl, rec, socket } = make('usdm');
    const p = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await p;
    socket().push({ e: 'listenKeyExpired', E: 1, listenKey: 'an-old-key-0123456789abcdef' });
    await vi.advanceTimersByTimeAsync(10);
    expect(rec.of('listenKeyExpired')[0].listenKey).toBe('an-o…cdef');
    expect(socket().urls).toHaveLength(1);
    expect(rec.of('userDataGap')).toHaveLength(0);
    expect(ctl.stats().state).toBe('live');
    await ctl.stop();
  });

  it('a frame without an event type is ignored', async () => {
    const { ctl, rec, socket } = make('usdm');
    const p = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await p;
    socket().push({ hello: 1 });
    expect(rec.of('userData')).toHaveLength(0);
    expect(ctl.stats()).toMatchObject({ events: 0, details: { listenKey: expect.stringContaining('…'), ownsListenKey: true, nextListenKeyRefreshInMs: 30 * 60_000 } });
    await ctl.stop();
  });
});
