import { Clock } from './clock';
import type { GroundTruthEvent } from './data/ground-truth';
import { GroundTruth } from './data/ground-truth';
import type { BookView } from './data/market-data';
import { MarketData } from './data/market-data';
import { Rng, hashString, normalizeSeed } from './data/rng';
import { FaultRules } from './fault-rules';
import { Faults } from './faults';
import { faultHost } from './fault-host';
import type { ConnectionInfo, EmulatorStats, FakeBinanceClientOptions, FakeBinanceUrls } from './inspection';
import { Counters } from './inspection';
import type { Logger } from './log';
import { mask, toLogger } from './log';
import type { FakeBinanceOptions, ResolvedOptions } from './options';
import { resolveOptions } from './options';
import type { BinanceProfile, MarketId } from './profile';
import { PROFILES, WS_API } from './profile';
import type { ListenKeyInfo } from './rest/listen-keys';
import { ListenKeys } from './rest/listen-keys';
import { RestWeights } from './rest/weights';
import { AttemptLimiter } from './server/attempt-limiter';
import { handleHttp } from './server/http';
import { EmulatorServer } from './server/server';
import { handleUpgrade } from './server/upgrades';
import { ActivityModel } from './streams/activity';
import type { ActivityProfileOptions } from './streams/activity-options';
import type { ControlMessage } from './streams/connection-host';
import type { FloodOptions, FloodResult } from './streams/flood/pump';
import { Hub } from './streams/hub';
import { StreamService } from './streams/stream-service';
import { SbeEmulator, type SbeServer } from './sbe/sbe-emulator';
import { createUserSide } from './orders/user-side';
import type { OrderSimulator } from './orders/order-simulator';
import type { WsApiEmulator } from './ws-api/ws-api-emulator';
import type { WsApiServer } from './ws-api/ws-api-server';

/**
 * A local Binance on 127.0.0.1 (Node only) for testing a bot: market streams with seeded, deterministic data, REST, the WebSocket API and
 * user data, Binance's limits, and faults on demand (`faults`); `groundTruth()` proves nothing was lost. Example: the `testing` module page.
 *
 * This facade composes the pieces: server/ (HTTP listener, upgrade routing, IP attempt limits), streams/ (stream connections, subscriptions
 * and generation, flood), data/ (deterministic payloads, ground truth), rest/ (REST, listenKeys), ws-api/ (spot WebSocket API,
 * listenTokens), faults.ts, with the rules of profile.ts.
 */
export class FakeBinance {
  /** The resolved options (durations, limits, symbols). */
  readonly options: ResolvedOptions;
  /** The emulator's clock (owned real timers; `pending` counts them). */
  readonly clock: Clock;
  /** Failures on demand. */
  readonly faults: Faults;
  /** The spot WebSocket API at `urls.wsApi` (user data, listenTokens, orders): `ex.wsApi.addAccount({ apiKey, secret } | { apiKey, publicKeyPem })`, `pushEvent()`. */
  readonly wsApi: WsApiEmulator;
  /** The order simulation (orders/order-simulator.ts): `place`, `cancel`, `fill`, `deposit`, balances and user-data events per API key. */
  readonly orders: OrderSimulator;

  private readonly sbeEmulator: SbeEmulator = new SbeEmulator(() => ({ hub: this.hub, clock: this.clock, opts: this.options, log: this.log, account: (k) => this.wsApiServer.accounts.get(k) }));
  /** The SBE market-data endpoint (spot; binary frames from the same ground truth). */
  readonly sbe: SbeServer = this.sbeEmulator;
  private readonly profile: BinanceProfile;
  private readonly log: Logger;
  private readonly server: EmulatorServer;
  private readonly data: MarketData;
  private readonly truth: GroundTruth;
  private readonly hub: Hub;
  private readonly keys: ListenKeys;
  private readonly limiter: AttemptLimiter;
  private readonly rules: FaultRules;
  private readonly weights: RestWeights;
  private readonly counters = new Counters();
  private readonly streams: StreamService;
  private readonly wsApiServer: WsApiServer;
  private closing: Promise<void> | undefined;

