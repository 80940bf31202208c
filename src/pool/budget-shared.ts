/**
 * The process-wide slot of the shared connection budget, on `globalThis` so that every copy
 * of the library loaded into one process (the ESM and CJS builds, the main and `/advanced`
 * bundles, two installed versions) dials through ONE budget: Binance counts attempts per IP.
 *
 * The slot is `globalThis[Symbol.for('binance-stream-client.connection-budget')]` and holds
 * `{ version: 1, budget }`. Version 1 is a contract between library versions, not the class:
 * `budget` has `acquire(socketId, signal)`, `reportRejection(status, retryAfterMs)`,
 * `pausedForMs()` and `state()` as documented on `SharedConnectionBudget` (connection-budget.ts).
 * A later version that needs more must bump `version` and keep serving version 1 callers (e.g.
 * store the new budget under its own version and keep the v1 entry pointing at the same object);
 * a copy that finds an entry it cannot use (unknown version, missing methods) creates its own
 * budget and leaves the entry alone.
 */

/** The registry key (`Symbol.for`, so it is the same symbol in every module copy and realm-wide). */
export const SHARED_BUDGET_KEY: unique symbol = Symbol.for('binance-stream-client.connection-budget') as never;

/** Version of the interface stored in the slot. */
export const SHARED_BUDGET_VERSION = 1;

/** The methods version 1 of the slot promises (their contract: `SharedConnectionBudget`). */
export const SHARED_BUDGET_METHODS = ['acquire', 'reportRejection', 'pausedForMs', 'state'] as const;

interface Slot<T> {
  readonly version: typeof SHARED_BUDGET_VERSION;
  readonly budget: T;
}

function usable<T>(entry: unknown): entry is Slot<T> {
  if (entry === null || typeof entry !== 'object') return false;
  const e = entry as { version?: unknown; budget?: unknown };
  if (e.version !== SHARED_BUDGET_VERSION || e.budget === null || typeof e.budget !== 'object') return false;
  const b = e.budget as Record<string, unknown>;
  return SHARED_BUDGET_METHODS.every((m) => typeof b[m] === 'function');
}

let fallback: unknown;

/** The budget in the process-wide slot, created (by `create`) and stored on first use. */
export function sharedBudget<T extends object>(create: () => T): T {
  const g = globalThis as unknown as Record<symbol, unknown>;
  const entry = g[SHARED_BUDGET_KEY];
  if (usable<T>(entry)) return entry.budget;
  if (entry !== undefined) {
    // Someone else's slot we cannot use: leave it alone, keep one budget for this copy.
    fallback ??= create();
    return fallback as T;
  }
  const slot: Slot<T> = Object.freeze({ version: SHARED_BUDGET_VERSION, budget: create() });
  Object.defineProperty(g, SHARED_BUDGET_KEY, { value: slot, configurable: true, enumerable: false, writable: false });
  return slot.budget;
}
