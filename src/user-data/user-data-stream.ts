/**
 * The user-data facade the client calls (`client.subscribeUserData()`): one typed state
 * machine per product over a driver —
 *
 * - `usdm` / `coinm` / `portfolio`: listenKey ({@link ListenKeyManager}) + stream socket;
 * - `spot`: WebSocket API (`userDataStream.subscribe.signature`, or `session.logon` +
 *   `userDataStream.subscribe` with an Ed25519 key);
 * - `margin`: listenToken + WebSocket API `userDataStream.subscribe.listenToken`.
 *
 * Events it emits through `emit`: the typed user-data events (`executionReport`,
 * `orderUpdate`…) and `userData`; `listenKey` (masked); `userDataState`
 * (subscribing → live → reconnecting → live … → stopped | failed); `userDataGap` after
 * ANY interruption (reconnect, key expiry, terminated subscription) with the window in
 * which events may have been missed — reconcile orders and balances over REST then;
 * and the socket's own `stateChange`, `open`, `close`, `reconnecting`, `reconnected`,
 * `gaveUp`, `error`, `serverShutdown` (socket ids `user-<product>`).
 *
 * Secrets: the API key, secret and private key never reach a log line, an event or an
 * error message; listenKeys and listenTokens are masked.
 */
import type { DialGate, HeartbeatOptions, SocketStats, WebSocketFactory } from '../connection/types';
import { BinanceStreamError, describeError, toStreamError } from '../core/errors';
import type { SocketEvents } from '../connection/events';
import type { UserDataClientEvents, UserDataStateEvent } from './events';

/** Everything a user-data stream emits through its owner: its own events and its socket's. */
export type UserDataStreamEvents = UserDataClientEvents & SocketEvents;
import type { Logger } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import { MARKETS } from '../core/markets';
import type { RetryPolicy } from '../retry/policy';
import { FuturesUserStream } from './futures-user-stream';
import type { CloseListenKeyPolicy } from './listen-key-manager';
import { ListenKeyManager } from './listen-key-manager';
import type { FetchLike } from './rest';
import type { KeyType } from './signing';
import { createSigner } from './signing';
import type { UserDataMessage } from './types';
import { USER_DATA_EVENT_NAMES } from './types';
import type { UserStreamContext, UserStreamDriver } from './user-stream-context';
import { WsApiUserStream } from './ws-api-user-stream';

export type UserDataProduct = 'spot' | 'margin' | 'usdm' | 'coinm' | 'portfolio';

export type UserDataState = UserDataStateEvent['state'] | 'idle';

export interface UserDataStats {
  product: UserDataProduct;
  state: UserDataState;
  /** When the stream last became live (undefined while not live). */
  liveSince: number | undefined;
  /** User-data events delivered. */
  events: number;
  lastEventAt: number | undefined;
  /** `userDataGap` events emitted. */
  gaps: number;
  /** Masked listenKey (futures), subscription id / flow / token expiry (spot, margin). */
  details: Record<string, unknown>;
  socket: SocketStats;
}

export interface UserDataController {
  /** Connect and subscribe. Resolves once live; rejects on a permanent failure (bad key, retired endpoint) or `stop()`. Idempotent. */
  start(): Promise<void>;
  /** Drop the connection and dial again now (single-flight; futures re-check the listenKey). */
  reconnect(reason: string): void;
  /** Close the socket, clear every timer, close the listenKey if this process owns it. Idempotent. */
  stop(): Promise<void>;
  stats(): UserDataStats;
}

type Emit = <K extends keyof UserDataStreamEvents>(event: K, ...args: Parameters<UserDataStreamEvents[K]>) => void;

