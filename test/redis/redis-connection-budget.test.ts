/**
 * Four processes on one IP dialing together (issue 16): with the RedisCoordinator's shared
 * connection budget they stay within the emulator's per-IP attempt limit (no 429); with only
 * their in-process budgets (the control) the same load trips it. The limit is lowered
 * (40 attempts per 2 s instead of 300 per 5 min) so the 120 dials span three windows quickly.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startEmulator } from '../helpers/emulator';
import { closeRedis, startRedis, describeRedis } from '../helpers/redis';
import { killChildren, spawnChild } from './child';

const CHILD = fileURLToPath(new URL('./children/dialer.ts', import.meta.url));
const LIMIT = 40;
const WINDOW_MS = 2_000;
const PER_PROCESS = 30;

afterEach(async () => {
  await killChildren();
  await closeRedis();
});

/** Start 4 children, wait until each is ready, let them all dial at once, collect their results. */
async function runTogether(args: string[]): Promise<{ opened: number; rejected: number }[]> {
  const children = [0, 1, 2, 3].map(() => spawnChild(CHILD, args));
  await Promise.all(children.map((c, i) => c.waitFor((m) => m.ready === true, `ready (child ${i})`, 60_000)));
  for (const c of children) c.send('go');
  const results = await Promise.all(children.map((c, i) => c.waitFor((m) => typeof m.opened === 'number', `result (child ${i})`, 80_000)));
  return results as unknown as { opened: number; rejected: number }[];
}

describeRedis('connection budget shared through Redis (4 processes, one IP)', () => {
  it('4 processes dialing 3 windows worth of attempts together never get a 429', { timeout: 90_000 }, async () => {
    const redis = await startRedis();
    const ex = await startEmulator({ market: 'spot', maxConnectionAttempts: LIMIT, connectionAttemptWindowMs: WINDOW_MS });
    const args = [String(redis.port), ex.urls.ws, String(PER_PROCESS), String(LIMIT), String(WINDOW_MS), 'redis'];
    const results = await runTogether(args);
    expect(results.map((r) => r.rejected)).toEqual([0, 0, 0, 0]);
    expect(results.reduce((n, r) => n + r.opened, 0)).toBe(4 * PER_PROCESS);
    const s = ex.stats();
    expect(s.upgradesRejected.rateLimited429).toBe(0);
    expect(s.upgradesRejected.banned418).toBe(0);
    expect(s.limitViolations.connectionAttempts).toBe(0);
    expect(s.connectionsOpened).toBe(4 * PER_PROCESS);
  });

  it('control: the same 4 processes with only their in-process budgets trip the per-IP limit', { timeout: 90_000 }, async () => {
    const redis = await startRedis();
    const ex = await startEmulator({ market: 'spot', maxConnectionAttempts: LIMIT, connectionAttemptWindowMs: WINDOW_MS });
    const args = [String(redis.port), ex.urls.ws, String(12), String(LIMIT), String(WINDOW_MS), 'local'];
    const results = await runTogether(args);
    expect(results.reduce((n, r) => n + r.rejected, 0)).toBeGreaterThan(0);
    expect(ex.stats().upgradesRejected.rateLimited429).toBeGreaterThan(0);
  });
});
