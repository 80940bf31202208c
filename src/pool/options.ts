/**
 * StreamPool options, each documented once with its default, and their one resolution:
 * `resolvePoolOptions()` validates everything with the shared checks of core/validate.ts
 * (every bad option is an ERR_INVALID_OPTION naming the option as the caller wrote it),
 * applies the defaults and resolves the socket tuning once for every socket of the pool.
 * The StreamPool uses a resolved object as it is and never validates it again.
 */
import { keepShortTimings, resolveSocketTuning, timingMin, withoutStaleWatch } from '../connection/options';
import type { DialGate, ResilientSocketLike, ResilientSocketOptions, ResolvedSocketTuning, SocketTuning, WebSocketFactory } from '../connection/types';
import { invalidOption } from '../core/errors';
import type { Logger } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import { bool, isResolved, knownKeys, markResolved, num, numOrFalse, optFunction, optImplementation, optObject, requireNum, url } from '../core/validate';
import type { RecoveryStage, StageOptions } from '../recovery/stage';
import { ExponentialBackoff } from '../retry/exponential-backoff';
import type { RetryPolicy } from '../retry/policy';
import type { StreamInfo } from '../streams/classify';
import type { ConnectionBudgetState } from './connection-budget';
import { ConnectionBudget } from './connection-budget';
import { GROUP_NAME_RULE, isGroupName } from './group-name';
import type { LivenessOptions, ResolvedLiveness } from './liveness-options';
import type { FallbackRest, RestFallbackOptions } from './rest-fallback';
import { FALLBACK_DEFAULTS } from './rest-fallback';
import { LIVENESS_KEYS, resolveLiveness } from './liveness-options';
import type { RotationPlan, RotationWindow } from './rotation-plan';
import type { StreamSink } from './router';

/** The gate the pool dials through; `state()` feeds stats and progress. */
export type PoolDialGate = DialGate & {
  /** A snapshot of the gate's counters, when it keeps any (a {@link ConnectionBudget} does). */
  state?: () => ConnectionBudgetState;
};

export type { StreamSink };

/** Per-group settings (a group's streams get their own sockets). */
export interface StreamGroupOptions {
  /** Cap for this group's sockets (≤ the market's limit). @default the pool's maxStreamsPerConnection */
  maxStreamsPerConnection?: number | undefined;
}

export interface StreamPoolOptions extends SocketTuning, LivenessOptions {
  market: MarketProfile;
  /** Stream base URL (`wss://stream.binance.com:9443`, the emulator's URL…). @default market.urls.live.streamBase */
  baseUrl?: string | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
  /** One stateless policy shared by every socket. @default new ExponentialBackoff() */
  retryPolicy?: RetryPolicy | undefined;
  /** Connection-attempt gate. @default ConnectionBudget.shared() (process-wide, shared by every pool and client) */
  budget?: PoolDialGate | undefined;
  /** Streams per socket, at most the market's limit. @default market.limits.maxStreamsPerConnection (1024 on every market) */
  maxStreamsPerConnection?: number | undefined;
  /** Named groups with their own settings; a group not listed here uses the pool's defaults. @default none */
  groups?: Readonly<Record<string, StreamGroupOptions>> | undefined;
  /** Called once per delivered, de-duplicated message (the client's typed emit). Should not throw. */
  sink: StreamSink;
  /** Where the REST fallback polls (the client gives its market's REST client). @default none: no fallback */
  fallbackRest?: FallbackRest | undefined;
  /** When a socket cannot be restored, serve its streams over REST (./rest-fallback.ts); `false` disables. @default { afterMs: 30_000, afterAttempts: 5, pollMs: 1_000 } when `fallbackRest` is given */
  restFallback?: RestFallbackOptions | false | undefined;
  /** Recovery stages to chain after dedup for a stream (called once at subscribe time, with the subscribe() call's options). @default none */
  stages?: ((info: StreamInfo, options: StageOptions) => readonly RecoveryStage[] | undefined) | undefined;
  /** Builds each socket. @default `(o) => new ResilientSocket(o)` */
  socketFactory?: ((options: ResilientSocketOptions) => ResilientSocketLike) | undefined;
  /** Socket-id prefix (`spot-1`, `usdm-market-2`, `spot-fast-1`). @default market.id */
  idPrefix?: string | undefined;
  /** Socket tuning resolved already (`resolveSocketTuning`): used as it is; the SocketTuning fields are then ignored. @default resolved from those fields */
  tuning?: ResolvedSocketTuning | undefined;
  /** Passed to every socket. @default isomorphic-ws */
  webSocketFactory?: WebSocketFactory | undefined;
  /** Accept stream names the market's catalog does not list (streams newer than the library). @default false */
  allowUnknownStreams?: boolean | undefined;

