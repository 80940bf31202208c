/**
 * The REST weight budget of one Binance host, shared by every process of the IP through Redis
 * (a SharedRestWeightBudget: pass it as the client's `restWeightBudget`). The window lives in
 * Redis (WEIGHT script); this process keeps a fair queue of its own requests (round-robin
 * across owners, as in-process) and asks Redis for the head, one request at a time.
 *
 * - `heldUntil`: when the answer arrives, the request's hold moves to that moment (ZADD XX),
 *   so it leaves the window one window after its answer, never before the server forgets it.
 * - `observe()`: a higher `X-MBX-USED-WEIGHT-1M` raises the shared count (RAISE); a 429/418
 *   pauses every process (PAUSE + PUBLISH), logged WARN (429) or ERROR (418) once per pause.
 * - Redis down: a per-process `RestWeightBudget` with `1 / processes` of the limit decides,
 *   fed every answer meanwhile.
 */
import type { AbortSignalLike, BinanceStreamError } from '../index';
import { RestWeightBudget } from '../advanced';
import type { RestAcquireOptions, RestWeightBudgetState, SharedRestWeightBudget } from '../advanced';
import { aborted, parseRetryAfter } from '../core/errors';
import { TimerSlots } from '../core/timers';
import { requireNum } from '../core/validate';
import { FairQueue } from '../rest/fair-queue';
import type { HeadersLike } from '../rest/weights';
import { readHeader, usedWeightOf } from '../rest/weights';
import type { BudgetHost } from './connection-budget';
import { PAUSE, RAISE, WEIGHT } from './scripts';

export interface WeightLimits {
  limit: number;
  effectiveLimit: number;
  windowMs: number;
  defaultPause429Ms: number;
  defaultPause418Ms: number;
}

interface Waiter {
  weight: number;
  owner: string;
  heldUntil: PromiseLike<unknown> | undefined;
  resolve: () => void;
  reject: (err: BinanceStreamError) => void;
  signal: AbortSignalLike | undefined;
  onAbort: () => void;
}

export interface RedisRestWeightBudgetState extends RestWeightBudgetState {
  /** Whether requests are decided by Redis now (false: the per-process fallback). */
  shared: boolean;
}

export class RedisRestWeightBudget implements SharedRestWeightBudget {
  private readonly queue = new FairQueue<Waiter>();
  private readonly timers = new TimerSlots<'retry'>();
  private asking = false;
  private seq = 0;
  private pausedUntil = 0;
  private usedWeight = 0;
  private granted = 0;
  private rejected429 = 0;
  private banned418 = 0;
  private fallback: RestWeightBudget | undefined;
  private fallbackOutage = 0;
  private closed = false;

  constructor(
    private readonly host: BudgetHost,
    /** The host key (budgetKey form), part of the Redis keys. */
    readonly hostKey: string,
    readonly limits: WeightLimits,
  ) {}

