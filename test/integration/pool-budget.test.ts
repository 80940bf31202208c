/**
 * The IP-wide connection budget against the emulator: hundreds of re-dials stay inside the
 * attempt limit (a shrunken window keeps the test fast; the rule is the same), and a 429
 * with Retry-After pauses every dial.
 */
import { describe, expect, it } from 'vitest';
import { MARKETS } from '../../src/core/markets';
import { ConnectionBudget } from '../../src/pool/connection-budget';
import { StreamPool } from '../../src/pool/stream-pool';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';

describe('connection budget with the emulator', () => {
  it('spreads 380+ connection attempts (five mass drops of 64 sockets) inside the IP limit: no 429', async () => {
    // Binance's rule (N attempts per window per IP) with the window shrunk from 5 min to 1 s.
    const fake = await startEmulator({ market: 'spot', autoGenerate: false, maxConnectionAttempts: 200, connectionAttemptWindowMs: 1_000 });
    const budget = new ConnectionBudget({ maxAttempts: 200, windowMs: 1_000, minIntervalMs: 1, jitterMs: 1 });
    const streams = Array.from({ length: 64 }, (_, i) => `s${i}usdt@trade`);
    // Two pools (two clients in one process) share the budget, as they share the IP.
    const pools = [0, 1].map(
      (i) =>
        new StreamPool({
          market: MARKETS.spot,
          baseUrl: fake.urls.ws,
          sink: () => {},
          budget,
          maxStreamsPerConnection: 1,
          retryPolicy: new ConstantBackoff({ delayMs: 10 }),
          idPrefix: `p${i}`,
        }),
    );
    onCleanup(() => Promise.all(pools.map((p) => p.stop())));
    pools[0]!.subscribe(streams.slice(0, 32));
    pools[1]!.subscribe(streams.slice(32));
    await Promise.all(pools.map((p) => p.start()));
    expect(fake.stats().connectionsOpen).toBe(64);
    for (let round = 1; round <= 5; round++) {
      fake.faults.close({ all: true }, { code: 1001, reason: 'maintenance' });
      await until(() => fake.stats().connectionsOpened === 64 * (round + 1) && fake.stats().connectionsOpen === 64, { timeoutMs: 4_000, message: `round ${round}` });
    }
    const s = fake.stats();
    expect(s.connectionsOpened).toBe(384);
    expect(s.upgradesRejected).toEqual({ rateLimited429: 0, banned418: 0, injected: 0, notFound: 0 });
    expect(s.limitViolations.connectionAttempts).toBe(0);
    expect(budget.state().attemptsInWindow).toBeLessThanOrEqual(180);
    expect(pools[0]!.stats().budget).toMatchObject({ limit: 200, effectiveLimit: 180, rejections: 0 });
  }, 15_000);

  it('holds 320 sockets and their reconnects inside the real 300-per-5-minutes limit: no 429, the rest wait', async () => {
    // Binance's real numbers on both sides. Only the politeness spacing between the first
    // dials is shortened (it is ours, not Binance's), so the test does not wait for it.
    const fake = await startEmulator({ market: 'spot', autoGenerate: false });
    const budget = new ConnectionBudget({ minIntervalMs: 1, jitterMs: 1 });
    const pool = new StreamPool({
      market: MARKETS.spot,
      baseUrl: fake.urls.ws,
      sink: () => {},
      budget,
      maxStreamsPerConnection: 1,
      retryPolicy: new ConstantBackoff({ delayMs: 10 }),
    });
    onCleanup(() => pool.stop());
    pool.subscribe(Array.from({ length: 320 }, (_, i) => `s${i}usdt@trade`));
    void pool.start().catch(() => undefined); // cannot complete within the test: most sockets must wait
    // The budget is spent while it lasts (gaps widen only near the cap), then the rest wait for the window.
    await until(() => budget.state().attemptsInWindow >= 262, { timeoutMs: 12_000, message: '262 dials' });
    const half = budget.state();
    expect(half).toMatchObject({ limit: 300, effectiveLimit: 270 });
    expect(half.attemptsInWindow).toBeLessThanOrEqual(270);
    expect(half.queued).toBe(320 - half.attemptsInWindow);
    // A mass drop: every reconnect joins the queue instead of stampeding into a 429.
    fake.faults.close({ all: true }, { code: 1001, reason: 'maintenance' });
    await until(() => budget.state().queued >= 319, { timeoutMs: 4_000, message: 'every socket queued' });
    await sleep(500); // no condition can show a dial that must not happen: a stampede would dial within this window
    const s = fake.stats();
    expect(s.connectionsOpened).toBeLessThanOrEqual(half.attemptsInWindow + 1); // one more dial at most (the last gaps are seconds apart)
    expect(s.upgradesRejected).toEqual({ rateLimited429: 0, banned418: 0, injected: 0, notFound: 0 });
    expect(s.limitViolations.connectionAttempts).toBe(0);
    expect(budget.state().attemptsInWindow).toBeLessThanOrEqual(270);
  }, 30_000);

  it('answers a 429 with Retry-After by pausing every dial, then connects (real limits)', async () => {
    const fake = await startEmulator({ market: 'spot', autoGenerate: false });
    const budget = new ConnectionBudget();
    const pool = new StreamPool({
      market: MARKETS.spot,
      baseUrl: fake.urls.ws,
      sink: () => {},
      budget,
      maxStreamsPerConnection: 1,
      retryPolicy: new ConstantBackoff({ delayMs: 10 }),
    });
    onCleanup(() => pool.stop());
    fake.faults.rejectUpgrades({ status: 429, retryAfterSec: 1, count: 1 });
    pool.subscribe(['a@trade', 'b@trade', 'c@trade']);
    const t0 = Date.now();
    await pool.start();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(3_000);
    expect(fake.stats().upgradesRejected.injected).toBe(1);
    expect(fake.stats().connectionsOpen).toBe(3);
    expect(budget.state()).toMatchObject({ rejections: 1, limit: 300 });
    // Every dial after the rejection waited for Retry-After: only the rejected one came before.
    const opened = fake.connections().map((c) => c.openedAt - t0);
    expect(opened.every((ms) => ms >= 950)).toBe(true);
  });
});
