/**
 * What the socket hears from its current connection (the `ConnectionHost`): data on the
 * hot path (counted, handed to `onMessage` synchronously, a throwing handler reported
 * and rate-limited), the first data, serverShutdown (the hook, or a reconnect), stale
 * reports, a rejected upgrade (the dial gate's pause, fed into the next decision),
 * subscription answers and frame errors. A Connection that ended no longer calls it.
 */
import { BinanceStreamError, describeError } from '../core/errors';
import { errorFields, normalizeLogger } from '../core/logger';
import type { StreamMessage } from '../streams/types';
import { Connection } from './connection';
import type { ConnectionHost } from './connection';
import { openDialGate } from './dial-gate';
import { endCause } from './end-cause';
import type { EndCause } from './end-cause';
import { combinedFraming } from './framing';
import { checkSocketOptions, staleThreshold } from './options';
import type { OpenedInfo, RetryStreak } from './retry-streak';
import { SocketEmitter } from './socket-emitter';
import type { ExtendedWebSocket } from './transport';
import type { DialGate, Framing, ResilientSocketLike, ResilientSocketOptions, ResolvedSocketTuning, SocketStats } from './types';

/** Minimum spacing of repeated "onMessage threw" log lines. */
const LISTENER_LOG_EVERY_MS = 5_000;

/**
 * reconnect() calls this close together cause ONE reconnect: a call within this window
 * after a reconnect() that was acted on is ignored (logged at DEBUG).
 */
