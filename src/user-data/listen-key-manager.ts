/**
 * `ListenKeyManager`: the futures listenKey lifecycle (USD-M, COIN-M, portfolio margin),
 * usable on its own by users who bring their own socket.
 *
 * ```ts
 * const keys = new ListenKeyManager({ product: 'usdm', apiKey, restBaseUrl: 'https://fapi.binance.com' });
 * keys.on('keyChange', ({ listenKey }) => mySocket.reconnectWith(listenKey)); // the key died: dial the new one
 * const listenKey = await keys.start();               // POST (header key only, no signature)
 * // … on each reconnect of your socket: const key = await keys.ensureValid();
 * // … on a `listenKeyExpired` frame:   keys.handleExpired(frame.listenKey);
 * await keys.stop();                                  // closes the key only if this process created it
 * ```
 *
 * Sharing: a futures listenKey belongs to the ACCOUNT (POST returns the same active key
 * to every caller), so within one process every manager for the same API key, REST base
 * and product shares one key and one refresh timer by reference count; the key is closed
 * (per `closeListenKeyOnStop`) only when the last of them stops. The first manager's
 * options (interval, retries, policy) govern the shared key.
 */
import EventEmitter from 'eventemitter3';
import { BinanceStreamError } from '../core/errors';
import type { ListenKeyLifecycleEvent } from './events';
import type { Logger } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import type { CloseListenKeyPolicy, KeyChange, ListenKeyProduct, ListenKeySink } from './listen-key-core';
import { ListenKeyCore } from './listen-key-core';
import type { FetchLike } from './rest';

export type { CloseListenKeyPolicy, KeyChange, ListenKeyProduct };

/** REST path of each product's listenKey endpoint. */
export const LISTEN_KEY_PATHS: Readonly<Record<ListenKeyProduct, string>> = Object.freeze({
  usdm: '/fapi/v1/listenKey',
  coinm: '/dapi/v1/listenKey',
  portfolio: '/papi/v1/listenKey',
});

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
   * What `stop()` (of the last manager sharing the key) does with the key:
   * - `'owned'`: DELETE it only if this process created it fresh. Before each POST the
   *   manager sends a keepalive without a key (PUT, no params): success means the account
   *   already had an active key (another process, or an earlier run, made it), so the POST
   *   merely returns that shared key and it is left open; `-1125` means there was none, so
   *   the POST created a fresh key that this process owns. If the probe is inconclusive
   *   the key is treated as shared. Costs one extra request weight per key creation.
   * - `'always'`: DELETE the key on stop, even if other processes use it (their streams die
   *   with `listenKeyExpired`).
   * - `'never'`: never DELETE; the key expires by itself 60 minutes after the last keepalive.
   * @default 'owned'
   */
  closeListenKeyOnStop?: CloseListenKeyPolicy | undefined;
  /** Timeout of each REST attempt. @default 10_000 */
  requestTimeoutMs?: number | undefined;
  /** Retries of each REST call for transient failures (network, 5xx, 429 after Retry-After). @default 3 */
  retries?: number | undefined;
  /** First retry delay (doubles up to `retryMaxDelayMs`). @default 1_000 */
  retryMinDelayMs?: number | undefined;
  /** @default 30_000 */
  retryMaxDelayMs?: number | undefined;
  /** Share one key per account within this process (see above). @default true */
  shared?: boolean | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
}

export type ListenKeyManagerEvents = {
  /** Lifecycle: created / refreshed / expired / replaced / closed / refreshFailed (key masked). */
  listenKey: (e: ListenKeyLifecycleEvent) => void;
  /**
   * The key was replaced (expired, -1125, or a refresh failed after its retries): reconnect
   * your socket with `e.listenKey` (in clear; treat it as a secret and never log it).
   */
  keyChange: (e: KeyChange) => void;
};

const registry = new Map<string, ListenKeyCore>();

function registryKey(restBaseUrl: string, path: string, apiKey: string): string {
  return `${restBaseUrl.replace(/\/+$/, '')}\u0000${path}\u0000${apiKey}`;
}

/** Number of shared keys alive in this process (for tests and leak checks). */
export function sharedListenKeyCount(): number {
  return registry.size;
}

function checkMs(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `ListenKeyManager option ${name}: expected a finite number >= ${min}, got ${JSON.stringify(v)}`, { permanent: true });
  }
  return v;
}

export class ListenKeyManager extends EventEmitter<ListenKeyManagerEvents> {
  readonly product: ListenKeyProduct;
  private readonly opts: ListenKeyManagerOptions;
  private readonly path: string;
  private core: ListenKeyCore | undefined;
  private ctrl = new AbortController();
  private stopped = false;
  private readonly sink: ListenKeySink;

