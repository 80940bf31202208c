/**
 * The process-wide slot of the REST weight budgets, on `globalThis`, so that every copy of the
 * library loaded into one process (ESM and CJS builds, the main and `/advanced` bundles, two
 * installed versions) spends ONE budget per Binance host: Binance counts weight per IP.
 *
 * The slot is `globalThis[Symbol.for('binance-stream-client.rest-weight-budget')]` and holds
 * `{ version: 1, budgets }`, where `budgets` is a `Map` from a host key ({@link budgetKey}) to
 * a budget. Version 1 is a contract between library versions, not the class: a budget has
 * `acquire(weight, { signal, owner, heldUntil })`, `observe(status, headers)`, `pausedForMs()`
 * and `state()` as documented on `SharedRestWeightBudget` (weight-budget.ts). A later version
 * that needs more must bump `version` and keep serving version 1 callers; a copy that finds a
 * slot or an entry it cannot use creates its own budget for that host and leaves the slot alone.
 *
 * Host keys: the lower-case `host[:port]` of the base URL, with the hosts Binance counts as one:
 * `dapi.binance.com` under `fapi.binance.com` (USD-M and COIN-M share one 2,400/min IP budget
 * since the CM-UM integration of 2026-06-30), and the spot mirrors `api1`–`api4` and `api-gcp`
 * under `api.binance.com` (inference: Binance limits per IP, and these are the same API).
 */

/** The registry key (`Symbol.for`: the same symbol in every module copy). */
export const SHARED_REST_BUDGET_KEY: unique symbol = Symbol.for('binance-stream-client.rest-weight-budget') as never;

/** Version of the interface stored in the slot. */
export const SHARED_REST_BUDGET_VERSION = 1;

/** The methods version 1 of the slot promises. */
export const SHARED_REST_BUDGET_METHODS = ['acquire', 'observe', 'pausedForMs', 'state'] as const;

const ALIASES: Readonly<Record<string, string>> = {
  'dapi.binance.com': 'fapi.binance.com',
  'api1.binance.com': 'api.binance.com',
  'api2.binance.com': 'api.binance.com',
  'api3.binance.com': 'api.binance.com',
  'api4.binance.com': 'api.binance.com',
  'api-gcp.binance.com': 'api.binance.com',
};

/** The key of a base URL or host: `https://DAPI.binance.com/x` → `fapi.binance.com`; `http://127.0.0.1:5000` → `127.0.0.1:5000`. */
export function budgetKey(hostOrUrl: string): string {
  let host = hostOrUrl.trim().toLowerCase();
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) host = new URL(host).host;
  } catch {
    /* not a URL: use it as given */
  }
  host = host.replace(/\/.*$/, '').replace(/:443$/, '');
  return ALIASES[host] ?? host;
}

interface Slot<T> {
  readonly version: typeof SHARED_REST_BUDGET_VERSION;
  readonly budgets: Map<string, T>;
}

function usableSlot<T>(entry: unknown): entry is Slot<T> {
  if (entry === null || typeof entry !== 'object') return false;
  const e = entry as { version?: unknown; budgets?: unknown };
  if (e.version !== SHARED_REST_BUDGET_VERSION || e.budgets === null || typeof e.budgets !== 'object') return false;
  const m = e.budgets as { get?: unknown; set?: unknown };
  return typeof m.get === 'function' && typeof m.set === 'function';
}

function usableBudget(b: unknown): boolean {
  if (b === null || typeof b !== 'object') return false;
  return SHARED_REST_BUDGET_METHODS.every((m) => typeof (b as Record<string, unknown>)[m] === 'function');
}

/** This copy's own budgets, when the slot (or its entry for a host) belongs to a copy we cannot share with. */
const fallback = new Map<string, unknown>();

/** The budget of `hostOrUrl` in the process-wide slot, created (by `create`) and stored on first use. */
export function sharedRestBudget<T extends object>(hostOrUrl: string, create: (key: string) => T): T {
  const key = budgetKey(hostOrUrl);
  const g = globalThis as unknown as Record<symbol, unknown>;
  let slot = g[SHARED_REST_BUDGET_KEY];
  if (slot === undefined) {
    slot = Object.freeze({ version: SHARED_REST_BUDGET_VERSION, budgets: new Map<string, T>() });
    Object.defineProperty(g, SHARED_REST_BUDGET_KEY, { value: slot, configurable: true, enumerable: false, writable: false });
  }
  if (usableSlot<T>(slot)) {
    const found = slot.budgets.get(key);
    if (found === undefined) {
      const made = create(key);
      slot.budgets.set(key, made);
      return made;
    }
    if (usableBudget(found)) return found;
  }
  // Someone else's slot or entry we cannot use: leave it alone, keep one budget per host for this copy.
  let own = fallback.get(key) as T | undefined;
  if (own === undefined) fallback.set(key, (own = create(key)));
  return own;
}
