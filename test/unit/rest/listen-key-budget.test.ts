/**
 * The futures listenKey REST calls go through the host's REST weight budget (weight 1 each):
 * they wait out a 429/418 pause of the host and their answers feed it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RestWeightBudget } from '../../../src/rest/weight-budget';
import { ListenKeyManager, resolveListenKeyOptions } from '../../../src/user-data/futures/listen-key-manager';
import { mockRest } from '../user-data/mock-rest';

const API_KEY = 'apikey-SECRET-abcdefghijklmnopqrstuvwxyz';

describe('listenKey REST calls and the REST weight budget', () => {
  beforeEach(() => void vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z') }));
  afterEach(() => void vi.useRealTimers());

  it('spend weight 1 per call in the budget and wait out a pause of the host', async () => {
    const rest = mockRest();
    const budget = new RestWeightBudget({ limitPerMinute: 2400 });
    budget.observe(429, { 'retry-after': '5' }); // another REST user of the host was throttled
    const m = new ListenKeyManager({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test', fetch: rest.fetch, restWeightBudget: budget });
    const started = m.start();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(rest.calls).toHaveLength(0);
    expect(budget.state()).toMatchObject({ queued: 1, owners: 1 });
    await vi.advanceTimersByTimeAsync(1);
    await started;
    expect(rest.count('POST')).toBe(1);
    expect(budget.state()).toMatchObject({ granted: 1, usedWeight: 1, queued: 0 });
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(budget.timersArmed).toBe(0);
  });

  it('default to the shared budget of the REST host; false turns it off', () => {
    const o = resolveListenKeyOptions({ product: 'coinm', apiKey: API_KEY, restBaseUrl: 'https://dapi.binance.com' });
    expect(o.restWeightBudget).toBe(RestWeightBudget.shared('https://fapi.binance.com')); // USD-M and COIN-M count as one
    expect(o.restWeightBudget?.state().limit).toBe(2400);
    expect(resolveListenKeyOptions({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test', restWeightBudget: false }).restWeightBudget).toBeUndefined();
    expect(() => resolveListenKeyOptions({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test', restWeightBudget: {} as never })).toThrow(/option restWeightBudget/);
  });
});
