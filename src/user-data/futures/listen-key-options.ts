/**
 * Options of a {@link ListenKeyManager} (each documented once, with its default), and their
 * one resolution: `resolveListenKeyOptions()` validates with core/validate and returns a
 * frozen, marked object that the manager and its shared core use as it is.
 */
import { invalidOption } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { normalizeLogger } from '../../core/logger';
import { knownKeys, markResolved, num, oneOf, optFunction, optImplementation, optObject, optString, bool, url } from '../../core/validate';
import type { RetryPolicy } from '../../retry/policy';
import type { SharedRestWeightBudget } from '../../rest/weight-budget';
import { RestWeightBudget } from '../../rest/weight-budget';
import { REQUEST_WEIGHT_LIMITS } from '../../rest/weights';
import type { FetchLike } from '../rest';
import { defaultRestRetryPolicy } from '../rest';
import type { ListenKeyProduct } from '../types';
import { LISTEN_KEY_PATHS } from '../types';

/** What to do with the key on the last `stop()` (see {@link ListenKeyManagerOptions.closeListenKeyOnStop}). */
export type CloseListenKeyPolicy = 'owned' | 'always' | 'never';

/**
 * A lease on the account's listenKey shared by several PROCESSES (e.g. `RedisCoordinator.listenKeyLease()`
 * of `binance-stream-client/redis`): Binance gives every process of an account the same key, so
 * only the last process using it may DELETE it.
 */
export interface ListenKeyLease {
  /** This process now uses `listenKey` (after every create or replacement). A rejection is logged and ignored. */
  hold(listenKey: string): Promise<void>;
  /** This process stops using `listenKey`. Resolves `true` when no other process holds it any more (the caller then DELETEs it); on doubt, `false`. */
  release(listenKey: string): Promise<boolean>;
}

/**
 * Options of a {@link ListenKeyManager}: which product and account, the REST host, how often the key is kept alive, and what `stop()` does with it.
 */
export interface ListenKeyManagerOptions {
  /** `usdm` (/fapi/v1/listenKey), `coinm` (/dapi/v1/listenKey) or `portfolio` (/papi/v1/listenKey). */
  product: ListenKeyProduct;
  /** Sent as the `X-MBX-APIKEY` header. Never logged. */
  apiKey: string;
  /** e.g. `https://fapi.binance.com`, `https://dapi.binance.com`, `https://papi.binance.com`. */
  restBaseUrl: string;
  /** Override the REST path (advanced; e.g. a proxy). @default LISTEN_KEY_PATHS[product] */
  path?: string | undefined;
  /**
   * Keepalive (PUT) cadence. Keys live 60 minutes after creation or keepalive; refresh at
   * most every 30 minutes so a failed refresh still leaves time for retries.
   * @default 1_800_000 (30 min)
   */
  refreshIntervalMs?: number | undefined;
  /**
   * What `stop()` (of the last manager sharing the key in this process) does with the key:
   * - `'never'` (default): never DELETE; an unused key expires by itself 60 minutes after
   *   its last keepalive. Binance gives every caller of POST /listenKey the **same** active
   *   key of the account, and a DELETE ends the stream of every process using it, so this
   *   is the only policy under which stopping one process can never kill another's stream.
   *   The cost: the key stays valid (usable by anyone holding it) for up to 60 minutes after
   *   the last process stopped, and the next start within that time gets the same key.
   * - `'owned'`: DELETE it only if this process seems to have created it. Before each POST
   *   the manager sends a keepalive without a key (PUT, no params): success means the
   *   account already had an active key (another process, or an earlier run, made it), so
   *   the POST merely returns that shared key and it is left open; `-1125` means there was
   *   none, so the key is taken as this process's own. If the probe is inconclusive the key
   *   is treated as shared. Costs one extra request weight per key creation. **Racy:** two
   *   processes starting together both see `-1125`, both think they own the key, and the
   *   first to stop deletes it under the other. Use it only with one process per account.
   * - `'always'`: DELETE the key on stop, even if other processes use it (their streams die
   *   with `listenKeyExpired`).
   * @default 'never' (never kill another process's stream; the key expires by itself within 60 minutes)
   */
  closeListenKeyOnStop?: CloseListenKeyPolicy | undefined;
  /** Timeout of each REST attempt. @default 10_000 */
  requestTimeoutMs?: number | undefined;
  /**
   * Retries of each REST call (network errors, timeouts, 5xx, 429/418). Permanent answers
   * (bad key, retired endpoint, -1125) are never retried, and a server's `Retry-After`
   * always wins over the policy's delay.
   * @default new ExponentialBackoff({ maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 }) (1 s, 2 s, 4 s)
   */
  restRetryPolicy?: RetryPolicy | undefined;
  /** Share one key per account within this process (see ListenKeyManager). @default true */
  shared?: boolean | undefined;
  /**
   * The REST weight budget every listenKey call (weight 1) goes through: it waits out a 429/418
   * pause of the host, and its answers feed the budget. `false`: none.
   * @default RestWeightBudget.shared(restBaseUrl) (the host's process-wide budget; 2,400/min for usdm and coinm)
   */
  restWeightBudget?: SharedRestWeightBudget | false | undefined;
  /**
   * Cross-process lease of the key. When given, it decides the DELETE on the last `stop()`
   * instead of `closeListenKeyOnStop`: the key is deleted when `release()` says this was the
   * last holder, and never while another process still holds it. @default none
   */
  listenKeyLease?: ListenKeyLease | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
}

