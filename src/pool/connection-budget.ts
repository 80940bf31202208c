/**
 * The IP-wide connection-attempt budget (Binance: 300 attempts per 5 minutes per IP on spot;
 * futures undocumented, assumed equal). Every dial of every socket in the process (first
 * connects, reconnects, rotations) asks this gate first, so a burst of re-dials after a
 * maintenance cut is spread out instead of tripping a 429 or a 418 ban.
 *
 * Rules, in order:
 * 1. A 429/418/403 answer (`reportRejection`) pauses every dial until its `Retry-After`.
 * 2. At most `floor(maxAttempts * headroom)` attempts in any sliding `windowMs` (the hard cap).
 * 3. Pacing (budget-pacing.ts): with `remaining` attempts left in the window, consecutive dials
 *    are at least `max(minIntervalMs, windowMs / 4 / (remaining * (remaining + 1)))` apart. The
 *    budget is spent as fast as Binance allows while plenty is left (80 sockets cut at once are
 *    back within a few seconds, three times in a row) and slows down smoothly only as it nears
 *    the cap (the last attempts of a window are seconds, then tens of seconds apart).
 *    When several dials are queued, each gap gets up to `jitterMs` of random extra so that
 *    sockets cut at the same moment do not re-dial in lock-step (80 queued dials are spread
 *    over about 3 s on the defaults).
 * The queue is FIFO; a waiter leaves it when its AbortSignal aborts (ERR_ABORTED).
 * The budget's one timer (slot `'wake'`) is armed only while its queue is not empty.
 * A bad option throws ERR_INVALID_OPTION naming it.
 */
import type { AbortSignalLike } from '../core/web-types';
import type { DialGate } from '../connection/types';
import type { BinanceStreamError } from '../core/errors';
import { onAbort } from '../core/abort';
import { aborted, invalidOption } from '../core/errors';
import { TimerSlots } from '../core/timers';
import { num } from '../core/validate';
import { pacingGapMs, TAIL_SPREAD_FRACTION } from './budget-pacing';
import { sharedBudget } from './budget-shared';

/**
 * Options of a {@link ConnectionBudget}, the gate every dial asks first so the process stays within Binance's connection-attempt limit per IP. The defaults follow Binance's documented 300 attempts per 5 minutes.
 */
export interface ConnectionBudgetOptions {
  /** Binance's limit of connection attempts per IP per window. @default 300 */
  maxAttempts?: number | undefined;
  /** The sliding window of that limit. @default 300_000 (5 min) */
  windowMs?: number | undefined;
  /** Fraction of `maxAttempts` the budget lets through (headroom for other processes, clock skew). @default 0.9 (270 of 300) */
  headroom?: number | undefined;
  /**
   * Minimum gap between two dials (the pacing rule only widens it as the budget runs out).
   * 6,000 spot streams are 6 sockets, dialled within about 0.2 s; 280 klines are one socket
   * and never wait. (The official SDK spaces queued connects by 1 s; Binance documents no
   * burst rule beyond the 5-minute window, so the budget is spent quickly while it lasts.)
   * @default 25
   */
  minIntervalMs?: number | undefined;
  /** Up to this much random extra per gap when dials are queued (spreads mass re-dials). @default 25 */
  jitterMs?: number | undefined;
  /** Pause after a 429 without `Retry-After`. @default 60_000 */
  defaultPause429Ms?: number | undefined;
  /** Pause after a 418 (IP ban) without `Retry-After`; Binance's shortest ban is 2 min. @default 120_000 */
  defaultPause418Ms?: number | undefined;
  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
  /** Random source in [0, 1), for tests. @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * A snapshot of a connection budget: attempts in the current window against the limit, dials waiting, a pause in force after a rejection. Shown as `client.stats().pool.budget`.
 */
export interface ConnectionBudgetState {
  /** Attempts granted within the current window. */
  attemptsInWindow: number;
  /** Binance's limit (`maxAttempts`). */
  limit: number;
  /** What the budget lets through per window (`limit * headroom`). */
  effectiveLimit: number;
  windowMs: number;
  /** Dials waiting for permission. */
  queued: number;
  /** Epoch ms until which dials are paused after a rejection, or 0. */
  pausedUntil: number;
  /** Total attempts granted since creation. */
  granted: number;
  /** Rejections reported (429/418/403). */
  rejections: number;
}

interface Waiter {
  socketId: string;
  resolve: () => void;
  reject: (err: BinanceStreamError) => void;
  onAbort: () => void;
  /** Removes onAbort from the signal (core/abort onAbort). */
  unlisten?: (() => void) | undefined;
}

function fraction(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw invalidOption(name, 'a number in (0, 1]', value);
  return value;
}

/**
 * What `ConnectionBudget.shared()` returns: the process-wide budget, possibly created by
 * another copy or version of the library (budget-shared.ts: a versioned slot on globalThis).
 * Version 1 of that contract is exactly these methods, with the semantics documented on
 * ConnectionBudget.
 */
export interface SharedConnectionBudget extends DialGate {
  pausedForMs(): number;
  /** A snapshot of the budget's counters (old attempts are pruned first). */
  state(): ConnectionBudgetState;
}

export class ConnectionBudget implements DialGate {
  /**
   * The process-wide budget every pool (and every client) uses unless given its own:
   * Binance counts attempts per IP, not per client. One per process across module copies
   * (ESM and CJS builds, the main and `/advanced` bundles, other library versions): it lives
   * in `globalThis[Symbol.for('binance-stream-client.connection-budget')]` as
   * `{ version: 1, budget }` (budget-shared.ts).
   */
  static shared(): SharedConnectionBudget {
    return sharedBudget<SharedConnectionBudget>(() => new ConnectionBudget());
  }

