/**
 * The connection-attempt budget of one IP, shared by every process through Redis (a DialGate:
 * pass it as the client's `connectionBudget`). The window lives in Redis (a sorted set of
 * grants, judged by the DIAL script, scripts.ts, on Redis' clock); this process keeps only a
 * FIFO queue of its own waiting dials and asks Redis for the head, one request at a time.
 *
 * - A denial carries how long to wait (pause, window full, or pacing): the head asks again
 *   then, plus up to `jitterMs` at random so processes do not retry in lock-step.
 * - `reportRejection` (a 429/418/403 handshake) pauses THIS process at once and every other
 *   one through the PAUSE script (a Redis key every DIAL checks, plus a PUBLISH that updates
 *   everybody's `pausedForMs()` right away).
 * - Redis down (RedisLink): the dial is decided by a per-process `ConnectionBudget` holding
 *   `1 / processes` of the limit (processes = those alive at the last heartbeat), which keeps
 *   the pause reported so far. Grants made meanwhile are written to Redis when it is back.
 */
import type { DialGate } from '../advanced';
import type { AbortSignalLike, BinanceStreamError, Logger } from '../index';
import { ConnectionBudget } from '../advanced';
import type { ConnectionBudgetState } from '../advanced';
import { aborted } from '../core/errors';
import { TimerSlots } from '../core/timers';
import type { RedisLink } from './link';
import { DIAL, PAUSE } from './scripts';

export interface SharedLimits {
  /** Binance's limit per window. */
  maxAttempts: number;
  windowMs: number;
  effectiveLimit: number;
  minIntervalMs: number;
  jitterMs: number;
  defaultPause429Ms: number;
  defaultPause418Ms: number;
}

interface Waiter {
  socketId: string;
  resolve: () => void;
  reject: (err: BinanceStreamError) => void;
  signal: AbortSignalLike;
  onAbort: () => void;
}

export interface RedisConnectionBudgetState extends ConnectionBudgetState {
  /** Whether dials are decided by Redis now (false: the per-process fallback). */
  shared: boolean;
  /** Attempts decided by the per-process fallback while Redis was down. */
  fallbackGrants: number;
}

export interface BudgetHost {
  readonly link: RedisLink;
  readonly logger: Logger;
  readonly processId: string;
  /** Processes alive at the last heartbeat (at least 1). */
  processes(): number;
  key(name: string): string;
  readonly pauseChannel: string;
}

export class RedisConnectionBudget implements DialGate {
  private readonly queue: Waiter[] = [];
  private readonly timers = new TimerSlots<'retry'>();
  private asking = false;
  private seq = 0;
  private pausedUntil = 0;
  private granted = 0;
  private rejections = 0;
  private usedInWindow = 0;
  private fallback: ConnectionBudget | undefined;
  private fallbackGrants = 0;
  private fallbackOutage = 0;
  /** Local epoch ms of grants made by the fallback, written to Redis when it is back. */
  private unsynced: number[] = [];
  private closed = false;

  constructor(
    private readonly host: BudgetHost,
    readonly limits: SharedLimits,
  ) {}

