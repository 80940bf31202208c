/**
 * Validate the client's options ONCE into a `ResolvedClientConfig` (nats.js
 * `parseOptions` idea): one defaults object, merged and validated here, then handed
 * down as resolved sub-configs that the pool, the sockets and the user-data streams use
 * as they are. Every bad option is `ERR_INVALID_OPTION` naming the option, the expected
 * form and the value given (secrets are never echoed).
 */
import { resolveSocketTuning, TIMING_BOUNDS } from '../connection/options';
import type { DialGate, ResolvedSocketTuning, SocketTuning, WebSocketFactory } from '../connection/types';
import { invalidOption } from '../core/errors';
import { normalizeLogger } from '../core/logger';
import type { Logger } from '../core/logger';
import { getMarket } from '../core/markets';
import type { MarketId, MarketProfile } from '../core/markets';
import { bool, knownKeys, num, oneOf, optFunction, optImplementation, optObject, optString, url } from '../core/validate';
import { ConnectionBudget } from '../pool/connection-budget';
import { MarketRest } from '../rest/market-rest';
import type { FetchLike } from '../rest/http';
import type { SharedRestWeightBudget } from '../rest/weight-budget';
import type { ListenKeyLease } from '../user-data/futures/listen-key-options';
import { resolvePoolOptions } from '../pool/options';
import type { ResolvedPoolOptions, StreamPoolOptions } from '../pool/options';
import { ExponentialBackoff } from '../retry/exponential-backoff';
import { defaultRestRetryPolicy } from '../rest/http';
import { RetryPolicy } from '../retry/policy';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';
import { CLIENT_OPTION_NAMES } from './options';
import { resolveEncoding } from './sbe-encoding';
import type { WebCryptoKey } from './options';

export interface ResolvedClientConfig {
  readonly market: MarketProfile;
  readonly urls: { readonly stream: string; readonly rest: string; readonly wsApi: string };
  readonly logger: Logger;
  readonly retryPolicy: RetryPolicy;
  readonly restRetryPolicy: RetryPolicy;
  /** Every dial of the client (market data, user data, WS API) asks this gate. */
  readonly budget: DialGate;
  /** The `restWeightBudget` option (undefined: each REST host's process-wide budget). */
  readonly restWeightBudget: SharedRestWeightBudget | undefined;
  /** The `listenKeyLease` option (futures user data). */
  readonly listenKeyLease: ListenKeyLease | undefined;
  readonly allowUnknownStreams: boolean;
  /** The client-wide `backfill` option. */
  readonly backfill: boolean;
  /**
   * Whether `urls.rest` is a host the user meant: given (`restBaseUrl`), or Binance's default
   * while the streams come from Binance too. False when `baseUrl` points elsewhere (an emulator,
   * a relay) without `restBaseUrl`: REST-backed features then refuse instead of calling live Binance.
   */
  readonly restKnown: boolean;
  /** The market's REST client (backfill, REST fallback, order-book snapshots), through the process-wide weight budget. No I/O until used. */
  readonly rest: MarketRest;
  readonly webSocketFactory: WebSocketFactory | undefined;
  /** The `fetch` option (undefined: the global one), for every REST call. */
  readonly fetch: FetchLike | undefined;
  readonly credentials: { readonly apiKey?: string; readonly apiSecret?: string; readonly privateKey?: string | WebCryptoKey };
  /** Socket tuning shared by every socket of the client. */
  readonly socket: ResolvedSocketTuning;
  readonly pool: ResolvedPoolOptions;
}

/** Binance's own hosts (`*.binance.com`, `*.binance.vision`, `*.binancefuture.com`): their REST host is the market's default. */
function isBinanceHost(u: string): boolean {
  const host = new URL(u).hostname;
  return ['binance.com', 'binance.vision', 'binancefuture.com'].some((d) => host === d || host.endsWith(`.${d}`));
}

/** `what` needs REST, and `baseUrl` points away from Binance without `restBaseUrl`. */
export function restUnknown(what: string, streamBase: string): Error {
  return invalidOption('restBaseUrl', `a REST base URL (http(s)://…) for ${what}: baseUrl ${streamBase} is not Binance's, so the default REST host would be the wrong one`, undefined);
}

/** The given keys of `o` that are set (the layer below validates their values). */
function pick(o: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function policy(name: string, value: unknown): RetryPolicy | undefined {
  if (value === undefined || value instanceof RetryPolicy) return value;
  return optImplementation<RetryPolicy>(name, value, ['delayMs', 'shouldRetry'], 'a RetryPolicy (e.g. new ExponentialBackoff()) or an object with shouldRetry(ctx) and delayMs(ctx)');
}

/** The client's `staleAfterMs` (numbers at least 1_000, like every timing option); the pool checks the rest. */
function staleSetting(v: unknown): StreamPoolOptions['streamStaleAfterMs'] {
  if (typeof v === 'number') return num('staleAfterMs', v, 0, { min: TIMING_BOUNDS.staleAfterMs, unit: 'ms' });
  if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'number') num(`staleAfterMs.${k}`, x, 0, { min: TIMING_BOUNDS.staleAfterMs, unit: 'ms' });
  if (v !== undefined && v !== false && typeof v !== 'number' && typeof v !== 'function' && (v === null || typeof v !== 'object'))
    throw invalidOption('staleAfterMs', 'a number >= 1000 ms, false, an object of stream → ms, or a function (info) => ms', v);
  return v as StreamPoolOptions['streamStaleAfterMs'];
}

