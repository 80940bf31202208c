/**
 * Client options, each documented once with its default, and their validation.
 * Bad input throws at construction, naming the option and the value.
 */
import type { DialGate, HeartbeatOptions, WebSocketFactory } from './connection/types';
import { BinanceStreamError } from './core/errors';
import type { Logger } from './core/logger';
import { isMarketId, type Environment, type MarketId } from './core/markets';
import { GROUP_NAME_RULE, isGroupName } from './pool/group-name';
import type { RotationWindow } from './pool/rotation';
import { RetryPolicy } from './retry/policy';


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
  /** Streams per connection; at most the market's limit (1024 spot, 200 futures). @default the market's limit */
  maxStreamsPerConnection?: number | undefined;
  /**
   * Client-side dead-peer detection (Node): ping after `idlePingMs` of inbound silence,
   * give up on the peer after `pongTimeoutMs`. `false` disables.
   * @default spot { idlePingMs: 30_000, pongTimeoutMs: 10_000 }, futures { idlePingMs: 60_000, pongTimeoutMs: 15_000 }
   */
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  /**
   * Reconnect a connection that delivers no data for this long. `false` disables.
   * @default derived from the streams it carries (e.g. 10 s for depth/ticker, 30 s for klines, 60 s for trades)
   */
  staleAfterMs?: number | false | undefined;
  /** Minimum time between two stale-triggered reconnects of one connection. @default 30_000 */
  staleDebounceMs?: number | undefined;
  /** Handshake timeout. @default 10_000 */
  connectTimeoutMs?: number | undefined;
  /**
   * Replace each connection (make-before-break) this long after it opened, ahead of
   * Binance's 24 h cut; staggered per connection. `false` disables. @default 23 h
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
  /** API key (user data). Never logged. */
  apiKey?: string | undefined;
  /** HMAC secret (user data). Never logged. */
  apiSecret?: string | undefined;
  /** Ed25519 or RSA private key, PKCS#8 PEM or a CryptoKey (user data). Never logged. */
  privateKey?: string | CryptoKey | undefined;
  /** Opens WebSockets; for tests and unusual runtimes. @default isomorphic-ws */
  webSocketFactory?: WebSocketFactory | undefined;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof BinanceStreamClientOptions>([
  'market',
  'environment',
  'baseUrl',
  'restBaseUrl',
  'wsApiUrl',
  'logger',
  'retryPolicy',
  'maxStreamsPerConnection',
  'heartbeat',
  'staleAfterMs',
  'staleDebounceMs',
  'connectTimeoutMs',
  'rotateAfterMs',
  'rotationWindow',
  'groups',
  'connectionBudget',
  'apiKey',
  'apiSecret',
  'privateKey',
  'webSocketFactory',
]);

function invalid(option: string, message: string): BinanceStreamError {
  return new BinanceStreamError('ERR_INVALID_OPTION', `option ${option}: ${message}`, { permanent: true });
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  return typeof v;
}

/** A finite number ≥ min (and ≤ max), or undefined. */
export function checkNumber(option: string, v: unknown, min: number, max = Number.POSITIVE_INFINITY): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw invalid(option, `expected a number from ${min}${Number.isFinite(max) ? ` to ${max}` : ''}, got ${show(v)}`);
  }
}

function checkUrl(option: string, v: unknown, protocols: readonly string[]): void {
  if (v === undefined) return;
  if (typeof v !== 'string') throw invalid(option, `expected a URL string, got ${show(v)}`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalid(option, `${show(v)} is not a valid URL`);
  }
  if (!protocols.includes(u.protocol)) throw invalid(option, `${show(v)} must use ${protocols.join(' or ')}`);
}

