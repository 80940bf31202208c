/**
 * The user-data facade the client calls (`client.subscribeUserData()`): one typed state
 * machine per product over a driver —
 *
 * - `usdm` / `coinm` / `portfolio`: listenKey ({@link ListenKeyManager}) + stream socket
 *   (futures/futures-user-stream.ts);
 * - `spot`: WebSocket API (`userDataStream.subscribe.signature`, or `session.logon` +
 *   `userDataStream.subscribe` with an Ed25519 key);
 * - `margin`: listenToken + WebSocket API `userDataStream.subscribe.listenToken`
 *   (ws-api/ws-api-user-stream.ts).
 *
 * Events it emits through `emit`: the typed user-data events (`executionReport`,
 * `orderUpdate`…) and `userData`; `listenKey` (masked); `userDataState` (see the table
 * below); `userDataGap` after ANY interruption (reconnect, key expiry, terminated
 * subscription) with the window in which events may have been missed — reconcile orders
 * and balances over REST then; and the socket's own `stateChange`, `open`, `close`,
 * `reconnecting`, `reconnected`, `gaveUp`, `error`, `serverShutdown` (socket ids `user-<product>`).
 *
 * Secrets: the API key, secret and private key never reach a log line, an event or an
 * error message; listenKeys and listenTokens are masked.
 */
