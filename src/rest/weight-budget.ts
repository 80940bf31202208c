/**
 * The REST request-weight budget of ONE Binance host (Binance counts REQUEST_WEIGHT per IP per minute and answers 429, then 418 = IP ban,
 * to whoever goes on). Every REST call of the process asks it first: `await budget.acquire(weight, { owner, signal })`, then, with every
 * answer, `budget.observe(status, headers)`.
 *
 * Rules, in order:
 * 1. A 429 pauses every request of the host for its `Retry-After` (60 s without one) and is logged WARN once per pause; a 418 (IP ban)
 *    pauses for its `Retry-After` (2 min without one) and is logged ERROR once per ban. A longer pause already in force stays.
 * 2. A request is granted when its weight fits: `used + weight <= floor(limit × (1 − headroom))` (or nothing at all is held, so that one
 *    request heavier than the whole budget still goes). `used` (weight-window.ts) is the weight granted within the rolling window, counting
 *    a request from its grant until one window after it settled (`heldUntil`: its answer arrived), so latency can never make the server's
 *    count exceed ours; or the server's own figure, when an answer's `X-MBX-USED-WEIGHT-1M` says more (other processes on this IP): it
 *    replaces the estimate and leaves the window like a grant made at that moment.
 * 3. Waiting requests are served FAIRLY: round-robin across `owner`s (one per stream being backfilled: 300 streams backfilling after a mass
 *    drop interleave instead of one draining the budget), FIFO within an owner (fair-queue.ts). The owner whose turn it is waits until its
 *    request fits; nobody smaller overtakes it, so heavy requests never starve.
 * A waiter leaves the queue when its signal aborts (ERR_ABORTED), leaving no timer and no listener. The one timer (slot `'wake'`) is armed
 * only while requests wait for time to pass.
 */
import type { AbortSignalLike } from '../core/web-types';
import type { BinanceStreamError } from '../core/errors';
import { onAbort } from '../core/abort';
import { aborted, invalidOption, parseRetryAfter } from '../core/errors';
import type { Logger } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import { TimerSlots } from '../core/timers';
import { num, optFunction, optObject, optString, requireNum } from '../core/validate';
import { FairQueue } from './fair-queue';
import { sharedRestBudget } from './weight-shared';
import { WeightWindow } from './weight-window';
import type { HeadersLike } from './weights';
import { readHeader, REQUEST_WEIGHT_LIMITS, REQUEST_WEIGHT_WINDOW_MS, usedWeightOf } from './weights';

/** Options of a {@link RestWeightBudget}: the host's request-weight limit, the headroom kept free, and the pauses after a 429 or a 418 that came without `Retry-After`. */
export interface RestWeightBudgetOptions {
  /** Binance's REQUEST_WEIGHT per minute for this host. @default 6000 (spot; USD-M and COIN-M: 2400) */
  limitPerMinute?: number | undefined;
  /** Fraction of the limit kept free (other processes, clock skew), in [0, 1). @default 0.1 (5,400 of 6,000) */
  headroom?: number | undefined;
  /** The rolling window. Binance's is one minute; shorter only for tests. @default 60_000 */
  windowMs?: number | undefined;
  /** Pause after a 429 without `Retry-After`. @default 60_000 */
  defaultPause429Ms?: number | undefined;
  /** Pause after a 418 (IP ban) without `Retry-After`; Binance's shortest ban is 2 min. @default 120_000 */
  defaultPause418Ms?: number | undefined;
  /** Names the host in log lines. @default 'rest' */
  host?: string | undefined;
  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
}

/** Options of one `acquire()`: a signal to give up waiting, the owner for fair queuing, and when the request's weight may start to leave the window. */
export interface RestAcquireOptions {
  /** Aborting removes the request from the queue: `acquire` rejects with ERR_ABORTED. */
  signal?: AbortSignalLike | undefined;
  /** Who asks (one per stream being backfilled): the queue is round-robin across owners. @default '' (one shared owner) */
  owner?: string | undefined;
  /**
   * Settles when the request's answer arrived (or it failed): the weight then leaves the
   * window one window later, not one window after the grant. It MUST settle. @default the grant itself
   */
  heldUntil?: PromiseLike<unknown> | undefined;
}

/** A snapshot of a REST weight budget: the weight used in the window against the limit, requests and owners waiting, a pause in force, 429 and 418 counts. Shown as `client.stats().rest`. */
export interface RestWeightBudgetState {
  /** The estimate of the weight used in the window (the server's figure when it said more). */
  usedWeight: number;
  /** Binance's limit (`limitPerMinute`). */
  limit: number;
  /** What the budget lets through (`floor(limit × (1 − headroom))`). */
  effectiveLimit: number;
  /** Requests waiting. */
  queued: number;
  /** Owners with requests waiting. */
  owners: number;
  /** Epoch ms until which every request is paused after a 429/418, or 0. */
  pausedUntil: number;
  /** Requests granted since creation. */
  granted: number;
  /** 429 answers observed. */
  rejected429: number;
  /** 418 answers (IP bans) observed. */
  banned418: number;
}

