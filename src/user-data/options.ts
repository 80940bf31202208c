/**
 * Options of a user-data stream (`createUserDataStream`), each documented once with its
 * default, and their ONE resolution: {@link resolveUserDataOptions} validates everything
 * with core/validate (ERR_INVALID_OPTION naming the option as you write it; secrets are
 * never echoed), applies the defaults, builds the signer and the listenKey sub-config,
 * and returns a frozen, marked object the stream and its parts use as it is.
 */
import type { WebCryptoKey } from '../core/web-types';
import type { ResilientSocketLike, ResilientSocketOptions, DialGate, HeartbeatOptions, ResolvedSocketTuning, WebSocketFactory } from '../connection/types';
import { invalidOption } from '../core/errors';
import type { Logger } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import { MARKETS } from '../core/markets';
import { isResolved, knownKeys, markResolved, num, oneOf, optFunction, optImplementation, optNum, optObject, optString, bool, url } from '../core/validate';
import type { RetryPolicy } from '../retry/policy';
import type { UserDataEmit } from './events';
import type { CloseListenKeyPolicy, ListenKeyLease, ResolvedListenKeyOptions } from './futures/listen-key-options';
import type { SharedRestWeightBudget } from '../rest/weight-budget';
import { resolveListenKeyOptions } from './futures/listen-key-options';
import type { FetchLike } from './rest';
import { defaultRestRetryPolicy } from './rest';
import type { KeyType, Signer } from './signing';
import { createSigner } from './signing';
import type { UserDataProduct } from './types';
import { isListenKeyProduct, USER_DATA_PRODUCTS } from './types';

export type SocketFactory = (options: ResilientSocketOptions) => ResilientSocketLike;

/**
 * Options of {@link createUserDataStream}: which account stream, the credentials, and how its socket, listenKey or subscription and REST calls behave. `client.subscribeUserData()` builds these from the client's options; use them directly to run a user-data stream without a client.
 */
export interface CreateUserDataStreamOptions {
  product: UserDataProduct;
  /** Never logged, never echoed in an error. */
  apiKey: string;
  /** HMAC secret (spot/margin with an HMAC key). Futures listenKeys need only the apiKey. */
  apiSecret?: string | undefined;
  /** Ed25519 / RSA private key: PKCS#8 PEM or CryptoKey. */
  privateKey?: string | WebCryptoKey | undefined;
  /** @default inferred: privateKey → its algorithm; apiSecret → 'hmac' */
  keyType?: KeyType | undefined;
  /** REST base of the product (`https://fapi.binance.com`, `https://api.binance.com`…). Live Binance hosts of another product are corrected (see `productUrls`). */
  restBaseUrl: string;
  /** Stream base (futures): `wss://fstream.binance.com`, `wss://dstream.binance.com`. */
  streamBaseUrl: string;
  /** Spot WebSocket API URL (spot, margin): `wss://ws-api.binance.com:443/ws-api/v3`. */
  wsApiUrl: string;
  /** @default silent */
  logger: Partial<Logger> | undefined;
  /** Reconnects of the user-data socket. */
  retryPolicy: RetryPolicy;
  /**
   * Retries of each REST call (listenKey create/keepalive, listenToken): network errors,
   * timeouts, 5xx, 429/418. Permanent answers are never retried, and a server's
   * `Retry-After` always wins over the policy's delay.
   * @default new ExponentialBackoff({ maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 }) (1 s, 2 s, 4 s)
   */
  restRetryPolicy?: RetryPolicy | undefined;
  /** @default an always-open gate */
  dialGate?: DialGate | undefined;
  /** USD-M: the `/private` route's `events=` allow-list (`listenKeyExpired` is always added). @default every event */
  events?: readonly string[] | undefined;
  /** Futures: see {@link ListenKeyManagerOptions.closeListenKeyOnStop}. @default 'never' (an unused key expires after 60 min; a DELETE would end every process's stream of the account) */
  closeListenKeyOnStop?: CloseListenKeyPolicy | undefined;
  /** Futures: listenKey keepalive period (at most 60 min). @default 1_800_000 (30 min) */
  refreshIntervalMs?: number | undefined;
  /** Futures: see {@link ListenKeyManagerOptions.listenKeyLease} (the last process holding the key deletes it). @default none */
  listenKeyLease?: ListenKeyLease | undefined;
  /** Futures: the REST weight budget of the listenKey calls. @default the host's process-wide budget */
  restWeightBudget?: SharedRestWeightBudget | undefined;
  /** Margin: isolated-margin symbol (cross margin when omitted). */
  symbol?: string | undefined;
  /** Spot with an Ed25519 key: use `session.logon` + `userDataStream.subscribe`. @default true */
  useSessionLogon?: boolean | undefined;
  /** SIGNED WS-API / REST requests' recvWindow (ms, ≤ 60000). @default Binance's 5000 */
  recvWindow?: number | undefined;
  /** Spot/margin: `session.subscriptions` probe period; 0 disables. @default 300_000 */
  statusProbeIntervalMs?: number | undefined;
  /** Margin: listenToken validity asked for (≤ 24 h). @default Binance's 86_400_000 */
  listenTokenValidityMs?: number | undefined;
  /** Margin: renew when this fraction of the token's validity has passed. @default 0.8 */
  listenTokenRenewFraction?: number | undefined;
  /** REST and WS-API request timeout. @default 10_000 */
  requestTimeoutMs?: number | undefined;
  /**
   * Socket tuning resolved already (the client's `resolveSocketTuning`): used as it is,
   * with `staleAfterMs: false` (an account stream is silent for hours by nature). When
   * given, `heartbeat` and `connectTimeoutMs` are ignored.
   */
  tuning?: ResolvedSocketTuning | undefined;
  /** @default the market's heartbeat */
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  /** @default 10_000 */
  connectTimeoutMs?: number | undefined;
  /** @default isomorphic-ws */
  webSocketFactory?: WebSocketFactory | undefined;
  /** Builds the socket (tests, custom transports). @default `new ResilientSocket(options)` */
  socketFactory?: SocketFactory | undefined;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
  /** Where every event goes (the client's typed emit). */
  emit: UserDataEmit;
}

