/**
 * One resilient WebSocket: dials (through the IP-wide dial gate), re-dials after any
 * failure under the retry policy, re-subscribes its streams after every reconnect,
 * answers pings, detects a dead peer (heartbeat) and a silent feed (stale watchdog),
 * paces everything it sends, and never opens a combined socket with no stream on it.
 * The contract is `ResilientSocketLike` in ./types.ts.
 */
import EventEmitter from 'eventemitter3';
import { BinanceStreamError, closeError, describeError, parseRetryAfter, toStreamError } from '../core/errors';
import type { ErrorCode } from '../core/errors';
import type { SocketCloseEvent, SocketState } from './events';
import { normalizeLogger } from '../core/logger';
import type { Logger } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import { decide } from '../retry/decide';
import type { RetryContext, RetryPolicy } from '../retry/policy';
import { classifyStream } from '../streams/classify';
import type { StreamMessage } from '../streams/types';
import { openDialGate } from './dial-gate';
import { Heartbeat } from './heartbeat';
import { OutboundScheduler } from './outbound-scheduler';
import { resolveOptions, validateStreams } from './socket-options';
import type { Resolved } from './socket-options';
import { canTransition } from './state';
import { Subscriptions } from './subscriptions';
import type { SubscriptionMethod } from './subscriptions';
import type { DialGate, ResilientSocketLike, ResilientSocketOptions, SocketEvents, SocketStats, WebSocketFactory } from './types';
import { fitStreamsInUrl, maskUrl } from './url';
import type { UrlProvider } from './url';
import { StaleWatchdog } from './watchdog';
import { defaultWebSocketFactory } from './websocket-factory';
import type { ExtendedWebSocket } from './websocket-factory';

/** How long stop() waits for close handshakes before terminating sockets. */
const CLOSE_WAIT_MS = 1_000;
/** After terminate(), how long stop() waits for the sockets to report closed. */
const TERMINATE_WAIT_MS = 250;
/** Minimum spacing of repeated "listener threw" log lines. */
const LISTENER_LOG_EVERY_MS = 5_000;

const OPEN = 1;
const CLOSED = 3;

interface Conn {
  readonly ws: ExtendedWebSocket;
  /** Masked URL. */
  readonly url: string;
  readonly urlStreams: readonly string[];
  readonly abort: AbortController;
  /** Answer pings ourselves (ws built with autoPong: false, the default factory's choice). */
  readonly manualPong: boolean;
  connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The WebSocket opened (handshake done). */
  openedAt: number | undefined;
  /** The socket reached state `open` (after the onOpen hook). */
  readyAt: number | undefined;
  done: boolean;
  gotData: boolean;
  shutdownSeen: boolean;
  /** Last transport error event, kept as the cause of the close. */
  lastError: unknown;
  /** Set when the upgrade was answered with an HTTP status. */
  rejection: BinanceStreamError | undefined;
}

function closeReasonText(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason && typeof (reason as { toString?: unknown }).toString === 'function') return String(reason);
  return '';
}

function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

/**
 * See `ResilientSocketLike` (./types.ts) for the contract and `ResilientSocketOptions`
 * for every option and its default.
 */
export class ResilientSocket extends EventEmitter<SocketEvents> implements ResilientSocketLike {
  readonly id: string;
  private readonly market: MarketProfile;
  private readonly opts: Resolved;
  private readonly urlProvider: UrlProvider;
  private readonly onMessage: (message: StreamMessage, socket: ResilientSocketLike) => void;
  private readonly onOpenHook: ResilientSocketOptions['onOpen'];
  private readonly policy: RetryPolicy;
  private readonly logger: Logger;
  private readonly gate: DialGate;
  private readonly factory: WebSocketFactory;
  private readonly now: () => number;
  private readonly raw: boolean;

  private _state: SocketState = 'idle';
  private readonly wanted = new Set<string>();
  private conn: Conn | undefined;
  private started = false;
  private dialAbort: AbortController | undefined;
  private backoffTimer: ReturnType<typeof setTimeout> | undefined;
  private stopPromise: Promise<void> | undefined;

  /** Consecutive failures (the policy's attempt counter); reset after a healthy connection. */
  private failures = 0;
  private streakStartedAt: number | undefined;
  /** Failed attempts since the last open (for "connected after N retries"). */
  private failedSinceOpen = 0;
  /** When the last good connection was lost, and dials since. */
  private lostAt: number | undefined;
  private dialsSinceLost = 0;
  private everOpened = false;
  private reconnectCount = 0;

  private messages = 0;
  private lastInbound = 0;
  private lastData = 0;
  private lastErrorText: string | undefined;
  private staleThreshold: number | undefined;
  private warnedTooMany = false;
  private listenerErrors = 0;
  private lastListenerLogAt = -Infinity;

  private readonly scheduler: OutboundScheduler;
  private readonly subs: Subscriptions;
  private readonly watchdog: StaleWatchdog;
  private heartbeat: Heartbeat | undefined;

  private readonly lingering = new Set<ExtendedWebSocket>();
  private lingerDone: (() => void) | undefined;

