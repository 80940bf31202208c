/** A scripted ResilientSocketLike (the connection/types.ts contract) for pool unit tests: no I/O, the test drives open/close/data. */
import EventEmitter from 'eventemitter3';
import type { ResilientSocketLike, ResilientSocketOptions, SocketEvents, SocketState, SocketStats } from '../../../src/connection/types';
import { BinanceStreamError } from '../../../src/core/errors';

export class FakeSocket extends EventEmitter<SocketEvents> implements ResilientSocketLike {
  readonly id: string;
  state: SocketState = 'idle';
  readonly streams = new Set<string>();
  connectedAt: number | undefined;
  started = false;
  stopped = false;
  readonly calls: { method: string; args: unknown[] }[] = [];
  /** Data arrived on the current connection. */
  private delivered = false;
  private firstDataWaiters: ((delivering: boolean) => void)[] = [];
  private sent = 0;

  constructor(readonly options: ResilientSocketOptions) {
    super();
    this.id = options.id;
    for (const s of options.streams ?? []) this.streams.add(s);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  start(): void {
    this.calls.push({ method: 'start', args: [] });
    if (!this.stopped && this.state === 'failed') this.state = 'connecting'; // revived, as the real socket
    if (this.stopped || this.started) return;
    if (this.streams.size === 0) throw new Error(`FakeSocket ${this.id}: started with no streams`);
    this.started = true;
    this.state = 'connecting';
  }

  /** Test: the connection opens and URL streams are acknowledged. */
  open(): void {
    this.state = 'open';
    this.connectedAt = this.now();
    this.delivered = false;
    this.emit('open', { socketId: this.id, url: 'ws://fake', streams: this.streams.size, retries: 0 });
    this.emit('subscribed', { socketId: this.id, streams: [...this.streams] });
  }

  /** Test: the connection drops; the real socket would reconnect. */
  drop(): void {
    this.state = 'reconnecting';
    this.connectedAt = undefined;
    this.emit('close', { socketId: this.id, code: 1006, reason: '', willReconnect: true });
  }

  /** Test: the retry policy gives up (as the real socket: state failed, `gaveUp`, firstData() false). */
  giveUp(): void {
    const from = this.state;
    this.state = 'failed';
    this.emit('stateChange', { socketId: this.id, from, to: 'failed', reason: 'gave up' });
    this.emit('gaveUp', { socketId: this.id, streams: [...this.streams], attempts: 3, error: new BinanceStreamError('ERR_GAVE_UP', 'gave up') });
    this.settleFirstData(false);
  }

  /** Test: Binance pushes `data` on `stream`. */
  deliver(stream: string, data: unknown, receivedAt = this.now()): void {
    this.options.onMessage({ stream, data, receivedAt }, this);
    this.delivered = true;
    this.settleFirstData(true);
  }

  /** Test: Binance announces serverShutdown: the event first, then the owner's hook (default: reconnect). */
  serverShutdown(): void {
    this.emit('serverShutdown', { socketId: this.id, at: this.now() });
    if (this.options.onServerShutdown) this.options.onServerShutdown(this);
    else this.reconnect('serverShutdown');
  }

  firstData(): Promise<boolean> {
    if (this.stopped || this.state === 'closed' || this.state === 'failed') return Promise.resolve(false);
    if (this.state === 'open' && this.delivered) return Promise.resolve(true);
    return new Promise((resolve) => this.firstDataWaiters.push(resolve));
  }

  private settleFirstData(delivering: boolean): void {
    const waiters = this.firstDataWaiters;
    this.firstDataWaiters = [];
    for (const w of waiters) w(delivering);
  }

  expectSilence(): void {
    this.calls.push({ method: 'expectSilence', args: [] });
  }
  /** As the real socket: the `stale` event, then the connection drops (the test re-opens it). */
  declareStale(silentMs: number, streams?: readonly string[]): void {
    this.calls.push({ method: 'declareStale', args: [silentMs, streams ? [...streams] : undefined] });
    if (this.state !== 'open') return;
    this.emit('stale', { socketId: this.id, scope: 'connection', streams: [...(streams ?? this.streams)], silentMs, action: 'reconnect' });
    this.drop();
  }
  paused = false;
  setPaused(paused: boolean): boolean {
    this.calls.push({ method: 'setPaused', args: [paused] });
    this.paused = paused;
    return true;
  }
  addStreams(streams: readonly string[]): void {
    this.calls.push({ method: 'addStreams', args: [[...streams]] });
    for (const s of streams) this.streams.add(s);
  }
  removeStreams(streams: readonly string[]): void {
    this.calls.push({ method: 'removeStreams', args: [[...streams]] });
    for (const s of streams) this.streams.delete(s);
  }
  resubscribe(streams: readonly string[]): void {
    this.calls.push({ method: 'resubscribe', args: [[...streams]] });
  }
  send(frame: object): boolean {
    this.sent++;
    this.calls.push({ method: 'send', args: [frame] });
    return this.state === 'open';
  }
  request<T = unknown>(label: string): Promise<T> {
    this.calls.push({ method: 'request', args: [label] });
    return Promise.reject(new BinanceStreamError('ERR_UNEXPECTED', `FakeSocket: no request support (${label})`));
  }
  reconnect(reason: string): void {
    this.calls.push({ method: 'reconnect', args: [reason] });
    if (!this.stopped && this.state === 'failed') this.state = 'connecting';
  }
  async stop(): Promise<void> {
    this.calls.push({ method: 'stop', args: [] });
    if (this.stopped) return;
    this.stopped = true;
    const was = this.state;
    this.state = 'closed';
    this.settleFirstData(false);
    if (was === 'open') this.emit('close', { socketId: this.id, code: 1000, reason: 'stopped', willReconnect: false });
  }
  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }
  stats(): SocketStats {
    return {
      socketId: this.id,
      state: this.state,
      streams: this.streams.size,
      uptimeMs: this.connectedAt !== undefined ? this.now() - this.connectedAt : 0,
      connectedAt: this.connectedAt,
      reconnects: 0,
      retries: 0,
      messagesReceived: 0,
      outboundPerSecond: 0,
      outboundTotal: this.sent,
      outboundQueued: 0,
      lastMessageAt: undefined,
      lastError: undefined,
    };
  }
}

export function fakeFactory(): { sockets: FakeSocket[]; factory: (o: ResilientSocketOptions) => FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (o) => {
      const s = new FakeSocket(o);
      sockets.push(s);
      return s;
    },
  };
}
