/**
 * Redis killed and restarted mid-run (issue 16): nothing crashes, no unhandled rejection;
 * the shared budgets degrade to per-process shares with one loud WARN and are shared again
 * once Redis is back (INFO); the gateway buffers while Redis is down and consumers receive
 * everything, in order, once it is back.
 */
import { expect, it } from 'vitest';
import { BinanceStreamClient } from '../../src/index';
import type { AggTradeEvent, LogFields } from '../../src/index';
import { createGateway, RedisCoordinator, RedisStreamSource } from '../../src/redis/index';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { closeRedis, startRedis, describeRedis } from '../helpers/redis';
import { until } from '../helpers/wait';

function capture() {
  const lines: { level: string; msg: string; fields: LogFields }[] = [];
  const at = (level: string) => (fields: LogFields, msg: string) => void lines.push({ level, msg, fields });
  return { lines, logger: { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') } };
}

describeRedis('Redis outage', () => {
  it('budgets degrade to per-process shares (one WARN), keep limiting, and are shared again after the restart', { timeout: 60_000 }, async () => {
    const server = await startRedis();
    onCleanup(closeRedis);
    const log = capture();
    const opts = { maxConnectionAttempts: 20, connectionWindowMs: 15_000, minDialIntervalMs: 0, dialJitterMs: 0, heartbeatMs: 100, commandTimeoutMs: 500 };
    const a = new RedisCoordinator({ redis: server.client(), logger: log.logger, ...opts });
    const b = new RedisCoordinator({ redis: server.client(), ...opts });
    onCleanup(() => a.close());
    onCleanup(() => b.close());
    const gate = a.connectionBudget();
    b.connectionBudget();
    const signal = new AbortController().signal;
    await gate.acquire('s1', signal);
    await until(() => a.stats().processes === 2, { message: 'both processes seen' });
    expect(gate.state()).toMatchObject({ shared: true, attemptsInWindow: 1 });

    await server.stop();
    // Down: dials still go, through this process's share (18 effective / 2 processes = 9 per window).
    for (let i = 0; i < 9; i++) await gate.acquire(`down-${i}`, signal);
    expect(gate.state()).toMatchObject({ shared: false, fallbackGrants: 9 });
    // …and the share is a real limit: the 10th waits.
    const ac = new AbortController();
    const tenth = gate.acquire('down-10', ac.signal);
    let settled = false;
    void tenth.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(settled, 'the per-process share is exhausted: the dial waits').toBe(false);
    ac.abort();
    await expect(tenth).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    const warns = log.lines.filter((l) => l.level === 'warn' && /Redis unreachable/.test(l.msg));
    expect(warns, 'one loud WARN per outage').toHaveLength(1);
    expect(a.stats()).toMatchObject({ redisUp: false, outages: 1 });

    // REST weight and listenKey leases keep working meanwhile (fallback; a failed release keeps the key).
    const rest = a.restWeightBudget('http://127.0.0.1:1');
    await rest.acquire(5);
    expect(await a.listenKeyLease().release('some-listen-key')).toBe(false);

    await server.start();
    await until(
      async () => {
        await gate.acquire(`up-${Date.now()}`, signal);
        return gate.state().shared;
      },
      { timeoutMs: 15_000, message: 'shared again' },
    );
    expect(log.lines.some((l) => l.level === 'info' && /reachable again/.test(l.msg))).toBe(true);
    // The dials made during the outage were written into the shared window.
    expect(gate.state().attemptsInWindow).toBeGreaterThanOrEqual(10);
    await a.close();
    await b.close();
    expect(a.timerCount).toBe(0);
  });

  it('the gateway buffers while Redis is down; consumers get every event once it is back', { timeout: 60_000 }, async () => {
    const server = await startRedis();
    onCleanup(closeRedis);
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'], autoGenerate: false });
    const client = new BinanceStreamClient(ex.clientOptions());
    onCleanup(() => client.stop());
    const gateway = createGateway({ client, redis: server.client() });
    onCleanup(() => gateway.close());
    const direct: number[] = [];
    client.on('aggTrade', (d) => direct.push(d.a));
    client.subscribe('btcusdt@aggTrade');
    await client.start();
    await until(() => ex.connections().some((c) => c.streams.includes('btcusdt@aggTrade')), { message: 'served' });
    const source = new RedisStreamSource({ redis: server.client(), streams: ['btcusdt@aggTrade'], consumer: 'outage', from: 'earliest', blockMs: 200 });
    onCleanup(() => source.close());
    const got: number[] = [];
    const gaps: unknown[] = [];
    source.on('aggTrade', (d) => got.push(d.a));
    source.on('gap', (e) => gaps.push(e));
    await source.start();
    let a = 0;
    const publish = (n: number) => {
      for (let i = 0; i < n; i++)
        ex.publish('btcusdt@aggTrade', { e: 'aggTrade', E: Date.now(), s: 'BTCUSDT', a: ++a, p: '1.0', q: '1.0', f: a, l: a, T: Date.now(), m: true } satisfies AggTradeEvent);
    };
    publish(100);
    await until(() => got.length === 100, { message: 'first 100 at the consumer' });

    await server.stop();
    publish(200);
    await until(() => direct.length === 300, { message: 'the client goes on' });
    expect(gateway.stats().pending).toBeGreaterThan(0);

    await server.start();
    await until(() => got.length === 300, { timeoutMs: 20_000, message: 'every event after the restart' });
    expect(got).toEqual(direct);
    expect(gaps).toEqual([]);
    expect(gateway.stats()).toMatchObject({ dropped: 0, pending: 0 });
  });
});