/** {@link ListenKeyManagerOptions} with every default applied (frozen, marked resolved). */
export interface ResolvedListenKeyOptions {
  readonly product: ListenKeyProduct;
  readonly apiKey: string;
  /** Without a trailing slash. */
  readonly restBaseUrl: string;
  readonly path: string;
  readonly refreshIntervalMs: number;
  readonly closeListenKeyOnStop: CloseListenKeyPolicy;
  readonly requestTimeoutMs: number;
  readonly restRetryPolicy: RetryPolicy;
  readonly shared: boolean;
  readonly restWeightBudget: SharedRestWeightBudget | undefined;
  readonly listenKeyLease: ListenKeyLease | undefined;
  readonly logger: Logger;
  readonly fetch: FetchLike | undefined;
  readonly now: () => number;
}

const KNOWN = [
  'product',
  'apiKey',
  'restBaseUrl',
  'path',
  'refreshIntervalMs',
  'closeListenKeyOnStop',
  'requestTimeoutMs',
  'restRetryPolicy',
  'shared',
  'restWeightBudget',
  'listenKeyLease',
  'logger',
  'fetch',
  'now',
];
const PRODUCTS = Object.keys(LISTEN_KEY_PATHS) as ListenKeyProduct[];
/** A key lives 60 minutes after its last keepalive: a longer interval would let it lapse. */
const MAX_REFRESH_MS = 3_600_000;

export function resolveListenKeyOptions(o: ListenKeyManagerOptions): ResolvedListenKeyOptions {
  const given = optObject('ListenKeyManager options', o);
  if (given === undefined) throw invalidOption('ListenKeyManager options', 'an object', o);
  knownKeys('', given, KNOWN);
  const retired = o.product === ('spot' as never) || o.product === ('margin' as never);
  if (!PRODUCTS.includes(o.product)) {
    const note = retired ? ' (spot and margin listenKeys were retired on 2026-02-20: use the WebSocket API user stream, product "spot" or "margin")' : '';
    throw invalidOption('product', `one of ${PRODUCTS.map((p) => JSON.stringify(p)).join(', ')}${note}`, o.product);
  }
  const apiKey = optString('apiKey', o.apiKey, { secret: true });
  if (apiKey === undefined) throw invalidOption('apiKey', 'a non-empty string', o.apiKey, { secret: true });
  if (o.restBaseUrl === undefined) throw invalidOption('restBaseUrl', 'an http:// or https:// URL', o.restBaseUrl);
  const path = optString('path', o.path, { expected: 'a path starting with "/"' }) ?? LISTEN_KEY_PATHS[o.product];
  if (!path.startsWith('/')) throw invalidOption('path', 'a path starting with "/"', path);
  const refreshIntervalMs = num('refreshIntervalMs', o.refreshIntervalMs, 1_800_000, { min: 1, unit: 'ms' });
  if (refreshIntervalMs > MAX_REFRESH_MS) throw invalidOption('refreshIntervalMs', `a number from 1 to ${MAX_REFRESH_MS} ms (a key's 60-minute validity)`, refreshIntervalMs);
  const restBaseUrl = url('restBaseUrl', o.restBaseUrl, ['http:', 'https:'], '').replace(/\/+$/, '');
  const budget =
    o.restWeightBudget === false
      ? false
      : optImplementation<SharedRestWeightBudget>('restWeightBudget', o.restWeightBudget, ['acquire', 'observe', 'pausedForMs', 'state'], 'a RestWeightBudget or false');
  return markResolved({
    product: o.product,
    apiKey,
    restBaseUrl,
    path,
    refreshIntervalMs,
    closeListenKeyOnStop: oneOf('closeListenKeyOnStop', o.closeListenKeyOnStop, ['owned', 'always', 'never'], 'never'),
    requestTimeoutMs: num('requestTimeoutMs', o.requestTimeoutMs, 10_000, { min: 1, unit: 'ms' }),
    restRetryPolicy: optImplementation<RetryPolicy>('restRetryPolicy', o.restRetryPolicy, ['shouldRetry', 'delayMs'], 'a RetryPolicy') ?? defaultRestRetryPolicy(),
    shared: bool('shared', o.shared, true),
    restWeightBudget: budget === false ? undefined : (budget ?? RestWeightBudget.shared(restBaseUrl, o.product === 'portfolio' ? {} : { limitPerMinute: REQUEST_WEIGHT_LIMITS.usdm })),
    listenKeyLease: optImplementation<ListenKeyLease>('listenKeyLease', o.listenKeyLease, ['hold', 'release'], 'a ListenKeyLease (hold, release)'),
    logger: normalizeLogger(optObject('logger', o.logger, 'a logger object') as Partial<Logger> | undefined),
    fetch: optFunction<FetchLike>('fetch', o.fetch),
    now: optFunction<() => number>('now', o.now) ?? Date.now,
  });
}