/** {@link CreateUserDataStreamOptions} validated, with every default applied (frozen, marked resolved). */
export interface ResolvedUserDataOptions {
  readonly product: UserDataProduct;
  readonly apiKey: string;
  /** Spot and margin: signs WS-API and REST requests. Undefined for futures. */
  readonly signer: Signer | undefined;
  /** Futures: the listenKey manager's resolved options. Undefined for spot and margin. */
  readonly listenKey: ResolvedListenKeyOptions | undefined;
  /** Corrected for the product (see `productUrls`), without a trailing slash. */
  readonly restBaseUrl: string;
  readonly streamBaseUrl: string;
  readonly wsApiUrl: string;
  readonly logger: Logger;
  readonly retryPolicy: RetryPolicy;
  readonly restRetryPolicy: RetryPolicy;
  readonly dialGate: DialGate | undefined;
  readonly events: readonly string[] | undefined;
  readonly symbol: string | undefined;
  readonly useSessionLogon: boolean;
  readonly recvWindow: number | undefined;
  readonly statusProbeIntervalMs: number;
  readonly listenTokenValidityMs: number | undefined;
  readonly listenTokenRenewFraction: number;
  readonly requestTimeoutMs: number;
  readonly tuning: ResolvedSocketTuning | undefined;
  readonly heartbeat: Partial<HeartbeatOptions> | false | undefined;
  readonly connectTimeoutMs: number | undefined;
  readonly webSocketFactory: WebSocketFactory | undefined;
  readonly socketFactory: SocketFactory | undefined;
  readonly fetch: FetchLike | undefined;
  /** The stream's clock, in epoch ms. */
  readonly now: () => number;
  readonly emit: UserDataEmit;
}

/** Spot and margin options carry a signer (the resolver built it). */
export function hasSigner(o: ResolvedUserDataOptions): o is ResolvedUserDataOptions & { readonly signer: Signer } {
  return o.signer !== undefined;
}

const LIVE_HOSTS: Readonly<Record<string, string>> = {
  'https://fapi.binance.com': 'usdm',
  'https://dapi.binance.com': 'coinm',
  'https://papi.binance.com': 'portfolio',
  'https://api.binance.com': 'spot',
};

/**
 * Correct live Binance REST hosts that belong to another product (a USD-M client asking
 * for portfolio-margin or margin user data): portfolio → `papi.binance.com`, margin/spot
 * → `api.binance.com` and the spot WS API. Any other URL (testnet, emulator, proxy) is
 * used as given.
 */
