import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../../src/connection/heartbeat';
import { StaleWatchdog } from '../../../src/connection/watchdog';
import { maskUrl } from '../../../src/connection/url';
import { SOCKET_TRANSITIONS, canTransition } from '../../../src/connection/state';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('Heartbeat', () => {
  function setup(idlePingMs = 1000, pongTimeoutMs = 300) {
    const state = { last: 0, pings: 0, dead: [] as number[] };
    const hb = new Heartbeat(
      { idlePingMs, pongTimeoutMs },
      { now: Date.now, lastInboundAt: () => state.last, sendPing: () => void state.pings++, onDead: (s) => void state.dead.push(s) },
    );
    return { hb, state };
  }

  it('pings after idle silence, declares death when nothing answers', async () => {
    const { hb, state } = setup();
    hb.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(state.dead).toEqual([1300]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-arms from the last inbound frame and never pings a busy connection', async () => {
    const { hb, state } = setup();
    hb.start();
    for (let t = 0; t < 10; t++) {
      await vi.advanceTimersByTimeAsync(600);
      state.last = Date.now();
    }
    expect(state.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.pings).toBe(1);
    state.last = Date.now(); // the pong
    await vi.advanceTimersByTimeAsync(300);
    expect(state.dead).toEqual([]);
    hb.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('idlePingMs 0 disables it', () => {
    const { hb } = setup(0);
    hb.start();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('StaleWatchdog', () => {
  function setup(threshold = 1000, debounce = 5000) {
    const state = { last: 0, threshold, calls: [] as [number, string][] };
    const wd = new StaleWatchdog(
      { now: Date.now, lastDataAt: () => state.last, thresholdMs: () => state.threshold, onStale: (s, a) => void state.calls.push([s, a]) },
      debounce,
    );
    return { wd, state };
  }

  it('fires after the threshold, then reports once with action none inside the debounce', async () => {
    const { wd, state } = setup();
    wd.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.calls).toEqual([[1000, 'reconnect']]);
    state.last = Date.now();
    wd.start(); // new connection
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.calls[1]).toEqual([1000, 'none']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(state.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(state.calls[2]).toEqual([5000, 'reconnect']);
    wd.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refresh() applies a new threshold; 0 disables', async () => {
    const { wd, state } = setup(10_000);
    wd.start();
    await vi.advanceTimersByTimeAsync(2000);
    state.threshold = 1500;
    wd.refresh();
    expect(state.calls).toEqual([[2000, 'reconnect']]);
    state.threshold = 0;
    wd.start();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('maskUrl', () => {
  const key = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
  it('masks listenKeys in queries and paths, keeps stream names', () => {
    expect(maskUrl(`wss://fstream.binance.com/private/ws?listenKey=${key}&events=ORDER_TRADE_UPDATE`)).toBe(
      'wss://fstream.binance.com/private/ws?listenKey=pqia…65a1&events=ORDER_TRADE_UPDATE',
    );
    expect(maskUrl(`wss://dstream.binance.com/ws/${key}`)).toBe('wss://dstream.binance.com/ws/pqia…65a1');
    expect(maskUrl(`wss://x/private/stream?streams=${key}`)).toBe('wss://x/private/stream?streams=pqia…65a1');
    const plain = 'wss://stream.binance.com:9443/stream?streams=btcusdt@aggTrade/!miniTicker@arr/ethusdt@kline_1h';
    expect(maskUrl(plain)).toBe(plain);
    expect(maskUrl('wss://x/ws?listenKey=short')).toBe('wss://x/ws?listenKey=****');
  });
});

describe('state table', () => {
  it('closed is terminal and every state can reach closed', () => {
    expect(SOCKET_TRANSITIONS.closed).toEqual([]);
    for (const s of ['idle', 'connecting', 'open', 'reconnecting', 'closing'] as const) expect(canTransition(s, 'closed')).toBe(true);
    expect(canTransition('idle', 'open')).toBe(false);
  });
});
