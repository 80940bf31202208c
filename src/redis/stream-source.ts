/** `RedisStreamSource`: a consumer process's view of a gateway (the class doc below says how). */
import { EventEmitter } from 'eventemitter3';
import type { Redis } from 'ioredis';
import type { AbortSignalLike, Logger, StreamMessage } from '../index';
import { errorFields, normalizeStreamName } from '../index';
import { normalizeLogger } from '../core/logger';
import { invalidOption } from '../core/errors';
import { knownKeys, num, oneOf, optObject, optString } from '../core/validate';
import { SourceIterator } from './source-iterator';
import { entryMeta, field } from './source-types';
import type { Position, RedisGapEvent, RedisStreamSourceEvents, RedisStreamSourceOptions, RedisStreamSourceStats } from './source-types';

export type { RedisGapEvent, RedisStreamSourceEvents, RedisStreamSourceOptions, RedisStreamSourceStats } from './source-types';
import { controlKey, cursorKey, FIELD, streamKey } from './wire';

const KNOWN = ['redis', 'streams', 'prefix', 'name', 'consumer', 'from', 'control', 'count', 'blockMs', 'logger'];
const DATA_EVENTS = new Set(['message', 'aggTrade', 'trade', 'kline', 'bookTicker', 'depth', 'partialDepth', 'miniTicker', 'ticker', 'markPrice']);

/**
 * A consumer process's view of a gateway ({@link createGateway}): the same typed events as the client
 * (`aggTrade`, `depth`…, `message`, `gap`, liveness and `book` events) and `for await` (`stream()`), read
 * from Redis Streams. The constructor does no I/O and throws ERR_INVALID_OPTION for bad options.
 *
 * - Reading: XREAD BLOCK on a connection of its own (`redis.duplicate()`), every stream at once, `count`
 *   entries per call, in order per stream. Call `start()`, or `stream()`, which starts it.
 * - Resume: with a `consumer` id, the position in each stream is stored in Redis
 *   (`<prefix>:gw:<name>:cursor:<consumer>`) after each batch was delivered (listeners called, iterators
 *   took it); a restarted consumer resumes right after it: nothing lost within the gateway's retention,
 *   nothing repeated after a `close()`. A crash may repeat the last batch.
 * - Exactly once per gateway entry: entry numbers already seen are skipped; a jump in them is a `gap` event
 *   of kind `'redis'` (the retention was exceeded, or the gateway dropped entries while Redis was down),
 *   with the count of entries missed.
 * - Redis down: the source waits for the connection to come back and reads on from its position; it never
 *   throws. `close()` stores the position and leaves no timer or connection.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisStreamSource } from 'binance-stream-client/redis';
 *
 * const source = new RedisStreamSource({ redis: new Redis('redis://127.0.0.1:6379'), streams: ['btcusdt@aggTrade'], consumer: 'strategy-1' });
 * source.on('gap', (g) => console.warn('missed data', g));
 * for await (const m of source.stream()) console.log(m.stream, m.data);
 * // elsewhere, on shutdown: await source.close(); (ends the loop, stores the position)
 * ```
 */
export class RedisStreamSource extends EventEmitter<RedisStreamSourceEvents> {
  private readonly redis: Redis;
  private readonly keys: string[];
  private readonly streamOf = new Map<string, string>();
  private readonly cursor: string | undefined;
  private readonly from: 'latest' | 'earliest';
  private readonly count: number;
  private readonly blockMs: number;
  private readonly logger: Logger;
  /** Read positions (what XREAD continues from). */
  private readonly positions = new Map<string, Position>();
  /** Stored positions: entries delivered to listeners and taken by every iterator, per key. */
  private readonly done = new Map<string, Position>();
  /** Caps of the stored position: set when an iterator ended without taking an entry of the key. */
  private readonly ceiling = new Map<string, Position>();
  /** Entries delivered but not yet taken by every iterator, in order, per key. */
  private readonly untaken = new Map<string, (Position & { left: number })[]>();
  private readonly iterators = new Set<SourceIterator>();
  private reader: Redis | undefined;
  private loop: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;
  private delivered = 0;
  private duplicates = 0;
  private missed = 0;