/** Validate user options; throws BinanceStreamError('ERR_INVALID_OPTION') naming the option. */
export function validateClientOptions(options: unknown): BinanceStreamClientOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('options', `expected an object, got ${Array.isArray(options) ? 'an array' : show(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) throw invalid(key, `unknown option (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  if (o.market !== undefined && !isMarketId(o.market)) throw invalid('market', `expected "spot", "usdm" or "coinm", got ${show(o.market)}`);
  if (o.environment !== undefined && o.environment !== 'live' && o.environment !== 'testnet') {
    throw invalid('environment', `expected "live" or "testnet", got ${show(o.environment)}`);
  }
  checkUrl('baseUrl', o.baseUrl, ['ws:', 'wss:']);
  checkUrl('wsApiUrl', o.wsApiUrl, ['ws:', 'wss:']);
  checkUrl('restBaseUrl', o.restBaseUrl, ['http:', 'https:']);
  if (o.retryPolicy !== undefined && !(o.retryPolicy instanceof RetryPolicy)) {
    const p = o.retryPolicy as { delayMs?: unknown; shouldRetry?: unknown } | null;
    if (!p || typeof p.delayMs !== 'function' || typeof p.shouldRetry !== 'function') {
      throw invalid('retryPolicy', 'expected a RetryPolicy (e.g. new ExponentialBackoff()) or an object with shouldRetry(ctx) and delayMs(ctx)');
    }
  }
  if (o.logger !== undefined && (o.logger === null || typeof o.logger !== 'object')) {
    throw invalid('logger', `expected an object with debug/info/warn/error methods, got ${show(o.logger)}`);
  }
  checkNumber('maxStreamsPerConnection', o.maxStreamsPerConnection, 1);
  if (o.maxStreamsPerConnection !== undefined && !Number.isInteger(o.maxStreamsPerConnection)) {
    throw invalid('maxStreamsPerConnection', `expected an integer, got ${show(o.maxStreamsPerConnection)}`);
  }
  if (o.heartbeat !== undefined && o.heartbeat !== false) {
    if (typeof o.heartbeat !== 'object' || o.heartbeat === null) throw invalid('heartbeat', `expected false or { idlePingMs, pongTimeoutMs }, got ${show(o.heartbeat)}`);
    const h = o.heartbeat as Record<string, unknown>;
    checkNumber('heartbeat.idlePingMs', h.idlePingMs, 0);
    checkNumber('heartbeat.pongTimeoutMs', h.pongTimeoutMs, 1);
  }
  if (o.staleAfterMs !== false) checkNumber('staleAfterMs', o.staleAfterMs, 1);
  checkNumber('staleDebounceMs', o.staleDebounceMs, 0);
  checkNumber('connectTimeoutMs', o.connectTimeoutMs, 1);
  if (o.rotateAfterMs !== false) checkNumber('rotateAfterMs', o.rotateAfterMs, 1);
  if (o.rotationWindow !== undefined) {
    const w = o.rotationWindow as Record<string, unknown> | null;
    if (!w || typeof w !== 'object') throw invalid('rotationWindow', `expected { startHourUtc, endHourUtc }, got ${show(w)}`);
    checkNumber('rotationWindow.startHourUtc', w.startHourUtc, 0, 23);
    checkNumber('rotationWindow.endHourUtc', w.endHourUtc, 0, 24);
    if (w.startHourUtc === undefined || w.endHourUtc === undefined) throw invalid('rotationWindow', 'needs both startHourUtc and endHourUtc');
  }
  if (o.groups !== undefined) {
    if (o.groups === null || typeof o.groups !== 'object' || Array.isArray(o.groups)) throw invalid('groups', `expected an object of group settings, got ${show(o.groups)}`);
    for (const [name, g] of Object.entries(o.groups as Record<string, unknown>)) {
      if (!isGroupName(name)) throw invalid('groups', `invalid group name ${JSON.stringify(name)} (${GROUP_NAME_RULE})`);
      if (g === null || typeof g !== 'object') throw invalid(`groups.${name}`, `expected { maxStreamsPerConnection }, got ${show(g)}`);
      const m = (g as Record<string, unknown>).maxStreamsPerConnection;
      checkNumber(`groups.${name}.maxStreamsPerConnection`, m, 1);
      if (m !== undefined && !Number.isInteger(m)) throw invalid(`groups.${name}.maxStreamsPerConnection`, `expected an integer, got ${show(m)}`);
    }
  }
  if (o.connectionBudget !== undefined) {
    const b = o.connectionBudget as { acquire?: unknown; reportRejection?: unknown } | null;
    if (!b || typeof b.acquire !== 'function' || typeof b.reportRejection !== 'function') {
      throw invalid('connectionBudget', 'expected a ConnectionBudget (acquire/reportRejection)');
    }
  }
  for (const k of ['apiKey', 'apiSecret'] as const) {
    // Never echo a secret's value in an error message.
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw invalid(k, 'expected a non-empty string');
  }
  if (o.privateKey !== undefined && typeof o.privateKey !== 'string' && (typeof o.privateKey !== 'object' || o.privateKey === null)) {
    throw invalid('privateKey', 'expected a PEM string or a CryptoKey');
  }
  if (o.webSocketFactory !== undefined && typeof o.webSocketFactory !== 'function') {
    throw invalid('webSocketFactory', `expected a function, got ${show(o.webSocketFactory)}`);
  }
  return o as BinanceStreamClientOptions;
}
