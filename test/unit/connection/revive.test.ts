/** Issue 10 items 1 and 7 at the socket: a given-up socket is `failed` and revivable; reconnect() is debounced over a window. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECONNECT_DEBOUNCE_MS } from '../../../src/connection/socket-host';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import { makeSocket, settle } from './helpers';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Fail every dial until the policy (maxRetries 1, 100 ms) gives up. */
async function failUntilGaveUp(h: ReturnType<typeof makeSocket>): Promise<void> {
  const before = h.of('gaveUp').length;
  for (let i = 0; i < 5 && h.of('gaveUp').length === before; i++) {
    h.fake.last().fail();
    await settle();
    await vi.advanceTimersByTimeAsync(100);
    await settle();
  }
  expect(h.of('gaveUp')).toHaveLength(before + 1);
}

describe('ResilientSocket: after gaveUp', () => {
  it('is `failed` and revived by reconnect(), addStreams() and start(), each with a fresh retry budget', async () => {
    const h = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 100, maxRetries: 1 }) });
    const { socket, fake, of } = h;
    socket.start();
    await settle();
    await failUntilGaveUp(h);
    expect(socket.state).toBe('failed');
    const dials = fake.sockets.length;
    expect(dials).toBe(2); // first dial + 1 retry

    socket.reconnect('operator');
    await settle();
    expect(socket.state).toBe('connecting');
    expect(fake.sockets).toHaveLength(dials + 1);
    expect(of('stateChange').some((e) => e.from === 'failed' && e.to === 'connecting')).toBe(true);
    await failUntilGaveUp(h); // a fresh budget: one retry again, then gave up
    expect(fake.sockets).toHaveLength(dials + 2);
    expect(of('gaveUp').at(-1)).toMatchObject({ attempts: 1 });

    socket.addStreams(['b@trade']);
    await settle();
    expect(socket.state).toBe('connecting');
    expect(fake.last().url).toContain('b@trade');
    await failUntilGaveUp(h);

    socket.start();
    await settle();
    fake.last().open();
    await settle();
    expect(socket.state).toBe('open');
    expect(of('open').at(-1)).toMatchObject({ socketId: 's1', streams: 2 });
    await socket.stop();
    expect(socket.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a gaveUp listener may revive it at once (the next run is single-flight)', async () => {
    const h = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 100, maxRetries: 0 }) });
    h.socket.once('gaveUp', () => h.socket.start());
    h.socket.start();
    await settle();
    h.fake.last().fail();
    await settle();
    expect(h.socket.state).toBe('connecting');
    expect(h.fake.sockets).toHaveLength(2);
    h.socket.start(); // already running: no second loop
    await settle();
    expect(h.fake.sockets).toHaveLength(2);
    await h.socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() from failed goes straight to closed; start() after stop() stays closed', async () => {
    const h = makeSocket({ streams: ['a@trade'], retryPolicy: new ConstantBackoff({ delayMs: 100, maxRetries: 0 }) });
    h.socket.start();
    await settle();
    h.fake.last().fail();
    await settle();
    expect(h.socket.state).toBe('failed');
    await h.socket.stop();
    expect(h.of('stateChange').at(-1)).toMatchObject({ from: 'failed', to: 'closed' });
    h.socket.reconnect('too late');
    h.socket.start();
    await settle();
    expect(h.socket.state).toBe('closed');
    expect(h.fake.sockets).toHaveLength(1);
  });
});

describe('ResilientSocket: reconnect() debounce', () => {
  it(`10 calls 30 ms apart cause ONE reconnect (window ${RECONNECT_DEBOUNCE_MS} ms); a call after the window reconnects again`, async () => {
    const { socket, fake, open } = makeSocket({ streams: ['a@trade'] });
    await open();
    expect(RECONNECT_DEBOUNCE_MS).toBe(1_000);
    for (let i = 0; i < 10; i++) {
      socket.reconnect(`call ${i}`);
      await settle();
      if (fake.last().readyState === 0) fake.last().open();
      await settle();
      await vi.advanceTimersByTimeAsync(30);
    }
    expect(fake.sockets).toHaveLength(2); // the first connection + one reconnect
    expect(socket.state).toBe('open');
    await vi.advanceTimersByTimeAsync(RECONNECT_DEBOUNCE_MS);
    socket.reconnect('later');
    await settle();
    expect(fake.sockets).toHaveLength(3);
    await socket.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
