/** `RedisCoordinator`: Binance's per-IP and per-account limits shared through Redis (the class doc below says how). */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DialGate } from '../advanced';
import type { Logger } from '../index';
import { normalizeLogger } from '../core/logger';
import { TimerSlots } from '../core/timers';
import { invalidOption } from '../core/errors';
import { knownKeys, num, optObject, optString } from '../core/validate';
import { budgetKey } from '../rest/weight-shared';
import { REQUEST_WEIGHT_LIMITS } from '../rest/weights';
import type { ListenKeyLease } from '../user-data/futures/listen-key-options';
import type { SharedRestWeightBudget } from '../advanced';
import { RedisConnectionBudget } from './connection-budget';
import type { BudgetHost } from './connection-budget';
import { RedisListenKeyLease } from './listen-key-lease';
import { RedisLink } from './link';
import { COUNT, HOLD, RELEASE } from './scripts';
import { RedisRestWeightBudget } from './weight-budget';

/** Options of {@link RedisCoordinator}: only `redis` is required; give processes behind one public IP the same `scope`. */
export interface RedisCoordinatorOptions {
  /** An ioredis client. The coordinator never quits it; it adds one subscriber (`redis.duplicate()`). */
  redis: Redis;
  /** Prefix of every Redis key. @default 'bsc' */
  prefix?: string | undefined;
  /** The IP (or NAT) these processes share: processes with the same scope share the per-IP budgets. @default 'default' */
  scope?: string | undefined;
  /** Binance's connection attempts per IP per window. @default 300 */
  maxConnectionAttempts?: number | undefined;
  /** That window. @default 300_000 (5 min) */
  connectionWindowMs?: number | undefined;
  /** Fraction of `maxConnectionAttempts` all processes together use, in (0, 1]. @default 0.9 */
  connectionHeadroom?: number | undefined;
  /** Minimum gap between two dials of the IP. @default 25 */
  minDialIntervalMs?: number | undefined;
  /** Up to this much random extra before a denied dial asks again. @default 25 */
  dialJitterMs?: number | undefined;
  /** Fraction of each REST host's weight limit kept free, in [0, 1). @default 0.1 */
  restHeadroom?: number | undefined;
  /** The REST weight window (Binance's is one minute; shorter only for tests). @default 60_000 */
  restWindowMs?: number | undefined;
  /** Heartbeat period (presence, listenKey leases). At least 100. @default 5_000 */
  heartbeatMs?: number | undefined;
  /** A process's presence and leases lapse this long after its last heartbeat. Greater than `heartbeatMs`. @default 3 × heartbeatMs */
  leaseTtlMs?: number | undefined;
  /** A Redis command slower than this counts as an outage (fallback to per-process budgets). @default 1_000 */
  commandTimeoutMs?: number | undefined;
  /** This process's id in Redis. @default a random UUID */
  processId?: string | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
}

const KNOWN = [
  'redis', 'prefix', 'scope', 'maxConnectionAttempts', 'connectionWindowMs', 'connectionHeadroom', 'minDialIntervalMs', 'dialJitterMs',
  'restHeadroom', 'restWindowMs', 'heartbeatMs', 'leaseTtlMs', 'commandTimeoutMs', 'processId', 'logger',
]; // prettier-ignore

/** What {@link RedisCoordinator.stats} reports. */
export interface RedisCoordinatorStats {
  /** This process's id in Redis (`processId` option, or a random UUID). */
  processId: string;
  /** Whether Redis answered the last command. */
  redisUp: boolean;
  /** Outages seen (each logged WARN once). */
  outages: number;
  /** Processes of the scope alive at the last heartbeat. */
  processes: number;
  /** The shared connection budget's state; `undefined` until `connectionBudget()` was first called. */
  connectionBudget: ReturnType<RedisConnectionBudget['state']> | undefined;
}

/**
 * Binance's per-IP and per-account limits shared by every process through Redis (the in-process budgets
 * stay the default and need nothing). One coordinator per process and IP; hand its parts to every client
 * of the process (`clientOptions(restBaseUrl)` gives all three):
 *
 * - `connectionBudget()`: the 300 connection attempts / 5 min of the IP (connection-budget.ts);
 * - `restWeightBudget(host)`: the REST weight per minute of the IP and host (weight-budget.ts);
 * - `listenKeyLease()`: futures listenKey leases of the account (listen-key-lease.ts).
 *
 * A heartbeat (one timer, re-armed after each beat) refreshes this process's presence (used to size the
 * per-process shares during an outage) and its leases; a PUBLISHed pause (429/418) reaches every process's
 * `pausedForMs()` through one subscriber connection (a duplicate of the given client). Redis down: each
 * budget falls back to this process's share of the limit, never to no budget. The constructor does no
 * I/O and throws ERR_INVALID_OPTION for bad options; the first use starts it; `close()` stops it and
 * leaves no timer and no connection of its own (the given client is the caller's).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { BinanceStreamClient } from 'binance-stream-client';
 * import { RedisCoordinator } from 'binance-stream-client/redis';
 *
 * const coordinator = new RedisCoordinator({ redis: new Redis('redis://127.0.0.1:6379'), scope: 'host-a' });
 * const client = new BinanceStreamClient({ market: 'usdm', apiKey, ...coordinator.clientOptions('https://fapi.binance.com') });
 * await client.subscribeUserData();
 * // … on shutdown
 * await client.stop(); // the last process holding the listenKey deletes it
 * await coordinator.close();
 * ```
 */
