/**
 * FakeBinance: a local Binance exchange emulator (streams, REST, faults) on 127.0.0.1.
 *
 * Layout: this facade wires the pieces together — server.ts (HTTP + upgrades),
 * stream-connection.ts (per-socket protocol, limits, heartbeat), hub.ts (subscriptions,
 * publishing, generation scheduling, flood), market-data.ts (+ symbol-state, order-book,
 * klines: deterministic payloads), ground-truth.ts, listen-keys.ts, rest.ts, faults.ts,
 * attempt-limiter.ts, clock.ts.
 *
 * ## Extension point (internal; used by src/testing/ws-api/*)
 *
 * `ex._extend(ext)` registers, in order of precedence before the built-in handlers:
 * - `ext.http(req, res, url)`: return true (or a promise of true) when it answered the request.
 * - `ext.upgrade = { path, handle(ws, req, socket) }`: upgrades whose pathname equals `path`
 *   (e.g. `/ws-api/v3`) are accepted (after the IP attempt limit and `faults.rejectUpgrades`)
 *   and handed over; the emulator tracks the TCP socket and destroys it on `close()`.
 * - `ext.userEvent(apiKeyOrListenKey, json, payload)`: called by `ex.pushUserEvent()` (spot user
 *   data lives on the WS API); return how many sockets it delivered to.
 * - `ext.serverShutdown()`: called by `faults.serverShutdown({ all: true })`; return sockets notified.
 * - `ext.close()`: called by `ex.close()` before sockets are destroyed.
 * Also available to extensions: `ex.clock` (now, `scale(ms)` = ms / timeScale, owned timers),
 * `ex.options` (resolved durations and limits), `ex.acceptsApiKey(key)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Logger } from '../core/logger';
import { maskSecret, normalizeLogger } from '../core/logger';
import type { MarketId, MarketProfile, Route } from '../core/markets';
import { getMarket } from '../core/markets';
import { routeFor } from '../streams/routes';
import { AttemptLimiter } from './attempt-limiter';
import { Clock } from './clock';
import { Faults } from './faults';
import type { FaultTarget } from './faults';
import type { GroundTruthEvent } from './ground-truth';
import { GroundTruth } from './ground-truth';
import type { FloodOptions, FloodResult } from './hub';
import { Hub } from './hub';
import type { ListenKeyInfo } from './listen-keys';
import { ListenKeys } from './listen-keys';
import { MarketData } from './market-data';
import type { FakeBinanceOptions, ResolvedOptions } from './options';
import { resolveOptions } from './options';
import { handleRest } from './rest';
import { Rng, hashString, normalizeSeed } from './rng';
import { parseStreamPath } from './routes';
import { EmulatorServer } from './server';
import { installWsApi, type WsApiEmulator } from './ws-api';
import type { ConnectionHost, ControlMessage, ViolationKind } from './stream-connection';
import { StreamConnection } from './stream-connection';

export interface FakeBinanceUrls {
  /** Stream base, no trailing slash: append `/ws/<s>`, `/stream?streams=…`, or USD-M `/public|/market|/private/…`. */
  readonly ws: string;
  /** REST base. */
  readonly http: string;
  /** Spot WebSocket API URL. */
  readonly wsApi: string;
}

/** What `BinanceStreamClient` accepts to talk to this emulator. */
export interface FakeBinanceClientOptions {
  readonly market: MarketId;
  readonly baseUrl: string;
  readonly restBaseUrl: string;
  readonly wsApiUrl: string;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly path: string;
  readonly route: Route;
  readonly combined: boolean;
  /** Every stream subscribed (deliverable or not), in subscription order. */
  readonly streams: string[];
  readonly openedAt: number;
  readonly remoteAddress: string;
  /** Frames the client sent (JSON control messages, pings, pongs), oldest first. */
  readonly received: ControlMessage[];
  readonly framesSent: number;
  readonly stalled: boolean;
  readonly blackholed: boolean;
  readonly latencyMs: number;
}

export interface EmulatorStats {
  connectionsOpened: number;
  connectionsClosed: number;
  connectionsOpen: number;
  upgradesRejected: { rateLimited429: number; banned418: number; injected: number; notFound: number };
  limitViolations: { messageRate: number; streamCount: number; pongTimeout: number; connectionAttempts: number };
  /** Frames sent per stream (counting each subscriber). */
  framesSent: Record<string, number>;
  framesSentTotal: number;
  eventsPublished: number;
  restRequests: number;
}