  /** Rotate (make-before-break) each socket at this age, before Binance's 24 h cut; `false` disables. At least 60_000 (1 min). @default 82_800_000 (23 h) */
  rotateAfterMs?: number | false | undefined;
  /** Each socket rotates up to this much earlier, at random, so sockets don't rotate together. @default 1_800_000 (30 min) */
  rotationJitterMs?: number | undefined;
  /** Only rotate inside this daily UTC window (rule: rotation-plan.ts). @default none */
  rotationWindow?: RotationWindow | undefined;
  /** With a window: the latest rotation is this long before the 24 h cut. @default 600_000 (10 min) */
  rotationSafetyMs?: number | undefined;
  /** How long a replacement may take to open and deliver before the rotation falls back to a plain reconnect. At least 1_000. @default 30_000 */
  handoverTimeoutMs?: number | undefined;
  /** After the replacement delivered, how long every stream may take to line up on it before the old socket closes. @default 3_000 */
  handoverSettleMs?: number | undefined;
  /** Period of the pool's sweep timer (silence and rotation checks). @default 5_000 */
  sweepIntervalMs?: number | undefined;
  /** Minimum gap between two `connecting` progress events. @default 100 */
  progressIntervalMs?: number | undefined;
  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
  /** Random source in [0, 1) (rotation jitter), for tests. @default Math.random */
  random?: (() => number) | undefined;
}

/** Defaults of the pool's own options (socket tuning defaults live in connection/options.ts). */
export const POOL_DEFAULTS = Object.freeze({
  rotateAfterMs: 23 * 3_600_000,
  rotationJitterMs: 30 * 60_000,
  rotationSafetyMs: 10 * 60_000,
  handoverTimeoutMs: 30_000,
  handoverSettleMs: 3_000,
  sweepIntervalMs: 5_000,
  progressIntervalMs: 100,
});

/**
 * Lower bounds of the pool's timing options (ms), below which an option is ERR_INVALID_OPTION
 * naming the bound; `unsafeShortTimings` (connection/options.ts, test-only) lifts them to 1 ms.
 */
export const POOL_BOUNDS = Object.freeze({
  rotateAfterMs: 60_000,
  handoverTimeoutMs: 1_000,
});

/** Every pool option with its default applied; frozen and marked (`isResolved`). */
export interface ResolvedPoolOptions {
  readonly market: MarketProfile;
  readonly baseUrl: string;
  readonly logger: Logger;
  readonly retryPolicy: RetryPolicy;
  readonly budget: PoolDialGate;
  readonly maxStreamsPerConnection: number;
  /** Group → its cap (only groups with their own cap). */
  readonly groupCaps: ReadonlyMap<string, number>;
  readonly sink: StreamSink;
  readonly fallbackRest: FallbackRest | undefined;
  readonly restFallback: Readonly<RestFallbackOptions> | false;
  /** Recovery stages chained per stream (`stages` option); undefined: none. */
  readonly stages: ((info: StreamInfo, options: StageOptions) => readonly RecoveryStage[] | undefined) | undefined;
  /** undefined: the pool builds `ResilientSocket`s. */
  readonly socketFactory: ((options: ResilientSocketOptions) => ResilientSocketLike) | undefined;
  readonly idPrefix: string;
  readonly tuning: ResolvedSocketTuning;
  readonly webSocketFactory: WebSocketFactory | undefined;
  readonly allowUnknownStreams: boolean;
  readonly rotation: Readonly<RotationPlan>;
  readonly handoverTimeoutMs: number;
  readonly handoverSettleMs: number;
  /** Socket tuning with the socket's own stale watch off (the pool judges silence): what its sockets get. */
  readonly socketTuning: ResolvedSocketTuning;
  readonly liveness: ResolvedLiveness;
  readonly sweepIntervalMs: number;
  readonly progressIntervalMs: number;
  /** The pool's clock, in epoch ms. */
  readonly now: () => number;
  /** Random source in [0, 1), for rotation jitter. */
  readonly random: () => number;
}

const TUNING_KEYS = ['heartbeat', 'staleAfterMs', 'staleDebounceMs', 'connectTimeoutMs', 'maxUrlLength', 'maxStreamsPerRequest', 'maxOutgoingPerSecond', 'requestTimeoutMs'] as const;
const POOL_KEYS = [
  ...TUNING_KEYS,
  ...['market', 'baseUrl', 'logger', 'retryPolicy', 'budget', 'maxStreamsPerConnection', 'groups', 'sink', 'stages', 'socketFactory', 'idPrefix', 'tuning'],
  ...['webSocketFactory', 'allowUnknownStreams', 'rotateAfterMs', 'rotationJitterMs', 'rotationWindow', 'rotationSafetyMs', 'handoverTimeoutMs', 'handoverSettleMs'],
  ...['sweepIntervalMs', 'progressIntervalMs', 'now', 'random', 'fallbackRest', 'restFallback'],
  ...LIVENESS_KEYS,
];

