/**
 * One LOGICAL resilient socket: the stream set, the public API (`ResilientSocketLike`, ./types.ts) and the stats. It owns a RetryStreak and
 * at most one Connection (./connection.ts) at a time, and runs ONE reconnect loop, `run()`, that reads top to bottom: dial → ready → open →
 * wait for the end → decide → back off → again. State and events: ./socket-emitter.ts; what the connection reports: ./socket-host.ts.
 */
import type { AbortSignalLike } from '../core/web-types';
import { abortableSleep, linkAbort, raceAbort } from '../core/abort';
import { aborted, BinanceStreamError, describeError, invalidOption, toStreamError } from '../core/errors';
import { errorFields } from '../core/logger';
import { decide } from '../retry/decide';
import type { Connection } from './connection';
import { dial } from './dialer';
import type { DialPlan } from './dialer';
import { endCause, ROUTINE_KINDS } from './end-cause';
import type { EndCause } from './end-cause';
import { needsStreams } from './framing';
import { Lingering } from './lingering';
import { checkStreams } from './options';
import { RetryStreak } from './retry-streak';
import { RECONNECT_DEBOUNCE_MS, SocketHost, seconds } from './socket-host';
import { defaultWebSocketFactory } from './transport';
import type { ResilientSocketLike, ResilientSocketOptions, SocketRequestOptions, SocketStats } from './types';

const endLate = (late: Connection): void => late.end(endCause('stop', aborted('dial')));
const closed = (message: string, reason: string): BinanceStreamError => new BinanceStreamError('ERR_CLOSED', message, { closeCode: 1000, closeReason: reason });

export class ResilientSocket extends SocketHost implements ResilientSocketLike {
  private readonly plan: DialPlan;
  private readonly streak: RetryStreak;
  private readonly stopAc = new AbortController();
  private readonly lingering = new Lingering();
  private conn: Connection | undefined;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** Aborts the current dial or backoff wait (reconnect(), last stream removed). */
  private attemptAc: AbortController | undefined;
  private wake: (() => void) | undefined;
  private warnedTooMany = false;
  /** Frames sent by connections that ended. */
  private sentBefore = 0;
  /** Reading paused by the owner (setPaused; every new connection starts paused too), and whether the last connection could pause. */
  private paused = false;
  private pausable = true;
  /** When a reconnect() was last acted on (the debounce window starts there). */
  private lastReconnectAt = -Infinity;

  constructor(options: ResilientSocketOptions) {
    super(options);
    this.streak = new RetryStreak(options.retryPolicy.resetAfterMs);
    const factory = options.webSocketFactory ?? defaultWebSocketFactory;
    this.plan = { socketId: this.id, framing: this.framing, provider: options.url, maxUrlLength: this.tuning.maxUrlLength, gate: this.gate, factory };
    if (options.streams !== undefined) {
      checkStreams('streams', options.streams);
      for (const s of options.streams) this.wanted.add(s);
    }
  }

  get streams(): ReadonlySet<string> {
    return this.wanted;
  }
  get connectedAt(): number | undefined {
    return this.conn?.readyAt;
  }

  /** Idempotent; on a socket that gave up (`failed`) it revives the loop with a fresh retry budget. */
  start(reason = 'start()'): void {
    if (this.state === 'closing' || this.state === 'closed') return this.logger.debug({ socketId: this.id, state: this.state }, 'start() ignored: socket is stopped');
    if (this.loop !== undefined) return;
    if (this.state === 'failed') this.logger.info({ socketId: this.id, reason, streams: this.wanted.size }, 'reviving a socket that gave up (fresh retry budget)');
    if (this.state === 'failed') this.streak.revive();
    const loop: Promise<void> = this.run(this.stopAc.signal, reason)
      .catch((err: unknown) => this.report(toStreamError(err), 'error', 'reconnect loop failed (a bug in the socket)'))
      .finally(() => {
        if (this.loop === loop) this.loop = undefined;
      });
    this.loop = loop;
  }

  addStreams(streams: readonly string[]): void {
    checkStreams('addStreams', streams);
    const added = streams.filter((s) => !this.wanted.has(s) && this.wanted.add(s));
    if (!added.length) return;
    const limit = this.o.market.limits.maxStreamsPerConnection;
    if (!this.warnedTooMany && this.wanted.size > limit) {
      this.warnedTooMany = true;
      this.logger.warn({ socketId: this.id, streams: this.wanted.size, limit }, `socket carries more streams than Binance allows per connection (${limit})`);
    }
    this.streamsChanged();
    this.conn?.subscriptions?.add(added);
    this.wake?.();
    if (this.state === 'failed') this.start('streams added');
  }

  removeStreams(streams: readonly string[]): void {
    checkStreams('removeStreams', streams);
    const removed = streams.filter((s) => this.wanted.delete(s));
    if (!removed.length) return;
    this.streamsChanged();
    if (this.wanted.size === 0 && needsStreams(this.framing)) {
      this.attemptAc?.abort();
      this.conn?.end(endCause('noStreams', closed('no streams left', 'no streams left'), 1000, 'no streams left'));
      return;
    }
    this.conn?.subscriptions?.remove(removed);
  }

