/**
 * A scripted stand-in for the resilient socket, written to the contract in
 * src/connection/types.ts (`ResilientSocketLike`): url provider → `onOpen` hook → `open`;
 * failures go through `decide()` (reconnecting / gaveUp); `request()` on PendingRequests,
 * matched by id when a frame is pushed; `drop()` ends a connection as a peer would. Uses
 * setTimeout only (fake timers drive it), and leaves no timer after `stop()`.
 */
import EventEmitter from 'eventemitter3';
import { PendingRequests } from '../../../src/connection/requests';
import type { ResilientSocketLike, ResilientSocketOptions, SocketEvents, SocketRequestOptions, SocketState, SocketStats } from '../../../src/connection/types';
import { aborted, BinanceStreamError, closeError, toStreamError } from '../../../src/core/errors';
import { decide } from '../../../src/retry/decide';

export class FakeSocket extends EventEmitter<SocketEvents> implements ResilientSocketLike {
  static all: FakeSocket[] = [];
  state: SocketState = 'idle';
  readonly streams = new Set<string>();
  connectedAt: number | undefined;
  /** URL of every dial that got one. */
  readonly urls: string[] = [];
  /** Every frame sent with send() or request(). */
  readonly sent: Record<string, unknown>[] = [];
  reconnects: string[] = [];
  private pending: PendingRequests | undefined;
  private ctrl: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private started = false;
  private stopped = false;
  private messages = 0;
  private lastMessageAt: number | undefined;

  constructor(readonly options: ResilientSocketOptions) {
    super();
    FakeSocket.all.push(this);
  }

  get id(): string {
    return this.options.id;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.dial();
  }

  /** A data frame from the server: a pending request's answer when its id matches, else onMessage. */
  push(frame: object): void {
    const id = (frame as { id?: unknown }).id;
    if (this.pending?.has(id)) {
      this.pending.resolve(id, frame);
      return;
    }
    this.messages++;
    this.lastMessageAt = Date.now();
    const f = this.options.framing;
    this.options.onMessage({ stream: f?.kind === 'raw' ? f.streamName : '', data: frame, receivedAt: Date.now() }, this);
  }

  /** Frames sent with this method (e.g. 'userDataStream.subscribe.signature'). */
  sentOf(method: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.method === method);
  }

  /** Answer the latest pending request for `method`. */
  answer(method: string, status: number, resultOrError: unknown): void {
    const req = [...this.sent].reverse().find((f) => f.method === method && this.pending?.has(f.id));
    if (!req) throw new Error(`no pending ${method} (sent: ${this.sent.map((f) => f.method).join(', ')})`);
    this.push(status === 200 ? { id: req.id, status, result: resultOrError } : { id: req.id, status, error: resultOrError });
  }

  /** The peer drops the connection (1006). */
  drop(code = 1006): void {
    if (this.state !== 'open') return;
    this.end(closeError(code, ''), true);
    this.retry(closeError(code, ''));
  }

  send(frame: object): boolean {
    if (!this.pending) return false;
    this.sent.push(frame as Record<string, unknown>);
    return true;
  }

  request<T = unknown>(label: string, build: (id: number) => object, options: SocketRequestOptions = {}): Promise<T> {
    if (!this.pending) return Promise.reject(new BinanceStreamError('ERR_CLOSED', `${label}: no connection`));
    const onTimeout = options.onTimeout ?? ((id: number, ms: number) => new BinanceStreamError('ERR_UNEXPECTED', `${label} #${id}: no answer in ${ms} ms`));
    return this.pending.request<T>(label, (id) => void this.sent.push(build(id) as Record<string, unknown>), { timeoutMs: options.timeoutMs, signal: options.signal, onTimeout });
  }

  addStreams(streams: readonly string[]): void {
    for (const s of streams) this.streams.add(s);
  }

  removeStreams(streams: readonly string[]): void {
    for (const s of streams) this.streams.delete(s);
  }

  resubscribe(_streams: readonly string[]): void {}

  firstData(): Promise<boolean> {
    return Promise.resolve(this.messages > 0);
  }

  expectSilence(): void {}
  declareStale(): void {}
  setPaused(): boolean {
    return false;
  }

  reconnect(reason: string): void {
    this.reconnects.push(reason);
    if (this.stopped || this.state !== 'open') return;
    this.end(closeError(1000, reason), true);
    void this.dial();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.ctrl?.abort(aborted(`${this.id} (stopped)`));
    if (this.state === 'open') this.end(closeError(1000, 'stop'), false);
    this.pending?.failAll(aborted(`${this.id} (stopped)`));
    this.pending = undefined;
    this.state = 'closed';
  }

  stats(): SocketStats {
    return {
      socketId: this.id,
      state: this.state,
      streams: 0,
      uptimeMs: 0,
      connectedAt: this.connectedAt,
      reconnects: 0,
      retries: this.attempt,
      messagesReceived: this.messages,
      outboundPerSecond: 0,
      outboundTotal: this.sent.length,
      outboundQueued: 0,
      lastMessageAt: this.lastMessageAt,
      lastError: undefined,
    };
  }

  private async dial(): Promise<void> {
    if (this.stopped) return;
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    this.state = 'connecting';
    try {
      const url = await this.options.url({ streams: [], attempt: this.attempt, signal: ctrl.signal });
      if (this.stopped) return;
      this.urls.push(url);
      this.pending = new PendingRequests(10_000);
      await this.options.onOpen?.(this, ctrl.signal);
      if (this.stopped) return;
      this.state = 'open';
      this.connectedAt = Date.now();
      const retries = this.attempt;
      this.attempt = 0;
      this.emit('open', { socketId: this.id, url, streams: 0, retries });
    } catch (err) {
      if (this.stopped) return;
      this.pending?.failAll(toStreamError(err));
      this.pending = undefined;
      this.retry(toStreamError(err));
    }
  }

  private end(error: BinanceStreamError, willReconnect: boolean): void {
    this.pending?.failAll(error);
    this.pending = undefined;
    this.ctrl?.abort(error);
    this.state = willReconnect ? 'reconnecting' : 'closing';
    this.connectedAt = undefined;
    this.emit('close', { socketId: this.id, code: error.closeCode ?? 1006, reason: error.closeReason ?? '', willReconnect, error });
  }

  private retry(error: BinanceStreamError): void {
    const attempt = ++this.attempt;
    const d = decide(this.options.retryPolicy, { attempt, error, uptimeMs: 0, elapsedMs: 0, socketId: this.id, streams: [] });
    if (!d.retry) {
      this.state = 'closed';
      this.emit('gaveUp', { socketId: this.id, streams: [], attempts: attempt, error });
      return;
    }
    this.state = 'reconnecting';
    this.emit('reconnecting', { socketId: this.id, attempt, maxRetries: this.options.retryPolicy.maxRetries, delayMs: d.delayMs, error, streams: [] });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.dial();
    }, d.delayMs);
  }
}

export function fakeSocketFactory(): (o: ResilientSocketOptions) => FakeSocket {
  return (o) => new FakeSocket(o);
}