const MS = { min: 0, unit: 'ms' } as const;
const POSITIVE_MS = { min: 1, unit: 'ms' } as const;

/**
 * Validate and complete pool options once. `prefix` names the options' place in a larger
 * object (`pool.` …); omit it when the caller's user writes them at the top level.
 */
export function resolvePoolOptions(input: StreamPoolOptions, prefix = ''): ResolvedPoolOptions {
  const owner = prefix.replace(/\.$/, '');
  const n = (key: string): string => (owner ? `${owner}.${key}` : key);
  const o = optObject(owner || 'options', input) ?? invalidObject(owner || 'options');
  knownKeys(owner, o, POOL_KEYS);
  const market = input.market as unknown;
  if (!market || typeof market !== 'object' || !(market as MarketProfile).limits) throw invalidOption(n('market'), 'a MarketProfile', market);
  const m = market as MarketProfile;
  const limit = m.limits.maxStreamsPerConnection;
  const cap = { integer: true, min: 1, max: limit };
  const sink = optFunction<StreamSink>(n('sink'), input.sink, 'a function (message, info) => void');
  if (sink === undefined) throw invalidOption(n('sink'), 'a function (message, info) => void', undefined);
  const budget =
    optImplementation<PoolDialGate>(n('budget'), input.budget, ['acquire', 'reportRejection'], 'a DialGate (acquire, reportRejection), e.g. a ConnectionBudget') ?? ConnectionBudget.shared();
  const rotateAfterMs = numOrFalse(n('rotateAfterMs'), input.rotateAfterMs, POOL_DEFAULTS.rotateAfterMs, { min: timingMin(input, POOL_BOUNDS.rotateAfterMs), unit: 'ms' });
  const socketTuning = tuning(input, m, owner);
  return markResolved<ResolvedPoolOptions>({
    market: m,
    baseUrl: url(n('baseUrl'), input.baseUrl, ['ws:', 'wss:'], m.urls.live.streamBase),
    logger: normalizeLogger(loggerOption(n('logger'), input.logger)),
    retryPolicy: optImplementation<RetryPolicy>(n('retryPolicy'), input.retryPolicy, ['delayMs', 'shouldRetry'], 'a RetryPolicy (e.g. new ExponentialBackoff())') ?? new ExponentialBackoff(),
    budget,
    maxStreamsPerConnection: num(n('maxStreamsPerConnection'), input.maxStreamsPerConnection, limit, cap),
    groupCaps: groupCaps(n('groups'), input.groups, cap),
    sink,
    stages: optFunction(n('stages'), input.stages, 'a function (info) => RecoveryStage[]'),
    fallbackRest: optImplementation<FallbackRest>(n('fallbackRest'), input.fallbackRest, ['aggTrades', 'klines', 'bookTicker', 'ticker24h', 'depth'], 'a REST source (MarketRest)'),
    restFallback: fallbackOptions(n('restFallback'), input.restFallback),
    socketFactory: optFunction(n('socketFactory'), input.socketFactory, 'a function (options) => socket'),
    idPrefix: idPrefix(n('idPrefix'), input.idPrefix, m.id),
    tuning: socketTuning,
    socketTuning: withoutStaleWatch(socketTuning),
    liveness: resolveLiveness(input, n, socketTuning.staleAfterMs, timingMin(input, 2) === 1),
    webSocketFactory: optFunction(n('webSocketFactory'), input.webSocketFactory, 'a function (url) => WebSocket'),
    allowUnknownStreams: bool(n('allowUnknownStreams'), input.allowUnknownStreams, false),
    rotation: Object.freeze({
      rotateAfterMs,
      rotationJitterMs: num(n('rotationJitterMs'), input.rotationJitterMs, POOL_DEFAULTS.rotationJitterMs, MS),
      window: rotationWindow(n('rotationWindow'), input.rotationWindow),
      maxLifetimeMs: m.limits.maxConnectionLifetimeMs,
      rotationSafetyMs: num(n('rotationSafetyMs'), input.rotationSafetyMs, POOL_DEFAULTS.rotationSafetyMs, MS),
    }),
    handoverTimeoutMs: num(n('handoverTimeoutMs'), input.handoverTimeoutMs, POOL_DEFAULTS.handoverTimeoutMs, { min: timingMin(input, POOL_BOUNDS.handoverTimeoutMs), unit: 'ms' }),
    handoverSettleMs: num(n('handoverSettleMs'), input.handoverSettleMs, POOL_DEFAULTS.handoverSettleMs, MS),
    sweepIntervalMs: num(n('sweepIntervalMs'), input.sweepIntervalMs, POOL_DEFAULTS.sweepIntervalMs, POSITIVE_MS),
    progressIntervalMs: num(n('progressIntervalMs'), input.progressIntervalMs, POOL_DEFAULTS.progressIntervalMs, MS),
    now: optFunction<() => number>(n('now'), input.now, 'a function returning epoch ms') ?? Date.now,
    random: optFunction<() => number>(n('random'), input.random, 'a function returning a number in [0, 1)') ?? Math.random,
  });
}

