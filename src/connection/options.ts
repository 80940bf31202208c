/**
 * Socket option defaults and validation, built from core/validate (every bad option is
 * an `ERR_INVALID_OPTION` naming it as the user wrote it). Each option is documented once,
 * with its default, on `SocketTuning` / `ResilientSocketOptions` in ./types.ts.
 *
 * The pool and the client resolve the tuning once (`resolveSocketTuning`) and hand it to
 * every socket as `options.tuning`; a socket built alone resolves its own fields.
 *
 * Timing options have lower bounds (`TIMING_BOUNDS`): a value below one is ERR_INVALID_OPTION
 * naming the bound (`staleAfterMs: 1` with `staleDebounceMs: 0` once reconnected constantly).
 * Tests that shrink durations (and emulators run with a `timeScale`) spread `unsafeShortTimings`
 * into the options they pass; every value must then only be positive (or >= 0 where 0 is allowed).
 */
import { invalidOption, showValue } from '../core/errors';
import type { MarketProfile } from '../core/markets';
import { classifyStream } from '../streams/classify';
import { invalidStream, normalizeStreamName } from '../streams/names';
import { isResolved, markResolved, num, numOrFalse, optFunction, optImplementation, optObject, optString } from '../core/validate';
import type { RetryPolicy } from '../retry/policy';
import type { DialGate, HeartbeatOptions, ResilientSocketOptions, ResolvedSocketTuning, SocketTuning } from './types';

/** Client heartbeat defaults per market: never kill a healthy connection, barely cost messages. */
export const DEFAULT_HEARTBEAT: Readonly<{ spot: HeartbeatOptions; futures: HeartbeatOptions }> = Object.freeze({
  /** Binance pings spot sockets every 20 s, so 30 s of total silence already means trouble. */
  spot: Object.freeze({ idlePingMs: 30_000, pongTimeoutMs: 10_000 }),
  /** Futures servers ping only every 3 min; 60 s of silence on a data socket is worth one ping. */
  futures: Object.freeze({ idlePingMs: 60_000, pongTimeoutMs: 15_000 }),
});

/**
 * Lower bounds of the timing options a user passes (ms). Documented next to each option's @default.
 * | option | bound | default |
 * | staleAfterMs | >= 1_000 (or false) | from the streams (10 s depth … 60 s trades) |
 * | staleDebounceMs | >= 1_000 | 30_000 |
 * | heartbeat.idlePingMs | 0 (off) or >= 1_000 | 30_000 spot, 60_000 futures |
 * | heartbeat.pongTimeoutMs | >= 1_000 | 10_000 spot, 15_000 futures |
 * | connectTimeoutMs | >= 1_000 | 10_000 |
 * | requestTimeoutMs | >= 1_000 | 10_000 |
 * The pool's rotateAfterMs (>= 60_000) and handoverTimeoutMs (>= 1_000): pool/options.ts.
 */
export const TIMING_BOUNDS = Object.freeze({
  staleAfterMs: 1_000,
  staleDebounceMs: 1_000,
  idlePingMs: 1_000,
  pongTimeoutMs: 1_000,
  connectTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
});

const SHORT_TIMINGS: unique symbol = Symbol.for('binance-stream-client.unsafe-short-timings') as never;

/**
 * TEST-ONLY escape hatch: spread into socket, pool or tuning options
 * (`new StreamPool({ ...unsafeShortTimings, staleAfterMs: 200, … })`) to lift the lower bounds
 * of TIMING_BOUNDS (and the pool's) for tests that shrink durations and for emulators run with
 * a `timeScale`. Values must still be positive. It disables a protection against reconnect
 * storms: never use it in production. (A symbol-keyed field, so it types as an empty object.)
 * @internal
 */
export const unsafeShortTimings: Readonly<Record<never, never>> = Object.freeze({ [SHORT_TIMINGS]: true });

/** Whether `options` carries `unsafeShortTimings`. @internal */
export function allowsShortTimings(options: unknown): boolean {
  return options !== null && typeof options === 'object' && (options as Record<symbol, unknown>)[SHORT_TIMINGS] === true;
}

/** `to` carrying the flag of `from` (options copied field by field keep it). @internal */
export function keepShortTimings<T extends object>(from: unknown, to: T): T {
  if (allowsShortTimings(from)) (to as Record<symbol, unknown>)[SHORT_TIMINGS] = true;
  return to;
}

