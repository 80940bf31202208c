/**
 * Stats and subscribe options of the {@link StreamPool}. Options live in ./options.ts and
 * events in ./events.ts; both are re-exported here for existing importers.
 */
import type { SocketStats } from '../connection/types';
import type { Route } from '../core/markets';
import type { ConnectionBudgetState } from './connection-budget';
import type { RepairStep, StreamHealthState } from './stream-state';

export type { ResolvedPoolOptions, StreamGroupOptions, StreamPoolOptions, StreamSink } from './options';

export type { PoolEvents, StreamDownEvent, StreamRestoredEvent } from './events';
export type { PoolHealth, StreamHealth } from './health';

/**
 * One stream in `client.stats().pool.streams`: where it is placed, when it was acknowledged, message and error counts, lag, health state and silence repair, gaps found.
 */
export interface PoolStreamStats {
  stream: string;
  group: string;
  /** Socket carrying the stream, undefined while not placed (pool stopped). */
  socketId: string | undefined;
  subscribedAt: number;
  /** When the carrying socket's current connection opened. */
  connectedAt: number | undefined;
  /** Last acknowledgement (URL open or SUBSCRIBE answer). */
  ackedAt: number | undefined;
  messages: number;
  errors: number;
  lastMessageAt: number | undefined;
  /** receivedAt − Binance's event time `E`, of the last message. */
  lagMs: number | undefined;
  /** Consecutive failed attempts of the carrying socket right now. */
  retries: number;
  /** Reconnects of the carrying socket. */
  reconnects: number;
  duplicatesDropped: number;
  resubscribes: number;
  /** Health (`live` | `degraded` | `down` | `pending`, see `StreamHealth` in ./health.ts), since when and why. */
  state: StreamHealthState;
  stateSince: number;
  stateReason: string | undefined;
  /** Silence repair step: `none`, `resubscribe`, `move` (to a fresh connection) or `down` (still re-subscribing at a bounded rate). */
  repair: RepairStep;
  /** The silence after which it is suspected now (learned, or your fixed one), ms; null: never by silence (quiet by nature, or not shown busy yet). */
  suspectAfterMs: number | null;
  /** The learned mean gap between two messages, ms (undefined: no gap learned yet). */
  meanGapMs: number | undefined;
  /** Lagging behind the feed right now (see `lagging`). */
  lagging: boolean;
  /** Gaps found by sequence tracking (aggTrade/trade ids, diff-depth update ids, kline candles), and the events or candles they missed. */
  gaps: number;
  missed: number;
}

/**
 * One socket in `client.stats().pool.sockets`: its {@link SocketStats} plus its group, its USD-M route and whether it is being rotated.
 */
export interface PoolSocketStats extends SocketStats {
  group: string;
  route: Route;
  /** True while this socket is being replaced. */
  rotating: boolean;
}

/**
 * What `StreamPool.stats()` returns (and `client.stats().pool`): every stream and socket, the connection budget, rotations and the router's drop counters.
 */
export interface PoolStats {
  streams: PoolStreamStats[];
  sockets: PoolSocketStats[];
  budget: ConnectionBudgetState | undefined;
  rotations: number;
  /** Router counters: dropped unknown/foreign messages, duplicates, sink errors, forced handovers. */
  unknownDropped: number;
  foreignDropped: number;
  duplicatesDropped: number;
  sinkErrors: number;
  forcedSwitches: number;
}

/** Per-call options of `StreamPool.subscribe()`: connection group, silence threshold, backfill. */
export interface SubscribeOptions {
  /** Put the streams on this group's own sockets (e.g. isolate a latency-critical stream). @default '' (shared) */
  group?: string | undefined;
  /** Fixed silence threshold for these streams (ms), or `false`: never stale by silence. @default the pool's `streamStaleAfterMs`, else learned */
  staleAfterMs?: number | false | undefined;
  /** Fill gaps of these streams from REST before live data resumes (aggTrade, klines). @default the client's `backfill` (false) */
  backfill?: boolean | undefined;
}
