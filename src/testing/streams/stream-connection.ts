import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { TimerHandle } from '../clock';
import type { FaultableConnection } from '../faults';
import { Heartbeat } from '../heartbeat';
import type { Route } from '../profile';
import { RateLimit } from '../rate-limit';
import type { ConnectionHost, ConnectionInit, ControlMessage } from './connection-host';
import { parseControlMessage } from './control-protocol';
import { DelayQueue, safeSend } from './delay-queue';
import type { FloodTarget } from './flood/pump';
import type { Frame } from './frame';
import { frameBytes } from './frame';
import { closeWithFrame, dropConnection } from '../server/close';

/**
 * A stream connection: subscription protocol, incoming-rate limit (rate-limit.ts), stream
 * cap, server heartbeat (heartbeat.ts), lifetime cut, and its fault state (stall,
 * blackhole, latency), changed only through {@link FaultableConnection}.
 */
export class StreamConnection implements FaultableConnection, FloodTarget {
  readonly id: number;
  readonly path: string;
  readonly route: Route;
  readonly openedAt: number;
  readonly remoteAddress: string;
  readonly streams = new Set<string>();
  readonly received: ControlMessage[] = [];
  readonly userEvents: ReadonlySet<string> | undefined;
  /** `timeUnit=MICROSECOND` (spot): data frames carry µs time fields. */
  readonly micro: boolean;