  private constructor(opts: ResolvedOptions, logger: Partial<Logger> | undefined) {
    this.options = opts;
    this.profile = PROFILES[opts.market];
    this.clock = new Clock(opts.timeScale);
    this.rules = new FaultRules(this.clock);
    this.weights = RestWeights.of(opts, this.clock.now());
    this.log = toLogger(logger);
    const seed = normalizeSeed(opts.seed);
    this.data = MarketData.of(opts, seed, this.clock);
    this.truth = new GroundTruth(opts.groundTruthLimit);
    this.hub = new Hub(opts, this.clock, this.data, this.truth);
    this.keys = new ListenKeys(this.clock, opts.listenKeyValidityMs, new Rng(hashString('listenKeys', seed)), (key, state) => this.onListenKeyEnd(key, state));
    this.limiter = new AttemptLimiter(opts.maxConnectionAttempts, opts.connectionAttemptWindowMs, opts.banAfterRejectedAttempts, opts.banDurationMs);
    this.streams = new StreamService(opts, this.clock, this.profile, this.log, this.hub, this.keys, this.counters);
    const sink = (k: string, e: object): void => void (opts.market === 'spot' ? this.wsApi.pushEvent(k, e, { product: 'spot' }) : this.pushUserEvent(k, e));
    const user = createUserSide({
      opts,
      clock: this.clock,
      log: this.log,
      weights: this.weights,
      data: this.data,
      listenKeys: this.keys,
      acceptsApiKey: (k) => this.acceptsApiKey(k),
      violation: (kind) => void this.counters.limitViolations[kind]++,
      sink,
    });
    [this.wsApiServer, this.wsApi, this.orders] = [user.server, user.wsApi, user.orders];
    const parts = { clock: this.clock, streams: this.streams, keys: this.keys, limiter: this.limiter, weights: this.weights, data: this.data, hub: this.hub };
    this.faults = new Faults(faultHost({ ...parts, wsApi: () => this.wsApi, wsApiServer: () => this.wsApiServer }), this.rules);
    const rest = {
      market: opts.market,
      clock: this.clock,
      data: this.data,
      retentionMs: opts.historyRetentionMs,
      listenKeys: this.keys,
      acceptsApiKey: (k: string) => this.acceptsApiKey(k),
      account: (k: string) => this.wsApiServer.accounts.get(k),
      restWeightPerMinute: opts.maxRestWeightPerMinute,
      restWeightWindowMs: opts.restWeightWindowMs,
      orders: user.rest,
      spotBalances: opts.market === 'spot' ? user.spotBalances : undefined,
    };
    const http = {
      market: opts.market,
      clock: this.clock,
      log: this.log,
      rules: this.rules,
      weights: this.weights,
      counters: this.counters,
      rest,
      wsApiHttp: this.wsApiServer.http.bind(this.wsApiServer),
    };
    this.server = new EmulatorServer({
      http: (req, res) => void handleHttp(http, req, res),
      upgrade: (req, socket, head) =>
        handleUpgrade(
          {
            opts,
            profile: this.profile,
            clock: this.clock,
            limiter: this.limiter,
            rules: this.rules,
            counters: this.counters,
            wss: this.server.wss,
            closing: () => this.closing !== undefined,
            openWsApi: (ws, sock, req) => this.wsApiServer.accept(ws, sock, req),
            openStream: (ws, sock, r, path) => this.streams.open(ws, sock, r, path),
          },
          req,
          socket,
          head,
        ),
    });
  }

  /** Start an emulator on `host:port` (127.0.0.1:0 by default). */
  static async start(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
    const ex = new FakeBinance(resolveOptions(options), options.logger);
    await Promise.all([ex.server.listen(ex.options.host, ex.options.port), ex.sbeEmulator.listen(ex.options.host)]);
    ex.log.info({ market: ex.options.market, port: ex.server.port }, 'FakeBinance listening');
    return ex;
  }

  /**
   * The activity model behind `activity: 'realistic'`, for use offline (no server, no timers): `FakeBinance.activityModel('spot', { seed
   * }).stream('btcusdt@trade').nextGapMs(t)`. An emulator started with the same `seed` and profile has the same liquidity, bursts and lull.
   */
  static activityModel(market: MarketId, profile: ActivityProfileOptions = {}): ActivityModel {
    return new ActivityModel(market, profile);
  }

  get port(): number {
    return this.server.port;
  }

  get urls(): FakeBinanceUrls {
    const h = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const base = `${h}:${this.server.port}`;
    return { ws: `ws://${base}`, http: `http://${base}`, wsApi: `ws://${base}${WS_API.path}` };
  }

  /** Options that point a `BinanceStreamClient` at this emulator (market, stream, REST and WS-API URLs): `new BinanceStreamClient({ ...ex.clientOptions(), logger })`. */
  clientOptions(): FakeBinanceClientOptions {
    const u = this.urls;
    return { market: this.options.market, baseUrl: u.ws, restBaseUrl: u.http, wsApiUrl: u.wsApi };
  }

  /** Whether an API key is accepted (`apiKeys` option; default any non-empty key). */
  acceptsApiKey(key: string): boolean {
    if (!key) return false;
    return this.options.apiKeys ? this.options.apiKeys.includes(key) : true;
  }

  // ---- publishing & inspection --------------------------------------------

  /** Push a payload (object or JSON text) to the subscribers of a stream; recorded in the ground truth (dropped while the stream is muted), not in the market's history. Returns its seq. */
  publish(stream: string, payload: unknown): number {
    if (typeof stream !== 'string' || !stream) throw new TypeError('publish: stream must be a non-empty string');
    const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (raw === undefined) throw new TypeError('publish: payload is not JSON-serializable');
    return this.hub.publishRaw(stream, raw).seq;
  }

