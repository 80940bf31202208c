/**
 * BinanceStreamClient: the facade users import. It resolves its options once, owns a
 * pool of resilient sockets for market data and, on request, user-data streams, forwards
 * every connection change as a typed event, and aggregates stats.
 *
 * Data path: socket frame → parse (once, in the connection) → pool router (per-stream
 * state, dedup) → `deliver` (./emitter.ts) → typed event + `message` event, and the
 * buffers of `stream()` iterators (./stream-iterator.ts).
 */
import { SOCKET_EVENT_NAMES } from '../connection/events';
import { forward } from '../core/forward';
import { raceAbort } from '../core/abort';
import { BinanceStreamError, aborted, describeError, toStreamError } from '../core/errors';
import { errorFields } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import { knownKeys, oneOf, optImplementation, optObject } from '../core/validate';
import type { AbortSignalLike } from '../core/web-types';
import { POOL_EVENT_NAMES } from '../pool/events';
import { StreamPool } from '../pool/stream-pool';
import type { UserDataController, UserDataProduct } from '../user-data/user-data-stream';
import { ClientEmitter } from './emitter';
import type { MessageTap } from './emitter';
import { clientHealth } from './health';
import type { ClientHealth } from './health';
import type { BinanceStreamClientOptions } from './options';
import { clientRecovery } from './recovery';
import type { ClientRecovery } from './recovery';
import { resolveClientOptions, restUnknown } from './resolve';
import type { ClientStats, StartOptions, SubscribeOptions, SubscribeUserDataOptions } from './types';
import { createClientUserData } from './user-data';

export type { ClientStats, ReadyOptions, StartOptions, SubscribeOptions, SubscribeUserDataOptions };
import type { ResolvedClientConfig } from './resolve';
import { whenReady } from './ready';
import type { ReadyOptions } from './ready';
import { createConsumers } from './order-books';
import type { LocalOrderBook, OrderBookOptions, OrderBooks } from './order-books';
import type { MessageStream, MessageStreamOptions, MessageStreams } from './stream-iterator';

const PRODUCTS: readonly UserDataProduct[] = ['spot', 'margin', 'usdm', 'coinm', 'portfolio'];

/**
 * The client: market-data streams over pooled sockets that reconnect, rotate before Binance's 24 h cut and repair
 * silent streams, plus user-data streams, local order books and `for await` streams, all as typed events. The
 * constructor does no I/O; `start()` connects; `stop()` leaves no timer and no socket behind.
 *
 * @example
 * ```ts
 * const client = new BinanceStreamClient({ market: 'spot', logger: consoleLogger('info') });
 * client.on('aggTrade', (t) => console.log(t.s, t.p, t.q));
 * client.on('reconnecting', (e) => console.warn(`retry ${e.attempt} in ${e.delayMs} ms: ${e.error.message}`));
 * client.subscribe([streams.aggTrade('BTCUSDT'), streams.kline('ETHUSDT', '1m')]);
 * await client.start();
 * const book = client.orderBook('BTCUSDT', { depth: 100 }); // await book.ready(), then book.best()
 * ```
 */
export class BinanceStreamClient extends ClientEmitter {
  /** The market profile in use (URLs, limits, heartbeat cadences). */
  readonly market: MarketProfile;
  private readonly config: ResolvedClientConfig;
  private readonly pool: StreamPool;
  private readonly userData = new Map<UserDataProduct, UserDataController>();
  /** subscribeUserData() calls loading the user-data code (./user-data.ts), per product. */
  private readonly userDataLoads = new Map<UserDataProduct, Promise<UserDataController>>();
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;
  private readonly iterators: MessageStreams;
  private readonly books: OrderBooks;
  private readonly recovery: ClientRecovery;
  /** Aborted by stop(): ends every backfill. */
  private readonly stopAc = new AbortController();
  /** start() signals bound to the client's lifetime → their abort listener. */
  private readonly signals = new Map<AbortSignalLike, () => void>();