/** The lower bound of a timing option: `bound`, or `fallback` (1 or 0) under unsafeShortTimings. @internal */
export function timingMin(options: unknown, bound: number, fallback = 1): number {
  return allowsShortTimings(options) ? fallback : bound;
}

/** Market-independent defaults (the market-dependent ones: heartbeat, maxStreamsPerRequest, maxOutgoingPerSecond). */
export const SOCKET_DEFAULTS = Object.freeze({
  staleDebounceMs: 30_000,
  connectTimeoutMs: 10_000,
  maxUrlLength: 4096,
  requestTimeoutMs: 10_000,
});

const TUNING_KEYS = ['heartbeat', 'staleAfterMs', 'staleDebounceMs', 'connectTimeoutMs', 'maxUrlLength', 'maxStreamsPerRequest', 'maxOutgoingPerSecond', 'requestTimeoutMs'] as const;

/**
 * Apply defaults to `input` and validate it. `prefix` is the path of the tuning inside the
 * caller's options (`groups.fast`), so a message names `option groups.fast.staleAfterMs`.
 */
export function resolveSocketTuning(input: SocketTuning, market: MarketProfile, prefix = ''): ResolvedSocketTuning {
  const n = (name: string): string => (prefix ? `${prefix.replace(/\.$/, '')}.${name}` : name);
  const o = optObject(prefix || 'tuning', input) ?? {};
  const min = (bound: number, fallback = 1): { min: number; unit: string } => ({ min: timingMin(input, bound, fallback), unit: 'ms' });
  let heartbeat: HeartbeatOptions | false = false;
  if (o.heartbeat !== false) {
    const d = market.futures ? DEFAULT_HEARTBEAT.futures : DEFAULT_HEARTBEAT.spot;
    const hb = optObject(n('heartbeat'), o.heartbeat, 'false or an object { idlePingMs, pongTimeoutMs }') ?? {};
    heartbeat = {
      idlePingMs: idlePing(n('heartbeat.idlePingMs'), hb.idlePingMs, d.idlePingMs, timingMin(input, TIMING_BOUNDS.idlePingMs, 0)),
      pongTimeoutMs: num(n('heartbeat.pongTimeoutMs'), hb.pongTimeoutMs, d.pongTimeoutMs, min(TIMING_BOUNDS.pongTimeoutMs)),
    };
  }
  const limit = market.limits.maxIncomingMessagesPerSecond;
  return markResolved<ResolvedSocketTuning>({
    heartbeat,
    staleAfterMs: numOrFalse(n('staleAfterMs'), o.staleAfterMs, undefined, min(TIMING_BOUNDS.staleAfterMs)),
    staleDebounceMs: num(n('staleDebounceMs'), o.staleDebounceMs, SOCKET_DEFAULTS.staleDebounceMs, min(TIMING_BOUNDS.staleDebounceMs, 0)),
    connectTimeoutMs: num(n('connectTimeoutMs'), o.connectTimeoutMs, SOCKET_DEFAULTS.connectTimeoutMs, min(TIMING_BOUNDS.connectTimeoutMs)),
    maxUrlLength: num(n('maxUrlLength'), o.maxUrlLength, SOCKET_DEFAULTS.maxUrlLength, { integer: true, min: 64 }),
    maxStreamsPerRequest: num(n('maxStreamsPerRequest'), o.maxStreamsPerRequest, market.limits.maxStreamsPerConnection, { integer: true, min: 1 }),
    maxOutgoingPerSecond: num(n('maxOutgoingPerSecond'), o.maxOutgoingPerSecond, Math.max(1, limit - 1), { integer: true, min: 1 }),
    requestTimeoutMs: num(n('requestTimeoutMs'), o.requestTimeoutMs, SOCKET_DEFAULTS.requestTimeoutMs, min(TIMING_BOUNDS.requestTimeoutMs)),
  });
}

/** `heartbeat.idlePingMs`: 0 (no idle ping) or at least `bound`. */
function idlePing(name: string, value: unknown, fallback: number, bound: number): number {
  if (value === undefined) return fallback;
  if (value === 0) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < Math.max(bound, Number.MIN_VALUE)) {
    throw invalidOption(name, bound > 0 ? `0 (off) or a number >= ${bound} ms` : 'a number >= 0 ms', value);
  }
  return value;
}