/**
 * What `RestWeightBudget.shared(host)` returns: possibly a budget made by another copy or
 * version of the library (weight-shared.ts). Version 1 of that contract is these methods.
 */
export interface SharedRestWeightBudget {
  /** Wait until a request of `weight` may be sent (fair across owners, paused during a 429 or 418). Rejects with `ERR_ABORTED` when `options.signal` aborts. */
  acquire(weight: number, options?: RestAcquireOptions): Promise<void>;
  /** Report an answer of the host: its used-weight header corrects the estimate, a 429 or 418 pauses every request for its `Retry-After`. */
  observe(status: number, headers?: HeadersLike): void;
  /** How long every request is paused from now, in ms (0: not paused). */
  pausedForMs(): number;
  /** A snapshot of the budget's counters. */
  state(): RestWeightBudgetState;
}

interface Waiter {
  weight: number;
  owner: string;
  heldUntil: PromiseLike<unknown> | undefined;
  resolve: () => void;
  reject: (err: BinanceStreamError) => void;
  onAbort: () => void;
  unlisten?: (() => void) | undefined; // removes onAbort from the signal
}

export class RestWeightBudget implements SharedRestWeightBudget {
  /**
   * The process-wide budget of a Binance host (a base URL or `host[:port]`), shared across
   * module copies through `globalThis[Symbol.for('binance-stream-client.rest-weight-budget')]`
   * (weight-shared.ts; USD-M and COIN-M hosts share one). `defaults` apply only when this call
   * creates it; the limit defaults to 2,400 for futures hosts (fapi, dapi, binancefuture) and 6,000 otherwise.
   */
  static shared(hostOrUrl: string, defaults: RestWeightBudgetOptions = {}): SharedRestWeightBudget {
    return sharedRestBudget<SharedRestWeightBudget>(hostOrUrl, (key) => {
      const limitPerMinute = /fapi|dapi|binancefuture/.test(key) ? REQUEST_WEIGHT_LIMITS.usdm : REQUEST_WEIGHT_LIMITS.spot;
      return new RestWeightBudget({ limitPerMinute, host: key, ...defaults });
    });
  }

  readonly limit: number;
  readonly effectiveLimit: number;
  private readonly window: WeightWindow;
  private readonly pause429: number;
  private readonly pause418: number;
  private readonly host: string;
  private readonly now: () => number;
  private readonly logger: Logger;

  private readonly queue = new FairQueue<Waiter>();
  private pausedUntil = 0;
  private bannedUntil = 0;
  private readonly timers = new TimerSlots<'wake'>();
  private timerAt = 0;
  private granted = 0;
  private rejected429 = 0;
  private banned418 = 0;

  constructor(options: RestWeightBudgetOptions = {}) {
    const o = optObject('RestWeightBudget options', options) ?? {};
    const ms = { min: 0, unit: 'ms' };
    this.limit = num('limitPerMinute', o.limitPerMinute, REQUEST_WEIGHT_LIMITS.spot, { integer: true, min: 1 });
    const headroom = num('headroom', o.headroom, 0.1, { min: 0 });
    if (headroom >= 1) throw invalidOption('headroom', 'a number in [0, 1)', headroom);
    this.effectiveLimit = Math.max(1, Math.floor(this.limit * (1 - headroom)));
    this.window = new WeightWindow(this.effectiveLimit, num('windowMs', o.windowMs, REQUEST_WEIGHT_WINDOW_MS, { min: 1, unit: 'ms' }));
    this.pause429 = num('defaultPause429Ms', o.defaultPause429Ms, 60_000, ms);
    this.pause418 = num('defaultPause418Ms', o.defaultPause418Ms, 120_000, ms);
    this.host = optString('host', o.host) ?? 'rest';
    this.now = optFunction<() => number>('now', o.now, 'a function returning epoch ms') ?? Date.now;
    this.logger = normalizeLogger(optObject('logger', o.logger, 'a logger object') as Partial<Logger> | undefined);
  }

