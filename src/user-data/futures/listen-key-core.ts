/**
 * The listenKey lifecycle for ONE (REST base, path, API key): create, refresh on a timer,
 * replace when the key dies, close on shutdown. Shared by every {@link ListenKeyManager}
 * handle of that account in this process (see listen-key-manager.ts); not exported from
 * the package.
 *
 * All REST operations run one at a time (an internal queue), so a refresh, a reconnect's
 * re-check and a `listenKeyExpired` push can never race each other into two keys. The
 * one timer (the next refresh) lives in this object's TimerSlots.
 */
import type { AbortSignalLike } from '../../core/web-types';
import { aborted, BinanceStreamError, toStreamError } from '../../core/errors';
import { maskSecret } from '../../core/logger';
import { TimerSlots } from '../../core/timers';
import { ConstantBackoff } from '../../retry/constant-backoff';
import type { RetryPolicy } from '../../retry/policy';
import type { ListenKeyLifecycleEvent } from '../events';
import { errorFields } from '../../core/logger';
import { LISTEN_KEY_WEIGHT } from '../../rest/weights';
import type { HttpMethod } from '../rest';
import { restCall } from '../rest';
import type { ResolvedListenKeyOptions } from './listen-key-options';
import { holdLease, releaseLease } from './listen-key-lease';

export interface KeyChange {
  /** The new key, in clear (needed to dial). Treat it as a secret: never log it. */
  listenKey: string;
  /** Masked previous key. */
  previous: string | undefined;
  reason: 'expired' | 'refreshFailed';
}

/** What the core calls on every attached handle. */
export interface ListenKeySink {
  lifecycle(e: ListenKeyLifecycleEvent): void;
  keyChange(e: KeyChange): void;
}

/** A key validated (created or kept alive) this recently is not checked again before a dial. */
const FRESH_MS = 10_000;
/** After a failed create, try again this soon (or at the refresh interval when shorter). */
const CREATE_RETRY_MS = 60_000;
/** The DELETE on shutdown is tried once: the key expires by itself anyway. */
const NO_RETRY: RetryPolicy = new ConstantBackoff({ maxRetries: 0 });

export class ListenKeyCore {
  private key: string | undefined;
  private owned = false;
  private validatedAt = 0;
  private readonly timers = new TimerSlots<'refresh'>();
  private nextRefreshAt = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ctrl = new AbortController();
  private shutDown = false;
  readonly sinks = new Set<ListenKeySink>();

  constructor(readonly config: ResolvedListenKeyOptions) {}

  /** The current key in clear, if any. */
  get listenKey(): string | undefined {
    return this.key;
  }

  /** Whether this process created the current key fresh (see closeListenKeyOnStop 'owned'). */
  get ownsKey(): boolean {
    return this.owned;
  }

  get isShutDown(): boolean {
    return this.shutDown;
  }

  /** Timers armed right now (0 after shutdown). */
  get timerCount(): number {
    return this.timers.size;
  }

  /** ms until the next scheduled refresh, or undefined. */
  get nextRefreshInMs(): number | undefined {
    return this.timers.has('refresh') ? Math.max(0, this.nextRefreshAt - this.config.now()) : undefined;
  }

  /**
   * Make sure a valid key exists and return it: create one if there is none; re-check an
   * older one with a keepalive (PUT) and replace it when Binance says it is gone (-1125).
   */
  ensure(): Promise<string> {
    return this.exclusive(async () => {
      if (this.key === undefined) {
        await this.create(undefined, undefined);
      } else if (this.config.now() - this.validatedAt >= FRESH_MS) {
        try {
          await this.keepalive();
          this.emit({ action: 'refreshed', listenKey: maskSecret(this.key) });
        } catch (err) {
          if (!(err instanceof BinanceStreamError) || err.code !== 'ERR_LISTEN_KEY') throw err;
          await this.replace('expired', err);
        }
      }
      return this.key as string;
    });
  }

  /** A `listenKeyExpired` push arrived. Ignored when it names a key we no longer use. */
  handleExpired(listenKey?: string): Promise<void> {
    return this.exclusive(async () => {
      if (this.key === undefined) return;
      if (listenKey !== undefined && listenKey !== '' && listenKey !== this.key) {
        this.config.logger.debug({ product: this.config.product, listenKey: maskSecret(listenKey) }, 'listenKeyExpired for a previous key ignored');
        return;
      }
      await this.replace('expired', new BinanceStreamError('ERR_LISTEN_KEY', 'Binance pushed listenKeyExpired', { permanent: false }));
    });
  }