export interface FakeBinanceExtension {
  http?: ((req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>) | undefined;
  upgrade?: { path: string; handle: (ws: WebSocket, req: IncomingMessage, socket: Socket) => void } | undefined;
  userEvent?: ((apiKeyOrListenKey: string, json: string, payload: object) => number) | undefined;
  serverShutdown?: (() => number) | undefined;
  close?: (() => void | Promise<void>) | undefined;
}

export class FakeBinance implements ConnectionHost {
  readonly options: ResolvedOptions;
  readonly opts: ResolvedOptions;
  readonly market: MarketProfile;
  readonly clock: Clock;
  readonly log: Logger;
  /** Failures on demand. */
  readonly faults: Faults;

  private readonly server: EmulatorServer;
  private readonly data: MarketData;
  private readonly truth: GroundTruth;
  private readonly hub: Hub;
  private readonly keys: ListenKeys;
  private readonly limiter: AttemptLimiter;
  private readonly conns = new Map<number, StreamConnection>();
  private readonly control: ControlMessage[] = [];
  private readonly exts: FakeBinanceExtension[] = [];
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private readonly counters = {
    connectionsOpened: 0,
    connectionsClosed: 0,
    upgradesRejected: { rateLimited429: 0, banned418: 0, injected: 0, notFound: 0 },
    limitViolations: { messageRate: 0, streamCount: 0, pongTimeout: 0, connectionAttempts: 0 },
    framesSent: new Map<string, number>(),
    framesSentTotal: 0,
    restRequests: 0,
  };

  private constructor(opts: ResolvedOptions, logger: Partial<Logger> | undefined) {
    this.options = opts;
    this.opts = opts;
    this.market = getMarket(opts.market);
    this.clock = new Clock(opts.timeScale);
    this.log = normalizeLogger(logger);
    const seed = normalizeSeed(opts.seed);
    this.data = new MarketData(opts.market, opts.symbols, seed, opts.rates);
    this.truth = new GroundTruth(opts.groundTruthLimit);
    this.hub = new Hub(opts, this.clock, this.data, this.truth);
    this.keys = new ListenKeys(this.clock, opts.listenKeyValidityMs, new Rng(hashString('listenKeys', seed)), (key, state) => this.onListenKeyEnd(key, state));
    this.limiter = new AttemptLimiter(opts.maxConnectionAttempts, opts.connectionAttemptWindowMs, opts.banAfterRejectedAttempts, opts.banDurationMs);
    this.faults = new Faults({
      clock: this.clock,
      resolveTarget: (t) => this.resolveTarget(t),
      expireListenKey: (k) => this.keys.end(k, 'expired'),
      deleteListenKey: (k) => this.keys.end(k, 'deleted'),
      resetAttemptLimits: () => this.limiter.reset(),
    });
    const origShutdown = this.faults.serverShutdown.bind(this.faults);
    this.faults.serverShutdown = (target, o) => {
      let n = origShutdown(target, o);
      if ('all' in target) for (const e of this.exts) n += e.serverShutdown?.() ?? 0;
      return n;
    };
    this.server = new EmulatorServer({
      http: (req, res) => void this.onHttp(req, res),
      upgrade: (req, socket, head) => this.onUpgrade(req, socket, head),
    });
  }

  /** Start an emulator on `host:port` (127.0.0.1:0 by default). */
  static async start(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
    const ex = new FakeBinance(resolveOptions(options), options.logger);
    await ex.server.listen(ex.options.host, ex.options.port);
    installWsApi(ex); // the spot WebSocket API (user data) is always served at urls.wsApi
    ex.log.info({ market: ex.options.market, port: ex.server.port }, 'FakeBinance listening');
    return ex;
  }

  get port(): number {
    return this.server.port;
  }

  /**
   * The spot WebSocket API at `urls.wsApi` (user data via `userDataStream.subscribe*`,
   * listenTokens): register accounts with `ex.wsApi.addAccount({ apiKey, secret })` (HMAC)
   * or `{ apiKey, publicKeyPem }` (Ed25519/RSA), push events with `ex.wsApi.pushEvent()`.
   */
  get wsApi(): WsApiEmulator {
    return installWsApi(this);
  }

  get urls(): FakeBinanceUrls {
    const h = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const base = `${h}:${this.server.port}`;
    return { ws: `ws://${base}`, http: `http://${base}`, wsApi: `ws://${base}/ws-api/v3` };
  }

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

  /** Push a payload (object or JSON text) to the subscribers of a stream; recorded in the ground truth. Returns its seq. */
  publish(stream: string, payload: unknown): number {
    if (typeof stream !== 'string' || !stream) throw new TypeError('publish: stream must be a non-empty string');
    const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (raw === undefined) throw new TypeError('publish: payload is not JSON-serializable');
    return this.hub.publishRaw(stream, raw).seq;
  }