/** Validate `options` (once) and build every sub-config. `sink` receives delivered market data. */
export function resolveClientOptions(options: unknown, sink: (message: StreamMessage, info: StreamInfo) => void, stages?: StreamPoolOptions['stages']): ResolvedClientConfig {
  const o = optObject('options', options, 'an object of client options') ?? {};
  knownKeys('', o, CLIENT_OPTION_NAMES);
  const marketId = oneOf<MarketId>('market', o.market, ['spot', 'usdm', 'coinm'], 'spot');
  const market = getMarket(marketId);
  const env = oneOf('environment', o.environment, ['live', 'testnet'], 'live');
  const live = market.urls[env];
  const urls = {
    stream: url('baseUrl', o.baseUrl, ['ws:', 'wss:'], live.streamBase),
    rest: url('restBaseUrl', o.restBaseUrl, ['http:', 'https:'], live.restBase),
    // Spot and margin user data live on the spot WebSocket API whatever the client's market.
    wsApi: url('wsApiUrl', o.wsApiUrl, ['ws:', 'wss:'], marketId === 'spot' ? live.wsApi : getMarket('spot').urls[env].wsApi),
  };
  if (o.logger !== undefined && (o.logger === null || typeof o.logger !== 'object')) throw invalidOption('logger', 'an object with debug/info/warn/error methods (console, pino, winston)', o.logger);
  const logger = normalizeLogger(o.logger as Partial<Logger> | undefined);
  const retryPolicy = policy('retryPolicy', o.retryPolicy) ?? new ExponentialBackoff();
  const restRetryPolicy = policy('restRetryPolicy', o.restRetryPolicy) ?? defaultRestRetryPolicy();
  const budget = optImplementation<DialGate>('connectionBudget', o.connectionBudget, ['acquire', 'reportRejection'], 'a ConnectionBudget (acquire/reportRejection)') ?? ConnectionBudget.shared();
  const restWeightBudget = optImplementation<SharedRestWeightBudget>(
    'restWeightBudget',
    o.restWeightBudget,
    ['acquire', 'observe', 'pausedForMs', 'state'],
    'a RestWeightBudget (acquire/observe/pausedForMs/state)',
  );
  const listenKeyLease = optImplementation<ListenKeyLease>('listenKeyLease', o.listenKeyLease, ['hold', 'release'], 'a ListenKeyLease (hold/release)');
  const webSocketFactory = optFunction<WebSocketFactory>('webSocketFactory', o.webSocketFactory, 'a function (url) => WebSocket');
  const fetch = optFunction<FetchLike>('fetch', o.fetch, 'a fetch-compatible function (url, init) => Promise<Response>');
  const apiKey = optString('apiKey', o.apiKey, { secret: true });
  const apiSecret = optString('apiSecret', o.apiSecret, { secret: true });
  const pk = o.privateKey;
  if (pk !== undefined && typeof pk !== 'string' && (typeof pk !== 'object' || pk === null)) throw invalidOption('privateKey', 'a PEM string or a Web Crypto key', pk, { secret: true });
  if (pk === '') throw invalidOption('privateKey', 'a PEM string or a Web Crypto key', pk, { secret: true });
  const tuning = { heartbeat: o.heartbeat, staleDebounceMs: o.staleDebounceMs, connectTimeoutMs: o.connectTimeoutMs } as SocketTuning;
  const socket = resolveSocketTuning(tuning, market);
  const allowUnknownStreams = bool('allowUnknownStreams', o.allowUnknownStreams, false);
  const rest = new MarketRest({ market: marketId, baseUrl: urls.rest, logger, fetch, retryPolicy: restRetryPolicy, budget: restWeightBudget });
  const sbe = resolveEncoding(o, marketId, env, apiKey, webSocketFactory);
  // REST only where its host is known (given, or Binance's own behind Binance's stream host), never a default host behind a custom stream URL.
  const restKnown = o.restBaseUrl !== undefined || o.baseUrl === undefined || isBinanceHost(urls.stream);
  const backfill = bool('backfill', o.backfill, false);
  if (backfill && !restKnown) throw restUnknown('backfill: true', urls.stream);
  const pool = resolvePoolOptions({
    market,
    baseUrl: sbe?.baseUrl ?? urls.stream,
    logger,
    retryPolicy,
    budget,
    sink,
    tuning: sbe?.tuning(socket) ?? socket,
    allowUnknownStreams,
    stages,
    fallbackRest: rest as unknown as StreamPoolOptions['fallbackRest'],
    restFallback: o.restFallback ?? (restKnown ? undefined : false),
    ...(pick(o, ['maxStreamsPerConnection', 'rotateAfterMs', 'rotationWindow', 'groups', 'minStaleAfterMs', 'loopBlockedMs', 'lagThresholdMs']) as Partial<StreamPoolOptions>),
    streamStaleAfterMs: staleSetting(o.staleAfterMs),
    webSocketFactory: sbe?.webSocketFactory ?? webSocketFactory,
  });
  return {
    market,
    urls,
    logger,
    retryPolicy,
    restRetryPolicy,
    budget,
    restWeightBudget,
    listenKeyLease,
    allowUnknownStreams,
    backfill,
    restKnown,
    rest,
    webSocketFactory,
    fetch,
    credentials: { ...(apiKey !== undefined ? { apiKey } : {}), ...(apiSecret !== undefined ? { apiSecret } : {}), ...(pk !== undefined ? { privateKey: pk as string | WebCryptoKey } : {}) },
    socket,
    pool,
  };
}