  /**
   * Push a user-data event (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE…) to the sockets bound to a listenKey, or to the active listenKey of an API
   * key, and to the WS-API subscriptions of that API key (spot user data). Returns the number of sockets it was sent to (0 if none).
   */
  pushUserEvent(listenKeyOrApiKey: string, payload: object): number {
    const json = JSON.stringify(payload);
    const e = (payload as { e?: unknown }).e;
    let n = this.wsApi.pushEvent(listenKeyOrApiKey, payload);
    const key = this.keys.isKnown(listenKeyOrApiKey) ? listenKeyOrApiKey : this.keys.activeFor(listenKeyOrApiKey);
    if (!key || !this.keys.isActive(key)) return n;
    n += [...this.hub.subscribers(key)].filter((c) => !c.userEvents || typeof e !== 'string' || c.userEvents.has(e)).length;
    this.hub.publishRaw(key, json, typeof e === 'string' ? e : undefined);
    return n;
  }

  private onListenKeyEnd(key: string, state: 'expired' | 'deleted'): void {
    this.log.debug({ listenKey: mask(key), state }, 'listenKey ended');
    this.hub.publishRaw(key, `{"e":"listenKeyExpired","E":${this.clock.now()},"listenKey":"${key}"}`, 'listenKeyExpired');
  }

  /**
   * Events published on a stream (ring of `groundTruthLimit`), oldest first. Flooded events (rate `Infinity`, `flood()`) are included like
   * any other: each batch is recorded as its template plus first ids and turned into the exact payload texts when read here, so the last
   * `groundTruthLimit` events are always exact; `publishedCount()` counts them all. A flood cycles through a few payloads (prices,
   * quantities) and advances only the sequence fields (aggTrade `a`/`f`/`l`, trade `t`, depth `U`/`u`/`pu`, bookTicker `u`, partial depth
   * `lastUpdateId`) and the time (`E`, `T`), continuing the stream's own sequence; flooded depth events do not change the order book (a
   * REST snapshot taken during a depth flood matches its update ids, not its levels). No `stampField` in floods. Events published while the
   * stream was muted (`faults.muteStream`) were sent to no one and are left out (their `seq` numbers are missing). The market's history
   * (REST aggTrades, trades, klines) is larger: trades happen whether or not the stream is generating, only what it sent is here.
   */
  groundTruth(stream: string): GroundTruthEvent[] {
    return this.truth.events(stream).filter((e) => !this.hub.wasMuted(stream, e.seq));
  }

  /** Total events ever published on a stream (including those evicted from the ring, and muted ones). */
  publishedCount(stream: string): number {
    return this.truth.count(stream);
  }

  /** The stream connections open now: path, route, subscribed streams (and those that will stay silent, with why), the frames the client sent, faults in force. */
  connections(): ConnectionInfo[] {
    return this.streams.connections();
  }

  /** Every control message received on any stream connection (bounded by `controlLogLimit`). */
  controlLog(): ControlMessage[] {
    return this.streams.controlLog();
  }

  /** Counters: connections opened, closed and open, rejected upgrades, limit violations, frames sent per stream, events published and muted, REST requests and weight. */
  stats(): EmulatorStats {
    return this.counters.snapshot(this.streams.size, this.hub.eventsPublished, this.hub.eventsMuted, this.weights.stats(this.clock.now()));
  }

  /** Forget every IP's REST weight window, 429 pause and 418 ban (`stats().rest` counters stay). `faults.heal()` does it too. */
  resetRestWeights(): void {
    this.weights.reset();
  }

  /** Every listenKey the emulator has issued, with its owner, state, expiry and keepalive count (not masked: tests only, never log them). */
  listenKeys(): ListenKeyInfo[] {
    return this.keys.list();
  }

  /**
   * The emulator's current order book of a symbol (the one behind its depth streams, bookTicker and
   * REST snapshots), `depth` levels per side (all by default), formatted as REST formats it: compare
   * it with a client's local book once the client has applied the event whose `u` is `lastUpdateId`.
   */
  orderBook(symbol: string, depth?: number): BookView {
    const v = typeof symbol === 'string' ? this.data.bookView(symbol.toLowerCase(), depth) : undefined;
    if (!v) throw new RangeError(`orderBook: unknown symbol ${JSON.stringify(symbol)} (not among options.symbols)`);
    return v;
  }

  /** Streams whose data is being generated right now. */
  generatingStreams(): string[] {
    return this.hub.generating();
  }

  /**
   * Publish `count` events (or for `durationMs`) as fast as the slowest subscriber drains (pre-built frames written straight to the
   * sockets, see `groundTruth()` for what they carry). Several floods on one stream run one after the other. Resolves with the events sent.
   */
  flood(o: FloodOptions): Promise<FloodResult> {
    return this.hub.flood(o);
  }

  /** Close every socket, timer and the listener. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.wsApiServer.close();
      this.orders.dispose();
      this.rules.releaseHung();
      this.streams.destroyAll();
      this.hub.dispose();
      this.keys.dispose();
      this.clock.dispose();
      await Promise.all([this.sbeEmulator.close(), this.server.close()]);
    })();
    return this.closing;
  }
}