  constructor(options: RedisStreamSourceOptions) {
    super();
    const o = optObject('RedisStreamSource options', options);
    if (o === undefined) throw invalidOption('RedisStreamSource options', 'an object { redis, streams, … }', options);
    knownKeys('', o, KNOWN);
    const redis = o.redis as Redis | undefined;
    if (!redis || typeof redis.xread !== 'function' || typeof redis.duplicate !== 'function') throw invalidOption('redis', 'an ioredis client (new Redis(url))', redis);
    if (!Array.isArray(o.streams) || o.streams.length === 0) throw invalidOption('streams', 'a non-empty array of stream names', o.streams);
    this.redis = redis;
    const prefix = optString('prefix', o.prefix) ?? 'bsc';
    const name = optString('name', o.name) ?? 'default';
    for (const s of o.streams as unknown[]) {
      if (typeof s !== 'string' || s === '') throw invalidOption('streams', 'stream names like "btcusdt@aggTrade"', s);
      const stream = normalizeStreamName(s);
      this.streamOf.set(streamKey(prefix, name, stream), stream);
    }
    if (o.control !== false) this.streamOf.set(controlKey(prefix, name), '');
    this.keys = [...this.streamOf.keys()];
    const consumer = optString('consumer', o.consumer);
    this.cursor = consumer === undefined ? undefined : cursorKey(prefix, name, consumer);
    this.from = oneOf('from', o.from, ['latest', 'earliest'], 'latest');
    this.count = num('count', o.count, 500, { integer: true, min: 1 });
    this.blockMs = num('blockMs', o.blockMs, 1_000, { integer: true, min: 1, unit: 'ms' });
    this.logger = normalizeLogger(optObject('logger', o.logger, 'a logger object') as Partial<Logger> | undefined);
  }

  /** Load the stored position (or take `from`) and start reading. Single-flight; resolves once reading started. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(invalidOption('start()', 'a source not closed', 'closed'));
    return (this.starting ??= this.begin());
  }

  /** Messages of `streams` (default: all of the source's) as an async iterator; starts the source. */
  stream(streams?: readonly string[], options: { signal?: AbortSignalLike | undefined } = {}): AsyncIterableIterator<StreamMessage> {
    const only = streams ? new Set(streams.map((s) => normalizeStreamName(s))) : undefined;
    const it = new SourceIterator(only, options.signal, (x) => this.iterators.delete(x));
    if (this.closed) it.end();
    else {
      this.iterators.add(it);
      void this.start().catch((err: unknown) => it.end(err));
    }
    return it;
  }

  /** Entries delivered, skipped and missed, and the positions stored (or to be stored) per Redis key. */
  stats(): RedisStreamSourceStats {
    const positions: RedisStreamSourceStats['positions'] = {};
    for (const [k, d] of this.done) {
      const p = this.ceiling.get(k) ?? d;
      positions[k] = { id: p.id, seq: p.seq };
    }
    return { delivered: this.delivered, duplicates: this.duplicates, missed: this.missed, positions, running: this.loop !== undefined && !this.closed };
  }

  /** Stop reading, end every iterator, store the position. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const it of [...this.iterators]) it.end();
    this.reader?.disconnect();
    await this.starting?.catch(() => undefined);
    await this.loop;
    await this.commit().catch(() => undefined);
    this.reader = undefined;
  }

  private async begin(): Promise<void> {
    const stored = this.cursor ? await this.redis.hgetall(this.cursor) : {};
    for (const key of this.keys) {
      const saved = stored[key];
      if (saved) {
        const [id, gateway, seq] = saved.split(' ');
        this.positions.set(key, { id: id as string, gateway: gateway ?? '', seq: Number(seq) || 0 });
      } else if (this.from === 'latest') {
        const last = (await this.redis.xrevrange(key, '+', '-', 'COUNT', 1))[0];
        this.positions.set(key, last ? { id: last[0], ...entryMeta(last[1]) } : { id: '0-0', gateway: '', seq: 0 });
      } else this.positions.set(key, { id: '0-0', gateway: '', seq: 0 });
    }
    for (const [k, p] of this.positions) this.done.set(k, { ...p });
    if (this.closed) return; // closed while loading: open nothing
    const reader = this.redis.duplicate();
    reader.on('error', () => undefined); // outages: the loop waits for 'ready'
    this.reader = reader;
    this.loop = this.run(reader);
  }

  private async run(reader: Redis): Promise<void> {
    while (!this.closed) {
      let res: [string, [string, string[]][]][] | null;
      try {
        const ids = this.keys.map((k) => (this.positions.get(k) as Position).id);
        res = (await reader.xread('COUNT', this.count, 'BLOCK', this.blockMs, 'STREAMS', ...this.keys, ...ids)) as typeof res;
      } catch (err) {
        if (this.closed) return;
        this.logger.debug({ error: errorFields(err) }, 'RedisStreamSource: read failed; waiting for Redis');
        await this.waitReady(reader);
        continue;
      }
      if (!res || this.closed) continue;
      for (const [key, entries] of res) for (const [id, fields] of entries) this.deliver(key, id, fields);
      await Promise.all([...this.iterators].map((it) => it.drained()));
      await this.commit().catch((err: unknown) => this.logger.debug({ error: errorFields(err) }, 'RedisStreamSource: position not stored'));
    }
  }

  private waitReady(reader: Redis): Promise<void> {
    if (reader.status === 'ready') return new Promise((r) => setTimeout(r, 100));
    return new Promise((resolve) => {
      const done = (): void => {
        reader.off('ready', done);
        reader.off('end', done);
        resolve();
      };
      reader.once('ready', done);
      reader.once('end', done);
    });
  }

  private deliver(key: string, id: string, fields: string[]): void {
    const pos = this.positions.get(key) as Position;
    const meta = entryMeta(fields);
    pos.id = id;
    const record = { id, gateway: meta.gateway, seq: meta.seq, left: 0 };
    try {
      this.handle(key, id, fields, pos, meta, record);
    } finally {
      if (record.gateway !== pos.gateway || record.seq !== pos.seq) Object.assign(record, { gateway: pos.gateway, seq: pos.seq });
      let q = this.untaken.get(key);
      if (!q) this.untaken.set(key, (q = []));
      q.push(record);
      this.advance(key);
    }
  }

  /** Move the stored position of `key` past every entry taken by all iterators. */
  private advance(key: string): void {
    const q = this.untaken.get(key);
    while (q?.length && (q[0] as { left: number }).left === 0) {
      const r = q.shift() as Position & { left: number };
      this.done.set(key, { id: r.id, gateway: r.gateway, seq: r.seq });
    }
  }

