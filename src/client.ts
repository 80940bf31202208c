/**
 * BinanceStreamClient: the facade users import. It owns a pool of resilient sockets
 * for market data and, on request, user-data streams; it validates input, forwards
 * every connection change as a typed event, and aggregates stats.
 *
 * Data path: socket frame → JSON.parse (once, in the socket) → pool router (per-stream
 * state, dedup) → `deliver` below → typed event + `message` event.
 */
import EventEmitter from 'eventemitter3';
import { SOCKET_EVENT_NAMES } from './connection/types';
import { BinanceStreamError, describeError, toStreamError } from './core/errors';
import type { ClientEventName, ClientEvents, StreamErrorEvent } from './events';
import { normalizeLogger, type Logger } from './core/logger';
import { getMarket, type MarketId, type MarketProfile } from './core/markets';
import { validateClientOptions, type BinanceStreamClientOptions } from './options';
import { GROUP_NAME_RULE, isGroupName } from './pool/group-name';
import { StreamPool } from './pool/stream-pool';
import type { PoolStats } from './pool/types';
import { ExponentialBackoff } from './retry/exponential-backoff';
import type { RetryPolicy } from './retry/policy';
import type { StreamInfo } from './streams/classify';
import { normalizeStreamName } from './streams/names';
import type { StreamMessage } from './streams/types';
import { createUserDataStream, type UserDataController, type UserDataProduct, type UserDataStats } from './user-data/user-data-stream';

export interface SubscribeOptions {
  /**
   * Put these streams on their own connection(s), apart from the rest (isolate a
   * latency-critical stream, or shrink the blast radius of one drop).
   */
  group?: string | undefined;
}

export interface SubscribeUserDataOptions {
  /**
   * Which account stream. @default 'spot' on the spot market, 'usdm' on USD-M, 'coinm' on COIN-M;
   * 'margin' (listenToken) and 'portfolio' (PM listenKey) on request
   */
  product?: UserDataProduct | undefined;
  /** USD-M only: the `events` allow-list of the `/private` route. @default all events */
  events?: readonly string[] | undefined;
  /** Futures: when to DELETE the listenKey on stop. @default 'owned' */
  closeListenKeyOnStop?: 'owned' | 'always' | 'never' | undefined;
  /** Futures: listenKey keepalive period. @default 30 minutes */
  refreshIntervalMs?: number | undefined;
  /** Margin: isolated-margin symbol (listenToken). */
  symbol?: string | undefined;
}

export interface ClientStats {
  market: MarketId;
  /** Market-data streams and sockets, and the connection budget's state. */
  pool: PoolStats;
  /** One entry per user-data stream. */
  userData: UserDataStats[];
}

/** eventemitter3's own emit, called with fixed arguments on the hot path. */
const baseEmit = EventEmitter.prototype.emit as unknown as (this: unknown, event: string, a?: unknown, b?: unknown) => boolean;

type Emit = <K extends ClientEventName>(event: K, ...args: Parameters<ClientEvents[K]>) => void;

export class BinanceStreamClient extends EventEmitter<ClientEvents> {
  /** The market profile in use (URLs, limits, heartbeat cadences). */
  readonly market: MarketProfile;
  private readonly options: BinanceStreamClientOptions;
  private readonly log: Logger;
  private readonly retryPolicy: RetryPolicy;
  private readonly pool: StreamPool;
  private readonly streamBase: string;
  private readonly restBase: string;
  private readonly wsApiUrl: string;
  private readonly userData = new Map<UserDataProduct, UserDataController>();
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;

