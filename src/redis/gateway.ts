/**
 * `createGateway({ client, redis })`: republish everything a BinanceStreamClient delivers into
 * Redis Streams (wire.ts), so that many consumer processes share ONE set of Binance connections.
 *
 * - Market data (`message`, with the typed event name), and the client events listed in
 *   `events` (gaps, liveness, order-book updates), in delivery order.
 * - Entries are written in pipelined batches, one batch in flight at a time (order kept), each
 *   XADD bounded by `MAXLEN ~ maxLen` (Redis trims whole nodes: about `maxLen` entries stay).
 * - Redis down: entries wait in memory (at most `maxPending`; beyond that the oldest are
 *   dropped and counted, and consumers see the hole as a `gap`, kind 'redis'); the gateway
 *   never writes through ioredis' offline queue, so nothing is written twice by a resend. A
 *   failed XADD of a batch is retried once Redis is ready; consumers skip any entry number
 *   they have already seen, so a retry never reaches them twice.
 * `close()` detaches from the client, flushes what it can and leaves no timer.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BinanceStreamClient, Logger, StreamMessage } from '../index';
import { classifyStream } from '../advanced';
import { errorFields } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import { invalidOption } from '../core/errors';
import { knownKeys, num, optObject, optString } from '../core/validate';
import { controlKey, encode, FIELD, streamKey } from './wire';

/** The client events a gateway republishes by default. */
export const GATEWAY_EVENTS = ['gap', 'stale', 'streamDown', 'streamRestored', 'degraded', 'restored', 'book', 'bookResync', 'reconnecting', 'reconnected', 'gaveUp', 'loopBlocked'] as const;

/** Options of {@link createGateway}: `client` and `redis` are required; consumers must use the same `prefix` and `name`. */
export interface GatewayOptions {
  /** The client whose deliveries are republished (subscribe it to the streams consumers need). */
  client: Pick<BinanceStreamClient, 'on' | 'off'> & { readonly market?: { readonly futures?: boolean } };
  /** An ioredis client (the gateway never quits it). */
  redis: Redis;
  /** Key prefix. @default 'bsc' */
  prefix?: string | undefined;
  /** Gateway name: consumers name the same one. @default 'default' */
  name?: string | undefined;
  /** Entries kept per Binance stream (`XADD MAXLEN ~`): a consumer down longer than this loses data (and is told: `gap`). @default 100_000 */
  maxLen?: number | undefined;
  /** Client events republished besides market data. @default GATEWAY_EVENTS */
  events?: readonly string[] | undefined;
  /** Entries buffered in memory while Redis is down before the oldest are dropped. @default 100_000 */
  maxPending?: number | undefined;
  /** Entries per pipelined batch. @default 1_000 */
  batchSize?: number | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
}

/** What {@link Gateway.stats} reports. */
export interface GatewayStats {
  /** This gateway's id (`Gateway.id`). */
  gatewayId: string;
  /** Entries written to Redis. */
  written: number;
  /** Entries waiting to be written. */
  pending: number;
  /** Entries dropped while Redis was down (beyond `maxPending`). */
  dropped: number;
  /** Redis streams written (Binance streams, plus the control stream). */
  streams: number;
  /** Whether `close()` was called. */
  closed: boolean;
}

/** A running gateway, made by {@link createGateway}. */
export interface Gateway {
  /** A random id, written with every entry: entry numbers count per gateway id, so a restarted gateway (a new id, numbering from 1) is not taken for a gap. */
  readonly id: string;
  /** Entries written, waiting and dropped, and the Redis streams written so far. */
  stats(): GatewayStats;
  /** Resolves when every entry so far is written (or Redis is down). */
  flush(): Promise<void>;
  /** Detach from the client, flush (best effort), stop. Idempotent. */
  close(): Promise<void>;
}

interface Entry {
  key: string;
  event: string;
  data: string;
  seq: number;
}

const KNOWN = ['client', 'redis', 'prefix', 'name', 'maxLen', 'events', 'maxPending', 'batchSize', 'logger'];