  /**
   * Push a user-data event (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE…) to the sockets bound to a
   * listenKey, or to the active listenKey of an API key (spot: to the WS API extension).
   * Returns the number of sockets it was sent to (0 if the key is not active).
   */
  pushUserEvent(listenKeyOrApiKey: string, payload: object): number {
    const json = JSON.stringify(payload);
    const e = (payload as { e?: unknown }).e;
    let n = 0;
    for (const ext of this.exts) n += ext.userEvent?.(listenKeyOrApiKey, json, payload) ?? 0;
    const key = this.keys.isKnown(listenKeyOrApiKey) ? listenKeyOrApiKey : this.keys.activeFor(listenKeyOrApiKey);
    if (!key || !this.keys.isActive(key)) return n;
    n += [...this.hub.subscribers(key)].filter((c) => !c.userEvents || typeof e !== 'string' || c.userEvents.has(e)).length;
    this.hub.publishRaw(key, json, typeof e === 'string' ? e : undefined);
    return n;
  }

  private onListenKeyEnd(key: string, state: 'expired' | 'deleted'): void {
    this.log.debug({ listenKey: maskSecret(key), state }, 'listenKey ended');
    this.hub.publishRaw(key, `{"e":"listenKeyExpired","E":${this.clock.now()},"listenKey":"${key}"}`, 'listenKeyExpired');
  }

  /**
   * Events published on a stream (ring of `groundTruthLimit`), oldest first. Flooded events
   * (rate `Infinity`, `flood()`) are included like any other: each batch is recorded as its
   * template plus first ids and turned into the exact payload texts when read here, so the
   * last `groundTruthLimit` events are always exact; `publishedCount()` counts them all.
   * A flood cycles through a few payloads (prices, quantities) and advances only the
   * sequence fields (aggTrade `a`/`f`/`l`, trade `t`, depth `U`/`u`/`pu`, bookTicker `u`,
   * partial depth `lastUpdateId`) and the time (`E`, `T`), continuing the stream's own
   * sequence; flooded depth events do not change the order book (a REST snapshot taken
   * during a depth flood matches its update ids, not its levels). No `stampField` in floods.
   */
  groundTruth(stream: string): GroundTruthEvent[] {
    return this.truth.events(stream);
  }

  /** Total events ever published on a stream (including those evicted from the ring). */
  publishedCount(stream: string): number {
    return this.truth.count(stream);
  }

  connections(): ConnectionInfo[] {
    const now = this.clock.now();
    return [...this.conns.values()].map((c) => ({
      id: c.id,
      path: c.path,
      route: c.route,
      combined: c.combined,
      streams: [...c.streams],
      openedAt: c.openedAt,
      remoteAddress: c.remoteAddress,
      received: [...c.received],
      framesSent: c.framesSent,
      stalled: c.stalledUntil > now,
      blackholed: c.blackholed,
      latencyMs: c.latencyMs,
    }));
  }

  /** Every control message received on any stream connection (bounded by `controlLogLimit`). */
  controlLog(): ControlMessage[] {
    return [...this.control];
  }

  stats(): EmulatorStats {
    const c = this.counters;
    return {
      connectionsOpened: c.connectionsOpened,
      connectionsClosed: c.connectionsClosed,
      connectionsOpen: this.conns.size,
      upgradesRejected: { ...c.upgradesRejected },
      limitViolations: { ...c.limitViolations },
      framesSent: Object.fromEntries(c.framesSent),
      framesSentTotal: c.framesSentTotal,
      eventsPublished: this.hub.eventsPublished,
      restRequests: c.restRequests,
    };
  }

  listenKeys(): ListenKeyInfo[] {
    return this.keys.list();
  }

  /** Streams whose data is being generated right now. */
  generatingStreams(): string[] {
    return this.hub.generating();
  }

  /**
   * Publish `count` events (or for `durationMs`) as fast as the slowest subscriber drains
   * (pre-built frames written straight to the sockets, see `groundTruth()` for what they
   * carry). Several floods on one stream run one after the other. Resolves with the events sent.
   */
  flood(o: FloodOptions): Promise<FloodResult> {
    return this.hub.flood(o);
  }

  /** Internal: register a protocol extension (see the comment at the top of this file). */
  _extend(ext: FakeBinanceExtension): void {
    this.exts.push(ext);
  }

  // ---- ConnectionHost -----------------------------------------------------

  isDeliverable(conn: StreamConnection, stream: string): boolean {
    const isKey = this.keys.isKnown(stream);
    if (this.options.market === 'usdm') {
      if (conn.route === 'private') return true; // every name on /private is a listenKey
      if (isKey) return false; // legacy /ws/<listenKey> no longer delivers
      return routeFor(this.market, stream) === (conn.route || 'public');
    }
    return true;
  }

  addSubscriber(conn: StreamConnection, stream: string): void {
    this.hub.add(conn, stream);
  }

  removeSubscriber(conn: StreamConnection, stream: string): void {
    this.hub.remove(conn, stream);
  }