  acquire(weight: number, options: RestAcquireOptions = {}): Promise<void> {
    try {
      requireNum('weight', weight, { min: 0 });
    } catch (err) {
      return Promise.reject(err);
    }
    const { signal, heldUntil } = options;
    const owner = options.owner ?? '';
    const what = `REST request of ${owner || 'an anonymous owner'} (waiting for the shared weight budget)`;
    if (this.closed) return Promise.reject(aborted(`${what}: the Redis coordinator is closed`));
    if (signal?.aborted) return Promise.reject(aborted(what, signal.reason));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        weight: Math.ceil(weight),
        owner,
        heldUntil,
        resolve,
        reject,
        signal,
        onAbort: () => {
          if (this.queue.remove(owner, w)) reject(aborted(what, signal?.reason));
        },
      };
      signal?.addEventListener('abort', w.onAbort, { once: true });
      this.queue.push(owner, w);
      this.pump();
    });
  }

  observe(status: number, headers?: HeadersLike): void {
    this.fallback?.observe(status, headers);
    const server = usedWeightOf(headers);
    const link = this.host.link;
    if (server !== undefined && server > this.usedWeight) {
      this.usedWeight = server;
      void link.run(RAISE, [this.key('holds')], [this.limits.windowMs, server, `${this.host.processId}:s${++this.seq}`]).catch(() => undefined);
    }
    if (status !== 429 && status !== 418) return;
    const retryAfterMs = parseRetryAfter(readHeader(headers, 'retry-after'), Date.now());
    const pauseMs = retryAfterMs ?? (status === 418 ? this.limits.defaultPause418Ms : this.limits.defaultPause429Ms);
    const wasPaused = this.pausedUntil > Date.now();
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pauseMs);
    const fields = { host: this.hostKey, status, pauseMs, usedWeight: server, processId: this.host.processId };
    if (status === 429) {
      this.rejected429++;
      if (!wasPaused) this.host.logger.warn(fields, 'REST weight limit hit (HTTP 429): every request of every process on this IP paused');
    } else {
      this.banned418++;
      if (!wasPaused) this.host.logger.error(fields, 'IP banned by Binance (HTTP 418): every request of every process on this IP paused until the ban ends');
    }
    void link.run(PAUSE, [this.key('pause')], [Math.ceil(pauseMs), this.host.pauseChannel, `rest|${this.hostKey}|${this.host.processId}`]).catch(() => undefined);
  }

  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - Date.now(), this.fallback?.pausedForMs() ?? 0);
  }

  /** A PAUSE published by another process (Redis ms). */
  notePause(redisUntil: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.host.link.toLocal(redisUntil));
  }

  state(): RedisRestWeightBudgetState {
    const until = Date.now() + this.pausedForMs();
    return {
      usedWeight: this.host.link.up ? this.usedWeight : (this.fallback?.state().usedWeight ?? 0),
      limit: this.limits.limit,
      effectiveLimit: this.limits.effectiveLimit,
      queued: this.queue.size,
      owners: this.queue.owners,
      pausedUntil: until > Date.now() ? until : 0,
      granted: this.granted,
      rejected429: this.rejected429,
      banned418: this.banned418,
      shared: this.host.link.up,
    };
  }

  get timersArmed(): number {
    return this.timers.size + (this.fallback?.timersArmed ?? 0);
  }

  close(): void {
    this.closed = true;
    this.timers.clearAll();
    this.fallback?.clear();
    for (const w of this.queue.drain()) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(aborted(`REST request of ${w.owner || 'an anonymous owner'} (the Redis coordinator closed)`));
    }
  }

  private key(name: string): string {
    return this.host.key(`rest:${this.hostKey}:${name}`);
  }

  private pump(): void {
    if (this.asking || this.timers.has('retry') || this.closed) return;
    const head = this.queue.peek();
    if (!head) return;
    this.asking = true;
    void this.ask(head).then(
      (waitMs) => {
        this.asking = false;
        if (this.closed) return;
        if (waitMs > 0) {
          this.timers.set('retry', waitMs, () => this.pump());
          return;
        }
        this.pump();
      },
      () => {
        this.asking = false;
        this.pump();
      },
    );
  }

  /** Serve `head` if its weight fits: 0 when served (or gone), else ms to wait. */
  private async ask(head: Waiter): Promise<number> {
    const now = Date.now();
    if (this.pausedUntil > now) return this.pausedUntil - now;
    let member: string | undefined;
    try {
      member = `${this.host.processId}:${++this.seq}:${head.weight}`;
      const [granted, waitMs, used, pausedUntil] = await this.host.link.run(WEIGHT, [this.key('holds'), this.key('pause')], [this.limits.windowMs, this.limits.effectiveLimit, head.weight, member]);
      this.usedWeight = used as number;
      if (pausedUntil) this.notePause(pausedUntil);
      if (granted !== 1) return Math.max(1, waitMs as number);
    } catch {
      member = undefined;
      if (!(await this.viaFallback(head))) return 1; // Redis is back: ask it again
    }
    if (!this.queue.remove(head.owner, head)) return 0; // aborted meanwhile: the weight stays counted
    head.signal?.removeEventListener('abort', head.onAbort);
    this.granted++;
    if (member !== undefined && head.heldUntil) this.settleLater(member, head.heldUntil);
    head.resolve();
    return 0;
  }

  private settleLater(member: string, heldUntil: PromiseLike<unknown>): void {
    const settle = (): void => {
      const at = Math.round(this.host.link.redisNow());
      if (this.host.link.up) this.host.link.redis.zadd(this.key('holds'), 'XX', 'GT', at, member).catch(() => undefined);
    };
    Promise.resolve(heldUntil).then(settle, settle);
  }

  /** Wait for the per-process budget's grant; false when Redis came back first. */
  private async viaFallback(head: Waiter): Promise<boolean> {
    const redis = this.host.link.redis;
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    head.signal?.addEventListener('abort', stop, { once: true });
    redis.once('ready', stop);
    try {
      await this.fallbackBudget().acquire(head.weight, { signal: ac.signal, owner: head.owner, heldUntil: head.heldUntil });
      return true;
    } catch (err) {
      if (head.signal?.aborted) throw err;
      return false;
    } finally {
      head.signal?.removeEventListener('abort', stop);
      redis.off('ready', stop);
    }
  }

  private fallbackBudget(): RestWeightBudget {
    if (!this.fallback || this.fallbackOutage !== this.host.link.outages) {
      const pausedMs = this.pausedForMs();
      this.fallbackOutage = this.host.link.outages;
      const share = Math.max(1, this.host.processes());
      const l = this.limits;
      this.fallback = new RestWeightBudget({
        limitPerMinute: Math.max(1, Math.floor(l.effectiveLimit / share)),
        headroom: 0,
        windowMs: l.windowMs,
        defaultPause429Ms: l.defaultPause429Ms,
        defaultPause418Ms: l.defaultPause418Ms,
        host: this.hostKey,
      });
      if (pausedMs > 0) this.fallback.observe(429, { 'retry-after': String(Math.ceil(pausedMs / 1000)) });
      this.host.logger.warn(
        { host: this.hostKey, processes: share, weightPerWindow: this.fallback.effectiveLimit },
        'REST weight budget: Redis down, this process now spends its own share of the IP limit',
      );
    }
    return this.fallback;
  }
}