  /** Validates options (once) and wires things up; does no I/O (call `start()`). */
  constructor(options: BinanceStreamClientOptions = {}) {
    super();
    const config = resolveClientOptions(options, this.deliver, (info, o) => this.recovery.stagesFor(info, o));
    this.log = config.logger;
    this.config = config;
    this.market = config.market;
    this.recovery = clientRecovery(config, this.deliver, this.emitAny, this.stopAc.signal);
    this.pool = new StreamPool(config.pool);
    forward(this.pool, this, [...SOCKET_EVENT_NAMES, ...POOL_EVENT_NAMES] as const);
    const taps = { add: (s: string, tap: MessageTap) => this.addTap(s, tap), remove: (s: string, tap: MessageTap) => this.removeTap(s, tap) };
    ({ iterators: this.iterators, books: this.books } = createConsumers({ config, pool: this.pool, taps, emit: this.emitAny, listening: (e) => this.listenerCount(e) > 0 }));
  }

  /**
   * Add market-data streams (`btcusdt@aggTrade`, or built with `streams.*`). Works before
   * and after `start()`. Throws `ERR_INVALID_STREAM` naming the bad part before anything
   * changes (a name the market does not serve included, unless `allowUnknownStreams`).
   */
  subscribe(streams: string | readonly string[], options: SubscribeOptions = {}): this {
    this.assertNotStopped('subscribe');
    if (options.backfill === true && !this.config.restKnown) throw restUnknown('subscribe(…, { backfill: true })', this.config.urls.stream);
    this.pool.subscribe(streams, options);
    this.iterators.adopt(streams);
    this.books.adopt(streams);
    return this;
  }

  /**
   * Market data for `for await`: a bounded buffer per stream between the feed and a loop
   * that may be slower. When a stream has `highWaterMark` messages waiting, `overflow`
   * `'block'` (default) pauses its connection (nothing lost; a WebSocket that cannot pause,
   * e.g. a browser's, buffers up to 4×, then drops the oldest with a WARN), `'coalesce'` keeps
   * the newest per stream (per candle for klines; snapshot streams only), `'drop-oldest'`
   * drops its oldest. Arrival order across streams (a coalesced message keeps its place).
   * Subscribes what is not subscribed yet; its end (`break`, `close()`, `signal`, `stop()`)
   * unsubscribes what it added that no other iterator holds. An aborted `signal` makes the
   * loop throw ERR_ABORTED (as Node's `events.on`); any other end is `done`. Slow loops emit
   * `lagging`/`caughtUp` (`consumer: 'iterator'`). Details: ./stream-iterator.ts.
   *
   * @example
   * for await (const m of client.stream(['btcusdt@bookTicker'], { overflow: 'coalesce' })) {
   *   const t = m.data as BookTickerEvent; // or client.stream<BookTickerEvent>(…)
   *   await act(t.b, t.a);
   * }
   */
  stream<T = unknown>(names: string | readonly string[], options: MessageStreamOptions = {}): MessageStream<T> {
    this.assertNotStopped('stream');
    return this.iterators.open<T>(names, options);
  }

  /** A local order book of `symbol`, kept in sync from diff depth and REST snapshots; `book`/`bookResync` events. See ./order-books.ts. */
  orderBook(symbol: string, options?: OrderBookOptions): LocalOrderBook {
    this.assertNotStopped('orderBook');
    return this.books.open(symbol, options);
  }

  /** Remove market-data streams. Unknown names are ignored. */
  unsubscribe(streams: string | readonly string[]): this {
    if (this.stopPromise) return this;
    this.pool.unsubscribe(streams);
    return this;
  }