  /** Validates options and wires things up; does no I/O (call `start()`). */
  constructor(options: BinanceStreamClientOptions = {}) {
    super();
    const o = validateClientOptions(options);
    this.options = o;
    this.market = getMarket(o.market ?? 'spot');
    const env = o.environment ?? 'live';
    const urls = this.market.urls[env];
    this.streamBase = o.baseUrl ?? urls.streamBase;
    this.restBase = o.restBaseUrl ?? urls.restBase;
    this.wsApiUrl = o.wsApiUrl ?? (this.market.id === 'spot' ? urls.wsApi : getMarket('spot').urls[env].wsApi);
    this.log = normalizeLogger(o.logger);
    this.retryPolicy = o.retryPolicy ?? new ExponentialBackoff();
    const limit = this.market.limits.maxStreamsPerConnection;
    if (o.maxStreamsPerConnection !== undefined && o.maxStreamsPerConnection > limit) {
      throw new BinanceStreamError(
        'ERR_INVALID_OPTION',
        `option maxStreamsPerConnection: ${o.maxStreamsPerConnection} is above the ${this.market.id} limit of ${limit} streams per connection`,
        { permanent: true },
      );
    }
    this.pool = new StreamPool({
      market: this.market,
      baseUrl: this.streamBase,
      logger: this.log,
      retryPolicy: this.retryPolicy,
      sink: this.deliver,
      ...(o.connectionBudget !== undefined ? { budget: o.connectionBudget } : {}),
      ...(o.maxStreamsPerConnection !== undefined ? { maxStreamsPerConnection: o.maxStreamsPerConnection } : {}),
      ...(o.heartbeat !== undefined ? { heartbeat: o.heartbeat } : {}),
      ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}),
      ...(o.staleDebounceMs !== undefined ? { staleDebounceMs: o.staleDebounceMs } : {}),
      ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      ...(o.rotateAfterMs !== undefined ? { rotateAfterMs: o.rotateAfterMs } : {}),
      ...(o.rotationWindow !== undefined ? { rotationWindow: o.rotationWindow } : {}),
      ...(o.groups !== undefined ? { groups: o.groups } : {}),
      ...(o.webSocketFactory !== undefined ? { webSocketFactory: o.webSocketFactory } : {}),
    });
    this.forwardPoolEvents();
  }

  /**
   * Emit guarded: a listener that throws never breaks the client. The exception is
   * reported as an `error` event (code ERR_LISTENER) or logged.
   */
  override emit<K extends EventEmitter.EventNames<ClientEvents>>(event: K, ...args: EventEmitter.EventArgs<ClientEvents, K>): boolean {
    try {
      return super.emit(event, ...args);
    } catch (err) {
      this.listenerThrew(event, err);
      return true;
    }
  }

  private listenerThrew(event: string, err: unknown): void {
    const error = new BinanceStreamError('ERR_LISTENER', `a "${event}" listener threw: ${describeError(err)}`, { cause: err });
    if (event === 'error' || this.listenerCount('error') === 0) {
      this.log.error({ event, error: describeError(error) }, 'listener threw');
    } else {
      this.emitError({ error });
    }
  }

  /**
   * Hot path: one delivered message. Calls the base emit directly with fixed arguments
   * (no rest array, no spread), each event guarded on its own.
   */
  private readonly deliver = (message: StreamMessage, info: StreamInfo): void => {
    const event = info.event;
    if (event !== undefined) {
      try {
        baseEmit.call(this, event, message.data, message);
      } catch (err) {
        this.listenerThrew(event, err);
      }
    }
    try {
      baseEmit.call(this, 'message', message);
    } catch (err) {
      this.listenerThrew('message', err);
    }
  };

  private readonly emitTyped: Emit = (event, ...args) => {
    if (event === 'error') {
      this.emitError(args[0] as StreamErrorEvent);
      return;
    }
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  };

  /** `error` with no listener is logged, never lost and never thrown. */
  private emitError(e: StreamErrorEvent): void {
    if (this.listenerCount('error') === 0) {
      this.log.error({ socketId: e.socketId, stream: e.stream, error: describeError(e.error) }, 'unhandled client error (add an "error" listener)');
      return;
    }
    this.emit('error', e);
  }

  private forwardPoolEvents(): void {
    const names = [...SOCKET_EVENT_NAMES.filter((n) => n !== 'error'), 'connecting', 'rotated'] as const;
    for (const name of names) {
      this.pool.on(name, ((e: never) => this.emit(name, e)) as never);
    }
    this.pool.on('error', (e: StreamErrorEvent) => this.emitError(e));
  }

  /**
   * Add market-data streams (`btcusdt@aggTrade`, or built with `streams.*`). Works before
   * and after `start()`. Throws on an invalid name before anything changes.
   */
  subscribe(streams: string | readonly string[], options: SubscribeOptions = {}): this {
    this.assertNotStopped('subscribe');
    const names = this.normalizeList(streams);
    if (options.group !== undefined && !isGroupName(options.group)) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `subscribe option group: expected ${GROUP_NAME_RULE}, got ${JSON.stringify(options.group)}`, {
        permanent: true,
      });
    }
    this.pool.subscribe(names, options.group !== undefined ? { group: options.group } : {});
    return this;
  }

  /** Remove market-data streams. Unknown names are ignored. */
  unsubscribe(streams: string | readonly string[]): this {
    if (this.stopPromise) return this;
    this.pool.unsubscribe(this.normalizeList(streams));
    return this;
  }

  /** Market-data streams currently subscribed. */
  get streams(): string[] {
    return this.pool.streams();
  }

  private normalizeList(streams: string | readonly string[]): string[] {
    const list = typeof streams === 'string' ? [streams] : streams;
    if (!Array.isArray(list)) throw new TypeError(`streams must be a stream name or an array of them, got ${typeof streams}`);
    const out: string[] = [];
    for (const s of list) {
      try {
        out.push(normalizeStreamName(s));
      } catch (err) {
        throw new BinanceStreamError('ERR_INVALID_STREAM', (err as Error).message, { permanent: true, cause: err, streams: [String(s)] });
      }
    }
    return out;
  }

  private assertNotStopped(what: string): void {
    if (this.stopPromise) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `${what}() called after stop(): create a new BinanceStreamClient`, { permanent: true });
    }
  }

  /**
   * Connect every subscribed stream. Single-flight: concurrent calls share one promise.
   * Resolves when the market-data connections are open (at once when nothing is
   * subscribed yet: sockets open as streams are added, never empty). While Binance is
   * unreachable it keeps waiting, because the sockets keep retrying (see `reconnecting`
   * events); it rejects only when the retry policy gives up on a connection that never
   * opened, and resolves if `stop()` is called first. Add your own timeout if you need one.
   */
  start(): Promise<void> {
    this.assertNotStopped('start');
    this.startPromise ??= this.pool.start().catch((err: unknown) => {
      this.startPromise = undefined;
      throw toStreamError(err);
    });
    return this.startPromise;
  }

  /**
   * Drop and re-dial every connection (market data and user data) now. Debounced and
   * single-flight per connection: ten calls at once cause one reconnect.
   */
  reconnect(reason = 'manual reconnect'): void {
    if (this.stopPromise) return;
    this.log.info({ reason }, 'reconnect requested');
    this.pool.reconnect(reason);
    for (const ud of this.userData.values()) ud.reconnect(reason);
  }

  /**
   * Start a user-data stream alongside market data: futures via a listenKey (created,
   * refreshed every 30 min, replaced when it expires), spot via the WebSocket API,
   * margin via a listenToken. Resolves once the stream is live.
   */
  async subscribeUserData(options: SubscribeUserDataOptions = {}): Promise<void> {
    this.assertNotStopped('subscribeUserData');
    const product: UserDataProduct = options.product ?? (this.market.id === 'spot' ? 'spot' : this.market.id);
    if (!['spot', 'margin', 'usdm', 'coinm', 'portfolio'].includes(product)) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `subscribeUserData option product: expected spot, margin, usdm, coinm or portfolio, got ${JSON.stringify(product)}`, {
        permanent: true,
      });
    }
    const o = this.options;
    if (!o.apiKey) {
      throw new BinanceStreamError('ERR_AUTH', 'subscribeUserData needs the apiKey option (and apiSecret or privateKey for spot/margin)', { permanent: true });
    }
    const existing = this.userData.get(product);
    if (existing) return existing.start();
    const controller = createUserDataStream({
      product,
      apiKey: o.apiKey,
      ...(o.apiSecret !== undefined ? { apiSecret: o.apiSecret } : {}),
      ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : {}),
      restBaseUrl: this.restBase,
      streamBaseUrl: this.streamBase,
      wsApiUrl: this.wsApiUrl,
      logger: this.log,
      retryPolicy: this.retryPolicy,
      ...(o.connectionBudget !== undefined ? { dialGate: o.connectionBudget } : {}),
      ...(options.events !== undefined ? { events: [...options.events] } : {}),
      ...(options.closeListenKeyOnStop !== undefined ? { closeListenKeyOnStop: options.closeListenKeyOnStop } : {}),
      ...(options.refreshIntervalMs !== undefined ? { refreshIntervalMs: options.refreshIntervalMs } : {}),
      ...(options.symbol !== undefined ? { symbol: options.symbol } : {}),
      ...(o.webSocketFactory !== undefined ? { webSocketFactory: o.webSocketFactory } : {}),
      emit: this.emitTyped,
    });
    this.userData.set(product, controller);
    try {
      await controller.start();
    } catch (err) {
      this.userData.delete(product);
      await controller.stop().catch(() => undefined);
      throw toStreamError(err);
    }
  }

  /** Stop a user-data stream (closing its listenKey if this process owns it). */
  async unsubscribeUserData(product?: UserDataProduct): Promise<void> {
    const p = product ?? (this.market.id === 'spot' ? 'spot' : this.market.id);
    const c = this.userData.get(p);
    if (!c) return;
    this.userData.delete(p);
    await c.stop();
  }

  /** Per-stream and per-socket figures, the connection budget, and user-data streams. */
  stats(): ClientStats {
    return {
      market: this.market.id,
      pool: this.pool.stats(),
      userData: [...this.userData.values()].map((u) => u.stats()),
    };
  }

  /**
   * Close everything. Idempotent; resolves when every socket is closed and every timer
   * cleared. The client cannot be started again.
   */
  stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      const all = [this.pool.stop(), ...[...this.userData.values()].map((u) => u.stop())];
      const results = await Promise.allSettled(all);
      this.userData.clear();
      for (const r of results) {
        if (r.status === 'rejected') this.log.warn({ error: describeError(r.reason) }, 'error while stopping');
      }
      this.log.info({}, 'stopped');
    })();
    return this.stopPromise;
  }
}