export function productUrls(product: UserDataProduct, restBaseUrl: string, wsApiUrl: string): { restBaseUrl: string; wsApiUrl: string } {
  const rest = restBaseUrl.replace(/\/+$/, '');
  if (LIVE_HOSTS[rest] === undefined) return { restBaseUrl: rest, wsApiUrl };
  if (product === 'portfolio') return { restBaseUrl: 'https://papi.binance.com', wsApiUrl };
  if (product === 'spot' || product === 'margin') return { restBaseUrl: MARKETS.spot.urls.live.restBase, wsApiUrl: /ws-[fd]api\./.test(wsApiUrl) ? MARKETS.spot.urls.live.wsApi : wsApiUrl };
  return { restBaseUrl: rest, wsApiUrl };
}

const KNOWN: readonly (keyof CreateUserDataStreamOptions)[] = [
  'product', 'apiKey', 'apiSecret', 'privateKey', 'keyType', 'restBaseUrl', 'streamBaseUrl', 'wsApiUrl', 'logger', 'retryPolicy', 'restRetryPolicy', 'dialGate',
  'events', 'closeListenKeyOnStop', 'refreshIntervalMs', 'listenKeyLease', 'restWeightBudget', 'symbol', 'useSessionLogon', 'recvWindow', 'statusProbeIntervalMs', 'listenTokenValidityMs',
  'listenTokenRenewFraction', 'requestTimeoutMs', 'tuning', 'heartbeat', 'connectTimeoutMs', 'webSocketFactory', 'socketFactory', 'fetch', 'now', 'emit',
]; // prettier-ignore
const POLICY_METHODS = ['shouldRetry', 'delayMs'];

function events(product: UserDataProduct, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const expected = 'an array of event names like "ORDER_TRADE_UPDATE"';
  if (!Array.isArray(value) || value.some((e) => typeof e !== 'string' || !/^[A-Za-z_]+$/.test(e))) throw invalidOption('events', expected, value);
  if (product !== 'usdm') throw invalidOption('events', `no events list: only USD-M's /private route filters events (product is "${product}")`, value);
  return Object.freeze([...(value as string[])]);
}

function heartbeat(value: unknown): Partial<HeartbeatOptions> | false | undefined {
  if (value === undefined || value === false) return value;
  const o = optObject('heartbeat', value, 'false or { idlePingMs, pongTimeoutMs }') as Partial<HeartbeatOptions>;
  knownKeys('heartbeat', o, ['idlePingMs', 'pongTimeoutMs']);
  const idlePingMs = optNum('heartbeat.idlePingMs', o.idlePingMs, { min: 0, unit: 'ms' });
  const pongTimeoutMs = optNum('heartbeat.pongTimeoutMs', o.pongTimeoutMs, { min: 1, unit: 'ms' });
  return Object.freeze({ ...(idlePingMs !== undefined ? { idlePingMs } : {}), ...(pongTimeoutMs !== undefined ? { pongTimeoutMs } : {}) });
}

