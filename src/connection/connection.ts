/**
 * ONE physical connection: it owns the WebSocket and its listeners (./transport.ts), one
 * TimerSlots (`handshake` → `hook`, then `heartbeat`, `stale`, `outbox`), its liveness,
 * its pending requests, its subscriptions and its outbound scheduler. Created per dial,
 * dropped when it ends; nothing of it is ever reset or reused.
 *
 * It ends as a unit, once: `end(cause)` first detaches from the WebSocket (late events
 * are absorbed) and from its host, then clears every timer, fails every pending request
 * with the cause and closes (or terminates) the WebSocket. So a callback never needs to
 * ask "is this still my connection": a dead Connection has no listeners.
 */
import { BinanceStreamError, toStreamError } from '../core/errors';
import type { ErrorCode } from '../core/errors';
import { TimerSlots } from '../core/timers';
import { endCause, rejectionError, transportCloseError } from './end-cause';
import type { EndCause, EndKind } from './end-cause';
import { answerAsData, frameClock, frameText, isData, parseFrame } from './frame';
import type { ControlFrame } from './frame';
import { Liveness } from './liveness';
import type { LivenessReport } from './liveness';
import { OutboundScheduler } from './outbound-scheduler';
import { PendingRequests } from './requests';
import { Subscriptions } from './subscriptions';
import type { SubscriptionMethod } from './subscriptions';
import { DEAD_HOST } from './connection-init';
import type { ConnectionHost, ConnectionInit } from './connection-init';
import { Transport } from './transport';
import type { TransportSink, UpgradeResponse } from './transport';
import type { SocketRequestOptions } from './types';
import type { StreamMessage } from '../streams/types';

export type { EndCause, EndKind };
export type { ConnectionHost, ConnectionInit };

export class Connection implements TransportSink {
  readonly url: string;
  readonly urlStreams: readonly string[];
  /** true once the handshake and the onOpen hook are done; false when it ended first. Never rejects. */
  readonly ready: Promise<boolean>;
  /** How it ended. Never rejects. */
  readonly ended: Promise<EndCause>;
  openedAt: number | undefined;
  readyAt: number | undefined;
  gotData = false;
  private cause: EndCause | undefined;
  private host: ConnectionHost;
  private readonly init: ConnectionInit;
  private readonly transport: Transport;
  private readonly slots = new TimerSlots();
  private readonly hookAbort = new AbortController();
  readonly liveness: Liveness;
  private readonly requests: PendingRequests<string>;
  readonly scheduler: OutboundScheduler;
  private subs: Subscriptions | undefined;
  private shutdownSeen = false;
  private lastError: unknown;
  private rejection: BinanceStreamError | undefined;
  private resolveReady!: (ok: boolean) => void;
  private resolveEnded!: (cause: EndCause) => void;
  /** Receive time, read once per TCP chunk (see frameClock). */
  private readonly clock: () => number;

  constructor(init: ConnectionInit) {
    this.init = init;
    this.host = init.host;
    this.clock = frameClock(init.now);
    this.url = init.url;
    this.urlStreams = init.urlStreams;
    this.ready = new Promise<boolean>((r) => (this.resolveReady = r));
    this.ended = new Promise<EndCause>((r) => (this.resolveEnded = r));
    const t = init.tuning;
    this.requests = new PendingRequests<string>(t.requestTimeoutMs);
    this.scheduler = new OutboundScheduler({ maxPerWindow: t.maxOutgoingPerSecond, now: init.now, slots: this.slots, onError: (err) => this.host.error(toStreamError(err), 'outbound send failed') });
    this.transport = new Transport(init.ws, this);
    const heartbeat = this.transport.canPing ? t.heartbeat : false;
    this.liveness = new Liveness(this.livenessHost, { heartbeat, staleAfterMs: init.staleAfterMs, staleNotBefore: init.staleNotBefore }, this.slots);
    this.slots.set('handshake', t.connectTimeoutMs, () => this.fail('timeout', 'ERR_CONNECT_TIMEOUT', `no WebSocket handshake within ${t.connectTimeoutMs} ms`, 'terminate'));
  }

  /** The WebSocket is open (requests and sends may go out, e.g. from the onOpen hook). */
  get isOpen(): boolean {
    return this.cause === undefined && this.openedAt !== undefined && this.transport.isOpen;
  }

  get isEnded(): boolean {
    return this.cause !== undefined;
  }