  constructor(options: ResilientSocketOptions) {
    super();
    if (!options || typeof options !== 'object') throw new TypeError('ResilientSocket: options object required');
    if (typeof options.id !== 'string' || !options.id) throw new TypeError(`ResilientSocket option id: expected a non-empty string, got ${JSON.stringify(options.id)}`);
    if (!options.market || typeof options.market !== 'object' || !options.market.limits) throw new TypeError('ResilientSocket option market: expected a MarketProfile');
    if (typeof options.url !== 'function') throw new TypeError('ResilientSocket option url: expected a function ({streams, attempt, signal}) => string | Promise<string>');
    if (typeof options.onMessage !== 'function') throw new TypeError('ResilientSocket option onMessage: expected a function');
    const p = options.retryPolicy;
    if (!p || typeof p.delayMs !== 'function' || typeof p.shouldRetry !== 'function') throw new TypeError('ResilientSocket option retryPolicy: expected a RetryPolicy');
    if (options.onOpen !== undefined && typeof options.onOpen !== 'function') throw new TypeError('ResilientSocket option onOpen: expected a function');
    this.id = options.id;
    this.market = options.market;
    this.opts = resolveOptions(options);
    this.raw = this.opts.mode === 'raw';
    this.urlProvider = options.url;
    this.onMessage = options.onMessage;
    this.onOpenHook = options.onOpen;
    this.policy = p;
    this.logger = normalizeLogger(options.logger);
    this.gate = options.dialGate ?? openDialGate;
    this.factory = options.webSocketFactory ?? defaultWebSocketFactory;
    this.now = options.now ?? Date.now;
    this.scheduler = new OutboundScheduler({
      maxPerWindow: this.opts.maxOutgoingPerSecond,
      now: this.now,
      onError: (err) => this.reportError(toStreamError(err, 'ERR_UNEXPECTED'), 'error', 'outbound send failed'),
    });
    this.subs = new Subscriptions(
      {
        transmit: (text) => this.transmit(text),
        enqueue: (action) => this.scheduler.enqueue(action),
        onAnswered: (method, streams, requestId) => this.onSubscriptionAnswered(method, streams, requestId),
        onFailed: (method, streams, requestId, error) => this.onSubscriptionFailed(method, streams, requestId, error),
      },
      { maxStreamsPerRequest: this.opts.maxStreamsPerRequest, requestTimeoutMs: this.opts.requestTimeoutMs },
    );
    this.watchdog = new StaleWatchdog(
      {
        now: this.now,
        lastDataAt: () => Math.max(this.lastData, this.conn?.readyAt ?? 0),
        thresholdMs: () => this.staleThresholdMs(),
        onStale: (silentMs, action) => this.onStale(silentMs, action),
      },
      this.opts.staleDebounceMs,
    );
    if (options.streams !== undefined) {
      validateStreams('streams', options.streams);
      for (const s of options.streams) this.wanted.add(s);
    }
  }

  // ───────────────────────────── public surface ─────────────────────────────

  get state(): SocketState {
    return this._state;
  }

  get streams(): ReadonlySet<string> {
    return this.wanted;
  }

  get connectedAt(): number | undefined {
    return this.conn?.readyAt;
  }

  start(): void {
    if (this._state === 'closing' || this._state === 'closed') {
      this.logger.debug({ socketId: this.id, state: this._state }, 'start() ignored: socket is stopped');
      return;
    }
    this.started = true;
    if (this._state === 'idle' && this.canOpen()) this.beginConnect('start()');
  }

  addStreams(streams: readonly string[]): void {
    validateStreams('addStreams', streams);
    const added: string[] = [];
    for (const s of streams) {
      if (this.wanted.has(s)) continue;
      this.wanted.add(s);
      added.push(s);
    }
    if (!added.length) return;
    this.staleThreshold = undefined;
    if (!this.warnedTooMany && this.wanted.size > this.market.limits.maxStreamsPerConnection) {
      this.warnedTooMany = true;
      this.logger.warn(
        { socketId: this.id, streams: this.wanted.size, limit: this.market.limits.maxStreamsPerConnection },
        `socket carries more streams than Binance allows per connection (${this.market.limits.maxStreamsPerConnection})`,
      );
    }
    if (this.raw) return;
    if (this.conn?.readyAt !== undefined) {
      this.subs.add(added);
      this.watchdog.refresh();
    } else if (this._state === 'idle' && this.started) {
      this.beginConnect('streams added');
    }
  }

  removeStreams(streams: readonly string[]): void {
    validateStreams('removeStreams', streams);
    const removed: string[] = [];
    for (const s of streams) if (this.wanted.delete(s)) removed.push(s);
    if (!removed.length) return;
    this.staleThreshold = undefined;
    if (this.raw) return;
    if (this.wanted.size === 0) {
      this.goIdle('no streams left');
      return;
    }
    if (this.conn?.readyAt !== undefined) {
      this.subs.remove(removed);
      this.watchdog.refresh();
    }
  }

  resubscribe(streams: readonly string[]): void {
    validateStreams('resubscribe', streams);
    if (this.raw || this.conn?.readyAt === undefined) return;
    this.subs.resubscribe(streams.filter((s) => this.wanted.has(s)));
  }

