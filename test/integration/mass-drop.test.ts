/**
 * Mass drops at Binance's REAL attempt limit (300 per 5 minutes, issue 10 item 10): 80 sockets,
 * cut three times in a row, come back each time without a 429, and their dials are not spaced
 * by the first release's 1.1 s rule. The 80 sockets are taken as up for more than 5 minutes:
 * after they first open, the budget's clock moves one window ahead and the emulator forgets the
 * first 80 attempts, so the three drops (240 dials) share one window, as in the report.
 */
import { describe, expect, it } from 'vitest';
import type { AbortSignalLike } from '../../src/core/web-types';
import { MARKETS } from '../../src/core/markets';
import { ConnectionBudget } from '../../src/pool/connection-budget';
import { StreamPool } from '../../src/pool/stream-pool';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

describe('mass drops at the real attempt limit', () => {
  it('three drops of 80 sockets each recover with 0 x 429, dials not spaced by the old 1.1 s rule; every reconnect passes the budget', async () => {
    const fake = await startEmulator({ market: 'spot', autoGenerate: false });
    let offset = 0;
    const budget = new ConnectionBudget({ now: () => Date.now() + offset });
    const grants: number[] = [];
    const gate = {
      acquire: async (id: string, signal: AbortSignalLike) => {
        await budget.acquire(id, signal);
        grants.push(Date.now());
      },
      reportRejection: (status: number, retryAfterMs: number | undefined) => budget.reportRejection(status, retryAfterMs),
      pausedForMs: () => budget.pausedForMs(),
      state: () => budget.state(),
    };
    const pool = new StreamPool({
      market: MARKETS.spot,
      baseUrl: fake.urls.ws,
      sink: () => {},
      budget: gate,
      maxStreamsPerConnection: 1,
      retryPolicy: new ConstantBackoff({ delayMs: 10 }),
    });
    onCleanup(() => pool.stop());
    pool.subscribe(Array.from({ length: 80 }, (_, i) => `s${i}usdt@trade`));
    await pool.start();
    expect(fake.stats().connectionsOpen).toBe(80);
    offset = budget.windowMs + 1; // five minutes later
    fake.faults.heal(); // also forgets the IP attempt counts (no fault is in effect otherwise)
    grants.length = 0;
    for (let round = 1; round <= 3; round++) {
      const from = grants.length;
      fake.faults.close({ all: true }, { code: 1001, reason: 'maintenance' });
      await until(() => fake.stats().connectionsOpened === 80 * (round + 1) && fake.stats().connectionsOpen === 80, {
        timeoutMs: 15_000,
        message: () => `round ${round}: ${fake.stats().connectionsOpen} open, ${grants.length - from} dials`,
      });
      const mine = grants.slice(from);
      expect(mine).toHaveLength(80);
      const gaps = mine.slice(1).map((t, i) => t - (mine[i] as number));
      // The first release spaced every dial by 300_000 / 270 = 1.1 s once 135 were used.
      expect(Math.max(...gaps)).toBeLessThan(1_000);
    }
    const s = fake.stats();
    expect(s.upgradesRejected).toEqual({ rateLimited429: 0, banned418: 0, injected: 0, notFound: 0 });
    expect(s.limitViolations.connectionAttempts).toBe(0);
    expect(budget.state()).toMatchObject({ attemptsInWindow: 240, rejections: 0 });
    // Every dial went through the gate: the emulator saw exactly the budget's grants.
    expect(budget.state().granted).toBe(s.connectionsOpened);
  }, 60_000);
});