/**
 * Republish what `options.client` delivers (market data, and the client events in `events`) into Redis
 * Streams, one per Binance stream plus a control stream, for {@link RedisStreamSource} consumers in other
 * processes. The gateway listens at once; subscribe and start the client yourself. Throws
 * ERR_INVALID_OPTION for bad options. Needs `ioredis`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { BinanceStreamClient } from 'binance-stream-client';
 * import { createGateway } from 'binance-stream-client/redis';
 *
 * const client = new BinanceStreamClient({ market: 'spot' });
 * const gateway = createGateway({ client, redis: new Redis('redis://127.0.0.1:6379'), maxLen: 100_000 });
 * client.subscribe(['btcusdt@aggTrade', 'btcusdt@depth@100ms']);
 * await client.start();
 * // … on shutdown
 * await client.stop();
 * await gateway.close(); // detaches, then writes what is pending (best effort)
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  return new RedisGateway(options);
}

class RedisGateway implements Gateway {
  readonly id = randomUUID().slice(0, 12);
  private readonly redis: Redis;
  private readonly client: GatewayOptions['client'];
  private readonly prefix: string;
  private readonly name: string;
  private readonly maxLen: number;
  private readonly maxPending: number;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly futures: boolean;
  private readonly seqs = new Map<string, number>();
  private readonly eventOf = new Map<string, string>();
  private readonly listeners: [string, (...args: unknown[]) => void][] = [];
  private pending: Entry[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private written = 0;
  private dropped = 0;
  private closed = false;
  private backoff: ReturnType<typeof setTimeout> | undefined;
  private readonly onReady = (): void => this.schedule();

  constructor(options: GatewayOptions) {
    const o = optObject('createGateway options', options);
    if (o === undefined) throw invalidOption('createGateway options', 'an object { client, redis, … }', options);
    knownKeys('', o, KNOWN);
    const client = o.client as GatewayOptions['client'] | undefined;
    if (!client || typeof client.on !== 'function' || typeof client.off !== 'function') throw invalidOption('client', 'a BinanceStreamClient', client);
    const redis = o.redis as Redis | undefined;
    if (!redis || typeof redis.pipeline !== 'function') throw invalidOption('redis', 'an ioredis client (new Redis(url))', redis);
    const events = o.events === undefined ? GATEWAY_EVENTS : o.events;
    if (!Array.isArray(events) || events.some((e) => typeof e !== 'string' || e === 'message')) throw invalidOption('events', "an array of client event names (not 'message')", events);
    this.client = client;
    this.redis = redis;
    this.prefix = optString('prefix', o.prefix) ?? 'bsc';
    this.name = optString('name', o.name) ?? 'default';
    this.maxLen = num('maxLen', o.maxLen, 100_000, { integer: true, min: 1 });
    this.maxPending = num('maxPending', o.maxPending, 100_000, { integer: true, min: 1 });
    this.batchSize = num('batchSize', o.batchSize, 1_000, { integer: true, min: 1 });
    this.logger = normalizeLogger(optObject('logger', o.logger, 'a logger object') as Partial<Logger> | undefined);
    this.futures = client.market?.futures === true;
    this.listen('message', (m) => this.onMessage(m as StreamMessage));
    for (const e of events as string[]) this.listen(e, (payload) => this.onEvent(e, payload));
    redis.on('ready', this.onReady);
  }

  stats(): GatewayStats {
    return { gatewayId: this.id, written: this.written, pending: this.pending.length, dropped: this.dropped, streams: this.seqs.size, closed: this.closed };
  }

  async flush(): Promise<void> {
    while (this.pending.length && this.redis.status === 'ready' && !this.backoff) {
      await (this.flushing ?? this.write());
    }
    await this.flushing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [e, fn] of this.listeners) this.client.off(e as never, fn as never);
    this.listeners.length = 0;
    await this.flush().catch(() => undefined);
    this.redis.off('ready', this.onReady);
    clearTimeout(this.backoff);
    this.backoff = undefined;
    if (this.pending.length) this.logger.warn({ gatewayId: this.id, pending: this.pending.length }, 'gateway closed with entries not written (Redis down)');
  }

  private listen(event: string, fn: (...args: unknown[]) => void): void {
    this.client.on(event as never, fn as never);
    this.listeners.push([event, fn]);
  }

  private onMessage(m: StreamMessage): void {
    let e = this.eventOf.get(m.stream);
    if (e === undefined) {
      e = classifyStream(m.stream, this.futures).event ?? 'message';
      this.eventOf.set(m.stream, e);
    }
    this.push(streamKey(this.prefix, this.name, m.stream), e, encode(m));
  }

  private onEvent(event: string, payload: unknown): void {
    const p = payload as { stream?: unknown; streams?: unknown } | undefined;
    const data = encode(payload);
    if (typeof p?.stream === 'string') this.push(streamKey(this.prefix, this.name, p.stream), event, data);
    else if (Array.isArray(p?.streams) && p.streams.length) for (const s of p.streams) this.push(streamKey(this.prefix, this.name, String(s)), event, data);
    else this.push(controlKey(this.prefix, this.name), event, data);
  }

  private push(key: string, event: string, data: string): void {
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    this.pending.push({ key, event, data, seq });
    if (this.pending.length > this.maxPending) {
      const over = this.pending.length - this.maxPending;
      this.pending.splice(0, over);
      if (this.dropped === 0 || this.dropped % 10_000 < over)
        this.logger.warn(
          { gatewayId: this.id, dropped: this.dropped + over, maxPending: this.maxPending },
          'gateway: Redis down and the buffer is full; dropping the oldest entries (consumers will report a gap)',
        );
      this.dropped += over;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.backoff || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing) void this.write();
    });
  }

  /** Write one batch (one pipeline); then the next, while Redis is ready. */
  private write(): Promise<void> {
    if (this.redis.status !== 'ready' || this.pending.length === 0) return Promise.resolve();
    const batch = this.pending.splice(0, this.batchSize);
    const p = this.redis.pipeline();
    for (const x of batch) p.xadd(x.key, 'MAXLEN', '~', this.maxLen, '*', FIELD.event, x.event, FIELD.data, x.data, FIELD.gateway, this.id, FIELD.seq, x.seq);
    const run = p.exec().then(
      (results) => {
        const failed = batch.filter((_, i) => results?.[i]?.[0]);
        this.written += batch.length - failed.length;
        if (failed.length) this.retry(failed, results?.find((r) => r[0])?.[0]);
      },
      (err: unknown) => this.retry(batch, err),
    );
    this.flushing = run.finally(() => {
      this.flushing = undefined;
      this.schedule();
    });
    return this.flushing;
  }

  private retry(entries: Entry[], err: unknown): void {
    this.pending = entries.concat(this.pending);
    // Not an outage (Redis answered with an error): try again a little later, not in a hot loop.
    if (this.redis.status === 'ready' && !this.closed)
      this.backoff = setTimeout(() => {
        this.backoff = undefined;
        this.schedule();
      }, 200);
    this.logger.debug({ gatewayId: this.id, entries: entries.length, error: errorFields(err) }, 'gateway: XADD failed; retrying when Redis is ready');
  }
}
