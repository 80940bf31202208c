import type { AbortSignalLike } from '../../core/web-types';
import { EventEmitter } from 'eventemitter3';
import { raceAbort } from '../../core/abort';
import { aborted } from '../../core/errors';
import { isResolved } from '../../core/validate';
import type { ListenKeyLifecycleEvent } from '../events';
import type { ListenKeyProduct } from '../types';
import type { KeyChange, ListenKeySink } from './listen-key-core';
import { ListenKeyCore } from './listen-key-core';
import type { CloseListenKeyPolicy, ListenKeyManagerOptions, ResolvedListenKeyOptions } from './listen-key-options';
import { resolveListenKeyOptions } from './listen-key-options';

export type { CloseListenKeyPolicy, KeyChange, ListenKeyManagerOptions, ListenKeyProduct, ResolvedListenKeyOptions };
export { resolveListenKeyOptions };

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

/** Number of shared keys alive in this process (for tests and leak checks). */
export function sharedListenKeyCount(): number {
  return registry.size;
}

/**
 * The futures listenKey lifecycle (USD-M, COIN-M, portfolio margin): create the key, keep it alive every 30 minutes, replace
 * it when it expires or is rejected, close it per policy; usable on its own by users who bring their own socket.
 *
 * Sharing: a futures listenKey belongs to the ACCOUNT (POST returns the same active key
 * to every caller), so within one process every manager for the same API key, REST base
 * and product shares one key and one refresh timer by reference count; the key is closed
 * (per `closeListenKeyOnStop`) only when the last of them stops. The first manager's
 * options (interval, retry policy, close policy) govern the shared key.
 *
 * @example
 * ```ts
 * const keys = new ListenKeyManager({ product: 'usdm', apiKey, restBaseUrl: 'https://fapi.binance.com' });
 * keys.on('keyChange', ({ listenKey }) => mySocket.reconnectWith(listenKey)); // the key died: dial the new one
 * const listenKey = await keys.start();               // POST (header key only, no signature)
 * // … on each reconnect of your socket: const key = await keys.ensureValid();
 * // … on a `listenKeyExpired` frame:   keys.handleExpired(frame.listenKey);
 * await keys.stop();                                  // closes the key only if this process created it
 * ```
 */
export class ListenKeyManager extends EventEmitter<ListenKeyManagerEvents> {
  readonly product: ListenKeyProduct;
  private readonly config: ResolvedListenKeyOptions;
  private core: ListenKeyCore | undefined;
  /** The core joined last (kept after stop, for `timerCount`). */
  private joined: ListenKeyCore | undefined;
  private readonly ctrl = new AbortController();
  private stopped = false;
  private readonly sink: ListenKeySink;

  /** Validates `options` (ERR_INVALID_OPTION naming the option) unless they come from `resolveListenKeyOptions`. */
  constructor(options: ListenKeyManagerOptions | ResolvedListenKeyOptions) {
    super();
    this.config = isResolved(options) ? (options as ResolvedListenKeyOptions) : resolveListenKeyOptions(options);
    this.product = this.config.product;
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

  /** Timers of the shared key armed right now (0 once the last manager of the key stopped). */
  get timerCount(): number {
    return this.joined?.timerCount ?? 0;
  }

  /** Create (or join) the key and start refreshing it. Resolves with the key. */
  async start(): Promise<string> {
    return this.ensureValid();
  }

  /**
   * A valid key, for a (re)dial: creates one when needed; re-checks an older one with a
   * keepalive and replaces it when Binance says it is gone. `signal` aborts only this wait.
   */
  async ensureValid(signal?: AbortSignalLike): Promise<string> {
    if (this.stopped) throw aborted('ListenKeyManager (stopped)');
    return raceAbort(this.attach().ensure(), [this.ctrl.signal, signal], 'listenKey wait');
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
    this.ctrl.abort(aborted('ListenKeyManager (stopped)'));
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
    const c = this.config;
    const rk = `${c.restBaseUrl}\u0000${c.path}\u0000${c.apiKey}`;
    let core = c.shared ? registry.get(rk) : undefined;
    if (!core || core.isShutDown) {
      core = new ListenKeyCore(c);
      if (c.shared) registry.set(rk, core);
    }
    core.sinks.add(this.sink);
    this.core = core;
    this.joined = core;
    return core;
  }
}