  acquire(socketId: string, signal: AbortSignalLike): Promise<void> {
    if (this.closed) return Promise.reject(aborted(`dial of ${socketId} (the Redis coordinator is closed)`));
    if (signal.aborted) return Promise.reject(aborted(`dial of ${socketId} (waiting for the shared connection budget)`, signal.reason));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        socketId,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(aborted(`dial of ${socketId} (waiting for the shared connection budget)`, signal.reason));
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.queue.push(w);
      this.pump();
    });
  }

  reportRejection(status: number, retryAfterMs: number | undefined): number {
    this.rejections++;
    const pauseMs = retryAfterMs !== undefined && retryAfterMs >= 0 ? retryAfterMs : status === 418 ? this.limits.defaultPause418Ms : this.limits.defaultPause429Ms;
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pauseMs);
    this.fallback?.reportRejection(status, retryAfterMs);
    this.host.logger.warn({ status, pauseMs, processId: this.host.processId }, 'connection attempt rejected: pausing every dial of every process on this IP');
    void this.host.link.run(PAUSE, [this.host.key('dial:pause')], [Math.ceil(pauseMs), this.host.pauseChannel, `dial|${this.host.processId}`]).catch(() => undefined);
    this.timers.clearAll();
    this.pump();
    return this.pausedForMs();
  }

  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - Date.now(), this.fallback?.pausedForMs() ?? 0);
  }

  /** A PAUSE published by another process (Redis ms). */
  notePause(redisUntil: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.host.link.toLocal(redisUntil));
  }

  state(): RedisConnectionBudgetState {
    const f = this.fallback?.state();
    const pausedUntil = Date.now() + this.pausedForMs();
    return {
      attemptsInWindow: this.host.link.up ? this.usedInWindow : (f?.attemptsInWindow ?? 0),
      limit: this.limits.maxAttempts,
      effectiveLimit: this.limits.effectiveLimit,
      windowMs: this.limits.windowMs,
      queued: this.queue.length + (f?.queued ?? 0),
      pausedUntil: pausedUntil > Date.now() ? pausedUntil : 0,
      granted: this.granted,
      rejections: this.rejections,
      shared: this.host.link.up,
      fallbackGrants: this.fallbackGrants,
    };
  }

  /** Timers armed now (0 whenever nothing waits). */
  get timersArmed(): number {
    return this.timers.size + (this.fallback?.timersArmed ?? 0);
  }

  /** Reject every waiting dial (ERR_ABORTED) and disarm. */
  close(): void {
    this.closed = true;
    this.timers.clearAll();
    for (const w of this.queue.splice(0)) {
      w.signal.removeEventListener('abort', w.onAbort);
      w.reject(aborted(`dial of ${w.socketId} (the Redis coordinator closed)`));
    }
  }

  private pump(): void {
    if (this.asking || this.timers.has('retry') || this.closed) return;
    const head = this.queue[0];
    if (!head) return;
    this.asking = true;
    void this.ask().then(
      (waitMs) => {
        this.asking = false;
        if (this.closed) return;
        if (waitMs === 0) {
          // The head may have left (abort) while Redis answered: the grant then goes to the next waiter.
          const w = this.queue.shift();
          if (w) {
            w.signal.removeEventListener('abort', w.onAbort);
            this.granted++;
            w.resolve();
          }
          this.pump();
        } else {
          this.timers.set('retry', waitMs + Math.random() * this.limits.jitterMs, () => this.pump());
        }
      },
      () => {
        this.asking = false;
        this.pump();
      },
    );
  }

  /** 0: granted now; otherwise ms to wait before asking again. */
  private async ask(): Promise<number> {
    const local = Date.now() + 0;
    if (this.pausedUntil > local) return this.pausedUntil - local;
    try {
      if (this.unsynced.length && this.host.link.up) await this.sync();
      const member = `${this.host.processId}:${++this.seq}`;
      const limits = this.limits;
      const tail = limits.windowMs * 0.25;
      const [granted, waitMs, used, pausedUntil] = await this.host.link.run(
        DIAL,
        [this.host.key('dial:grants'), this.host.key('dial:pause')],
        [limits.windowMs, limits.effectiveLimit, limits.minIntervalMs, tail, member],
      );
      this.usedInWindow = used as number;
      if (pausedUntil) this.notePause(pausedUntil);
      return granted === 1 ? 0 : Math.max(1, waitMs as number);
    } catch {
      return this.askFallback();
    }
  }

  /** Redis is down: one per-process budget decides (a share of the limit). */
  private async askFallback(): Promise<number> {
    // One per outage: the share is that of the processes seen when this outage began.
    if (!this.fallback || this.fallbackOutage !== this.host.link.outages) {
      const pausedMs = this.pausedForMs();
      this.fallbackOutage = this.host.link.outages;
      const share = Math.max(1, this.host.processes());
      const l = this.limits;
      this.fallback = new ConnectionBudget({
        maxAttempts: Math.max(1, Math.floor(l.effectiveLimit / share)),
        headroom: 1,
        windowMs: l.windowMs,
        minIntervalMs: l.minIntervalMs,
        jitterMs: l.jitterMs,
        defaultPause429Ms: l.defaultPause429Ms,
        defaultPause418Ms: l.defaultPause418Ms,
      });
      if (pausedMs > 0) this.fallback.reportRejection(429, pausedMs);
      this.host.logger.warn(
        { processes: share, attemptsPerWindow: this.fallback.effectiveLimit, windowMs: l.windowMs },
        'connection budget: Redis down, this process now dials within its own share of the IP limit',
      );
    }
    const head = this.queue[0];
    if (!head) return 0;
    // The fallback keeps its own queue: wait for its grant (or Redis coming back), then hand it to our head.
    const redis = this.host.link.redis;
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    head.signal.addEventListener('abort', stop, { once: true });
    redis.once('ready', stop);
    try {
      await this.fallback.acquire(head.socketId, ac.signal);
    } catch (err) {
      if (head.signal.aborted) throw err;
      return 1; // Redis is back: ask it again
    } finally {
      head.signal.removeEventListener('abort', stop);
      redis.off('ready', stop);
    }
    this.fallbackGrants++;
    this.unsynced.push(Date.now());
    return 0;
  }

  /** Write the fallback's grants into the shared window (best effort, once Redis is back). */
  private async sync(): Promise<void> {
    const grants = this.unsynced;
    this.unsynced = [];
    const redis = this.host.link.redis;
    const args: (string | number)[] = [];
    for (const at of grants) args.push(at + (this.host.link.redisNow() - Date.now()), `${this.host.processId}:f${++this.seq}`);
    try {
      if (redis.status !== 'ready') throw new Error('not ready');
      await redis.zadd(this.host.key('dial:grants'), ...args);
    } catch {
      this.unsynced = grants.concat(this.unsynced);
    }
  }
}
