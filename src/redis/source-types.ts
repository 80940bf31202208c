/** Types of RedisStreamSource (stream-source.ts) and the reading of one wire entry (wire.ts). */
import type { ClientEvents, GapEvent, Logger } from '../index';
import type { Redis } from 'ioredis';
import { FIELD } from './wire';

/** Entries of a stream never received: trimmed (`MAXLEN`) before this consumer read them, or dropped by the gateway during a Redis outage. */
export interface RedisGapEvent {
  /** Always `'redis'`: tells this gap from the client's own (`GapEvent`), which the source also re-emits. */
  kind: 'redis';
  /** The Binance stream name (`''` for the gateway's control stream). */
  stream: string;
  /** Entries missed (Binance messages and events). */
  missedEntries: number;
  /** The last entry number received before the gap, and the first after it. */
  lastSeq: number;
  nextSeq: number;
  /** Local epoch ms when the source saw the jump. */
  detectedAt: number;
  /** Never filled: what the gateway no longer holds cannot be fetched again. */
  filled: false;
  /** A human-readable cause. */
  reason: string;
}

/** The events of a {@link RedisStreamSource}: the client's events as the gateway republished them, and `gap` of either kind. */
export type RedisStreamSourceEvents = Omit<ClientEvents, 'gap'> & {
  /** A gap the gateway's client found (republished `GapEvent`), or entries this consumer missed in Redis (`kind: 'redis'`). */
  gap: (e: GapEvent | RedisGapEvent) => void;
};

/** Options of {@link RedisStreamSource}: `redis` and `streams` are required; `prefix` and `name` must match the gateway's. */
export interface RedisStreamSourceOptions {
  /** An ioredis client (stores the cursor; duplicated once for the blocking reads). Never quit by the source. */
  redis: Redis;
  /** Binance stream names, as the gateway's client subscribed them (`btcusdt@aggTrade`). */
  streams: readonly string[];
  /** Key prefix, as the gateway's. @default 'bsc' */
  prefix?: string | undefined;
  /** The gateway's name. @default 'default' */
  name?: string | undefined;
  /** Resume id: the position is stored under it, and a restart resumes from it. @default none (no resume) */
  consumer?: string | undefined;
  /** Where a consumer without a stored position starts: new entries only, or all the gateway retains. @default 'latest' */
  from?: 'latest' | 'earliest' | undefined;
  /** Also read the gateway's control stream (events of no stream: `loopBlocked`…). @default true */
  control?: boolean | undefined;
  /** Entries per read. @default 500 */
  count?: number | undefined;
  /** XREAD BLOCK timeout. @default 1_000 */
  blockMs?: number | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
}

/** What {@link RedisStreamSource.stats} reports. */
export interface RedisStreamSourceStats {
  /** Entries delivered to listeners and iterators. */
  delivered: number;
  /** Entries skipped as already seen (written twice by a gateway that retried a batch). */
  duplicates: number;
  /** Entries missed: the sum of the `redis` gaps' `missedEntries`. */
  missed: number;
  /** Per Redis key: the stored position (entry id) and its entry number. */
  positions: Record<string, { id: string; seq: number }>;
  /** Whether the read loop runs (started and not closed). */
  running: boolean;
}

export interface Position {
  id: string;
  gateway: string;
  seq: number;
}

export function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export function entryMeta(fields: readonly string[]): { gateway: string; seq: number } {
  return { gateway: field(fields, FIELD.gateway) ?? '', seq: Number(field(fields, FIELD.seq)) || 0 };
}