export const RECONNECT_DEBOUNCE_MS = 1_000;

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export abstract class SocketHost extends SocketEmitter {
  readonly framing: Framing;
  protected readonly o: ResilientSocketOptions;
  protected readonly tuning: ResolvedSocketTuning;
  protected readonly gate: DialGate;
  /** The socket's clock, in epoch ms (`options.now`, else `Date.now`). */
  protected readonly now: () => number;
  protected readonly wanted = new Set<string>();
  /**
   * Callers of `firstData()` waiting for the current connection's first data frame (`true`) or its end without one (`false`).
   */
  protected waiters: ((delivered: boolean) => void)[] = [];
  /** The dial pause a rejected upgrade put in force (reportRejection's answer), for the next decision. */
  protected pauseMs = 0;
  /** When the stale watch last reconnected (its debounce outlives connections). */
  protected lastStaleAt = -Infinity;
  protected messages = 0;
  protected lastData = 0;
  private listenerErrors = 0;
  private lastListenerLogAt = -Infinity;

  constructor(options: ResilientSocketOptions) {
    const tuning = checkSocketOptions(options);
    super(options.id, normalizeLogger(options.logger));
    this.o = options;
    this.tuning = tuning;
    this.gate = options.dialGate ?? openDialGate;
    this.now = options.now ?? Date.now;
    this.framing = options.framing ?? combinedFraming();
  }

  /**
   * The dial succeeded: move to `open`, log it, and queue `open`, `reconnected` (after a loss) and `subscribed` for the streams the URL carried.
   */
  protected announceOpen(url: string, urlStreams: readonly string[], { retries, reconnected }: OpenedInfo): void {
    const text = retries ? `connected after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : 'connected';
    this.setState('open', text);
    const combined = this.framing.kind === 'combined';
    this.logger.info({ socketId: this.id, url, streams: combined ? this.wanted.size : undefined, retries }, text);
    this.emitLater('open', { socketId: this.id, url, streams: this.wanted.size, retries });
    if (reconnected) this.emitLater('reconnected', { socketId: this.id, ...reconnected });
    const inUrl = combined ? urlStreams.filter((s) => this.wanted.has(s)) : [];
    if (inUrl.length) this.emitLater('subscribed', { socketId: this.id, streams: inUrl });
  }

  /** One line per retry: `attempt` and `maxRetries` as numbers (null: unlimited), the delay actually waited and where it came from. */
  protected announceReconnecting(error: BinanceStreamError, attempt: number, delayMs: number, source: string | undefined, message: string, level: 'info' | 'warn'): void {
    const max = this.o.retryPolicy.maxRetries;
    const streams = [...this.wanted];
    const fields = { socketId: this.id, attempt, maxRetries: Number.isFinite(max) ? max : null, delayMs, delaySource: source, error: errorFields(error), streams: streams.length };
    this.logger[level](fields, message);
    this.emitLater('reconnecting', { socketId: this.id, attempt, maxRetries: max, delayMs, error, streams });
  }

  /** The retry policy gave up: log at ERROR and queue `gaveUp` with the streams left uncarried. */
  protected announceGaveUp(error: BinanceStreamError, attempts: number): void {
    this.logger.error({ socketId: this.id, attempts, error: errorFields(error), streams: this.wanted.size }, `gave up after ${attempts} ${attempts === 1 ? 'retry' : 'retries'}`);
    this.emitLater('gaveUp', { socketId: this.id, streams: [...this.wanted], attempts, error });
  }

  /** This object as the contract hands it to callbacks (the subclass, ResilientSocket, implements it). */
  protected get socket(): ResilientSocketLike {
    return this as unknown as ResilientSocketLike;
  }

  protected staleThreshold: number | undefined;

  /**
   * The silence after which the whole connection counts as stale: the fixed `staleAfterMs` when set, else derived from the streams it carries (computed once, reset when they change).
   */
  protected staleAfterMs(): number {
    return (this.staleThreshold ??= staleThreshold(this.tuning, this.wanted, this.o.market.futures));
  }

  /** Build the Connection of one dial (the dialer's last step). */
  protected readonly connect = (ws: ExtendedWebSocket, url: string, urlStreams: readonly string[]): Connection => {
    const hook = this.o.onOpen;
    return new Connection({
      ws,
      url,
      urlStreams,
      framing: this.framing,
      tuning: this.tuning,
      wanted: this.wanted,
      staleAfterMs: this.staleAfterMs(),
      staleNotBefore: this.lastStaleAt + this.tuning.staleDebounceMs,
      now: this.now,
      host: this.host,
      hook: hook ? (signal) => hook(this.socket, signal) : undefined,
    });
  };

  /** The {@link SocketStats} of this socket with `c` as its current connection. */
  protected statsOf(c: Connection | undefined, streak: RetryStreak, sentBefore: number): SocketStats {
    const now = this.now();
    const readyAt = c?.readyAt;
    return {
      socketId: this.id,
      state: this.state,
      streams: this.wanted.size,
      uptimeMs: readyAt !== undefined ? now - readyAt : 0,
      connectedAt: readyAt,
      reconnects: streak.reconnects,
      retries: streak.retries(now, readyAt),
      messagesReceived: this.messages,
      outboundPerSecond: c?.scheduler.sentInWindow() ?? 0,
      outboundTotal: sentBefore + (c?.scheduler.total ?? 0),
      outboundQueued: c?.scheduler.queued ?? 0,
      lastMessageAt: this.lastData || undefined,
      lastError: this.lastErrorText,
    };
  }

  /** The owner judged the connection stale (declareStale): the event, then the end cause. */
  protected staleEnd(silentMs: number, streams: readonly string[]): EndCause {
    this.emitLater('stale', { socketId: this.id, scope: 'connection', streams, silentMs, action: 'reconnect' });
    this.logger.warn({ socketId: this.id, silentMs, streams: streams.length }, `no data for ${seconds(silentMs)} on any stream that should be talking; reconnecting`);
    const error = new BinanceStreamError('ERR_STALE', `no data for ${seconds(silentMs)} on any of ${streams.length} stream(s) that should be talking`, { streams: [...streams] });
    return endCause('stale', error, 1000, 'stale data');
  }

  /** Resolve every pending `firstData()` with `delivered`. */
  protected settleWaiters(delivered: boolean): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(delivered);
  }

  protected readonly host: ConnectionHost = {
    data: (message: StreamMessage) => {
      this.lastData = message.receivedAt;
      this.messages++;
      try {
        this.o.onMessage(message, this.socket);
      } catch (err) {
        this.onListenerError(err, message.stream);
      }
    },
    firstData: () => this.settleWaiters(true),
    shutdown: (conn, at) => {
      const hook = this.o.onServerShutdown;
      this.logger.info({ socketId: this.id, handover: hook !== undefined }, 'Binance announced serverShutdown');
      this.emitLater('serverShutdown', { socketId: this.id, at: at ?? this.now() });
      const error = new BinanceStreamError('ERR_SERVER_SHUTDOWN', 'Binance announced serverShutdown', { streams: [...this.wanted] });
      // After the event: listeners see the notice before the handover (or the reconnect) starts.
      this.later(() => (hook ? hook(this.socket) : conn.end(endCause('shutdown', error, 1000, 'serverShutdown'))), 'onServerShutdown');
    },
    stale: (silentMs, action, expected) => {
      const streams = [...this.wanted];
      this.emitLater('stale', { socketId: this.id, scope: 'connection', streams, silentMs, action });
      if (expected) return this.logger.debug({ socketId: this.id, silentMs }, 'no data after serverShutdown; the handover is under way');
      if (action === 'reconnect') return void (this.lastStaleAt = this.now());
      const fields = { socketId: this.id, silentMs, streams: streams.length, debounceMs: this.tuning.staleDebounceMs };
      this.logger.warn(fields, `no data for ${seconds(silentMs)}; last stale reconnect too recent, waiting`);
    },
    rejected: (status, retryAfterMs) => {
      try {
        this.pauseMs = this.gate.reportRejection(status, retryAfterMs) || 0;
      } catch (err) {
        this.logger.error({ socketId: this.id, error: errorFields(err) }, 'dialGate.reportRejection threw');
      }
    },
    answered: (method, streams, requestId) => {
      this.logger.debug({ socketId: this.id, method, requestId, streams: streams.length }, `${method} acknowledged`);
      this.emitLater(method === 'SUBSCRIBE' ? 'subscribed' : 'unsubscribed', { socketId: this.id, streams, requestId });
    },
    failed: (method, streams, requestId, error) => {
      this.lastErrorText = describeError(error);
      this.logger.warn({ socketId: this.id, method, requestId, streams: streams.length, error: errorFields(error) }, `${method} failed`);
      this.emitLater('subscribeFailed', { socketId: this.id, streams, method, requestId, error });
    },
    error: (error, message) => this.report(error, 'warn', message),
    debug: (fields, message) => this.logger.debug({ socketId: this.id, ...fields }, message),
  };

  private onListenerError(err: unknown, stream: string): void {
    this.listenerErrors++;
    const error = new BinanceStreamError('ERR_LISTENER', `onMessage threw for ${stream}: ${describeError(err)}`, { cause: err, streams: [stream] });
    const now = this.now();
    const log = now - this.lastListenerLogAt >= LISTENER_LOG_EVERY_MS;
    if (log) this.lastListenerLogAt = now;
    this.report(error, log ? 'error' : undefined, 'message handler threw; the socket keeps going', stream, log ? { total: this.listenerErrors } : undefined);
  }
}
