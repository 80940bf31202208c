/**
 * RedisCoordinator's shared budgets between two "processes" (two coordinators with their own
 * Redis connections and ids; all state lives in Redis): a 429 pause reported by one reaches the
 * other, the REST weight window is one for both, the server's used-weight header raises it,
 * and bad options name themselves.
 */
import { expect, it } from 'vitest';
import { RedisCoordinator } from '../../src/redis/index';
import type { RedisCoordinatorOptions } from '../../src/redis/index';
import { onCleanup } from '../helpers/emulator';
import { closeRedis, startRedis, describeRedis } from '../helpers/redis';
import { until } from '../helpers/wait';

async function pair(options: Partial<RedisCoordinatorOptions> = {}) {
  const server = await startRedis();
  onCleanup(closeRedis);
  const make = () => {
    const c = new RedisCoordinator({ redis: server.client(), heartbeatMs: 100, ...options });
    onCleanup(() => c.close());
    return c;
  };
  return { a: make(), b: make() };
}

function pending<T>(p: Promise<T>): { readonly settled: boolean } {
  const s = { settled: false };
  void p.then(
    () => (s.settled = true),
    () => (s.settled = true),
  );
  return s;
}

const signal = new AbortController().signal;

describeRedis('RedisCoordinator', () => {
  it("a 429 reported by one process pauses the other's dials (broadcast)", async () => {
    const { a, b } = await pair();
    const ga = a.connectionBudget();
    const gb = b.connectionBudget();
    await gb.acquire('warm-up', signal); // b is subscribed and has used Redis
    await until(() => b.stats().processes === 2);
    expect(ga.reportRejection(429, 1_500)).toBeGreaterThan(0);
    await until(() => gb.pausedForMs() > 0, { message: 'the pause reached b' });
    const until_ = Date.now() + gb.pausedForMs();
    await gb.acquire('after-pause', signal);
    expect(Date.now(), 'b dialed only after the pause').toBeGreaterThanOrEqual(until_ - 50);
    expect(gb.state().rejections).toBe(0);
  });

  it('one REST weight window for both processes; the used-weight header raises it; a 429 pauses both', async () => {
    const { a, b } = await pair({ restHeadroom: 0, restWindowMs: 1_500 });
    const host = 'http://127.0.0.1:9';
    const ra = a.restWeightBudget(host, { limitPerMinute: 100 });
    const rb = b.restWeightBudget(host, { limitPerMinute: 100 });
    await ra.acquire(60);
    await rb.acquire(40);
    const over = rb.acquire(10, { owner: 'late' });
    const s = pending(over);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.settled, '60 + 40 used: 10 more must wait for the window').toBe(false);
    expect(rb.state()).toMatchObject({ usedWeight: 100, queued: 1, shared: true });
    await over; // once a's 60 left the window

    // The window empties; then the server says 95 is used (another client on the IP, not
    // using Redis): the shared count follows it, so b's 10 more must wait (without it, 10 fits).
    await new Promise((r) => setTimeout(r, 1_600));
    ra.observe(200, { 'x-mbx-used-weight-1m': '95' });
    await until(
      async () => {
        const probe = new AbortController();
        const p = rb.acquire(10, { signal: probe.signal });
        const st = pending(p);
        await new Promise((r) => setTimeout(r, 50));
        const waited = !st.settled;
        probe.abort();
        await p.catch(() => undefined);
        return waited;
      },
      { message: 'b sees the raised weight' },
    );

    ra.observe(429, { 'retry-after': '1' });
    await until(() => rb.pausedForMs() > 0, { message: 'the REST pause reached b' });
  });

  it('processes of different scopes (IPs) do not share a window; the same scope does', async () => {
    const server = await startRedis();
    onCleanup(closeRedis);
    const opts = { maxConnectionAttempts: 3, connectionHeadroom: 1, connectionWindowMs: 4_000, minDialIntervalMs: 0, dialJitterMs: 0 } as const;
    const make = (scope: string) => {
      const c = new RedisCoordinator({ redis: server.client(), scope, ...opts });
      onCleanup(() => c.close());
      return c.connectionBudget();
    };
    const ipA1 = make('ip-a');
    const ipA2 = make('ip-a');
    const ipB = make('ip-b');
    await ipA1.acquire('a1-1', signal);
    await ipA1.acquire('a1-2', signal);
    await ipA2.acquire('a2-1', signal); // 3 of 3 for ip-a
    await ipB.acquire('b-1', signal); // ip-b has its own window
    const ac = new AbortController();
    const fourth = pending(ipA2.acquire('a2-2', ac.signal));
    await new Promise((r) => setTimeout(r, 300));
    expect(fourth.settled, "ip-a's window is full for every process of ip-a").toBe(false);
    expect(ipA1.state()).toMatchObject({ attemptsInWindow: 2 });
    expect(ipA2.state().attemptsInWindow).toBe(3);
    expect(ipB.state().attemptsInWindow).toBe(1);
    ac.abort();
  });

  it('bad options name the option', () => {
    expect(() => new RedisCoordinator({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('redis') }));
    expect(() => new RedisCoordinator({ redis: { evalsha() {}, duplicate() {} } as never, connectionHeadroom: 2 })).toThrow(/connectionHeadroom/);
    expect(() => new RedisCoordinator({ redis: { evalsha() {}, duplicate() {} } as never, heartbeatMs: 5 })).toThrow(/heartbeatMs/);
    expect(() => new RedisCoordinator({ redis: { evalsha() {}, duplicate() {} } as never, nope: 1 } as never)).toThrow(/nope/);
  });
});
