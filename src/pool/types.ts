/**
 * Options, events and stats of the {@link StreamPool}.
 */
import type { DialGate, ResilientSocketLike, ResilientSocketOptions, SocketEvents, SocketStats } from '../connection/types';
import type { Logger } from '../core/logger';
import type { MarketProfile, Route } from '../core/markets';
import type { RecoveryStage } from '../recovery/stage';
import type { RetryPolicy } from '../retry/policy';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';
import type { ConnectionBudgetState } from './connection-budget';
import type { RotationWindow } from './rotation';

/** Per-group settings (a group's streams get their own sockets). */
export interface StreamGroupOptions {
  /** Cap for this group's sockets (≤ the pool's cap). @default the pool's maxStreamsPerConnection */
  maxStreamsPerConnection?: number | undefined;
}

/** Socket settings the pool passes to every socket (see ResilientSocketOptions for each default). */
export type PooledSocketOptions = Pick<
  ResilientSocketOptions,
  | 'heartbeat'
  | 'staleAfterMs'
  | 'staleDebounceMs'
  | 'connectTimeoutMs'
  | 'maxUrlLength'
  | 'maxStreamsPerRequest'
  | 'maxOutgoingPerSecond'
  | 'requestTimeoutMs'
  | 'webSocketFactory'
>;

export interface StreamPoolOptions extends PooledSocketOptions {
  market: MarketProfile;
  /** Stream base URL (`wss://stream.binance.com:9443`, the emulator's URL…). @default market.urls.live.streamBase */
  baseUrl?: string | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
  /** One stateless policy shared by every socket. @default new ExponentialBackoff() */
  retryPolicy?: RetryPolicy | undefined;
  /** Connection-attempt gate. @default ConnectionBudget.shared() (process-wide, shared by every pool and client) */
  budget?: (DialGate & { state?: () => ConnectionBudgetState }) | undefined;
  /**
   * Streams per socket. Throws RangeError above the market's limit.
   * @default market.limits.maxStreamsPerConnection (1024 spot, 200 futures)
   */
  maxStreamsPerConnection?: number | undefined;
  /** Named groups with their own settings; a group not listed here uses the pool's defaults. */
  groups?: Readonly<Record<string, StreamGroupOptions>> | undefined;
  /** Called once per delivered, de-duplicated message (the client's typed emit). Should not throw. */
  sink: (message: StreamMessage, info: StreamInfo) => void;
  /** Recovery stages to chain after dedup for a stream (called once at subscribe time). @default none */
  stages?: ((info: StreamInfo) => readonly RecoveryStage[] | undefined) | undefined;
  /** Builds each socket. @default `(o) => new ResilientSocket(o)` */
  socketFactory?: ((options: ResilientSocketOptions) => ResilientSocketLike) | undefined;
  /** Socket-id prefix (`spot-1`, `usdm-market-2`, `spot-fast-1`). @default market.id */
  idPrefix?: string | undefined;

  // --- rotation ---
  /**
   * Rotate (make-before-break) each socket at this age, before Binance's 24 h cut; `false`
   * disables (the socket is then cut at 24 h and reconnects).
   * @default 82_800_000 (23 h)
   */
  rotateAfterMs?: number | false | undefined;
  /** Each socket rotates up to this much earlier, at random, so sockets don't rotate together. @default 1_800_000 (30 min) */
  rotationJitterMs?: number | undefined;
  /**
   * Only rotate inside this daily UTC window (see rotation.ts for the exact rule); `rotateAfterMs`
   * then only switches rotation on or off, the deadline being the 24 h cut minus `rotationSafetyMs`.
   * @default none
   */
  rotationWindow?: RotationWindow | undefined;
  /** With a window: the latest rotation is this long before the 24 h cut. @default 600_000 (10 min) */
  rotationSafetyMs?: number | undefined;
  /**
   * How long a replacement may take to open and deliver its first message before the
   * rotation falls back to a plain reconnect of the old socket.
   * @default 30_000
   */
  handoverTimeoutMs?: number | undefined;
  /**
   * After the replacement delivered, how long to wait for every stream to line up on it
   * (quiet streams may not deliver) before the old socket is closed.
   * @default 3_000
   */
  handoverSettleMs?: number | undefined;

  // --- per-stream silence ---
  /**
   * Per-stream silence threshold: a stream on an open, otherwise delivering socket that stays
   * silent this long (from max(subscribe, connection open, last message)) is reported
   * `stale` (scope 'stream') once and re-subscribed. A function receives the stream's info;
   * `false` disables.
   * @default info.staleAfterMs (streams/classify.ts: 10 s depth … 60 s trades)
   */
  streamStaleAfterMs?: number | false | ((info: StreamInfo) => number) | undefined;
  /** Period of the pool's single sweep timer (silence and rotation checks). @default 5_000 */
  sweepIntervalMs?: number | undefined;
  /** Minimum gap between two `connecting` progress events. @default 100 */
  progressIntervalMs?: number | undefined;

  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
  /** Random source in [0, 1) (rotation jitter), for tests. @default Math.random */
  random?: (() => number) | undefined;
}

export type { PoolEvents } from './events';

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
}

export interface PoolSocketStats extends SocketStats {
  group: string;
  route: Route;
  /** True while this socket is being replaced. */
  rotating: boolean;
}

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

export interface SubscribeOptions {
  /** Put the streams on this group's own sockets (e.g. isolate a latency-critical stream). @default '' (shared) */
  group?: string | undefined;
}
