import { afterEach, describe, expect, it, vi } from 'vitest';
import { budgetKey, SHARED_REST_BUDGET_KEY, sharedRestBudget } from '../../../src/rest/weight-shared';

describe('the process-wide REST weight budgets (a versioned globalThis slot)', () => {
  afterEach(() => vi.resetModules());

  it('hands every module copy the same budget per host', async () => {
    vi.resetModules();
    const a = await import('../../../src/rest/weight-budget');
    vi.resetModules();
    const b = await import('../../../src/rest/weight-budget');
    expect(a.RestWeightBudget).not.toBe(b.RestWeightBudget); // two module copies…
    const x = a.RestWeightBudget.shared('https://copies.test/api/v3');
    expect(b.RestWeightBudget.shared('copies.test')).toBe(x); // …one budget
    await x.acquire(5);
    expect(b.RestWeightBudget.shared('https://COPIES.test:443').state().usedWeight).toBe(5);
    expect(a.RestWeightBudget.shared('http://copies.test:8080')).not.toBe(x); // another port, another host
  });

  it('keys hosts Binance counts as one together, and defaults the limit per host', async () => {
    expect(budgetKey('https://DAPI.binance.com/dapi/v1')).toBe('fapi.binance.com');
    expect(budgetKey('https://api3.binance.com')).toBe('api.binance.com');
    expect(budgetKey('api-gcp.binance.com')).toBe('api.binance.com');
    expect(budgetKey('http://127.0.0.1:5000/x')).toBe('127.0.0.1:5000');
    const { RestWeightBudget } = await import('../../../src/rest/weight-budget');
    const futures = RestWeightBudget.shared('https://fapi.binance.com');
    expect(RestWeightBudget.shared('https://dapi.binance.com')).toBe(futures); // USD-M and COIN-M share 2,400/min since 2026-06-30
    expect(futures.state()).toMatchObject({ limit: 2400, effectiveLimit: 2160 });
    expect(RestWeightBudget.shared('https://api.binance.com').state()).toMatchObject({ limit: 6000, effectiveLimit: 5400 });
    // Defaults apply only when the call creates the budget.
    expect(RestWeightBudget.shared('https://api.binance.com', { limitPerMinute: 10 }).state().limit).toBe(6000);
  });

  it("leaves a slot or an entry it cannot use alone and keeps this copy's own budget", () => {
    const g = globalThis as unknown as Record<symbol, { budgets: Map<string, unknown> }>;
    const slot = g[SHARED_REST_BUDGET_KEY]!;
    slot.budgets.set('broken.test', { acquire: 1 });
    const made = { acquire: () => Promise.resolve(), observe: () => undefined, pausedForMs: () => 0, state: () => ({}) };
    expect(sharedRestBudget('broken.test', () => made)).toBe(made);
    expect(sharedRestBudget('broken.test', () => ({ other: true }) as never)).toBe(made); // one per host for this copy
    expect(slot.budgets.get('broken.test')).toEqual({ acquire: 1 });

    const original = Object.getOwnPropertyDescriptor(globalThis, SHARED_REST_BUDGET_KEY)!;
    delete (globalThis as Record<symbol, unknown>)[SHARED_REST_BUDGET_KEY];
    Object.defineProperty(globalThis, SHARED_REST_BUDGET_KEY, { value: { version: 99 }, configurable: true });
    try {
      const own = { acquire: () => Promise.resolve(), observe: () => undefined, pausedForMs: () => 0, state: () => ({}) };
      expect(sharedRestBudget('future.test', () => own)).toBe(own);
      expect(g[SHARED_REST_BUDGET_KEY]).toEqual({ version: 99 });
    } finally {
      delete (globalThis as Record<symbol, unknown>)[SHARED_REST_BUDGET_KEY];
      Object.defineProperty(globalThis, SHARED_REST_BUDGET_KEY, original);
    }
  });
});