  private handle(key: string, id: string, fields: string[], pos: Position, meta: { gateway: string; seq: number }, record: { left: number }): void {
    if (meta.gateway === pos.gateway && meta.seq <= pos.seq) {
      this.duplicates++;
      return;
    }
    const stream = this.streamOf.get(key) as string;
    const jump = meta.gateway === pos.gateway ? meta.seq - pos.seq - 1 : pos.gateway ? meta.seq - 1 : 0;
    const lastSeq = meta.gateway === pos.gateway ? pos.seq : 0;
    pos.gateway = meta.gateway;
    pos.seq = meta.seq;
    if (jump > 0) {
      this.missed += jump;
      const gap: RedisGapEvent = {
        kind: 'redis',
        stream,
        missedEntries: jump,
        lastSeq,
        nextSeq: meta.seq,
        detectedAt: Date.now(),
        filled: false,
        reason: 'entries trimmed before this consumer read them (or dropped by the gateway while Redis was down)',
      };
      this.logger.warn({ stream, missedEntries: jump }, 'RedisStreamSource: entries missed (the gateway retention was exceeded)');
      this.safeEmit('gap', gap);
    }
    const event = field(fields, FIELD.event) ?? 'message';
    let payload: unknown;
    try {
      payload = JSON.parse(field(fields, FIELD.data) ?? 'null');
    } catch {
      this.logger.error({ stream, id }, 'RedisStreamSource: an entry is not JSON; skipped');
      return;
    }
    this.delivered++;
    if (!DATA_EVENTS.has(event)) {
      this.safeEmit(event, payload);
      return;
    }
    const m = payload as StreamMessage;
    if (event !== 'message') this.safeEmit(event, m.data, m);
    this.safeEmit('message', m);
    for (const it of this.iterators) {
      if (!it.wants(m.stream)) continue;
      record.left++;
      it.push(m, (dropped) => {
        // Ended without taking it: the stored position of this key stays before it (until close).
        if (dropped && !this.ceiling.has(key)) this.ceiling.set(key, { ...(this.done.get(key) as Position) });
        record.left--;
        if (record.left === 0) this.advance(key);
      });
    }
  }

  private safeEmit(event: string, a: unknown, b?: unknown): void {
    try {
      (this.emit as (e: string, a: unknown, b: unknown) => boolean)(event, a, b);
    } catch (err) {
      this.logger.error({ event, error: errorFields(err) }, 'a RedisStreamSource listener threw; reading goes on');
    }
  }

  private async commit(): Promise<void> {
    if (!this.cursor || this.positions.size === 0 || this.redis.status !== 'ready') return;
    const flat: string[] = [];
    for (const [k, d] of this.done) {
      const p = this.ceiling.get(k) ?? d;
      flat.push(k, `${p.id} ${p.gateway} ${p.seq}`);
    }
    await this.redis.hset(this.cursor, ...flat);
  }
}