  readonly limit: number;
  readonly effectiveLimit: number;
  readonly windowMs: number;
  private readonly minIntervalMs: number;
  private readonly tailSpreadMs: number;
  private readonly jitterMs: number;
  private readonly pause429: number;
  private readonly pause418: number;
  private readonly now: () => number;
  private readonly random: () => number;

  /** Grant times within the window, oldest first. */
  private readonly grants: number[] = [];
  private readonly queue: Waiter[] = [];
  private lastGrantAt = -Infinity;
  private pausedUntil = 0;
  private readonly timers = new TimerSlots<'wake'>();
  private timerAt = 0;
  private granted = 0;
  private rejections = 0;

  constructor(options: ConnectionBudgetOptions = {}) {
    const ms = { min: 0, unit: 'ms' };
    this.limit = num('maxAttempts', options.maxAttempts, 300, { integer: true, min: 1 });
    this.windowMs = num('windowMs', options.windowMs, 300_000, { min: 1, unit: 'ms' });
    this.effectiveLimit = Math.max(1, Math.floor(this.limit * fraction('headroom', options.headroom, 0.9)));
    this.minIntervalMs = num('minIntervalMs', options.minIntervalMs, 25, ms);
    this.jitterMs = num('jitterMs', options.jitterMs, 25, ms);
    this.tailSpreadMs = this.windowMs * TAIL_SPREAD_FRACTION;
    this.pause429 = num('defaultPause429Ms', options.defaultPause429Ms, 60_000, ms);
    this.pause418 = num('defaultPause418Ms', options.defaultPause418Ms, 120_000, ms);
    this.now = clock('now', options.now, Date.now);
    this.random = clock('random', options.random, Math.random);
  }

  /** Resolves when `socketId` may dial (the attempt is counted then); rejects with ERR_ABORTED on abort. */
  acquire(socketId: string, signal: AbortSignalLike): Promise<void> {
    if (signal.aborted) return Promise.reject(abortError(socketId, signal.reason));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        socketId,
        resolve,
        reject,
        onAbort: () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(abortError(socketId, signal.reason));
          this.pump();
        },
      };
      waiter.unlisten = onAbort(signal, waiter.onAbort);
      this.queue.push(waiter);
      this.pump();
    });
  }

  /**
   * A handshake was answered 429/418/403: pause every dial for `retryAfterMs` (or the default
   * for that status). Returns the pause now in force, in ms (a longer earlier pause stays).
   */
  reportRejection(status: number, retryAfterMs: number | undefined): number {
    this.rejections++;
    const pause = retryAfterMs !== undefined && retryAfterMs >= 0 ? retryAfterMs : status === 418 ? this.pause418 : this.pause429;
    const until = this.now() + pause;
    if (until > this.pausedUntil) this.pausedUntil = until;
    // Re-plan the wake-up for the longer wait.
    this.timers.clearAll();
    this.pump();
    return this.pausedForMs();
  }

  /** How long every dial is paused from now, in ms (0: not paused). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** Timers armed right now (0 or 1; 0 whenever the queue is empty). For tests. */
  get timersArmed(): number {
    return this.timers.size;
  }

  /** A snapshot of the budget's counters (attempts older than the window are pruned first). */
  state(): ConnectionBudgetState {
    const now = this.now();
    this.prune(now);
    return {
      attemptsInWindow: this.grants.length,
      limit: this.limit,
      effectiveLimit: this.effectiveLimit,
      windowMs: this.windowMs,
      queued: this.queue.length,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : 0,
      granted: this.granted,
      rejections: this.rejections,
    };
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.grants.length && (this.grants[drop] as number) <= cutoff) drop++;
    if (drop) this.grants.splice(0, drop);
  }

  /** Earliest time the head of the queue may dial. */
  private nextSlot(now: number): number {
    this.prune(now);
    let at = now;
    if (this.pausedUntil > at) at = this.pausedUntil;
    const used = this.grants.length;
    if (used >= this.effectiveLimit) {
      // Wait until the oldest grant that keeps us at the limit leaves the window.
      const oldest = this.grants[used - this.effectiveLimit] as number;
      at = Math.max(at, oldest + this.windowMs + 1);
    }
    const remaining = Math.max(1, this.effectiveLimit - used);
    at = Math.max(at, this.lastGrantAt + pacingGapMs(remaining, this.minIntervalMs, this.tailSpreadMs));
    return at;
  }

  private pump(): void {
    while (this.queue.length) {
      const now = this.now();
      const at = this.nextSlot(now);
      if (at > now) {
        this.arm(at, now);
        return;
      }
      const waiter = this.queue.shift() as Waiter;
      waiter.unlisten?.();
      this.grants.push(now);
      this.granted++;
      this.lastGrantAt = now;
      // Contention: push the next grant a little further, at random.
      if (this.queue.length && this.jitterMs > 0) this.lastGrantAt = now + this.random() * this.jitterMs;
      waiter.resolve();
    }
    this.timers.clearAll();
  }

  private arm(at: number, now: number): void {
    if (this.timers.has('wake') && this.timerAt === at) return;
    this.timerAt = at;
    this.timers.set('wake', Math.ceil(at - now), () => this.pump());
  }
}

function clock(name: string, value: unknown, fallback: () => number): () => number {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw invalidOption(name, 'a function returning a number', value);
  return value as () => number;
}

function abortError(socketId: string, reason: unknown): BinanceStreamError {
  return aborted(`dial of ${socketId} (waiting for the connection budget)`, reason);
}