  /** Abort everything, close the key if the policy says so, leave no timer. Idempotent. */
  async shutdown(sinks: readonly ListenKeySink[]): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    this.timers.clearAll();
    this.ctrl.abort(aborted('listenKey manager'));
    await this.queue.catch(() => undefined);
    const key = this.key;
    this.key = undefined;
    if (key === undefined) return;
    const { closeListenKeyOnStop: policy, logger, product, listenKeyLease } = this.config;
    // With a cross-process lease, the last holder deletes the key (listen-key-lease.ts).
    const close = listenKeyLease ? await releaseLease(this.config, key) : policy === 'always' || (policy === 'owned' && this.owned);
    if (!close) {
      logger.debug({ product, listenKey: maskSecret(key), policy, owned: this.owned }, 'listenKey left open for other users of the account');
      return;
    }
    try {
      await this.request('DELETE', new AbortController().signal, NO_RETRY);
      logger.info({ product, listenKey: maskSecret(key) }, 'listenKey closed');
      for (const s of sinks) this.safeCall(() => s.lifecycle({ action: 'closed', market: product, listenKey: maskSecret(key) }));
    } catch (err) {
      logger.warn({ product, listenKey: maskSecret(key), error: errorFields(err) }, 'listenKey close failed (it expires by itself within 60 minutes)');
    }
  }

  // ---------- internals ----------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.shutDown) throw aborted('listenKey manager (stopped)');
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private emit(partial: Omit<ListenKeyLifecycleEvent, 'market'>): void {
    const e: ListenKeyLifecycleEvent = { ...partial, market: this.config.product };
    for (const s of this.sinks) this.safeCall(() => s.lifecycle(e));
  }

  private request<T>(method: HttpMethod, signal: AbortSignalLike, policy = this.config.restRetryPolicy): Promise<T> {
    const c = this.config;
    const budget = { budget: c.restWeightBudget, weight: LISTEN_KEY_WEIGHT, owner: `listenKey:${c.product}` };
    const req = { method, baseUrl: c.restBaseUrl, path: c.path, apiKey: c.apiKey, timeoutMs: c.requestTimeoutMs, signal, fetch: c.fetch, now: c.now, ...budget };
    return restCall<T>(req, {
      policy,
      // Retried by itself: WARN, one line per failed attempt, the attempt beside the policy's bound.
      onRetry: ({ attempt, delayMs, error }) =>
        c.logger.warn({ product: c.product, method, attempt, maxRetries: policy.maxRetries, delayMs, error: errorFields(error) }, 'listenKey request failed, retrying'),
    });
  }

  private async keepalive(): Promise<void> {
    await this.request('PUT', this.ctrl.signal);
    this.validatedAt = this.config.now();
  }

  /**
   * POST a key. With the 'owned' policy, first ask (PUT, no params) whether the account
   * already has an active key: PUT succeeding means one exists (another process or an
   * earlier run made it), so POST only returns that shared key and we must not DELETE it;
   * PUT answering -1125 means none exists, so POST creates a fresh one that we own.
   */
  private async create(previous: string | undefined, reason: KeyChange['reason'] | undefined, previousOwned = false): Promise<void> {
    const { logger, product, closeListenKeyOnStop } = this.config;
    let existed: boolean | undefined;
    if (closeListenKeyOnStop === 'owned') {
      try {
        await this.request('PUT', this.ctrl.signal);
        existed = true;
      } catch (err) {
        const e = toStreamError(err);
        if (e.code === 'ERR_LISTEN_KEY') existed = false;
        else if (e.code === 'ERR_ABORTED' || e.code === 'ERR_ENDPOINT_RETIRED' || e.code === 'ERR_AUTH' || !e.permanent) throw e;
        // Any other permanent answer: we cannot tell, so assume the key is shared.
        else logger.debug({ product, error: errorFields(e) }, 'listenKey ownership probe inconclusive; treating the key as shared');
      }
    }
    const body = await this.request<{ listenKey?: unknown }>('POST', this.ctrl.signal);
    const key = body.listenKey;
    if (typeof key !== 'string' || !key) throw new BinanceStreamError('ERR_HTTP', `POST ${this.config.path} answered without a listenKey`, { permanent: false });
    this.key = key;
    await holdLease(this.config, key, previous);
    this.owned = closeListenKeyOnStop === 'owned' ? existed === false : closeListenKeyOnStop === 'always';
    this.validatedAt = this.config.now();
    this.schedule(this.config.now() + this.config.refreshIntervalMs);
    if (previous !== undefined && key === previous) {
      // The old key was still alive (the POST extended it): nothing to reconnect.
      this.owned ||= previousOwned;
      logger.info({ product, listenKey: maskSecret(key), reason }, 'listenKey still valid after all; kept');
      this.emit({ action: 'refreshed', listenKey: maskSecret(key) });
      return;
    }
    if (!previous) {
      logger.info({ product, listenKey: maskSecret(key), owned: this.owned }, 'listenKey created');
      this.emit({ action: 'created', listenKey: maskSecret(key) });
    } else {
      logger.info({ product, listenKey: maskSecret(key), previous: maskSecret(previous), reason, owned: this.owned }, 'listenKey replaced');
      this.emit({ action: 'replaced', listenKey: maskSecret(key), previous: maskSecret(previous) });
    }
    if (reason !== undefined) {
      const change: KeyChange = { listenKey: key, previous: previous ? maskSecret(previous) : undefined, reason };
      for (const s of this.sinks) this.safeCall(() => s.keyChange(change));
    }
  }

  /** The key is dead (or could not be kept alive): get a new one and tell every handle. */
  private async replace(reason: KeyChange['reason'], error: BinanceStreamError): Promise<void> {
    const previous = this.key;
    const previousOwned = this.owned;
    const { logger, product } = this.config;
    this.key = undefined;
    this.owned = false;
    if (previous !== undefined && reason === 'expired') {
      logger.warn({ product, listenKey: maskSecret(previous), error: errorFields(error) }, 'listenKey expired; creating a new one');
      this.emit({ action: 'expired', listenKey: maskSecret(previous), error });
    }
    try {
      await this.create(previous, reason, previousOwned);
    } catch (err) {
      const e = toStreamError(err);
      if (e.code !== 'ERR_ABORTED') {
        const retryInMs = Math.min(CREATE_RETRY_MS, this.config.refreshIntervalMs);
        // Tried again on a timer: recovered automatically unless retrying cannot help.
        // Permanent (API key refused, endpoint retired): only an operator can fix it, so ERROR; the timer still tries now and then.
        if (e.permanent) logger.error({ product, error: errorFields(e), retryInMs }, 'listenKey could not be created and retrying cannot help');
        else logger.warn({ product, error: errorFields(e), retryInMs }, 'listenKey could not be created; trying again later');
        this.emit({ action: 'refreshFailed', listenKey: maskSecret(previous), error: e });
        this.schedule(this.config.now() + retryInMs);
      }
      throw e;
    }
  }

  private schedule(at: number): void {
    if (this.shutDown) return;
    this.nextRefreshAt = at;
    this.timers.set('refresh', at - this.config.now(), () => {
      void this.exclusive(() => this.refreshTick(at)).catch(() => undefined);
    });
  }

  private async refreshTick(firedAt: number): Promise<void> {
    const { logger, product } = this.config;
    if (this.key === undefined) {
      // A create failed earlier: try again (replace emits and reschedules).
      await this.replace('refreshFailed', new BinanceStreamError('ERR_LISTEN_KEY', 'no listenKey', { permanent: false }));
      return;
    }
    try {
      await this.keepalive();
      // Exact cadence: the next refresh is due one interval after this one was due.
      this.schedule(Math.max(firedAt, this.config.now() - this.config.refreshIntervalMs) + this.config.refreshIntervalMs);
      logger.debug({ product, listenKey: maskSecret(this.key) }, 'listenKey refreshed');
      this.emit({ action: 'refreshed', listenKey: maskSecret(this.key) });
    } catch (err) {
      const e = toStreamError(err);
      if (e.code === 'ERR_ABORTED') throw e;
      if (e.code === 'ERR_LISTEN_KEY') {
        await this.replace('expired', e);
        return;
      }
      logger.warn({ product, listenKey: maskSecret(this.key), error: errorFields(e) }, 'listenKey refresh failed after retries; replacing the key');
      this.emit({ action: 'refreshFailed', listenKey: maskSecret(this.key), error: e });
      await this.replace('refreshFailed', e);
    }
  }

  private safeCall(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A fault in user code: ERROR (the lifecycle itself goes on).
      this.config.logger.error({ product: this.config.product, error: errorFields(err) }, 'a listenKey listener threw; the lifecycle goes on');
    }
  }
}