  resubscribe(streams: readonly string[]): void {
    checkStreams('resubscribe', streams);
    this.conn?.subscriptions?.resubscribe(streams.filter((s) => this.wanted.has(s)));
  }

  send(frame: object): boolean {
    if (frame === null || typeof frame !== 'object') throw invalidOption('send(frame)', 'a JSON-serialisable object', frame);
    if (this.conn?.send(JSON.stringify(frame))) return true;
    this.logger.warn({ socketId: this.id, state: this.state }, 'send dropped: socket not connected');
    return false;
  }

  request<T = unknown>(label: string, build: (id: number) => object, options: SocketRequestOptions = {}): Promise<T> {
    if (typeof label !== 'string' || !label) return Promise.reject(invalidOption('request(label)', 'a non-empty string', label));
    if (typeof build !== 'function') return Promise.reject(invalidOption('request(build)', 'a function (id) => object', build));
    const conn = this.conn;
    if (!conn?.isOpen) return Promise.reject(new BinanceStreamError('ERR_CLOSED', `${label}: no open connection (socket ${this.state})`));
    return conn.request<T>(label, build, options);
  }

  firstData(): Promise<boolean> {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'failed') return Promise.resolve(false);
    if (this.conn?.gotData) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => this.waiters.push(resolve));
  }

  expectSilence(): void {
    this.conn?.liveness.expectSilence();
  }

  setPaused(paused: boolean): boolean {
    if (this.paused === paused) return this.pausable;
    this.paused = paused;
    this.logger.debug({ socketId: this.id, paused }, paused ? 'reading paused (a consumer holds back)' : 'reading resumed');
    if (this.conn !== undefined) this.pausable = this.conn.setPaused(paused);
    return this.pausable;
  }

  declareStale(silentMs: number, streams?: readonly string[]): void {
    const conn = this.conn;
    if (this.state === 'open' && conn !== undefined && !conn.isEnded) conn.end(this.staleEnd(silentMs, streams ?? [...this.wanted]));
  }

  reconnect(reason: string): void {
    const why = typeof reason === 'string' && reason ? reason : 'reconnect() called';
    const now = this.now();
    const acts = this.state === 'failed' || (this.state === 'open' && this.conn) || (this.state === 'reconnecting' && this.attemptAc);
    if (acts && now - this.lastReconnectAt < RECONNECT_DEBOUNCE_MS) {
      return this.logger.debug({ socketId: this.id, state: this.state, reason: why, debounceMs: RECONNECT_DEBOUNCE_MS }, 'reconnect() debounced');
    }
    if (acts) this.lastReconnectAt = now;
    if (this.state === 'failed') {
      this.start(`reconnect(): ${why}`);
    } else if (this.state === 'open' && this.conn) {
      this.conn.end(endCause('reconnect', closed(`reconnect requested: ${why}`, why), 1000, why));
    } else if (this.state === 'reconnecting' && this.attemptAc) {
      this.logger.info({ socketId: this.id, reason: why }, 'reconnect requested during backoff: dialing now');
      this.attemptAc.abort();
    } else {
      // connecting: a fresh dial is already under way; idle/closing/closed: nothing to do; calls within the window: debounced.
      this.logger.debug({ socketId: this.id, state: this.state, reason: why }, 'reconnect() ignored');
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** A snapshot of this socket's counters (state, streams, uptime, reconnects, retries, traffic, last error). */
  stats(): SocketStats {
    return this.statsOf(this.conn, this.streak, this.sentBefore);
  }

  private async run(signal: AbortSignalLike, startReason: string): Promise<void> {
    let reason = startReason;
    while (!signal.aborted) {
      if (needsStreams(this.framing) && this.wanted.size === 0) {
        if (this.state !== 'idle') this.setState('idle', 'no streams to carry');
        if (!(await this.streamsAdded(signal))) return;
        reason = 'streams added';
        continue;
      }
      this.setState('connecting', reason);
      const { cause, conn, wasReady } = await this.connectOnce(signal);
      const uptimeMs = this.streak.ended(this.now(), conn?.openedAt, wasReady);
      if (signal.aborted) return void (wasReady && this.emitClose(1000, 'stop()', false, undefined));
      if (cause.kind === 'noStreams') {
        if (wasReady) this.emitClose(1000, cause.reason ?? '', false, undefined);
        continue;
      }
      const delayMs = this.next(cause, uptimeMs, wasReady, conn?.gotData === true);
      if (delayMs === undefined) return void (this.loop = undefined); // failed: a revival may start a new run at once
      reason = ROUTINE_KINDS.has(cause.kind) ? (cause.reason ?? cause.kind) : `retry ${this.streak.attempts}`;
      if (delayMs > 0) await this.backoff(delayMs, signal);
    }
  }

  /** One dial and the life of its connection. `wasReady`: the connection reached `open`. */
  private async connectOnce(signal: AbortSignalLike): Promise<{ cause: EndCause; conn: Connection | undefined; wasReady: boolean }> {
    this.streak.dialing();
    const ac = (this.attemptAc = new AbortController());
    const [attemptSignal, unlink] = [ac.signal, linkAbort(signal, ac)]; // aborted by stop() or by a revival
    const dialing = dial(this.plan, this.streak.attempts, () => [...this.wanted], attemptSignal, this.connect);
    let conn: Connection;
    try {
      conn = await raceAbort(dialing, [attemptSignal], `dial of ${this.id}`);
    } catch (err) {
      dialing.then(endLate, () => undefined); // a dial that finishes after the abort leaves nothing behind
      const none = { conn: undefined, wasReady: false };
      if (signal.aborted) return { cause: endCause('stop', aborted(`dial of ${this.id}`)), ...none };
      if (needsStreams(this.framing) && this.wanted.size === 0) return { cause: endCause('noStreams', closed('no streams left', 'no streams left')), ...none };
      return { cause: endCause('error', toStreamError(err, 'ERR_UNEXPECTED')), ...none };
    } finally {
      unlink();
      if (this.attemptAc === ac) this.attemptAc = undefined;
    }
    this.conn = conn;
    if (this.paused) this.pausable = conn.setPaused(true);
    this.logger.debug({ socketId: this.id, url: conn.url, urlStreams: conn.urlStreams.length }, 'dialing');
    // Ready, and neither stopped nor ended meanwhile (the loop resumes a microtask later).
    const wasReady = (await conn.ready) && !signal.aborted && !conn.isEnded;
    if (wasReady) this.announceOpen(conn.url, conn.urlStreams, this.streak.opened(this.now()));
    const cause = await conn.ended;
    this.conn = undefined;
    this.sentBefore += conn.scheduler.total;
    this.lingering.add(conn);
    return { cause, conn, wasReady };
  }

  /** After a connection ended: the wait before the next dial, or undefined when giving up. */
  private next(cause: EndCause, uptimeMs: number, wasReady: boolean, gotData: boolean): number | undefined {
    const error = cause.error;
    this.lastErrorText = describeError(error);
    // A stale connection that never delivered is a failure (backoff): repeated stalls are
    // paced by the retry policy and the connection budget, not by a fixed debounce.
    if (ROUTINE_KINDS.has(cause.kind) && (cause.kind !== 'stale' || gotData)) {
      this.streak.restart();
      if (wasReady) this.emitClose(cause.code ?? 1000, cause.reason ?? '', true, error);
      this.setState('reconnecting', cause.reason ?? cause.kind);
      this.announceReconnecting(error, 1, 0, undefined, `reconnecting now (${cause.reason ?? cause.kind})`, cause.kind === 'stale' ? 'warn' : 'info');
      return 0;
    }
    const ctx = this.streak.context(this.now(), error, uptimeMs, this.id, [...this.wanted]);
    const d = decide(this.o.retryPolicy, ctx, { pauseMs: this.gate.pausedForMs?.() ?? this.pauseMs });
    this.pauseMs = 0;
    if (d.policyError !== undefined)
      this.logger.error({ socketId: this.id, error: errorFields(d.policyError) }, d.retry ? 'retryPolicy.delayMs failed; waiting 1 s' : 'retryPolicy.shouldRetry threw; giving up');
    if (wasReady) this.emitClose(cause.code ?? 1006, cause.reason ?? '', d.retry, error);
    if (!d.retry) {
      this.setState('failed', 'gave up');
      this.settleWaiters(false);
      return void this.announceGaveUp(error, this.streak.attempts);
    }
    const attempt = this.streak.failed();
    this.setState('reconnecting', this.lastErrorText);
    const max = this.o.retryPolicy.maxRetries;
    this.announceReconnecting(error, attempt, d.delayMs, d.source, `retry ${attempt}${Number.isFinite(max) ? `/${max}` : ''} in ${seconds(d.delayMs)}`, 'warn');
    return d.delayMs;
  }

  private async backoff(ms: number, signal: AbortSignalLike): Promise<void> {
    const ac = (this.attemptAc = new AbortController());
    await abortableSleep(ms, [signal, ac.signal], 'backoff').catch(() => undefined);
    if (this.attemptAc === ac) this.attemptAc = undefined;
  }

  /** Resolves true when a stream is added, false when the socket stops. */
  private streamsAdded(signal: AbortSignalLike): Promise<boolean> {
    const added = new Promise<void>((resolve) => (this.wake = resolve));
    return raceAbort(added, [signal])
      .then(
        () => true,
        () => false,
      )
      .finally(() => (this.wake = undefined));
  }

  private streamsChanged(): void {
    this.staleThreshold = undefined; // derived again from the new stream set
    this.conn?.liveness.setStaleAfter(this.staleAfterMs());
  }

  private async doStop(): Promise<void> {
    if (this.state === 'idle' || this.state === 'failed') this.setState('closed', 'stop()');
    else if (this.state !== 'closed') this.setState('closing', 'stop()');
    this.stopAc.abort(aborted(`socket ${this.id}`));
    this.conn?.end(endCause('stop', closed('stop()', 'stop'), 1000, 'stop'));
    await this.loop;
    await this.lingering.drain();
    this.settleWaiters(false);
    this.setState('closed', 'stop()');
  }
}