  private isCombined: boolean;
  private sent = 0;
  /** Data is dropped until this wall-clock ms (Infinity = until healed). */
  private stalledUntil = 0;
  private isBlackholed = false;
  private isClosed = false;
  private readonly out: DelayQueue;
  private readonly rate: RateLimit;
  private readonly heartbeat: Heartbeat;
  private readonly lifetimeTimer: TimerHandle;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    req: IncomingMessage,
    init: ConnectionInit,
    private readonly host: ConnectionHost<StreamConnection>,
  ) {
    const { clock, opts } = host;
    this.id = init.id;
    this.path = init.path;
    this.route = init.route;
    this.isCombined = init.combined;
    this.openedAt = clock.now();
    this.remoteAddress = req.socket.remoteAddress ?? '';
    this.userEvents = init.userEvents ? new Set(init.userEvents) : undefined;
    this.micro = init.timeUnit === 'MICROSECOND';
    this.out = new DelayQueue(clock, { canSend: () => !this.isClosed && !this.isBlackholed, drained: () => host.drained(this) });
    this.rate = new RateLimit(clock, opts.maxIncomingMessagesPerSecond, 1000);

    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('ping', (data) => this.onControlFrame('ping', data));
    ws.on('pong', (data) => this.onControlFrame('pong', data));
    ws.on('close', () => this.cleanup());
    ws.on('error', () => {}); // a client protocol error closes the socket; 'close' follows
    // One listener per socket, whatever the number of flooded streams.
    socket.on('drain', () => host.drained(this));

    this.heartbeat = new Heartbeat(
      clock,
      { pingIntervalMs: opts.pingIntervalMs, pongTimeoutMs: opts.pongTimeoutMs, unsolicitedPongKeepsAlive: host.profile.unsolicitedPongKeepsAlive },
      {
        sendPing: (payload) => this.out.run(() => this.ws.ping(payload)),
        suspended: () => this.isBlackholed,
        timedOut: () => {
          host.violation(this, 'pongTimeout');
          this.close(1008, 'Pong timeout');
        },
      },
    );
    this.lifetimeTimer = clock.timeout(() => this.close(1001, 'Connection lifetime exceeded (24h)'), clock.scale(opts.maxConnectionLifetimeMs));
    if (init.streams.length) this.subscribe(init.streams);
  }

  get combined(): boolean {
    return this.isCombined;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get blackholed(): boolean {
    return this.isBlackholed;
  }

  get framesSent(): number {
    return this.sent;
  }

  get latencyMs(): number {
    return this.out.latencyMs;
  }

  /** Data is being dropped by a stall right now. */
  get stalled(): boolean {
    return this.stalledUntil > this.host.clock.now();
  }

  /** Count an incoming frame; false (and a disconnect) when over the per-second limit. */
  private countIncoming(): boolean {
    if (this.rate.hit()) return true;
    this.host.violation(this, 'messageRate');
    this.close(1008, 'Too many requests');
    return false;
  }

  private record(msg: Omit<ControlMessage, 'at' | 'connectionId'>): void {
    const full: ControlMessage = { at: this.host.clock.now(), connectionId: this.id, ...msg };
    this.received.push(full);
    if (this.received.length > this.host.opts.controlLogLimit) this.received.shift();
    this.host.recordControl(full);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.isBlackholed || this.isClosed) return;
    const text = data.toString('utf8');
    if (isBinary) {
      this.record({ kind: 'binary', data: text });
      if (this.countIncoming()) this.sendControl({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' });
      return;
    }
    const parsed = parseControlMessage(text);
    if (parsed.ok) {
      const r = parsed.request;
      this.record({ kind: 'text', data: text, method: r.method, id: r.id, ...('params' in r ? { params: r.params } : {}) });
    } else this.record({ kind: 'text', data: text });
    if (!this.countIncoming()) return;
    if (!parsed.ok) return this.sendControl(parsed.error);
    const r = parsed.request;
    switch (r.method) {
      case 'SUBSCRIBE':
        if (this.subscribe(r.params)) this.sendControl({ result: null, id: r.id });
        return;
      case 'UNSUBSCRIBE':
        for (const s of r.params) if (this.streams.delete(s)) this.host.removeSubscriber(this, s);
        return this.sendControl({ result: null, id: r.id });
      case 'LIST_SUBSCRIPTIONS':
        return this.sendControl({ result: [...this.streams], id: r.id });
      case 'SET_PROPERTY':
        this.isCombined = r.value;
        return this.sendControl({ result: null, id: r.id });
      case 'GET_PROPERTY':
        return this.sendControl({ result: this.isCombined, id: r.id });
    }
  }

  /** Add streams; over the cap the connection is closed (1008) and false is returned. */
  private subscribe(streams: readonly string[]): boolean {
    let added = 0;
    for (const s of new Set(streams)) if (!this.streams.has(s)) added++;
    const max = this.host.opts.maxStreamsPerConnection;
    if (this.streams.size + added > max) {
      this.host.violation(this, 'streamCount');
      this.close(1008, `Too many streams (max ${max})`);
      return false;
    }
    for (const s of streams) {
      if (this.streams.has(s)) continue;
      this.streams.add(s);
      if (this.host.isDeliverable(this, s)) this.host.addSubscriber(this, s);
    }
    return true;
  }

  private onControlFrame(kind: 'ping' | 'pong', data: Buffer): void {
    if (this.isBlackholed || this.isClosed) return;
    const payload = data.toString('utf8');
    this.record({ kind, data: payload });
    if (!this.countIncoming()) return;
    if (kind === 'ping') this.out.run(() => this.ws.pong(data));
    else this.heartbeat.pong(payload);
  }

  /** Deliver a published frame (dropped while stalled/blackholed; filtered by `events=`). */
  deliver(frame: Frame): void {
    if (this.isClosed || this.isBlackholed || this.stalled) return;
    if (this.userEvents && frame.eventType !== undefined && !this.userEvents.has(frame.eventType)) return;
    const bytes = frameBytes(frame, this.isCombined, this.micro);
    this.sent++;
    this.host.frameSent(frame.stream, 1);
    if (this.out.active) this.out.run(() => this.ws.send(bytes, { binary: false }));
    else this.ws.send(bytes, { binary: false });
  }

  /** Whether flood frames can be written now (open, not stalled or blackholed). */
  acceptsFlood(): boolean {
    return !this.isClosed && !this.isBlackholed && !this.stalled && this.ws.readyState === 1;
  }

  /**
   * Write pre-built data frames (flood) straight to the TCP socket. Returns true when
   * `done` will be called once the socket is done with `bytes` (false: dropped, or
   * copied to be sent later under a latency fault).
   */
  writeFlood(stream: string, bytes: Buffer, frames: number, done: () => void): boolean {
    if (!this.acceptsFlood()) return false;
    this.sent += frames;
    this.host.frameSent(stream, frames);
    if (this.out.active) {
      this.out.hold(bytes, (copy) => this.socket.write(copy));
      return false;
    }
    this.socket.write(bytes, done);
    return true;
  }

  /** Bytes queued for this connection in user space (socket queue + latency-delayed floods). */
  get floodBacklog(): number {
    return this.socket.writableLength + this.out.heldBytes;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  stall(untilMs: number): void {
    this.stalledUntil = untilMs;
  }

  blackhole(): void {
    if (this.isClosed) return;
    this.isBlackholed = true;
    this.socket.pause();
  }

  setLatency(ms: number): void {
    this.out.latencyMs = ms;
  }

  /** Send a JSON control response or event (not dropped by stalls, dropped by blackholes). */
  sendControl(obj: unknown): void {
    if (this.isClosed || this.isBlackholed) return;
    const text = JSON.stringify(obj);
    this.out.run(() => this.ws.send(text));
  }

  /** Send a text frame as is, or (`frame: false`) raw bytes onto the TCP socket. */
  sendRaw(data: string | Buffer, frame = true): void {
    if (this.isClosed) return;
    if (frame) safeSend(() => this.ws.send(data, { binary: false }));
    else this.socket.write(data);
  }

  heal(): void {
    this.stalledUntil = 0;
    this.out.latencyMs = 0;
    if (!this.isBlackholed) return;
    this.isBlackholed = false;
    if (!this.isClosed) this.socket.resume();
  }

  /** Close with a close frame; code 1006 means an abrupt TCP reset without one. */
  close(code: number, reason = ''): void {
    if (this.isClosed) return;
    if (code === 1006) return this.destroy();
    this.cleanup();
    closeWithFrame(this.ws, this.socket, this.host.clock, code, reason);
  }

  /** Drop the TCP connection with no close frame (the client sees 1006). */
  destroy(): void {
    this.cleanup();
    dropConnection(this.ws, this.socket);
  }

  private cleanup(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.heartbeat.stop();
    this.host.clock.clear(this.lifetimeTimer);
    this.out.clear();
    for (const s of this.streams) this.host.removeSubscriber(this, s);
    this.host.connectionClosed(this);
  }
}