/** `options` as they are when resolved already, else resolved now. */
export function poolOptions(options: StreamPoolOptions | ResolvedPoolOptions): ResolvedPoolOptions {
  return isResolved(options) ? (options as ResolvedPoolOptions) : resolvePoolOptions(options as StreamPoolOptions);
}

function fallbackOptions(name: string, value: unknown): Readonly<RestFallbackOptions> | false {
  if (value === false) return false;
  const f = optObject(name, value, 'false or an object { afterMs, afterAttempts, pollMs }') ?? {};
  knownKeys(name, f, ['afterMs', 'afterAttempts', 'pollMs']);
  return Object.freeze({
    afterMs: num(`${name}.afterMs`, f.afterMs, FALLBACK_DEFAULTS.afterMs, { min: 0, unit: 'ms' }),
    afterAttempts: num(`${name}.afterAttempts`, f.afterAttempts, FALLBACK_DEFAULTS.afterAttempts, { integer: true, min: 1 }),
    pollMs: num(`${name}.pollMs`, f.pollMs, FALLBACK_DEFAULTS.pollMs, { min: 1, unit: 'ms' }),
  });
}

function invalidObject(name: string): never {
  throw invalidOption(name, 'an object of pool options', undefined);
}

function loggerOption(name: string, value: unknown): Partial<Logger> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw invalidOption(name, 'a logger object (debug, info, warn, error)', value);
  return value as Partial<Logger>;
}

function groupCaps(name: string, value: unknown, rule: { integer: boolean; min: number; max: number }): ReadonlyMap<string, number> {
  const caps = new Map<string, number>();
  const groups = optObject(name, value, 'an object of group settings');
  if (groups === undefined) return caps;
  for (const [group, g] of Object.entries(groups)) {
    if (!isGroupName(group)) throw invalidOption(`${name} key`, `a group name (${GROUP_NAME_RULE})`, group);
    const settings = optObject(`${name}.${group}`, g, 'an object of group settings');
    if (settings === undefined) continue;
    knownKeys(`${name}.${group}`, settings, ['maxStreamsPerConnection']);
    if (settings.maxStreamsPerConnection !== undefined) caps.set(group, requireNum(`${name}.${group}.maxStreamsPerConnection`, settings.maxStreamsPerConnection, rule));
  }
  return caps;
}

function idPrefix(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,32}$/.test(value)) throw invalidOption(name, `a socket-id prefix (${GROUP_NAME_RULE})`, value);
  return value;
}

function rotationWindow(name: string, value: unknown): RotationWindow | undefined {
  const w = optObject(name, value, 'an object { startHourUtc, endHourUtc }');
  if (w === undefined) return undefined;
  knownKeys(name, w, ['startHourUtc', 'endHourUtc']);
  const startHourUtc = requireNum(`${name}.startHourUtc`, w.startHourUtc, { integer: true, min: 0, max: 23 });
  const endHourUtc = requireNum(`${name}.endHourUtc`, w.endHourUtc, { integer: true, min: 1, max: 24 });
  if (endHourUtc === startHourUtc) throw invalidOption(`${name}.endHourUtc`, 'an hour different from startHourUtc', endHourUtc);
  return Object.freeze({ startHourUtc, endHourUtc });
}

function tuning(input: StreamPoolOptions, market: MarketProfile, prefix: string): ResolvedSocketTuning {
  if (input.tuning !== undefined) {
    if (!isResolved(input.tuning)) throw invalidOption(prefix ? `${prefix}.tuning` : 'tuning', 'a tuning object returned by resolveSocketTuning()', input.tuning);
    return input.tuning;
  }
  const t: SocketTuning = keepShortTimings(input, {});
  for (const key of TUNING_KEYS) if (input[key] !== undefined) (t as Record<string, unknown>)[key] = input[key];
  return resolveSocketTuning(t, market, prefix);
}