  /** Queue a JSON frame; false (and a warn log) when no connection is open to carry it. */
  send(frame: object): boolean {
    if (frame === null || typeof frame !== 'object') throw new TypeError(`send: expected a JSON-serialisable object, got ${frame === null ? 'null' : typeof frame}`);
    const text = JSON.stringify(frame);
    const conn = this.conn;
    if (!conn || conn.done || conn.openedAt === undefined) {
      this.logger.warn({ socketId: this.id, state: this._state }, 'send dropped: socket not connected');
      return false;
    }
    this.scheduler.enqueue(() => this.conn === conn && this.transmit(text));
    return true;
  }

  reconnect(reason: string): void {
    const why = typeof reason === 'string' && reason ? reason : 'reconnect() called';
    switch (this._state) {
      case 'open': {
        const err = new BinanceStreamError('ERR_CLOSED', `reconnect requested: ${why}`, { closeCode: 1000, closeReason: why, streams: [...this.wanted] });
        this.restartNow(err, why, 'info');
        return;
      }
      case 'reconnecting':
        if (this.backoffTimer !== undefined) {
          clearTimeout(this.backoffTimer);
          this.backoffTimer = undefined;
          this.logger.info({ socketId: this.id, reason: why }, 'reconnect requested during backoff: dialing now');
          this.beginConnect(`reconnect(): ${why}`);
        }
        return;
      default:
        // connecting: a fresh dial is already under way; idle/closing/closed: nothing to do.
        this.logger.debug({ socketId: this.id, state: this._state, reason: why }, 'reconnect() ignored');
    }
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  stats(): SocketStats {
    const now = this.now();
    const readyAt = this.conn?.readyAt;
    const uptime = readyAt !== undefined ? now - readyAt : 0;
    return {
      socketId: this.id,
      state: this._state,
      streams: this.wanted.size,
      uptimeMs: uptime,
      connectedAt: readyAt,
      reconnects: this.reconnectCount,
      retries: readyAt !== undefined && uptime >= this.policy.resetAfterMs ? 0 : this.failures,
      messagesReceived: this.messages,
      outboundPerSecond: this.scheduler.sentInWindow(),
      outboundTotal: this.scheduler.total,
      outboundQueued: this.scheduler.queued,
      lastMessageAt: this.lastData || undefined,
      lastError: this.lastErrorText,
    };
  }

  // ───────────────────────────── state machine ─────────────────────────────

  private setState(to: SocketState, reason: string): void {
    const from = this._state;
    if (from === to) return;
    if (!canTransition(from, to)) {
      // A bug if it happens: say so loudly, but never throw into the event loop.
      this.logger.error({ socketId: this.id, from, to, reason }, `illegal state transition ${from} → ${to}`);
    }
    this._state = to;
    this.logger.debug({ socketId: this.id, from, to, reason }, `${from} → ${to}`);
    this.safeEmit('stateChange', { socketId: this.id, from, to, reason });
  }

  private canOpen(): boolean {
    return this.raw || this.wanted.size > 0;
  }

  private beginConnect(reason: string): void {
    if (!this.canOpen()) {
      this.goIdle('no streams to carry');
      return;
    }
    this.setState('connecting', reason);
    this.dialsSinceLost++;
    const ac = new AbortController();
    this.dialAbort = ac;
    void this.dial(ac, this.failures);
  }

  private async dial(ac: AbortController, attempt: number): Promise<void> {
    const signal = ac.signal;
    try {
      await this.gate.acquire(this.id, signal);
      if (signal.aborted || this.dialAbort !== ac) return;
      const streams = [...this.wanted];
      if (!this.canOpen()) {
        this.goIdle('no streams to carry');
        return;
      }
      const { url, urlStreams } = this.raw
        ? { url: await this.callRawProvider(streams, attempt, signal), urlStreams: [] as readonly string[] }
        : await fitStreamsInUrl(this.urlProvider, streams, this.opts.maxUrlLength, attempt, signal);
      if (signal.aborted || this.dialAbort !== ac) return;
      if (!this.canOpen()) {
        this.goIdle('no streams to carry');
        return;
      }
      this.openWs(url, urlStreams, ac);
    } catch (err) {
      if (signal.aborted || this.dialAbort !== ac) return;
      this.handleFailure(toStreamError(err, 'ERR_UNEXPECTED'), undefined);
    }
  }

  private async callRawProvider(streams: readonly string[], attempt: number, signal: AbortSignal): Promise<string> {
    const url = await this.urlProvider({ streams, attempt, signal });
    if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `url provider returned ${typeof url === 'string' ? JSON.stringify(maskUrl(url)) : typeof url}; expected a ws:// or wss:// URL`, {
        permanent: true,
      });
    }
    return url;
  }

  private openWs(url: string, urlStreams: readonly string[], ac: AbortController): void {
    let ws: ExtendedWebSocket;
    try {
      ws = this.factory(url) as ExtendedWebSocket;
    } catch (err) {
      // ws throws SyntaxError synchronously for a malformed URL: retrying cannot help.
      const permanent = err instanceof SyntaxError;
      this.handleFailure(new BinanceStreamError('ERR_SOCKET', `could not create the WebSocket: ${describeError(err)}`, { cause: err, permanent }), undefined);
      return;
    }
    const conn: Conn = {
      ws,
      url: maskUrl(url),
      urlStreams,
      abort: ac,
      // ws ≥ 8.16 sets _autoPong only when it answers pings itself; then we only count its pongs.
      manualPong: typeof ws.pong === 'function' && ws._autoPong !== true,
      connectTimer: undefined,
      openedAt: undefined,
      readyAt: undefined,
      done: false,
      gotData: false,
      shutdownSeen: false,
      lastError: undefined,
      rejection: undefined,
    };
    this.conn = conn;
    this.logger.debug({ socketId: this.id, url: conn.url, urlStreams: urlStreams.length }, 'dialing');
    conn.connectTimer = setTimeout(() => {
      conn.connectTimer = undefined;
      const err = new BinanceStreamError('ERR_CONNECT_TIMEOUT', `no WebSocket handshake within ${this.opts.connectTimeoutMs} ms`, { streams: urlStreams });
      this.failConn(conn, err, 'terminate');
    }, this.opts.connectTimeoutMs);
    ws.onopen = () => this.onWsOpen(conn);
    ws.onclose = (ev) => this.onWsClose(conn, typeof ev?.code === 'number' ? ev.code : 1006, closeReasonText(ev?.reason));
    ws.onerror = (ev) => {
      conn.lastError = (ev as { error?: unknown })?.error ?? ev;
    };
    if (typeof ws.on === 'function') {
      ws.on('message', (data: unknown) => this.onFrame(conn, data));
      ws.on('ping', (data: unknown) => this.onPing(conn, data));
      ws.on('pong', () => {
        if (this.conn === conn) this.lastInbound = this.now();
      });
      ws.on('unexpected-response', (_req: unknown, res: { statusCode?: number; statusMessage?: string; headers?: Record<string, string | string[] | undefined>; resume?: () => void }) =>
        this.onUnexpectedResponse(conn, res),
      );
    } else {
      ws.onmessage = (ev) => this.onFrame(conn, ev.data);
    }
  }

  // ───────────────────────────── connection events ─────────────────────────────

  private onWsOpen(conn: Conn): void {
    if (conn.done || this.conn !== conn) return;
    const now = this.now();
    conn.openedAt = now;
    this.lastInbound = now;
    if (conn.connectTimer !== undefined) clearTimeout(conn.connectTimer);
    conn.connectTimer = undefined;
    this.scheduler.reset();
    this.startHeartbeat(conn);
    if (!this.onOpenHook) {
      this.onReady(conn);
      return;
    }
    const hook = this.onOpenHook;
    // A hook that never settles (a lost logon answer) must not park the socket in `connecting`.
    const hookTimeoutMs = this.opts.connectTimeoutMs + this.opts.requestTimeoutMs;
    conn.connectTimer = setTimeout(() => {
      conn.connectTimer = undefined;
      const err = new BinanceStreamError('ERR_CONNECT_TIMEOUT', `onOpen hook did not finish within ${hookTimeoutMs} ms`, { streams: conn.urlStreams });
      this.failConn(conn, err, 'close');
    }, hookTimeoutMs);
    Promise.resolve()
      .then(() => hook(this, conn.abort.signal))
      .then(
        () => this.onReady(conn),
        (err: unknown) => {
          if (conn.done || this.conn !== conn) return;
          this.failConn(conn, toStreamError(err, 'ERR_UNEXPECTED'), 'close');
        },
      );
  }

  private onReady(conn: Conn): void {
    if (conn.done || this.conn !== conn || this._state !== 'connecting') return;
    if (conn.connectTimer !== undefined) clearTimeout(conn.connectTimer);
    conn.connectTimer = undefined;
    const now = this.now();
    conn.readyAt = now;
    const retries = this.failedSinceOpen;
    this.failedSinceOpen = 0;
    this.setState('open', retries ? `connected after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : 'connected');
    const wasReconnect = this.everOpened;
    this.everOpened = true;
    this.logger.info(
      { socketId: this.id, url: conn.url, streams: this.raw ? undefined : this.wanted.size, retries },
      retries ? `connected after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : 'connected',
    );
    this.safeEmit('open', { socketId: this.id, url: conn.url, streams: this.wanted.size, retries });
    if (wasReconnect && this.lostAt !== undefined) {
      this.reconnectCount++;
      this.safeEmit('reconnected', { socketId: this.id, attempts: Math.max(1, this.dialsSinceLost), downtimeMs: now - this.lostAt });
    }
    this.lostAt = undefined;
    this.dialsSinceLost = 0;
    if (conn.done || this.conn !== conn) return; // a listener stopped or reconnected us
    if (!this.raw) {
      const inUrl = conn.urlStreams.filter((s) => this.wanted.has(s));
      if (inUrl.length) this.safeEmit('subscribed', { socketId: this.id, streams: inUrl });
      if (conn.done || this.conn !== conn) return;
      this.subs.begin(conn.urlStreams, this.wanted);
    }
    this.watchdog.start();
  }

  private onWsClose(conn: Conn, code: number, reason: string): void {
    if (this.lingering.delete(conn.ws) && this.lingering.size === 0) this.lingerDone?.();
    if (conn.done || this.conn !== conn) return;
    let error: BinanceStreamError;
    if (conn.rejection) error = conn.rejection;
    else if (conn.openedAt === undefined) {
      const cause = conn.lastError;
      error = new BinanceStreamError(
        'ERR_SOCKET',
        cause !== undefined ? `connection failed: ${describeError(cause)}` : `connection failed before the handshake completed (close ${code})`,
        { closeCode: code, streams: conn.urlStreams, ...(cause !== undefined ? { cause } : {}) },
      );
    } else error = closeError(code, reason, [...this.wanted], conn.lastError);
    this.endConn(conn);
    this.handleFailure(error, conn, { code, reason });
  }

  private onUnexpectedResponse(conn: Conn, res: { statusCode?: number; statusMessage?: string; headers?: Record<string, string | string[] | undefined>; resume?: () => void }): void {
    const status = typeof res?.statusCode === 'number' ? res.statusCode : 0;
    const retryAfterMs = parseRetryAfter(res?.headers?.['retry-after'], this.now());
    const retired = status === 410;
    const code: ErrorCode = retired ? 'ERR_ENDPOINT_RETIRED' : 'ERR_HANDSHAKE_REJECTED';
    conn.rejection = new BinanceStreamError(code, `WebSocket upgrade rejected with HTTP ${status}${res?.statusMessage ? ` ${res.statusMessage}` : ''}`, {
      httpStatus: status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      streams: conn.urlStreams,
      permanent: retired,
    });
    if (status === 429 || status === 418 || status === 403) {
      try {
        this.gate.reportRejection(status, retryAfterMs);
      } catch (err) {
        this.logger.error({ socketId: this.id, error: describeError(err) }, 'dialGate.reportRejection threw');
      }
    }
    try {
      res?.resume?.();
    } catch {
      /* draining the body is best effort */
    }
    // With an 'unexpected-response' listener, ws leaves aborting the request to us.
    this.closeWs(conn.ws, 'terminate');
  }

  private onPing(conn: Conn, data: unknown): void {
    if (this.conn !== conn) return;
    this.lastInbound = this.now();
    if (!conn.manualPong) {
      this.scheduler.recordExternal(); // ws answered it itself; it still counts against the limit
      return;
    }
    this.scheduler.enqueue(() => {
      if (this.conn !== conn || conn.ws.readyState !== OPEN || typeof conn.ws.pong !== 'function') return false;
      conn.ws.pong(data);
      return true;
    }, true);
  }

  // ───────────────────────────── hot path ─────────────────────────────

  /**
   * The receive time of the frames of one TCP chunk: `ws` delivers a chunk's frames
   * synchronously, so the clock is read once per chunk and invalidated by a microtask
   * instead of once per frame (a measurable share of the per-message cost at 500k msg/s).
   */
  private frameClock(): number {
    if (!this.frameNowValid) {
      this.frameNow = this.now();
      this.frameNowValid = true;
      queueMicrotask(this.invalidateFrameClock);
    }
    return this.frameNow;
  }

  private frameNow = 0;
  private frameNowValid = false;
  private readonly invalidateFrameClock = (): void => {
    this.frameNowValid = false;
  };

  private onFrame(conn: Conn, data: unknown): void {
    if (this.conn !== conn) return;
    const now = this.frameClock();
    this.lastInbound = now;
    let msg: any;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch (err) {
      this.onParseError(err, data);
      return;
    }
    if (msg === null || typeof msg !== 'object') {
      this.onParseError(new TypeError(`expected a JSON object, got ${msg === null ? 'null' : typeof msg}`), data);
      return;
    }
    if (this.raw) {
      this.onRawFrame(conn, msg, now);
      return;
    }
    const stream = msg.stream;
    if (typeof stream === 'string' && msg.data !== undefined) {
      if (stream === '!serverShutdown') {
        this.onServerShutdown(conn, msg.data);
        return;
      }
      msg.receivedAt = now;
      this.deliver(conn, msg as StreamMessage, now);
      return;
    }
    this.onControl(conn, msg);
  }

  private onRawFrame(conn: Conn, msg: any, now: number): void {
    if (msg.e === 'serverShutdown' || msg.event?.e === 'serverShutdown') {
      this.onServerShutdown(conn, msg.event ?? msg);
      return;
    }
    if (typeof msg.id === 'number' && this.subs.handleAnswer(msg)) return;
    this.deliver(conn, { stream: this.opts.rawStreamName, data: msg, receivedAt: now }, now);
  }

  private deliver(conn: Conn, message: StreamMessage, now: number): void {
    this.lastData = now;
    this.messages++;
    if (!conn.gotData) {
      conn.gotData = true;
      this.safeEmit('firstMessage', { socketId: this.id, afterOpenMs: now - (conn.openedAt ?? now) });
      if (this.conn !== conn) return;
    }
    try {
      this.onMessage(message, this);
    } catch (err) {
      this.onListenerError(err, message.stream);
    }
  }

  private onControl(conn: Conn, msg: any): void {
    if (msg.id !== undefined && msg.id !== null) {
      if (!this.subs.handleAnswer(msg)) this.logger.debug({ socketId: this.id, id: msg.id }, 'answer to an unknown request id');
      return;
    }
    if (msg.e === 'serverShutdown' || msg.event?.e === 'serverShutdown') {
      this.onServerShutdown(conn, msg.event ?? msg);
      return;
    }
    if (msg.code !== undefined && (typeof msg.msg === 'string' || msg.msg === undefined)) {
      if (this.subs.handleIdlessError(msg)) return;
      const err = new BinanceStreamError('ERR_SUBSCRIBE_FAILED', `server sent an error: ${typeof msg.msg === 'string' && msg.msg ? msg.msg : '(no message)'}`, {
        ...(typeof msg.code === 'number' ? { binanceCode: msg.code } : {}),
      });
      this.reportError(err, 'warn', 'server error frame');
      return;
    }
    this.logger.debug({ socketId: this.id, keys: Object.keys(msg).slice(0, 5) }, 'ignored control frame');
  }

  private onParseError(err: unknown, data: unknown): void {
    const text = typeof data === 'string' ? data : String(data);
    const sample = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    const error = new BinanceStreamError('ERR_PARSE', `could not parse a frame (${text.length} chars): ${describeError(err)}; starts with ${JSON.stringify(sample)}`, {
      cause: err,
    });
    this.reportError(error, 'warn', 'malformed frame ignored');
  }

  private onListenerError(err: unknown, stream: string): void {
    this.listenerErrors++;
    const error = new BinanceStreamError('ERR_LISTENER', `onMessage threw for ${stream}: ${describeError(err)}`, { cause: err, streams: [stream] });
    const now = this.now();
    const log = now - this.lastListenerLogAt >= LISTENER_LOG_EVERY_MS;
    if (log) this.lastListenerLogAt = now;
    this.reportError(error, log ? 'error' : undefined, 'message handler threw; the socket keeps going', stream, log ? { total: this.listenerErrors } : undefined);
  }

  // ───────────────────────────── subscriptions ─────────────────────────────

  private transmit(text: string): boolean {
    const conn = this.conn;
    if (!conn || conn.done || conn.ws.readyState !== OPEN) return false;
    conn.ws.send(text);
    return true;
  }

  private onSubscriptionAnswered(method: SubscriptionMethod, streams: readonly string[], requestId: number): void {
    this.logger.debug({ socketId: this.id, method, requestId, streams: streams.length }, `${method} acknowledged`);
    this.safeEmit(method === 'SUBSCRIBE' ? 'subscribed' : 'unsubscribed', { socketId: this.id, streams, requestId });
  }

  private onSubscriptionFailed(method: SubscriptionMethod, streams: readonly string[], requestId: number, error: BinanceStreamError): void {
    this.lastErrorText = describeError(error);
    this.logger.warn({ socketId: this.id, method, requestId, streams: streams.length, error: describeError(error) }, `${method} failed`);
    this.safeEmit('subscribeFailed', { socketId: this.id, streams, method, requestId, error });
  }

  // ───────────────────────────── liveness ─────────────────────────────

  private startHeartbeat(conn: Conn): void {
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    const hb = this.opts.heartbeat;
    if (hb === false || hb.idlePingMs <= 0 || typeof conn.ws.ping !== 'function') return;
    this.heartbeat = new Heartbeat(hb, {
      now: this.now,
      lastInboundAt: () => this.lastInbound,
      sendPing: () =>
        this.scheduler.enqueue(() => {
          if (this.conn !== conn || conn.ws.readyState !== OPEN || typeof conn.ws.ping !== 'function') return false;
          conn.ws.ping();
          return true;
        }, true),
      onDead: (silentMs) => {
        if (this.conn !== conn) return;
        const err = new BinanceStreamError('ERR_HEARTBEAT_TIMEOUT', `no frame at all for ${silentMs} ms, including the answer to our ping within ${hb.pongTimeoutMs} ms: peer is dead`, {
          streams: [...this.wanted],
        });
        this.failConn(conn, err, 'terminate');
      },
    });
    this.heartbeat.start();
  }

  private staleThresholdMs(): number {
    const opt = this.opts.staleAfterMs;
    if (opt === false) return 0;
    if (typeof opt === 'number') return opt;
    if (this.staleThreshold === undefined) {
      let min = Infinity;
      for (const s of this.wanted) min = Math.min(min, classifyStream(s, this.market.futures).staleAfterMs);
      this.staleThreshold = Number.isFinite(min) ? min : 0;
    }
    return this.staleThreshold;
  }

  private onStale(silentMs: number, action: 'reconnect' | 'none'): void {
    const conn = this.conn;
    if (!conn || conn.readyAt === undefined) return;
    const streams = [...this.wanted];
    if (conn.shutdownSeen && this.opts.onServerShutdown === 'emit') {
      // Binance is shutting this connection down and the owner (the pool) is handing it over
      // make-before-break (with its own timeout fallback): silence here is expected.
      this.safeEmit('stale', { socketId: this.id, scope: 'connection', streams, silentMs, action: 'none' });
      this.logger.debug({ socketId: this.id, silentMs }, 'no data after serverShutdown; the handover is under way');
      return;
    }
    this.safeEmit('stale', { socketId: this.id, scope: 'connection', streams, silentMs, action });
    if (action === 'none') {
      this.logger.warn({ socketId: this.id, silentMs, streams: streams.length, debounceMs: this.opts.staleDebounceMs }, `no data for ${seconds(silentMs)}; last stale reconnect too recent, waiting`);
      return;
    }
    if (this.conn !== conn) return;
    const err = new BinanceStreamError('ERR_STALE', `no data for ${seconds(silentMs)} while subscribed to ${streams.length} stream(s)`, { streams });
    this.restartNow(err, 'stale data', 'warn');
  }

  private onServerShutdown(conn: Conn, data: unknown): void {
    if (conn.shutdownSeen) return;
    conn.shutdownSeen = true;
    const at = typeof (data as { E?: unknown })?.E === 'number' ? (data as { E: number }).E : this.now();
    this.logger.info({ socketId: this.id, action: this.opts.onServerShutdown }, 'Binance announced serverShutdown');
    this.safeEmit('serverShutdown', { socketId: this.id, at });
    if (this.opts.onServerShutdown !== 'reconnect' || this.conn !== conn || this._state !== 'open') return;
    const err = new BinanceStreamError('ERR_SERVER_SHUTDOWN', 'Binance announced serverShutdown', { streams: [...this.wanted] });
    this.restartNow(err, 'serverShutdown', 'info');
  }

  // ───────────────────────────── failure handling ─────────────────────────────

  /** Abandon a connection for `error` and let the retry policy decide what follows. */
  private failConn(conn: Conn, error: BinanceStreamError, how: 'close' | 'terminate'): void {
    if (conn.done || this.conn !== conn) return;
    this.endConn(conn);
    this.closeWs(conn.ws, how, 1000, error.code);
    this.handleFailure(error, conn, { code: how === 'terminate' ? 1006 : 1000, reason: error.code });
  }

  /** Detach the current connection and clear everything that belongs to it. */
  private endConn(conn: Conn): void {
    conn.done = true;
    if (this.conn === conn) this.conn = undefined;
    if (this.dialAbort === conn.abort) this.dialAbort = undefined;
    conn.abort.abort();
    if (conn.connectTimer !== undefined) clearTimeout(conn.connectTimer);
    conn.connectTimer = undefined;
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    this.watchdog.stop();
    this.subs.clear();
    this.scheduler.reset();
  }

  private closeWs(ws: ExtendedWebSocket, how: 'close' | 'terminate', code = 1000, reason = ''): void {
    if (ws.readyState === CLOSED) return;
    this.lingering.add(ws);
    try {
      if (how === 'terminate' && typeof ws.terminate === 'function') ws.terminate();
      else ws.close(code, reason.slice(0, 100));
    } catch (err) {
      this.logger.debug({ socketId: this.id, error: describeError(err) }, 'closing the WebSocket threw');
    }
    if (ws.readyState === CLOSED) this.lingering.delete(ws);
  }

  private handleFailure(error: BinanceStreamError, conn: Conn | undefined, close?: { code: number; reason: string }): void {
    if (this._state === 'closing' || this._state === 'closed' || this._state === 'idle') return;
    const now = this.now();
    this.lastErrorText = describeError(error);
    const uptimeMs = conn?.openedAt !== undefined ? now - conn.openedAt : 0;
    if (conn?.openedAt !== undefined && uptimeMs >= this.policy.resetAfterMs) {
      this.failures = 0;
      this.streakStartedAt = undefined;
    }
    if (conn?.readyAt !== undefined) {
      this.lostAt = now;
      this.dialsSinceLost = 0;
    }
    this.streakStartedAt ??= now;
    const attempt = this.failures + 1;
    const streams = [...this.wanted];
    const ctx: RetryContext = { attempt, error, uptimeMs, elapsedMs: now - this.streakStartedAt, socketId: this.id, streams };
    const d = decide(this.policy, ctx);
    if (!d.retry && d.reason === 'policyError') this.logger.error({ socketId: this.id, error: describeError(d.policyError) }, 'retryPolicy.shouldRetry threw; giving up');
    if (close && conn?.readyAt !== undefined) this.emitClose(close.code, close.reason, d.retry, error);
    if (!d.retry) {
      this.giveUp(error, this.failures);
      return;
    }
    const delayMs = d.delayMs;
    if (d.policyError !== undefined) this.logger.error({ socketId: this.id, error: describeError(d.policyError) }, 'retryPolicy.delayMs failed; waiting 1 s');
    this.failures = attempt;
    this.failedSinceOpen++;
    this.setState('reconnecting', this.lastErrorText);
    const max = this.policy.maxRetries;
    const progress = `${attempt}/${Number.isFinite(max) ? max : '∞'}`;
    this.logger.warn({ socketId: this.id, attempt: progress, delayMs, error: this.lastErrorText, streams: streams.length }, `retry ${progress} in ${seconds(delayMs)}`);
    this.safeEmit('reconnecting', { socketId: this.id, attempt, maxRetries: max, delayMs, error, streams });
    if (this._state !== 'reconnecting') return; // a listener stopped us
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this._state === 'reconnecting') this.beginConnect(`retry ${progress}`);
    }, delayMs);
  }

  /** Routine reconnect without backoff (reconnect(), stale feed, serverShutdown). */
  private restartNow(error: BinanceStreamError, reason: string, level: 'info' | 'warn'): void {
    const conn = this.conn;
    if (conn) {
      const wasOpen = conn.readyAt !== undefined;
      this.endConn(conn);
      this.closeWs(conn.ws, 'close', 1000, reason);
      if (wasOpen) this.emitClose(1000, reason, true, error);
      if (conn.readyAt !== undefined) {
        this.lostAt = this.now();
        this.dialsSinceLost = 0;
      }
    }
    this.lastErrorText = describeError(error);
    this.failures = 0;
    this.streakStartedAt = undefined;
    this.setState('reconnecting', reason);
    const streams = [...this.wanted];
    this.logger[level]({ socketId: this.id, reason, error: this.lastErrorText, streams: streams.length }, `reconnecting now (${reason})`);
    this.safeEmit('reconnecting', { socketId: this.id, attempt: 1, maxRetries: this.policy.maxRetries, delayMs: 0, error, streams });
    if (this._state === 'reconnecting') this.beginConnect(reason);
  }

  private emitClose(code: number, reason: string, willReconnect: boolean, error: BinanceStreamError | undefined): void {
    this.logger.info({ socketId: this.id, code, reason: reason || undefined, willReconnect, error: error ? describeError(error) : undefined }, 'closed');
    const e: SocketCloseEvent = { socketId: this.id, code, reason, willReconnect, ...(error ? { error } : {}) };
    this.safeEmit('close', e);
  }

  private giveUp(error: BinanceStreamError, attempts: number): void {
    this.setState('closed', 'gave up');
    this.teardown();
    const streams = [...this.wanted];
    this.logger.error({ socketId: this.id, attempts, error: describeError(error), streams: streams.length }, `gave up after ${attempts} ${attempts === 1 ? 'retry' : 'retries'}`);
    this.safeEmit('gaveUp', { socketId: this.id, streams, attempts, error });
  }

  /** Combined socket left with no stream: close and wait for streams (or start()). */
  private goIdle(reason: string): void {
    if (this._state === 'idle' || this._state === 'closing' || this._state === 'closed') return;
    const conn = this.conn;
    this.dialAbort?.abort();
    this.dialAbort = undefined;
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    if (conn) {
      const wasOpen = conn.readyAt !== undefined;
      this.endConn(conn);
      this.closeWs(conn.ws, 'close', 1000, reason);
      if (wasOpen) this.emitClose(1000, reason, false, undefined);
    }
    this.setState('idle', reason);
  }

  // ───────────────────────────── stop ─────────────────────────────

  private teardown(): void {
    this.dialAbort?.abort();
    this.dialAbort = undefined;
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    const conn = this.conn;
    if (conn) {
      this.endConn(conn);
      this.closeWs(conn.ws, 'close', 1000, 'stop');
    }
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    this.watchdog.stop();
    this.subs.clear();
    this.scheduler.dispose();
  }

  private async doStop(): Promise<void> {
    const wasOpen = this.conn?.readyAt !== undefined;
    if (this._state === 'idle') this.setState('closed', 'stop()');
    else if (this._state !== 'closed') this.setState('closing', 'stop()');
    this.teardown();
    if (wasOpen) this.emitClose(1000, 'stop()', false, undefined);
    await this.drainLingering();
    if (this._state !== 'closed') this.setState('closed', 'stop()');
  }

  /** Wait for closing sockets (bounded), then terminate whatever is left and wait briefly for that. */
  private async drainLingering(): Promise<void> {
    if (!(await this.waitLingering(CLOSE_WAIT_MS))) {
      for (const ws of this.lingering) {
        try {
          if (typeof ws.terminate === 'function') ws.terminate();
        } catch {
          /* best effort */
        }
      }
      await this.waitLingering(TERMINATE_WAIT_MS);
    }
    this.lingering.clear();
  }

  /** Resolves true when every lingering socket closed, false after `ms`. */
  private waitLingering(ms: number): Promise<boolean> {
    if (this.lingering.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.lingerDone = undefined;
        resolve(false);
      }, ms);
      this.lingerDone = () => {
        clearTimeout(timer);
        this.lingerDone = undefined;
        resolve(true);
      };
    });
  }

  // ───────────────────────────── events ─────────────────────────────

  /** Emit without letting a throwing listener break the socket. */
  private safeEmit<K extends keyof SocketEvents>(name: K, payload: Parameters<SocketEvents[K]>[0]): void {
    try {
      (this.emit as (event: string, arg: unknown) => boolean)(name, payload);
    } catch (err) {
      const error = new BinanceStreamError('ERR_LISTENER', `a "${name}" listener threw: ${describeError(err)}`, { cause: err });
      this.reportError(error, 'error', 'event listener threw; the socket keeps going');
    }
  }

  /** Log (at `level`) and emit an `error` event; an `error` listener that throws is logged too. */
  private reportError(error: BinanceStreamError, level: 'warn' | 'error' | undefined, message: string, stream?: string, extra?: Record<string, unknown>): void {
    this.lastErrorText = describeError(error);
    if (level) this.logger[level]({ socketId: this.id, error: this.lastErrorText, ...(stream ? { stream } : {}), ...extra }, message);
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', { error, socketId: this.id, ...(stream ? { stream } : {}) });
    } catch (err) {
      this.logger.error({ socketId: this.id, error: describeError(err) }, 'an "error" listener threw');
    }
  }
}