  constructor(options: ListenKeyManagerOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('ListenKeyManager: expected an options object');
    const { product, apiKey, restBaseUrl } = options;
    if (product !== 'usdm' && product !== 'coinm' && product !== 'portfolio') {
      throw new BinanceStreamError(
        'ERR_INVALID_OPTION',
        `ListenKeyManager option product: expected "usdm", "coinm" or "portfolio", got ${JSON.stringify(product)}${product === 'spot' || product === 'margin' ? ' (spot and margin listenKeys were retired on 2026-02-20: use the WebSocket API user stream)' : ''}`,
        { permanent: true },
      );
    }
    if (typeof apiKey !== 'string' || !apiKey) throw new BinanceStreamError('ERR_INVALID_OPTION', 'ListenKeyManager option apiKey: expected a non-empty string', { permanent: true });
    if (typeof restBaseUrl !== 'string' || !/^https?:\/\//.test(restBaseUrl)) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `ListenKeyManager option restBaseUrl: expected an http(s) URL, got ${JSON.stringify(restBaseUrl)}`, { permanent: true });
    }
    const policy = options.closeListenKeyOnStop ?? 'owned';
    if (policy !== 'owned' && policy !== 'always' && policy !== 'never') {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `ListenKeyManager option closeListenKeyOnStop: expected "owned", "always" or "never", got ${JSON.stringify(policy)}`, { permanent: true });
    }
    checkMs('refreshIntervalMs', options.refreshIntervalMs ?? 1_800_000, 1);
    if ((options.refreshIntervalMs ?? 0) > 3_600_000) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `ListenKeyManager option refreshIntervalMs: ${options.refreshIntervalMs} exceeds the key's 60-minute validity`, { permanent: true });
    }
    checkMs('requestTimeoutMs', options.requestTimeoutMs ?? 10_000, 1);
    checkMs('retries', options.retries ?? 3, 0);
    checkMs('retryMinDelayMs', options.retryMinDelayMs ?? 1_000, 0);
    checkMs('retryMaxDelayMs', options.retryMaxDelayMs ?? 30_000, 0);
    this.product = product;
    this.opts = options;
    this.path = options.path ?? LISTEN_KEY_PATHS[product];
    this.sink = {
      lifecycle: (e) => this.emit('listenKey', e),
      keyChange: (e) => this.emit('keyChange', e),
    };
  }

  /** The current key in clear (undefined before start / after stop). Never log it. */
  get listenKey(): string | undefined {
    return this.core?.listenKey;
  }

  /** True when this process created the current key fresh (so 'owned' would close it). */
  get ownsKey(): boolean {
    return this.core?.ownsKey ?? false;
  }

  /** ms until the next keepalive, or undefined when none is scheduled. */
  get nextRefreshInMs(): number | undefined {
    return this.core?.nextRefreshInMs;
  }

  /** Create (or join) the key and start refreshing it. Resolves with the key. */
  async start(): Promise<string> {
    return this.ensureValid();
  }

  /**
   * A valid key, for a (re)dial: creates one when needed; re-checks an older one with a
   * keepalive and replaces it when Binance says it is gone. `signal` aborts only this wait.
   */
  async ensureValid(signal?: AbortSignal): Promise<string> {
    if (this.stopped) throw new BinanceStreamError('ERR_ABORTED', 'ListenKeyManager is stopped', { permanent: true });
    const core = this.attach();
    return raceAbort(core.ensure(), [this.ctrl.signal, signal]);
  }

  /** Handle a `listenKeyExpired` frame (pass its `listenKey` when present): a new key is created and `keyChange` fires. */
  handleExpired(listenKey?: string): void {
    if (this.stopped || !this.core) return;
    void this.core.handleExpired(listenKey).catch(() => undefined);
  }

  /** Detach; the last manager of a shared key aborts in-flight calls, closes the key per policy and clears its timer. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ctrl.abort(new BinanceStreamError('ERR_ABORTED', 'ListenKeyManager stopped', { permanent: true }));
    const core = this.core;
    this.core = undefined;
    if (!core) return;
    core.sinks.delete(this.sink);
    if (core.sinks.size > 0) return;
    for (const [k, v] of registry) if (v === core) registry.delete(k);
    await core.shutdown([this.sink]);
  }

  private attach(): ListenKeyCore {
    if (this.core) return this.core;
    const o = this.opts;
    const shared = o.shared ?? true;
    const rk = registryKey(o.restBaseUrl, this.path, o.apiKey);
    let core = shared ? registry.get(rk) : undefined;
    if (!core || core.isShutDown) {
      core = new ListenKeyCore({
        product: this.product,
        apiKey: o.apiKey,
        restBaseUrl: o.restBaseUrl,
        path: this.path,
        refreshIntervalMs: o.refreshIntervalMs ?? 1_800_000,
        closeListenKeyOnStop: o.closeListenKeyOnStop ?? 'owned',
        requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
        retries: o.retries ?? 3,
        retryMinDelayMs: o.retryMinDelayMs ?? 1_000,
        retryMaxDelayMs: o.retryMaxDelayMs ?? 30_000,
        logger: normalizeLogger(o.logger),
        fetch: o.fetch,
        now: o.now ?? Date.now,
      });
      if (shared) registry.set(rk, core);
    }
    core.sinks.add(this.sink);
    this.core = core;
    return core;
  }
}

/** Reject with ERR_ABORTED as soon as any signal aborts (the shared work itself continues). */
function raceAbort<T>(p: Promise<T>, signals: readonly (AbortSignal | undefined)[]): Promise<T> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  const already = live.find((s) => s.aborted);
  if (already) {
    p.catch(() => undefined);
    return Promise.reject(abortReason(already));
  }
  if (live.length === 0) return p;
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      for (const s of live) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (ev: Event): void => {
      cleanup();
      reject(abortReason(ev.target as AbortSignal));
    };
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}

function abortReason(s: AbortSignal): BinanceStreamError {
  const r: unknown = s.reason;
  return r instanceof BinanceStreamError && r.code === 'ERR_ABORTED' ? r : new BinanceStreamError('ERR_ABORTED', 'listenKey wait aborted', { cause: r, permanent: true });
}