  /** Resolves once the WebSocket reports closed. */
  get closed(): Promise<void> {
    return this.transport.closed;
  }

  /** Timers armed right now (0 once ended). */
  get timers(): number {
    return this.slots.size;
  }

  // ── the socket's calls ──

  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.scheduler.enqueue(() => this.transport.send(text));
    return true;
  }

  request<T>(label: string, build: (id: number) => object, options: SocketRequestOptions = {}): Promise<T> {
    if (this.cause) return Promise.reject(this.cause.error);
    return this.requests.request<T>(
      label,
      (id) => {
        const text = JSON.stringify(build(id));
        this.scheduler.enqueue(() => this.transport.send(text));
      },
      {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onTimeout: options.onTimeout ?? ((id, ms) => new BinanceStreamError('ERR_UNEXPECTED', `${label} (request ${id}) got no answer within ${ms} ms`)),
      },
    );
  }

  /** SUBSCRIBE/UNSUBSCRIBE bookkeeping (combined framing, once ready). */
  get subscriptions(): Subscriptions | undefined {
    return this.subs;
  }

  terminate(): void {
    this.transport.terminate();
  }

  /** End this connection (idempotent): detach, clear timers, fail requests, close the WebSocket. */
  end(cause: EndCause, how: 'close' | 'terminate' = 'close'): void {
    if (this.cause) return;
    this.cause = cause;
    this.transport.detach();
    this.host = DEAD_HOST;
    this.slots.clearAll();
    this.scheduler.dispose();
    this.subs = undefined;
    this.hookAbort.abort(cause.error);
    this.requests.failAll(cause.error);
    if (how === 'terminate') this.transport.terminate();
    else this.transport.close(1000, cause.reason ?? cause.error.code);
    this.resolveReady(false);
    this.resolveEnded(cause);
  }

  /** Pause (true) or resume reading (a consumer's back-pressure). False: this transport cannot pause. */
  setPaused(paused: boolean): boolean {
    if (this.cause !== undefined) return true;
    const ok = this.transport.setPaused(paused);
    if (ok) this.liveness.setPaused(paused);
    return ok;
  }

  // ── TransportSink: what the WebSocket tells us (nothing once ended) ──

  open(): void {
    this.openedAt = this.init.now();
    this.slots.clear('handshake');
    this.liveness.startHeartbeat();
    const hook = this.init.hook;
    if (!hook) return this.markReady();
    // A hook that never settles (a lost logon answer) must not park the socket in `connecting`.
    const ms = this.init.tuning.connectTimeoutMs + this.init.tuning.requestTimeoutMs;
    this.slots.set('hook', ms, () => this.fail('timeout', 'ERR_CONNECT_TIMEOUT', `onOpen hook did not finish within ${ms} ms`, 'close'));
    const signal = this.hookAbort.signal;
    Promise.resolve()
      .then(() => hook(signal))
      .then(
        () => this.cause === undefined && this.markReady(),
        (err: unknown) => this.end(endCause('hookFailed', toStreamError(err, 'ERR_UNEXPECTED'))),
      );
  }

  /** Hot path: parse, refresh liveness, hand data to the socket synchronously. */
  message(data: unknown): void {
    const now = this.clock();
    const frame = parseFrame(frameText(data), this.init.framing, now);
    if (isData(frame)) return this.dataMessage(frame);
    this.liveness.touch(now);
    this.control(frame, now);
  }

  /** One binary frame (SBE): the tuning's decoder hands each message to `dataMessage` (the hot path's); a bad frame is an `error`. */
  binary(data: unknown): void {
    const now = this.clock();
    try {
      const decode = this.init.tuning.binaryFrames;
      if (decode === undefined) throw new BinanceStreamError('ERR_PARSE', 'a binary frame arrived on a JSON connection (binary frames need encoding: sbe)');
      decode(data, now, this.dataMessage);
    } catch (err) {
      this.liveness.touch(now);
      this.host.error(toStreamError(err, 'ERR_SBE_DECODE'), 'binary frame rejected');
    }
  }

  private readonly dataMessage = (message: StreamMessage): void => {
    this.liveness.data(message.receivedAt);
    if (!this.gotData) {
      this.gotData = true;
      this.host.firstData();
    }
    this.host.data(message);
  };

  close(code: number, reason: string): void {
    if (this.rejection) return this.end(endCause('rejected', this.rejection, code, reason));
    const streams = this.openedAt === undefined ? this.urlStreams : [...this.init.wanted];
    this.end(endCause('closed', transportCloseError(code, reason, this.openedAt !== undefined, streams, this.lastError), code, reason));
  }

  error(cause: unknown): void {
    this.lastError = cause; // kept as the cause of the close that follows
  }

  ping(data: unknown): void {
    this.liveness.touch(this.init.now());
    if (!this.transport.manualPong) return this.scheduler.recordExternal(); // ws answered it; it still counts
    this.scheduler.enqueue(() => this.transport.pong(data), true);
  }

  pong(): void {
    this.liveness.touch(this.init.now());
  }

  rejected(res: UpgradeResponse): void {
    this.rejection = rejectionError(res, this.init.now(), this.urlStreams);
    const status = this.rejection.httpStatus ?? 0;
    if (status === 429 || status === 418 || status === 403) this.host.rejected(status, this.rejection.retryAfterMs);
  }

  // ── internals ──

  private markReady(): void {
    this.slots.clear('hook');
    this.readyAt = this.init.now();
    if (this.init.framing.kind === 'combined') {
      this.subs = new Subscriptions(this.subscriptionHost, this.requests, this.init.tuning.maxStreamsPerRequest, this.urlStreams, this.init.wanted);
    }
    this.liveness.startWatch();
    this.resolveReady(true);
  }

  private control(frame: ControlFrame, now: number): void {
    switch (frame.kind) {
      case 'answer': {
        if (this.requests.has(frame.id) && this.requests.resolve(frame.id, frame.frame)) return;
        const message = answerAsData(frame.frame, this.init.framing, now);
        if (message) return this.host.data(message);
        return this.host.debug({ id: frame.id }, 'answer to an unknown request id');
      }
      case 'shutdown':
        if (this.shutdownSeen) return;
        this.shutdownSeen = true;
        return this.host.shutdown(this, frame.at);
      case 'serverError': {
        const oldest = this.requests.oldest();
        if (oldest !== undefined) return void this.requests.resolve(oldest, { ...frame.frame, id: oldest });
        const f = frame.frame as { code?: unknown; msg?: unknown };
        const text = typeof f.msg === 'string' && f.msg ? f.msg : '(no message)';
        return this.host.error(new BinanceStreamError('ERR_SUBSCRIBE_FAILED', `server sent an error: ${text}`, typeof f.code === 'number' ? { binanceCode: f.code } : {}), 'server error frame');
      }
      case 'invalid':
        return this.host.error(frame.error, 'malformed frame ignored');
      case 'other':
        return this.host.debug({ keys: frame.keys }, 'ignored control frame');
    }
  }

  private fail(kind: EndKind, code: ErrorCode, message: string, how: 'close' | 'terminate'): void {
    this.end(endCause(kind, new BinanceStreamError(code, message, { streams: this.urlStreams }), how === 'terminate' ? 1006 : 1000, code), how);
  }

  private readonly livenessHost = {
    now: () => this.init.now(),
    ping: () => this.scheduler.enqueue(() => this.transport.ping(), true),
    report: (r: LivenessReport) => {
      if (r.kind === 'dead') {
        const hb = this.init.tuning.heartbeat;
        const msg = `no frame at all for ${r.silentMs} ms, including the answer to our ping within ${hb ? hb.pongTimeoutMs : 0} ms: peer is dead`;
        const error = new BinanceStreamError('ERR_HEARTBEAT_TIMEOUT', msg, { streams: [...this.init.wanted] });
        return this.end(endCause('heartbeat', error, 1006, error.code), 'terminate');
      }
      this.host.stale(r.silentMs, r.action, r.expected);
      if (r.action !== 'reconnect') return;
      const streams = [...this.init.wanted];
      const error = new BinanceStreamError('ERR_STALE', `no data for ${(r.silentMs / 1000).toFixed(1)} s while subscribed to ${streams.length} stream(s)`, { streams });
      this.end(endCause('stale', error, 1000, 'stale data'));
    },
  };

  private readonly subscriptionHost = {
    enqueue: (action: () => boolean) => this.scheduler.enqueue(action),
    transmit: (text: string) => this.transport.send(text),
    answered: (method: SubscriptionMethod, streams: readonly string[], id: number) => this.host.answered(method, streams, id),
    failed: (method: SubscriptionMethod, streams: readonly string[], id: number, error: BinanceStreamError) => this.host.failed(method, streams, id, error),
  };
}