export class RedisCoordinator {
  /** This process's id in Redis (`processId` option, or a random UUID). */
  readonly processId: string;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly scope: string;
  private readonly logger: Logger;
  private readonly link: RedisLink;
  private readonly host: BudgetHost;
  private readonly heartbeatMs: number;
  private readonly leaseTtlMs: number;
  private readonly o: Readonly<Record<string, unknown>>;
  private readonly timers = new TimerSlots<'heartbeat'>();
  private dial: RedisConnectionBudget | undefined;
  private readonly rest = new Map<string, RedisRestWeightBudget>();
  private lease: RedisListenKeyLease | undefined;
  private subscriber: Redis | undefined;
  private started = false;
  private closed = false;
  private seen = 1;

  constructor(options: RedisCoordinatorOptions) {
    const o = optObject('RedisCoordinator options', options);
    if (o === undefined) throw invalidOption('RedisCoordinator options', 'an object { redis, … }', options);
    knownKeys('', o, KNOWN);
    const r = o.redis as Redis | undefined;
    if (!r || typeof r !== 'object' || typeof r.evalsha !== 'function' || typeof r.duplicate !== 'function') throw invalidOption('redis', 'an ioredis client (new Redis(url))', r);
    this.o = o;
    this.redis = r;
    this.prefix = optString('prefix', o.prefix) ?? 'bsc';
    this.scope = optString('scope', o.scope) ?? 'default';
    this.processId = optString('processId', o.processId) ?? randomUUID();
    this.heartbeatMs = num('heartbeatMs', o.heartbeatMs, 5_000, { min: 100, unit: 'ms' });
    this.leaseTtlMs = num('leaseTtlMs', o.leaseTtlMs, 3 * this.heartbeatMs, { min: this.heartbeatMs + 1, unit: 'ms' });
    this.logger = normalizeLogger(optObject('logger', o.logger, 'a logger object') as Partial<Logger> | undefined);
    // Validate every budget option now (not at first use).
    this.dialLimits();
    this.restLimits(REQUEST_WEIGHT_LIMITS.spot);
    this.link = new RedisLink(r, this.logger, num('commandTimeoutMs', o.commandTimeoutMs, 1_000, { min: 1, unit: 'ms' }), `coordinator ${this.scope}`);
    const key = (name: string): string => `${this.prefix}:{${this.scope}}:${name}`; // one hash slot per scope (Redis Cluster)
    this.host = { link: this.link, logger: this.logger, processId: this.processId, processes: () => this.seen, key, pauseChannel: key('pause') };
  }

  /** The IP's connection-attempt budget (one per coordinator): the client's `connectionBudget`. */
  connectionBudget(): DialGate & {
    /** How long every dial of the scope stays paused after a 429/418 (0: not paused). */
    pausedForMs(): number;
    /** The window as Redis counts it (or the fallback while Redis is down), queue, pause and totals. */
    state(): ReturnType<RedisConnectionBudget['state']>;
  } {
    this.start();
    return (this.dial ??= new RedisConnectionBudget(this.host, this.dialLimits()));
  }

  /** The IP's REST weight budget of a host (`https://fapi.binance.com`, `127.0.0.1:5000`): the client's `restWeightBudget`. */
  restWeightBudget(
    hostOrUrl: string,
    options: { limitPerMinute?: number } = {},
  ): SharedRestWeightBudget & {
    /** Weight used in the window, limits, queue, pause and totals (`shared: false` while Redis is down). */
    state(): ReturnType<RedisRestWeightBudget['state']>;
  } {
    this.start();
    const k = budgetKey(hostOrUrl);
    let b = this.rest.get(k);
    if (!b) {
      const limit = options.limitPerMinute ?? (/fapi|dapi|binancefuture/.test(k) ? REQUEST_WEIGHT_LIMITS.usdm : REQUEST_WEIGHT_LIMITS.spot);
      b = new RedisRestWeightBudget(this.host, k, this.restLimits(limit));
      this.rest.set(k, b);
    }
    return b;
  }

  /** Futures listenKey leases of this process: the client's `listenKeyLease`. */
  listenKeyLease(): ListenKeyLease & {
    /** Processes holding a live lease on `listenKey` now (diagnostics and tests). */
    holders(listenKey: string): Promise<number>;
  } {
    this.start();
    return (this.lease ??= new RedisListenKeyLease({ link: this.link, processId: this.processId, leaseTtlMs: this.leaseTtlMs, leaseKey: (h) => `${this.prefix}:lk:${h}` }));
  }