  connectionClosed(conn: StreamConnection): void {
    if (this.conns.delete(conn.id)) this.counters.connectionsClosed++;
    this.log.info({ connectionId: conn.id }, 'connection closed');
  }

  recordControl(msg: ControlMessage): void {
    this.control.push(msg);
    if (this.control.length > this.options.controlLogLimit) this.control.shift();
  }

  violation(conn: StreamConnection, kind: ViolationKind): void {
    this.counters.limitViolations[kind]++;
    this.log.warn({ connectionId: conn.id, kind }, 'limit violation: disconnecting');
  }

  frameSent(stream: string, count: number): void {
    const m = this.counters.framesSent;
    m.set(stream, (m.get(stream) ?? 0) + count);
    this.counters.framesSentTotal += count;
  }

  drained(_conn: StreamConnection): void {
    this.hub.drained();
  }

  private resolveTarget(t: FaultTarget): StreamConnection[] {
    const all = [...this.conns.values()];
    if ('all' in t && t.all) return all;
    if ('connectionId' in t) return all.filter((c) => c.id === t.connectionId);
    if ('stream' in t) return all.filter((c) => c.streams.has(t.stream));
    throw new TypeError('fault target: expected { all: true } | { connectionId } | { stream }');
  }

  // ---- HTTP & upgrades ----------------------------------------------------

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.restRequests++;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (this.faults.applyRestFailure((req.method ?? 'GET').toUpperCase(), url.pathname, res)) return;
      for (const e of this.exts) if (e.http && (await e.http(req, res, url))) return;
      const handled = await handleRest(
        {
          market: this.options.market,
          clock: this.clock,
          data: this.data,
          truth: this.truth,
          listenKeys: this.keys,
          acceptsApiKey: (k) => this.acceptsApiKey(k),
        },
        req,
        res,
        url,
      );
      if (!handled) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end(`FakeBinance (${this.options.market}): no route for ${req.method} ${url.pathname}`);
      }
    } catch (err) {
      this.log.error({ err: String(err) }, 'REST handler failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' }));
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.closing) return void socket.destroy();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ip = socket.remoteAddress ?? '';
    const verdict = this.limiter.check(ip, this.clock.now());
    if (!verdict.ok) {
      if (verdict.status === 429) {
        this.counters.upgradesRejected.rateLimited429++;
        this.counters.limitViolations.connectionAttempts++;
      } else this.counters.upgradesRejected.banned418++;
      const body =
        verdict.status === 429
          ? { code: -1003, msg: `Too many requests; current limit is ${this.options.maxConnectionAttempts} connection attempts per ${this.options.connectionAttemptWindowMs / 1000} s.` }
          : { code: -1003, msg: `Way too many requests; IP banned for ${verdict.retryAfterSec} s.` };
      return EmulatorServer.rejectUpgrade(socket, verdict.status, verdict.retryAfterSec, JSON.stringify(body));
    }
    const injected = this.faults.takeUpgradeRejection();
    if (injected) {
      this.counters.upgradesRejected.injected++;
      return EmulatorServer.rejectUpgrade(socket, injected.status, injected.retryAfterSec, JSON.stringify({ code: -1000, msg: `Injected upgrade rejection (HTTP ${injected.status})` }));
    }
    for (const e of this.exts) {
      if (e.upgrade && url.pathname === e.upgrade.path) {
        const up = e.upgrade;
        this.server.wss.handleUpgrade(req, socket, head, (ws) => up.handle(ws, req, socket));
        return;
      }
    }
    const parsed = parseStreamPath(this.market, url);
    if (!parsed) {
      this.counters.upgradesRejected.notFound++;
      return EmulatorServer.rejectUpgrade(socket, 404, undefined, JSON.stringify({ code: -1000, msg: `Unknown stream path ${url.pathname}` }));
    }
    this.server.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closing) return void ws.terminate();
      const id = this.nextId++;
      this.counters.connectionsOpened++;
      const conn = new StreamConnection(ws, socket, req, { id, path: (req.url ?? '/'), ...parsed }, this);
      if (!conn.closed) this.conns.set(id, conn);
      else this.counters.connectionsClosed++;
      this.log.info({ connectionId: id, path: url.pathname, streams: parsed.streams.length }, 'connection opened');
    });
  }

  /** Close every socket, timer and the listener. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const e of this.exts) {
        try {
          await e.close?.();
        } catch {
          /* extension cleanup must not block close */
        }
      }
      this.faults.releaseHung();
      for (const c of this.conns.values()) c.destroy();
      this.conns.clear();
      this.hub.dispose();
      this.keys.dispose();
      this.clock.dispose();
      await this.server.close();
    })();
    return this.closing;
  }
}