export interface CreateUserDataStreamOptions {
  product: UserDataProduct;
  apiKey: string;
  /** HMAC secret (spot/margin with an HMAC key). Futures listenKeys need only the apiKey. */
  apiSecret?: string | undefined;
  /** Ed25519 / RSA private key: PKCS#8 PEM or CryptoKey. */
  privateKey?: string | CryptoKey | undefined;
  /** @default inferred: privateKey → its algorithm; apiSecret → 'hmac' */
  keyType?: KeyType | undefined;
  /** REST base of the product (`https://fapi.binance.com`, `https://api.binance.com`…). Live Binance hosts of another product are corrected (see {@link productUrls}). */
  restBaseUrl: string;
  /** Stream base (futures): `wss://fstream.binance.com`, `wss://dstream.binance.com`. */
  streamBaseUrl: string;
  /** Spot WebSocket API URL (spot, margin): `wss://ws-api.binance.com:443/ws-api/v3`. */
  wsApiUrl: string;
  logger: Logger;
  retryPolicy: RetryPolicy;
  dialGate?: DialGate | undefined;
  /** USD-M: the `/private` route's `events=` allow-list (`listenKeyExpired` is always added). @default every event */
  events?: readonly string[] | undefined;
  /** Futures: see {@link ListenKeyManagerOptions.closeListenKeyOnStop}. @default 'owned' */
  closeListenKeyOnStop?: CloseListenKeyPolicy | undefined;
  /** Futures: listenKey keepalive period. @default 1_800_000 (30 min) */
  refreshIntervalMs?: number | undefined;
  /** Margin: isolated-margin symbol (cross margin when omitted). */
  symbol?: string | undefined;
  /** Spot with an Ed25519 key: use `session.logon` + `userDataStream.subscribe`. @default true */
  useSessionLogon?: boolean | undefined;
  /** SIGNED WS-API / REST requests' recvWindow (ms, ≤ 60000). @default Binance's 5000 */
  recvWindow?: number | undefined;
  /** Spot/margin: `session.subscriptions` probe period; 0 disables. @default 300_000 */
  statusProbeIntervalMs?: number | undefined;
  /** Margin: listenToken validity. @default 86_400_000 */
  listenTokenValidityMs?: number | undefined;
  /** Margin: renew when this fraction of the token's validity has passed. @default 0.8 */
  listenTokenRenewFraction?: number | undefined;
  /** REST and WS-API request timeout. @default 10_000 */
  requestTimeoutMs?: number | undefined;
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  connectTimeoutMs?: number | undefined;
  webSocketFactory?: WebSocketFactory | undefined;
  fetch?: FetchLike | undefined;
  now?: (() => number) | undefined;
  emit: Emit;
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
  const known = LIVE_HOSTS[rest];
  if (known === undefined) return { restBaseUrl: rest, wsApiUrl };
  if (product === 'portfolio') return { restBaseUrl: 'https://papi.binance.com', wsApiUrl };
  if (product === 'spot' || product === 'margin') return { restBaseUrl: MARKETS.spot.urls.live.restBase, wsApiUrl: /ws-[fd]api\./.test(wsApiUrl) ? MARKETS.spot.urls.live.wsApi : wsApiUrl };
  return { restBaseUrl: rest, wsApiUrl };
}

function invalid(msg: string): BinanceStreamError {
  return new BinanceStreamError('ERR_INVALID_OPTION', msg, { permanent: true });
}

