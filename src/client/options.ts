/**
 * Client options, each documented once with its default. Validation lives in
 * ./resolve.ts, which turns these into one `ResolvedClientConfig` at construction.
 */
import type { DialGate, HeartbeatOptions, WebSocketFactory } from '../connection/types';
import type { Logger } from '../core/logger';
import type { Environment, MarketId } from '../core/markets';
import type { RotationWindow } from '../pool/rotation-plan';
import type { RetryPolicy } from '../retry/policy';
import type { StreamInfo } from '../streams/classify';
import type { WebCryptoKey } from '../core/web-types';
import type { FetchLike } from '../rest/http';
import type { SharedRestWeightBudget } from '../rest/weight-budget';
import type { ListenKeyLease } from '../user-data/futures/listen-key-options';

export type { WebCryptoKey };

/**
 * Options of `new BinanceStreamClient(options)`. Every option is optional; each is validated once in the constructor (`ERR_INVALID_OPTION` naming it) and documented below with its default. Live Binance defaults need no option at all; point `baseUrl`, `restBaseUrl` and `wsApiUrl` elsewhere (or spread `FakeBinance.clientOptions()`) for tests.
 */
export interface BinanceStreamClientOptions {
  /** Which Binance market. @default 'spot' */
  market?: MarketId | undefined;
  /** Production or testnet URLs. Ignored for URLs you override. @default 'live' */
  environment?: Environment | undefined;
  /** Market-data stream base URL (the emulator, a proxy). @default the market's live/testnet URL */
  baseUrl?: string | undefined;
  /** REST base URL (listenKeys, listenTokens). @default the market's live/testnet URL */
  restBaseUrl?: string | undefined;
  /** WebSocket API URL (spot and margin user data). @default the market's live/testnet URL */
  wsApiUrl?: string | undefined;
  /** Where logs go: `console`, pino, winston, `consoleLogger(level)`. @default silent */
  logger?: Partial<Logger> | undefined;
  /** Reconnect policy shared by every socket (policies are stateless). @default new ExponentialBackoff() */
  retryPolicy?: RetryPolicy | undefined;
  /**
   * Retry policy of REST calls (listenKey create/refresh, listenToken). The same rule as
   * sockets applies (a server's Retry-After always wins; permanent errors never retry).
   * @default new ExponentialBackoff({ maxRetries: 3, initialDelayMs: 1_000, maxDelayMs: 30_000, jitter: 0 })
   */
  restRetryPolicy?: RetryPolicy | undefined;
  /** Streams per connection; at most the market's limit (1024 on every market). @default the market's limit */
  maxStreamsPerConnection?: number | undefined;
  /**
   * Client-side dead-peer detection (Node): ping after `idlePingMs` of inbound silence,
   * give up on the peer after `pongTimeoutMs`. `false` disables. `idlePingMs` is 0 (off) or at
   * least 1_000; `pongTimeoutMs` at least 1_000.
   * @default spot { idlePingMs: 30_000, pongTimeoutMs: 10_000 }, futures { idlePingMs: 60_000, pongTimeoutMs: 15_000 }
   */
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  /**
   * Silence thresholds. By default each stream learns its own cadence and is suspected when
   * its silence is improbable for it (README "How liveness works"); this fixes them
   * instead, in ms: one number for every stream, an object by stream name, or a function
   * of the stream (`undefined` keeps the learned one). `false`: never stale by silence
   * (heartbeats only). A `subscribe(…, { staleAfterMs })` call overrides it. At least 1_000.
   * @default learned per stream
   */
  staleAfterMs?: number | false | Readonly<Record<string, number | false>> | ((info: StreamInfo) => number | false | undefined) | undefined;
  /** Learned thresholds never go below this (ms). @default 0 (each kind's own floor: 1 s, or 3 update periods) */
  minStaleAfterMs?: number | undefined;
  /** No longer used: repeated stale reconnects are paced by the connection budget and the retry policy's backoff. Accepted and ignored. @deprecated */
  staleDebounceMs?: number | undefined;
  /**
   * Fill gaps of aggTrade and kline streams from REST before live data resumes (each filled
   * event marked `backfilled: true`; see the README's "Gap-free data"). Per stream:
   * `subscribe(…, { backfill })`. Gaps are tracked and reported (`gap`) either way.
   * @default false
   */
  backfill?: boolean | undefined;
  /**
   * When a connection cannot be restored for `afterMs` or `afterAttempts` failed attempts
   * (upgrades rejected, repeated 1008, DNS failure), serve its streams over REST until it is
   * back (aggTrade, klines, bookTicker, ticker, miniTicker, partial depth; messages marked
   * `source: 'rest'`, `degraded` / `restored` events). `false` disables. Off when `baseUrl` is
   * set without `restBaseUrl` (the REST host is then unknown).
   * @default { afterMs: 30_000, afterAttempts: 5, pollMs: 1_000 }
   */
  restFallback?: { afterMs?: number; afterAttempts?: number; pollMs?: number } | false | undefined;
  /** Emit `loopBlocked` when this process stalled at least this long (ms). At least 100. @default 1_000 */
  loopBlockedMs?: number | undefined;
  /** Emit `lagging` when a consumer falls this far behind the feed (ms); `false` disables. @default 1_000 */
  lagThresholdMs?: number | false | undefined;
  /** Handshake timeout. At least 1_000. @default 10_000 */
  connectTimeoutMs?: number | undefined;
  /**
   * Replace each connection (make-before-break) this long after it opened, ahead of
   * Binance's 24 h cut; staggered per connection (by up to 30 min, at most 10% of this). `false`
   * disables; at least 60_000. @default 23 h
   */
  rotateAfterMs?: number | false | undefined;
  /**
   * Named stream groups with their own connections (see `subscribe(streams, { group })`),
   * e.g. `{ fast: { maxStreamsPerConnection: 1 } }` to isolate a latency-critical stream.
   * @default none: every stream shares the default group
   */
  groups?: Readonly<Record<string, { maxStreamsPerConnection?: number | undefined }>> | undefined;
  /** Only rotate inside this UTC window (e.g. your quiet hours). @default anytime */
  rotationWindow?: RotationWindow | undefined;
  /**
   * Connection-attempt budget (Binance: 300 per 5 min per IP). @default one budget shared
   * by every client in the process
   */
  connectionBudget?: DialGate | undefined;
  /**
   * REST weight budget of the client's REST calls (backfill, fallback, snapshots, listenKeys),
   * e.g. one shared by every process of the IP (`RedisCoordinator.restWeightBudget()` of
   * `binance-stream-client/redis`). @default the REST host's budget shared within the process
   */
  restWeightBudget?: SharedRestWeightBudget | undefined;
  /**
   * Futures user data: a lease on the account's listenKey shared by several processes
   * (`RedisCoordinator.listenKeyLease()`); the last process holding the key deletes it on
   * stop, and none deletes it while another holds it. @default none (see `closeListenKeyOnStop`)
   */
  listenKeyLease?: ListenKeyLease | undefined;
  /**
   * Accept stream names this library does not know (streams newer than it). The charset
   * rule still applies. @default false: a name the market does not serve is ERR_INVALID_STREAM
   */
  allowUnknownStreams?: boolean | undefined;
  /**
   * Market-data encoding. `'sbe'`: Binance's binary SBE streams (`wss://stream-sbe.binance.com:9443`,
   * spot only) for `<symbol>@trade`, `@bestBidAsk`, `@depth` and `@depth20`, decoded into the same
   * events as JSON (`trade`, `bookTicker`, `depth`, `partialDepth`) with µs times kept (`Eus`, `Tus`).
   * Needs `apiKey` of an Ed25519 key (sent as `X-MBX-APIKEY` on the upgrade, never logged) and a
   * runtime whose WebSocket can send headers (Node, Bun, Deno; not browsers). User data stays JSON.
   * @default 'json'
   */
  encoding?: 'json' | 'sbe' | undefined;
  /**
   * With `encoding: 'sbe'`: prices and quantities of the decoded events as exact decimal strings
   * (as the JSON streams send them), or as numbers (the nearest double; faster to compute with,
   * but the event types still say `string`: cast them). `'number'` needs `encoding: 'sbe'`
   * (ERR_INVALID_OPTION otherwise). @default 'string'
   */
  decimals?: 'string' | 'number' | undefined;
  /** API key (user data; the SBE streams' key). Never logged. */
  apiKey?: string | undefined;
  /** HMAC secret (user data). Never logged. */
  apiSecret?: string | undefined;
  /** Ed25519 or RSA private key, PKCS#8 PEM or a Web Crypto key (user data). Never logged. */
  privateKey?: string | WebCryptoKey | undefined;
  /**
   * Opens WebSockets: tests, unusual runtimes, or a proxy (Node: `(url) => new WebSocket(url, { agent })`
   * with an `https-proxy-agent` / `socks-proxy-agent`; README "Proxies"). @default isomorphic-ws
   */
  webSocketFactory?: WebSocketFactory | undefined;
  /**
   * The `fetch` of every REST call (backfill, REST fallback, order-book snapshots, listenKeys,
   * listenTokens): a proxy (undici's `fetch` with a `ProxyAgent` dispatcher), tests.
   * @default globalThis.fetch
   */
  fetch?: FetchLike | undefined;
}

/** Every option name, for the unknown-option check. */
export const CLIENT_OPTION_NAMES: readonly (keyof BinanceStreamClientOptions)[] = Object.freeze([
  'market',
  'environment',
  'baseUrl',
  'restBaseUrl',
  'wsApiUrl',
  'logger',
  'retryPolicy',
  'restRetryPolicy',
  'maxStreamsPerConnection',
  'heartbeat',
  'staleAfterMs',
  'staleDebounceMs',
  'minStaleAfterMs',
  'backfill',
  'restFallback',
  'loopBlockedMs',
  'lagThresholdMs',
  'connectTimeoutMs',
  'rotateAfterMs',
  'rotationWindow',
  'groups',
  'connectionBudget',
  'restWeightBudget',
  'listenKeyLease',
  'allowUnknownStreams',
  'encoding',
  'decimals',
  'apiKey',
  'apiSecret',
  'privateKey',
  'webSocketFactory',
  'fetch',
]);