import { BinanceStreamError, aborted, invalidOption, toStreamError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { ListenKeyLifecycleEvent, UserDataEmit, UserDataStateEvent, UserDataStreamEvents } from './events';
import type { SocketStats, UserStreamContext, UserStreamDriver } from './driver';
import { FuturesUserStream } from './futures/futures-user-stream';
import { errorFields } from '../core/logger';
import type { CreateUserDataStreamOptions, ResolvedUserDataOptions } from './options';
import { hasSigner, resolveUserDataOptions } from './options';
import type { UserDataMessage, UserDataProduct } from './types';
import { USER_DATA_EVENT_NAMES } from './types';
import { WsApiUserStream } from './ws-api/ws-api-user-stream';

export type { CreateUserDataStreamOptions, ResolvedUserDataOptions, UserDataProduct, UserDataStreamEvents };
export { resolveUserDataOptions };

/**
 * State of a user-data stream: `idle` before `start()`, then `subscribing`, `live`, `reconnecting`, `failed` (the retry policy gave up; `reconnect()` or `start()` revives it) or `stopped` (terminal).
 */
export type UserDataState = UserDataStateEvent['state'] | 'idle';

/**
 * Legal moves; anything else is a bug and throws. `live → subscribing`: the subscription
 * ended on a live connection (key expired, `eventStreamTerminated`, probe found it gone).
 */
const TRANSITIONS: Readonly<Record<UserDataState, readonly UserDataState[]>> = {
  idle: ['subscribing', 'stopped'], // start(); stop() before any start()
  subscribing: ['live', 'reconnecting', 'failed', 'stopped'], // subscribed; the connection dropped; the policy gave up; stop()
  live: ['subscribing', 'reconnecting', 'failed', 'stopped'],
  reconnecting: ['live', 'failed', 'stopped'], // open (and subscribed) again; gave up; stop()
  failed: ['live', 'stopped'], // revived (reconnect()/start() give the socket a fresh retry budget) and open again; stop() after giving up
  stopped: [], // terminal
};

export function canTransition(from: UserDataState, to: UserDataState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * One user-data stream in `client.stats().userData`: its state, since when it is live, events delivered, gaps reported, timers held (0 after `stop()`), product-specific details and its socket's stats.
 */
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
  /** Timers the stream's own parts (listenKey refresh, status probe, token renewal) hold right now: 0 after `stop()`. */
  timers: number;
  /** Masked listenKey (futures), subscription id / flow / token expiry (spot, margin). */
  details: Record<string, unknown>;
  socket: SocketStats;
}

/**
 * A running user-data stream, as {@link createUserDataStream} returns it: start it, force a reconnect, stop it, read its stats. Its events go to the `emit` function it was given.
 */
export interface UserDataController {
  /** Connect and subscribe. Resolves once live; rejects on a permanent failure (bad key, retired endpoint) or `stop()`. Idempotent. */
  start(): Promise<void>;
  /** Drop the connection and dial again now (single-flight; futures re-check the listenKey). */
  reconnect(reason: string): void;
  /** Close the socket, clear every timer, close the listenKey if this process owns it. Idempotent. */
  stop(): Promise<void>;
  /** A snapshot of the stream's counters. */
  stats(): UserDataStats;
}

/** Build the controller (no I/O until `start()`). Throws ERR_INVALID_OPTION for bad options (see resolveUserDataOptions). */
export function createUserDataStream(options: CreateUserDataStreamOptions | ResolvedUserDataOptions): UserDataController {
  return new UserDataStream(resolveUserDataOptions(options));
}

class UserDataStream implements UserDataController, UserStreamContext {
  readonly source: UserDataProduct;
  readonly logger: Logger;
  readonly now: () => number;
  private readonly emitFn: UserDataEmit;
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
  /** The socket retry policy's bound, logged beside `attempts` when it gives up. */
  private readonly maxRetries: number;

  constructor(o: ResolvedUserDataOptions) {
    this.source = o.product;
    this.maxRetries = o.retryPolicy.maxRetries;
    this.logger = o.logger;
    this.now = o.now;
    this.emitFn = o.emit;
    if (o.listenKey) this.driver = new FuturesUserStream(o, o.listenKey, this);
    else if (hasSigner(o)) this.driver = new WsApiUserStream(o, this);
    else throw invalidOption('apiSecret', 'credentials for spot/margin user data (apiSecret or privateKey)', undefined);
    this.wireSocket();
  }

  // ---------- controller ----------

  start(): Promise<void> {
    if (this.stopping) return Promise.reject(aborted(`user data (${this.source}) start: stopped`));
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
      this.failStart(aborted(`user data (${this.source}) start: stopped before it was live`));
      try {
        await this.driver.stop();
      } catch (err) {
        this.logger.warn({ source: this.source, error: errorFields(err) }, 'error while stopping user data');
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
      timers: this.driver.timerCount,
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
    if (this.state === 'live' && !this.stopping) {
      this.liveSince = undefined;
      this.setState('subscribing');
    }
  }

  markLive(): void {
    const now = this.now();
    this.lastProofAt = now;
    this.emitGap(now);
    if (this.liveSince === undefined) this.liveSince = now;
    if (this.state !== 'live' && !this.stopping) this.setState('live');
  }

  markProof(): void {
    this.lastProofAt = this.now();
  }

  reportError(error: BinanceStreamError): void {
    this.safeEmit('error', { error, socketId: this.driver.socket.id });
  }

  listenKey(e: ListenKeyLifecycleEvent): void {
    this.safeEmit('listenKey', e);
  }

  // ---------- socket wiring ----------

  private wireSocket(): void {
    const s = this.driver.socket;
    s.on('stateChange', (e) => this.safeEmit('stateChange', e));
    s.on('reconnected', (e) => this.safeEmit('reconnected', e));
    s.on('serverShutdown', (e) => this.safeEmit('serverShutdown', e));
    s.on('error', (e) => this.safeEmit('error', e));
    s.on('reconnecting', (e) => {
      this.safeEmit('reconnecting', e);
      this.toReconnecting(e.error);
    });
    s.on('close', (e) => {
      this.safeEmit('close', e);
      // Heartbeat death: the peer was last known alive at the last proof; otherwise we learned of the close as it happened.
      const code = e.error?.code;
      const since = code === 'ERR_HEARTBEAT_TIMEOUT' || code === 'ERR_STALE' ? Math.max(this.lastProofAt, s.stats().lastMessageAt ?? 0) || this.now() : this.now();
      this.recordInterruption(since, e.error ? `${e.error.code}: ${e.error.message}` : `closed ${e.code}${e.reason ? ` ${e.reason}` : ''}`);
      this.liveSince = undefined;
      if (e.willReconnect) this.toReconnecting(e.error);
    });
    s.on('open', (e) => {
      this.safeEmit('open', e);
      this.markLive();
      const settle = this.settleStart;
      this.settleStart = undefined;
      settle?.resolve();
    });
    s.on('gaveUp', (e) => {
      this.safeEmit('gaveUp', e);
      this.liveSince = undefined;
      this.logger.error({ source: this.source, socketId: e.socketId, attempts: e.attempts, maxRetries: this.maxRetries, error: errorFields(e.error) }, 'user data gave up');
      if (!this.stopping && this.state !== 'failed') this.setState('failed', e.error);
      this.failStart(e.error);
    });
  }

  private toReconnecting(error: BinanceStreamError | undefined): void {
    if (this.stopping || (this.state !== 'live' && this.state !== 'subscribing')) return;
    this.setState('reconnecting', error);
  }

  private recordInterruption(since: number, reason: string): void {
    if (this.interruptedAt === undefined || since < this.interruptedAt) this.interruptedAt = since;
    this.interruptReason ||= reason;
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

  /** Assert the move, assign, log `from → to`, and emit `userDataState` after the transition (deferred). */
  private setState(to: UserDataStateEvent['state'], error?: BinanceStreamError): void {
    const from = this.state;
    if (!canTransition(from, to)) throw new BinanceStreamError('ERR_UNEXPECTED', `user data (${this.source}): illegal state change ${from} → ${to}`, { permanent: true });
    this.state = to;
    this.logger.debug({ source: this.source, from, to }, `user data ${from} → ${to}`);
    const event: UserDataStateEvent = { source: this.source, state: to, ...(error ? { error: toStreamError(error) } : {}) };
    queueMicrotask(() => this.safeEmit('userDataState', event));
  }

  private safeEmit<K extends keyof UserDataStreamEvents>(event: K, ...args: Parameters<UserDataStreamEvents[K]>): void {
    try {
      this.emitFn(event, ...args);
    } catch (err) {
      this.logger.error({ source: this.source, event, error: errorFields(err) }, 'a user-data listener threw; the stream keeps going'); // a fault in user code
    }
  }
}