function validate(o: CreateUserDataStreamOptions): void {
  if (!o || typeof o !== 'object') throw new TypeError('createUserDataStream: expected an options object');
  if (!['spot', 'margin', 'usdm', 'coinm', 'portfolio'].includes(o.product)) {
    throw invalid(`user data option product: expected "spot", "margin", "usdm", "coinm" or "portfolio", got ${JSON.stringify(o.product)}`);
  }
  if (typeof o.apiKey !== 'string' || !o.apiKey) throw new BinanceStreamError('ERR_AUTH', 'user data needs an apiKey', { permanent: true });
  if (typeof o.emit !== 'function') throw new TypeError('createUserDataStream option emit: expected a function');
  if (o.events !== undefined && (!Array.isArray(o.events) || o.events.some((e) => typeof e !== 'string' || !/^[A-Za-z_]+$/.test(e)))) {
    throw invalid('user data option events: expected an array of event names like "ORDER_TRADE_UPDATE"');
  }
  if (o.events !== undefined && o.product !== 'usdm') throw invalid(`user data option events: only USD-M's /private route filters events (product is "${o.product}")`);
  if (o.recvWindow !== undefined && (typeof o.recvWindow !== 'number' || !(o.recvWindow > 0) || o.recvWindow > 60_000)) {
    throw invalid(`user data option recvWindow: expected a number in (0, 60000], got ${String(o.recvWindow)}`);
  }
  const f = o.listenTokenRenewFraction;
  if (f !== undefined && (typeof f !== 'number' || !(f > 0 && f < 1))) throw invalid(`user data option listenTokenRenewFraction: expected a number between 0 and 1, got ${String(f)}`);
  if (o.symbol !== undefined && (typeof o.symbol !== 'string' || !/^[A-Za-z0-9]+$/.test(o.symbol))) throw invalid(`user data option symbol: expected a symbol like "BTCUSDT", got ${JSON.stringify(o.symbol)}`);
  for (const k of ['statusProbeIntervalMs', 'listenTokenValidityMs', 'requestTimeoutMs', 'connectTimeoutMs'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw invalid(`user data option ${k}: expected a finite number >= 0, got ${String(v)}`);
  }
}

/** Build the controller (no I/O until `start()`). Throws ERR_INVALID_OPTION / ERR_AUTH for bad options. */
export function createUserDataStream(opts: CreateUserDataStreamOptions): UserDataController {
  validate(opts);
  return new UserDataStream(opts);
}

class UserDataStream implements UserDataController, UserStreamContext {
  readonly source: UserDataProduct;
  readonly logger: Logger;
  readonly now: () => number;
  private readonly emitFn: Emit;
  private readonly driver: UserStreamDriver;
  private state: UserDataState = 'idle';
  private liveSince: number | undefined;
  private lastProofAt = 0;
  private interruptedAt: number | undefined;
  private interruptReason = '';
  private events = 0;
  private lastEventAt: number | undefined;
  private gaps = 0;
  private started: Promise<void> | undefined;
  private settleStart: { resolve: () => void; reject: (e: BinanceStreamError) => void } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(o: CreateUserDataStreamOptions) {
    this.source = o.product;
    this.logger = normalizeLogger(o.logger);
    this.now = o.now ?? Date.now;
    this.emitFn = o.emit;
    const urls = productUrls(o.product, o.restBaseUrl, o.wsApiUrl);
    if (o.product === 'spot' || o.product === 'margin') {
      const signer = createSigner({ keyType: o.keyType, apiSecret: o.apiSecret, privateKey: o.privateKey });
      this.driver = new WsApiUserStream({
        source: o.product,
        apiKey: o.apiKey,
        signer,
        wsApiUrl: urls.wsApiUrl,
        restBaseUrl: urls.restBaseUrl,
        ctx: this,
        retryPolicy: o.retryPolicy,
        symbol: o.symbol,
        useSessionLogon: o.useSessionLogon,
        recvWindow: o.recvWindow,
        requestTimeoutMs: o.requestTimeoutMs,
        statusProbeIntervalMs: o.statusProbeIntervalMs,
        listenTokenValidityMs: o.listenTokenValidityMs,
        listenTokenRenewFraction: o.listenTokenRenewFraction,
        dialGate: o.dialGate,
        webSocketFactory: o.webSocketFactory,
        heartbeat: o.heartbeat,
        connectTimeoutMs: o.connectTimeoutMs,
        fetch: o.fetch,
      });
    } else {
      const manager = new ListenKeyManager({
        product: o.product,
        apiKey: o.apiKey,
        restBaseUrl: urls.restBaseUrl,
        refreshIntervalMs: o.refreshIntervalMs,
        closeListenKeyOnStop: o.closeListenKeyOnStop,
        requestTimeoutMs: o.requestTimeoutMs,
        logger: this.logger,
        fetch: o.fetch,
        now: this.now,
      });
      manager.on('listenKey', (e) => this.safeEmit('listenKey', e));
      this.driver = new FuturesUserStream({
        product: o.product,
        manager,
        streamBaseUrl: o.streamBaseUrl,
        events: o.events,
        ctx: this,
        retryPolicy: o.retryPolicy,
        dialGate: o.dialGate,
        webSocketFactory: o.webSocketFactory,
        heartbeat: o.heartbeat,
        connectTimeoutMs: o.connectTimeoutMs,
      });
    }
    this.wireSocket();
  }

  // ---------- controller ----------

  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new BinanceStreamError('ERR_ABORTED', `user data (${this.source}) is stopped`, { permanent: true }));
    this.started ??= new Promise<void>((resolve, reject) => {
      this.settleStart = { resolve, reject };
      this.setState('subscribing');
      this.driver.socket.start();
    });
    return this.started;
  }

  reconnect(reason: string): void {
    if (this.stopping || !this.started) return;
    this.driver.socket.reconnect(reason || 'reconnect requested');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.failStart(new BinanceStreamError('ERR_ABORTED', `user data (${this.source}) stopped before it was live`, { permanent: true }));
      try {
        await this.driver.stop();
      } catch (err) {
        this.logger.warn({ source: this.source, error: describeError(err) }, 'error while stopping user data');
      }
      this.liveSince = undefined;
      this.setState('stopped');
    })();
    return this.stopping;
  }

  stats(): UserDataStats {
    return {
      product: this.source,
      state: this.state,
      liveSince: this.liveSince,
      events: this.events,
      lastEventAt: this.lastEventAt,
      gaps: this.gaps,
      details: this.driver.details(),
      socket: this.driver.socket.stats(),
    };
  }

  // ---------- UserStreamContext ----------

  deliver(data: { e: string; E: number | string; [k: string]: unknown }, receivedAt: number): void {
    this.events++;
    this.lastEventAt = receivedAt;
    this.lastProofAt = receivedAt;
    const message: UserDataMessage = { source: this.source, data, receivedAt };
    const name = USER_DATA_EVENT_NAMES[data.e];
    if (name !== undefined) this.safeEmit(name, data as never, message);
    this.safeEmit('userData', message);
  }

  markInterrupted(since: number, reason: string): void {
    this.recordInterruption(since, reason);
    if (this.state === 'live') {
      this.liveSince = undefined;
      this.setState('subscribing');
    }
  }

  private recordInterruption(since: number, reason: string): void {
    if (this.interruptedAt === undefined || since < this.interruptedAt) this.interruptedAt = since;
    this.interruptReason ||= reason;
  }

  markLive(): void {
    const now = this.now();
    this.lastProofAt = now;
    this.emitGap(now);
    if (this.liveSince === undefined) this.liveSince = now;
    this.setState('live');
  }

  markProof(): void {
    this.lastProofAt = this.now();
  }

  reportError(error: BinanceStreamError): void {
    this.safeEmit('error', { error, socketId: this.driver.socket.id });
  }

  // ---------- socket wiring ----------

  private wireSocket(): void {
    const s = this.driver.socket;
    s.on('stateChange', (e) => this.safeEmit('stateChange', e));
    s.on('reconnecting', (e) => {
      this.safeEmit('reconnecting', e);
      if (this.state === 'live' || this.state === 'subscribing') this.setState('reconnecting', e.error);
    });
    s.on('reconnected', (e) => this.safeEmit('reconnected', e));
    s.on('serverShutdown', (e) => this.safeEmit('serverShutdown', e));
    s.on('error', (e) => this.safeEmit('error', e));
    s.on('close', (e) => {
      this.safeEmit('close', e);
      // Heartbeat death: the peer was last known alive at the last proof; otherwise we learned of the close as it happened.
      const code = e.error?.code;
      const since = code === 'ERR_HEARTBEAT_TIMEOUT' || code === 'ERR_STALE' ? Math.max(this.lastProofAt, s.stats().lastMessageAt ?? 0) || this.now() : this.now();
      this.recordInterruption(since, e.error ? describeError(e.error) : `closed ${e.code}${e.reason ? ` ${e.reason}` : ''}`);
      this.liveSince = undefined;
      if (e.willReconnect) this.setState('reconnecting', e.error);
    });
    s.on('open', (e) => {
      this.safeEmit('open', e);
      this.markLive();
      if (this.settleStart) {
        this.settleStart.resolve();
        this.settleStart = undefined;
      }
    });
    s.on('gaveUp', (e) => {
      this.safeEmit('gaveUp', e);
      this.liveSince = undefined;
      this.setState('failed', e.error);
      this.failStart(e.error);
    });
  }

  private failStart(err: BinanceStreamError): void {
    const s = this.settleStart;
    this.settleStart = undefined;
    s?.reject(err);
  }

  private emitGap(now: number): void {
    const from = this.interruptedAt;
    if (from === undefined) return;
    const reason = this.interruptReason || 'reconnect';
    this.interruptedAt = undefined;
    this.interruptReason = '';
    this.gaps++;
    this.logger.warn({ source: this.source, from, to: now, gapMs: now - from, reason }, 'user data interrupted: events may have been missed; reconcile');
    this.safeEmit('userDataGap', { source: this.source, from, to: now, reason });
  }

  private setState(state: UserDataStateEvent['state'], error?: BinanceStreamError): void {
    if (this.state === state || this.state === 'stopped') return;
    const from = this.state;
    this.state = state;
    this.logger.debug({ source: this.source, from, to: state }, `user data ${from} → ${state}`);
    this.safeEmit('userDataState', { source: this.source, state, ...(error ? { error: toStreamError(error) } : {}) });
  }

  private safeEmit<K extends keyof UserDataStreamEvents>(event: K, ...args: Parameters<UserDataStreamEvents[K]>): void {
    try {
      this.emitFn(event, ...args);
    } catch (err) {
      this.logger.error({ source: this.source, event, error: describeError(err) }, 'a user-data listener threw; the stream keeps going');
    }
  }
}