/** Validate once and apply the defaults. An object this returned is given back as it is. */
export function resolveUserDataOptions(o: CreateUserDataStreamOptions | ResolvedUserDataOptions): ResolvedUserDataOptions {
  if (isResolved(o)) return o as ResolvedUserDataOptions;
  const given = optObject('createUserDataStream options', o);
  if (given === undefined) throw invalidOption('createUserDataStream options', 'an object', o);
  const c = o as CreateUserDataStreamOptions;
  knownKeys('', given, KNOWN);
  if (c.product === undefined) throw invalidOption('product', `one of ${USER_DATA_PRODUCTS.map((p) => JSON.stringify(p)).join(', ')}`, c.product);
  const product = oneOf('product', c.product, USER_DATA_PRODUCTS, c.product);
  const apiKey = optString('apiKey', c.apiKey, { secret: true });
  if (apiKey === undefined) throw invalidOption('apiKey', 'a non-empty string', c.apiKey, { secret: true });
  const emit = optFunction<UserDataEmit>('emit', c.emit);
  if (emit === undefined) throw invalidOption('emit', 'a function', c.emit);
  const retryPolicy = optImplementation<RetryPolicy>('retryPolicy', c.retryPolicy, POLICY_METHODS, 'a RetryPolicy');
  if (retryPolicy === undefined) throw invalidOption('retryPolicy', 'a RetryPolicy', c.retryPolicy);
  const restRetryPolicy = optImplementation<RetryPolicy>('restRetryPolicy', c.restRetryPolicy, POLICY_METHODS, 'a RetryPolicy') ?? defaultRestRetryPolicy();
  for (const k of ['restBaseUrl', 'streamBaseUrl', 'wsApiUrl'] as const) if (c[k] === undefined) throw invalidOption(k, 'a URL', undefined);
  const urls = productUrls(product, url('restBaseUrl', c.restBaseUrl, ['http:', 'https:'], ''), url('wsApiUrl', c.wsApiUrl, ['ws:', 'wss:'], ''));
  const logger = normalizeLogger(optObject('logger', c.logger, 'a logger object') as Partial<Logger> | undefined);
  const fetch = optFunction<FetchLike>('fetch', c.fetch);
  const now = optFunction<() => number>('now', c.now) ?? Date.now;
  const requestTimeoutMs = num('requestTimeoutMs', c.requestTimeoutMs, 10_000, { min: 1, unit: 'ms' });
  const fraction = num('listenTokenRenewFraction', c.listenTokenRenewFraction, 0.8);
  if (!(fraction > 0 && fraction < 1)) throw invalidOption('listenTokenRenewFraction', 'a number between 0 and 1 (exclusive)', fraction);
  const symbol = optString('symbol', c.symbol, { expected: 'a symbol like "BTCUSDT"' });
  if (symbol !== undefined && !/^[A-Za-z0-9]+$/.test(symbol)) throw invalidOption('symbol', 'a symbol like "BTCUSDT"', symbol);
  if (c.tuning !== undefined && !isResolved(c.tuning)) throw invalidOption('tuning', 'socket tuning from resolveSocketTuning()', c.tuning);
  const wantsSigner = product === 'spot' || product === 'margin';
  const listenKey = isListenKeyProduct(product)
    ? resolveListenKeyOptions({
        product,
        apiKey,
        restBaseUrl: urls.restBaseUrl,
        refreshIntervalMs: c.refreshIntervalMs,
        closeListenKeyOnStop: c.closeListenKeyOnStop,
        listenKeyLease: c.listenKeyLease,
        restWeightBudget: c.restWeightBudget,
        requestTimeoutMs,
        restRetryPolicy,
        logger,
        fetch,
        now,
      })
    : undefined;
  return markResolved<ResolvedUserDataOptions>({
    product,
    apiKey,
    signer: wantsSigner ? createSigner({ keyType: c.keyType, apiSecret: c.apiSecret, privateKey: c.privateKey }) : undefined,
    listenKey,
    restBaseUrl: urls.restBaseUrl,
    streamBaseUrl: url('streamBaseUrl', c.streamBaseUrl, ['ws:', 'wss:'], ''),
    wsApiUrl: urls.wsApiUrl,
    logger,
    retryPolicy,
    restRetryPolicy,
    dialGate: optImplementation<DialGate>('dialGate', c.dialGate, ['acquire', 'reportRejection'], 'a DialGate (acquire, reportRejection)'),
    events: events(product, c.events),
    symbol,
    useSessionLogon: bool('useSessionLogon', c.useSessionLogon, true),
    recvWindow: optNum('recvWindow', c.recvWindow, { min: 1, max: 60_000, unit: 'ms' }),
    statusProbeIntervalMs: num('statusProbeIntervalMs', c.statusProbeIntervalMs, 300_000, { min: 0, unit: 'ms' }),
    listenTokenValidityMs: optNum('listenTokenValidityMs', c.listenTokenValidityMs, { min: 1, max: 86_400_000, unit: 'ms' }),
    listenTokenRenewFraction: fraction,
    requestTimeoutMs,
    tuning: c.tuning,
    heartbeat: heartbeat(c.heartbeat),
    connectTimeoutMs: optNum('connectTimeoutMs', c.connectTimeoutMs, { min: 1, unit: 'ms' }),
    webSocketFactory: optFunction<WebSocketFactory>('webSocketFactory', c.webSocketFactory),
    socketFactory: optFunction<SocketFactory>('socketFactory', c.socketFactory),
    fetch,
    now,
    emit,
  });
}