  /** Resolves when a request of `weight` may be sent (it is counted from then on). */
  acquire(weight: number, options: RestAcquireOptions = {}): Promise<void> {
    try {
      requireNum('weight', weight, { min: 0 });
    } catch (err) {
      return Promise.reject(err);
    }
    const { signal, heldUntil } = options;
    const owner = options.owner ?? '';
    if (signal?.aborted) return Promise.reject(abortError(owner, signal.reason));
    const now = this.now();
    if (this.queue.size === 0 && this.pausedUntil <= now && this.window.fits(weight, now)) {
      this.grant(weight, heldUntil, now);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        owner,
        heldUntil,
        resolve,
        reject,
        onAbort: () => {
          waiter.unlisten?.();
          if (this.queue.remove(owner, waiter)) reject(abortError(owner, signal?.reason));
          this.pump();
        },
      };
      if (signal) waiter.unlisten = onAbort(signal, waiter.onAbort);
      this.queue.push(owner, waiter);
      this.pump();
    });
  }

  /**
   * An answer arrived: its `X-MBX-USED-WEIGHT-1M` replaces the estimate when higher; a 429 or
   * 418 pauses every request of the host (rule 1), and its used weight then counts only until
   * that pause ends (the server's Retry-After wins). Call it for EVERY answer, 2xx or not.
   */
  observe(status: number, headers?: HeadersLike): void {
    const now = this.now();
    const server = usedWeightOf(headers);
    if (status !== 429 && status !== 418) {
      if (server !== undefined) this.window.raiseTo(server, now);
    } else {
      const retryAfterMs = parseRetryAfter(readHeader(headers, 'retry-after'), now);
      const pauseMs = retryAfterMs ?? (status === 418 ? this.pause418 : this.pause429);
      const wasPaused = this.pausedUntil > now;
      const wasBanned = this.bannedUntil > now;
      this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
      // The server's figure counts until the pause it asked for ends: its Retry-After wins over our window.
      if (server !== undefined) this.window.raiseTo(server, now, Math.min(now + this.window.windowMs, this.pausedUntil));
      const fields = { host: this.host, status, retryAfterMs, pauseMs, pausedUntil: this.pausedUntil, usedWeight: this.window.used(now), queued: this.queue.size };
      if (status === 429) {
        this.rejected429++;
        if (!wasPaused) this.logger.warn(fields, 'REST weight limit hit (HTTP 429): every request to this host paused');
      } else {
        this.banned418++;
        this.bannedUntil = Math.max(this.bannedUntil, now + pauseMs);
        if (!wasBanned) this.logger.error(fields, 'IP banned by Binance (HTTP 418): every request to this host paused until the ban ends');
      }
      this.timers.clear('wake');
    }
    this.pump();
  }

  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** Timers armed right now (0 or 1; 0 whenever nothing waits for time to pass). For tests. */
  get timersArmed(): number {
    return this.timers.size;
  }

  /** Reject every waiting request with ERR_ABORTED and disarm the timer. What was used and any pause stay. */
  clear(): void {
    this.timers.clearAll();
    for (const w of this.queue.drain()) {
      w.unlisten?.();
      w.reject(aborted(`REST request of ${w.owner || 'an anonymous owner'} (the weight budget was cleared)`));
    }
  }

  state(): RestWeightBudgetState {
    const now = this.now();
    return {
      usedWeight: this.window.used(now),
      limit: this.limit,
      effectiveLimit: this.effectiveLimit,
      queued: this.queue.size,
      owners: this.queue.owners,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : 0,
      granted: this.granted,
      rejected429: this.rejected429,
      banned418: this.banned418,
    };
  }

  // ---------- internals ----------

  private grant(weight: number, heldUntil: PromiseLike<unknown> | undefined, now: number): void {
    this.granted++;
    const h = this.window.hold(weight, heldUntil ? Infinity : now + this.window.windowMs);
    if (!heldUntil) return;
    const settle = (): void => {
      this.window.settle(h, this.now());
      this.pump();
    };
    Promise.resolve(heldUntil).then(settle, settle);
  }

  private pump(): void {
    for (let head = this.queue.peek(); head; head = this.queue.peek()) {
      const now = this.now();
      const at = Math.max(this.pausedUntil, this.window.fitsAt(head.weight, now));
      if (at > now) {
        if (at === Infinity) this.timers.clear('wake');
        else this.arm(at, now);
        return;
      }
      this.queue.shift();
      head.unlisten?.();
      this.grant(head.weight, head.heldUntil, now);
      head.resolve();
    }
    this.timers.clear('wake');
  }

  private arm(at: number, now: number): void {
    if (this.timers.has('wake') && this.timerAt === at) return;
    this.timerAt = at;
    this.timers.set('wake', Math.ceil(at - now), () => this.pump());
  }
}

function abortError(owner: string, reason: unknown): BinanceStreamError {
  return aborted(`REST request of ${owner || 'an anonymous owner'} (waiting for the weight budget)`, reason);
}