/** The socket's wiring checked (ERR_INVALID_OPTION), and its tuning: `options.tuning` as it is, else resolved here. */
export function checkSocketOptions(options: ResilientSocketOptions): ResolvedSocketTuning {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'a ResilientSocketOptions object', options);
  if (options.id === undefined) throw invalidOption('id', 'a non-empty string', undefined);
  optString('id', options.id);
  const market = optObject('market', options.market, 'a MarketProfile') as MarketProfile | undefined;
  if (!market || typeof market.limits !== 'object' || market.limits === null) throw invalidOption('market', 'a MarketProfile', options.market);
  const fn = (name: string, value: unknown, expected: string): void => {
    if (value === undefined) throw invalidOption(name, expected, value);
    optFunction(name, value, expected);
  };
  fn('url', options.url, 'a function ({ streams, attempt, signal }) => string | Promise<string>');
  fn('onMessage', options.onMessage, 'a function (message, socket) => void');
  const policy = options.retryPolicy;
  if (policy === undefined) throw invalidOption('retryPolicy', 'a RetryPolicy', policy);
  optImplementation<RetryPolicy>('retryPolicy', policy, ['delayMs', 'shouldRetry'], 'a RetryPolicy');
  optFunction('onOpen', options.onOpen, 'a function (socket, signal) => void | Promise<void>');
  optFunction('onServerShutdown', options.onServerShutdown, 'a function (socket) => void');
  optFunction('webSocketFactory', options.webSocketFactory, 'a function (url) => WebSocket');
  optFunction('now', options.now, 'a function () => number');
  optImplementation<DialGate>('dialGate', options.dialGate, ['acquire', 'reportRejection'], 'a DialGate (acquire, reportRejection)');
  const framing = optObject('framing', options.framing, "{ kind: 'combined' } or { kind: 'raw', streamName }");
  if (framing && framing.kind !== 'combined' && !(framing.kind === 'raw' && typeof framing.streamName === 'string' && framing.streamName)) {
    throw invalidOption('framing', "{ kind: 'combined' } or { kind: 'raw', streamName: a non-empty string }", options.framing);
  }
  if (options.tuning !== undefined) {
    if (!isResolved(options.tuning)) throw invalidOption('tuning', 'a tuning object returned by resolveSocketTuning()', options.tuning);
    return options.tuning;
  }
  const tuning: SocketTuning = keepShortTimings(options, {});
  for (const key of TUNING_KEYS) if (options[key] !== undefined) (tuning as Record<string, unknown>)[key] = options[key];
  return resolveSocketTuning(tuning, market);
}

/**
 * Stream names given to addStreams/removeStreams/resubscribe/`streams`: an array, each name
 * passing the one charset rule (`normalizeStreamName`, streams/names.ts); ERR_INVALID_STREAM
 * naming the call. Names are used as given (the pool normalises before it calls the socket).
 */
export function checkStreams(method: string, streams: readonly string[]): void {
  if (!Array.isArray(streams)) throw invalidStream(`${method}: expected an array of stream names, got ${showValue(streams)}`);
  for (const s of streams) {
    try {
      normalizeStreamName(s);
    } catch (err) {
      throw invalidStream(`${method}: ${(err as Error).message}`, typeof s === 'string' ? s : undefined);
    }
  }
}

/** The connection's stale threshold in ms (0: off): the option, else the smallest default among the streams. */
export function staleThreshold(tuning: ResolvedSocketTuning, streams: Iterable<string>, futures: boolean): number {
  if (tuning.staleAfterMs !== undefined) return tuning.staleAfterMs === false ? 0 : tuning.staleAfterMs;
  let min = Infinity;
  for (const s of streams) min = Math.min(min, classifyStream(s, futures).staleAfterMs);
  return Number.isFinite(min) ? min : 0;
}

/** `t` with the socket's own connection-level stale watch off (the pool judges silence per stream itself). */
export function withoutStaleWatch(t: ResolvedSocketTuning): ResolvedSocketTuning {
  return t.staleAfterMs === false ? t : markResolved<ResolvedSocketTuning>({ ...t, staleAfterMs: false });
}
