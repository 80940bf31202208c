/**
 * Client options, each documented once with its default. Validation lives in
 * ./resolve.ts, which turns these into one `ResolvedClientConfig` at construction.
 */
import type { DialGate, HeartbeatOptions, WebSocketFactory } from '../connection/types';
import type { Logger } from '../core/logger';
import type { Environment, MarketId } from '../core/markets';
import type { RotationWindow } from '../pool/rotation-plan';
import type { RetryPolicy } from '../retry/policy';
import type { WebCryptoKey } from '../core/web-types';

export type { WebCryptoKey };

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
  /** Streams per connection; at most the market's limit (1024 spot, 200 futures). @default the market's limit */
  maxStreamsPerConnection?: number | undefined;
  /**
   * Client-side dead-peer detection (Node): ping after `idlePingMs` of inbound silence,
   * give up on the peer after `pongTimeoutMs`. `false` disables. `idlePingMs` is 0 (off) or at
   * least 1_000; `pongTimeoutMs` at least 1_000.
   * @default spot { idlePingMs: 30_000, pongTimeoutMs: 10_000 }, futures { idlePingMs: 60_000, pongTimeoutMs: 15_000 }
   */
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  /**
   * Reconnect a connection that delivers no data for this long. `false` disables. At least 1_000.
   * @default derived from the streams it carries (e.g. 10 s for depth/ticker, 30 s for klines, 60 s for trades)
   */
  staleAfterMs?: number | false | undefined;
  /** Minimum time between two stale-triggered reconnects of one connection. At least 1_000. @default 30_000 */
  staleDebounceMs?: number | undefined;
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
   * Accept stream names this library does not know (streams newer than it). The charset
   * rule still applies. @default false: a name the market does not serve is ERR_INVALID_STREAM
   */
  allowUnknownStreams?: boolean | undefined;
  /** API key (user data). Never logged. */
  apiKey?: string | undefined;
  /** HMAC secret (user data). Never logged. */
  apiSecret?: string | undefined;
  /** Ed25519 or RSA private key, PKCS#8 PEM or a Web Crypto key (user data). Never logged. */
  privateKey?: string | WebCryptoKey | undefined;
  /** Opens WebSockets; for tests and unusual runtimes. @default isomorphic-ws */
  webSocketFactory?: WebSocketFactory | undefined;
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
  'connectTimeoutMs',
  'rotateAfterMs',
  'rotationWindow',
  'groups',
  'connectionBudget',
  'allowUnknownStreams',
  'apiKey',
  'apiSecret',
  'privateKey',
  'webSocketFactory',
]);
