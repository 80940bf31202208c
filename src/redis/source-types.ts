/** Types of RedisStreamSource (stream-source.ts) and the reading of one wire entry (wire.ts). */
import type { ClientEvents, GapEvent, Logger } from '../index';
import type { Redis } from 'ioredis';
import { FIELD } from './wire';

/** Entries of a stream never received: trimmed (`MAXLEN`) before this consumer read them, or dropped by the gateway during a Redis outage. */
export interface RedisGapEvent {
  kind: 'redis';
  stream: string;
  /** Entries missed (Binance messages and events). */
  missedEntries: number;
  /** The last entry number received before the gap, and the first after it. */
  lastSeq: number;
  nextSeq: number;
  detectedAt: number;
  filled: false;
  reason: string;
}

export type RedisStreamSourceEvents = Omit<ClientEvents, 'gap'> & {
  gap: (e: GapEvent | RedisGapEvent) => void;
};

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

export interface RedisStreamSourceStats {
  /** Entries delivered, skipped as already seen, and missed (gaps). */
  delivered: number;
  duplicates: number;
  missed: number;
  /** Per Redis key: the stored position (entry id) and its entry number. */
  positions: Record<string, { id: string; seq: number }>;
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