  /** `{ connectionBudget, restWeightBudget, listenKeyLease }` for a client whose REST host is `restBaseUrl`. */
  clientOptions(restBaseUrl: string): { connectionBudget: DialGate; restWeightBudget: SharedRestWeightBudget; listenKeyLease: ListenKeyLease } {
    return { connectionBudget: this.connectionBudget(), restWeightBudget: this.restWeightBudget(restBaseUrl), listenKeyLease: this.listenKeyLease() };
  }

  /** Redis health as this process sees it, processes alive in the scope, and the connection budget's state. */
  stats(): RedisCoordinatorStats {
    return { processId: this.processId, redisUp: this.link.up, outages: this.link.outages, processes: this.seen, connectionBudget: this.dial?.state() };
  }

  /** Timers armed now (the heartbeat, and budgets' retries): 0 after `close()`. */
  get timerCount(): number {
    let n = this.timers.size + (this.dial?.timersArmed ?? 0);
    for (const b of this.rest.values()) n += b.timersArmed;
    return n;
  }

  /** Start the heartbeat and the pause subscriber (idempotent; the first use of a part calls it). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.subscribe();
    void this.beat();
  }

  /** Stop: reject waiting dials/requests, drop this process's leases (no DELETE) and presence, close the subscriber. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearAll();
    this.dial?.close();
    for (const b of this.rest.values()) b.close();
    await this.lease?.dropAll();
    if (this.link.up) await this.link.run(RELEASE, [this.host.key('procs')], [this.processId]).catch(() => undefined);
    this.link.detach();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) sub.disconnect();
  }

  private dialLimits(): ConstructorParameters<typeof RedisConnectionBudget>[1] {
    const o = this.o;
    const max = num('maxConnectionAttempts', o.maxConnectionAttempts, 300, { integer: true, min: 1 });
    const headroom = num('connectionHeadroom', o.connectionHeadroom, 0.9, { min: 0 });
    if (!(headroom > 0 && headroom <= 1)) throw invalidOption('connectionHeadroom', 'a number in (0, 1]', headroom);
    return {
      maxAttempts: max,
      windowMs: num('connectionWindowMs', o.connectionWindowMs, 300_000, { min: 1, unit: 'ms' }),
      effectiveLimit: Math.max(1, Math.floor(max * headroom)),
      minIntervalMs: num('minDialIntervalMs', o.minDialIntervalMs, 25, { min: 0, unit: 'ms' }),
      jitterMs: num('dialJitterMs', o.dialJitterMs, 25, { min: 0, unit: 'ms' }),
      defaultPause429Ms: 60_000,
      defaultPause418Ms: 120_000,
    };
  }

  private restLimits(limit: number): ConstructorParameters<typeof RedisRestWeightBudget>[2] {
    const headroom = num('restHeadroom', this.o.restHeadroom, 0.1, { min: 0 });
    if (headroom >= 1) throw invalidOption('restHeadroom', 'a number in [0, 1)', headroom);
    return {
      limit,
      effectiveLimit: Math.max(1, Math.floor(limit * (1 - headroom))),
      windowMs: num('restWindowMs', this.o.restWindowMs, 60_000, { min: 1, unit: 'ms' }),
      defaultPause429Ms: 60_000,
      defaultPause418Ms: 120_000,
    };
  }

  /** One heartbeat: presence, the count of live processes, leases; then re-arm. */
  private async beat(): Promise<void> {
    try {
      const procs = this.host.key('procs');
      await this.link.run(HOLD, [procs], [this.processId, this.leaseTtlMs]);
      const [n] = await this.link.run(COUNT, [procs], []);
      this.seen = Math.max(1, n as number);
      await this.lease?.refresh();
    } catch {
      /* logged by the link (once per outage); the next beat tries again */
    }
    if (!this.closed) this.timers.set('heartbeat', this.heartbeatMs, () => void this.beat());
  }

  private subscribe(): void {
    const sub = this.redis.duplicate();
    this.subscriber = sub;
    sub.on('error', () => undefined); // outages are reported by the link, once
    sub.on('message', (_channel: string, message: string) => this.onPause(message));
    sub.subscribe(this.host.pauseChannel).catch(() => undefined);
  }

  /** `dial|<pid>:<until>` or `rest|<host>|<pid>:<until>` (Redis ms). */
  private onPause(message: string): void {
    const at = message.lastIndexOf(':');
    const until = Number(message.slice(at + 1));
    const parts = message.slice(0, at).split('|');
    if (!Number.isFinite(until)) return;
    if (parts[0] === 'dial') this.dial?.notePause(until);
    else if (parts[0] === 'rest' && parts[1] !== undefined) this.rest.get(parts[1])?.notePause(until);
  }
}