  /** Market-data streams currently subscribed. */
  get streams(): string[] {
    return this.pool.streams();
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
   * opened (call it again to revive that connection with a fresh retry budget), and resolves
   * if `stop()` is called first. Add your own timeout if you need one.
   *
   * `signal` ties the client's lifetime to it, like `await using`: when it aborts, before or
   * after `start()` resolved, the client stops as by `stop()` (the client cannot be started
   * again). A `start()` given that signal and still pending rejects with ERR_ABORTED (cause:
   * `signal.reason`), at once if it had aborted already. `stop()`, by any path, removes the
   * client's listener from every signal it was given.
   */
  start(options: StartOptions = {}): Promise<void> {
    this.assertNotStopped('start');
    const o = optObject('start() options', options, 'an object { signal? }') ?? {};
    knownKeys('start()', o, ['signal']);
    const signal = optImplementation<AbortSignalLike>('start().signal', o.signal, ['addEventListener', 'removeEventListener'], 'an AbortSignal');
    if (signal?.aborted) {
      void this.stop();
      return Promise.reject(aborted('start()', signal.reason));
    }
    if (signal && !this.signals.has(signal)) {
      const onAbort = (): void => void this.stop();
      this.signals.set(signal, onAbort);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    this.startPromise ??= this.pool.start().catch((err: unknown) => {
      this.startPromise = undefined;
      throw toStreamError(err);
    });
    return signal ? raceAbort(this.startPromise, [signal], 'start()') : this.startPromise;
  }

  /**
   * Drop and re-dial every connection (market data and user data) now; a connection whose
   * retry policy gave up is revived with a fresh retry budget. Debounced and single-flight
   * per connection: calls within 1 s of one acted on (RECONNECT_DEBOUNCE_MS) cause one reconnect.
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
   * margin via a listenToken. Resolves once the stream is live. The first call loads the
   * user-data code (a chunk of its own: market-data-only bundles carry none of it).
   */
  async subscribeUserData(options: SubscribeUserDataOptions = {}): Promise<void> {
    this.assertNotStopped('subscribeUserData');
    const product = oneOf<UserDataProduct>('subscribeUserData.product', options.product, PRODUCTS, this.market.id === 'spot' ? 'spot' : this.market.id);
    const apiKey = this.config.credentials.apiKey;
    if (!apiKey) throw new BinanceStreamError('ERR_AUTH', 'subscribeUserData needs the apiKey option (and apiSecret or privateKey for spot/margin)', { permanent: true });
    const existing = this.userData.get(product);
    if (existing) return existing.start();
    const pending = this.userDataLoads.get(product);
    if (pending) {
      await pending; // its caller has registered the controller by now (or failed, and so does this call)
      if (this.stopPromise) throw aborted('subscribeUserData()');
      return this.subscribeUserData(options);
    }
    const load = createClientUserData(product, options, { config: this.config, apiKey, logger: this.log, emit: this.emitAny });
    this.userDataLoads.set(product, load);
    let controller: UserDataController;
    try {
      controller = await load;
    } finally {
      this.userDataLoads.delete(product);
    }
    // stop() ran while the code loaded: the controller never started, so it holds nothing.
    if (this.stopPromise) throw aborted('subscribeUserData()');
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

  /** Per-stream and per-socket figures, the connection budget, user-data streams, and the REST weight budget. */
  stats(): ClientStats {
    return { market: this.market.id, pool: this.pool.stats(), userData: [...this.userData.values()].map((u) => u.stats()), rest: this.config.rest.budget.state() };
  }

  /**
   * Is every subscribed stream being heard? Per market-data stream: `live`, `degraded`
   * (being repaired, or its connection is reconnecting), `down` (its socket gave up, or it
   * stayed silent through re-subscribe and move; see `streamDown`) or `pending`, with the
   * socket, since when and why; counts per state; user-data states; `ok` at a glance.
   */
  health(): ClientHealth {
    return clientHealth(
      this.pool.health(),
      [...this.userData.values()].map((u) => u.stats()),
    );
  }

  /**
   * Resolves once every subscribed stream is live (its connection open, and its subscription
   * acknowledged or a message received) and every user-data stream is live; at once when all
   * are (or none is subscribed). Does not start the client. Rejects with ERR_ABORTED on
   * `stop()`, an aborted `signal` or after `timeoutMs` (naming the streams not live), and with
   * ERR_GAVE_UP when a socket's retry policy gives up. Details: ./ready.ts.
   */
  ready(options: ReadyOptions = {}): Promise<void> {
    return whenReady(this, this.stopAc.signal, options);
  }

  /** `await using client = new BinanceStreamClient(…)`: `stop()` when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * Close everything. Idempotent; resolves when every socket is closed and every timer
   * cleared. The client cannot be started again.
   */
  stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      for (const [signal, onAbort] of this.signals) signal.removeEventListener('abort', onAbort);
      this.signals.clear();
      this.iterators.closeAll();
      this.books.closeAll();
      this.stopAc.abort();
      const results = await Promise.allSettled([this.pool.stop(), ...[...this.userData.values()].map((u) => u.stop())]);
      this.userData.clear();
      for (const r of results) {
        if (r.status === 'rejected') this.log.warn({ error: errorFields(r.reason), detail: describeError(r.reason) }, 'error while stopping');
      }
      this.log.info({}, 'stopped');
    })();
    return this.stopPromise;
  }
}
