import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Logger } from '../core/logger';
import type { MarketProfile, Route } from '../core/markets';
import type { Clock, TimerHandle } from './clock';
import type { RequestId } from './control-protocol';
import { parseControlMessage } from './control-protocol';
import type { Frame } from './frame';
import { frameBytes } from './frame';
import type { ResolvedOptions } from './options';

/** One frame a client sent on a stream connection. */
export interface ControlMessage {
  /** Wall-clock ms when it arrived. */
  readonly at: number;
  readonly connectionId: number;
  /** `text` for JSON control messages (valid or not), `ping`/`pong` for control frames, `binary` otherwise. */
  readonly kind: 'text' | 'binary' | 'ping' | 'pong';
  /** The text, or the ping/pong payload as UTF-8. */
  readonly data: string;
  /** `method` of a parsed request. */
  readonly method?: string;
  readonly id?: RequestId;
  readonly params?: unknown;
}

export type ViolationKind = 'messageRate' | 'streamCount' | 'pongTimeout';

/** What a connection needs from the emulator. */
export interface ConnectionHost {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly market: MarketProfile;
  readonly log: Logger;
  isDeliverable(conn: StreamConnection, stream: string): boolean;
  addSubscriber(conn: StreamConnection, stream: string): void;
  removeSubscriber(conn: StreamConnection, stream: string): void;
  connectionClosed(conn: StreamConnection, code: number, reason: string): void;
  recordControl(msg: ControlMessage): void;
  violation(conn: StreamConnection, kind: ViolationKind): void;
  /** `count` frames of `stream` went to one connection. */
  frameSent(stream: string, count: number): void;
  /** The connection's socket drained after a write returned false (floods resume). */
  drained(conn: StreamConnection): void;
}

export interface ConnectionInit {
  id: number;
  path: string;
  route: Route;
  combined: boolean;
  streams: string[];
  /** `events=` allow-list of user-data event types (USD-M `/private`). */
  userEvents: readonly string[] | undefined;
}

/**
 * A stream connection: subscription protocol, incoming-rate limit, stream cap,
 * server heartbeat, lifetime cut, and the per-connection fault switches
 * (stall, blackhole, latency).
 */
export class StreamConnection {
  readonly id: number;
  readonly path: string;
  readonly route: Route;
  readonly openedAt: number;
  readonly remoteAddress: string;
  combined: boolean;
  readonly streams = new Set<string>();
  readonly received: ControlMessage[] = [];
  readonly userEvents: ReadonlySet<string> | undefined;
  framesSent = 0;

  /** Data is dropped until this wall-clock ms (Infinity = until healed). */
  stalledUntil = 0;
  blackholed = false;
  latencyMs = 0;
  closed = false;
  /** Corked by the flood pump for the current turn. */
  corked = false;
  /** Flood bytes held back by a latency fault. */
  private delayedBytes = 0;

  private readonly incoming: number[] = [];
  private pingTimer: TimerHandle | undefined;
  private pongDeadline: TimerHandle | undefined;
  private lifetimeTimer: TimerHandle | undefined;
  private readonly outstandingPings = new Set<string>();
  private readonly delayed: { at: number; send: () => void }[] = [];
  private delayTimer: TimerHandle | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly socket: Socket,
    req: IncomingMessage,
    init: ConnectionInit,
    private readonly host: ConnectionHost,
  ) {
    this.id = init.id;
    this.path = init.path;
    this.route = init.route;
    this.combined = init.combined;
    this.openedAt = host.clock.now();
    this.remoteAddress = req.socket.remoteAddress ?? '';
    this.userEvents = init.userEvents ? new Set(init.userEvents) : undefined;

    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('ping', (data) => this.onPing(data));
    ws.on('pong', (data) => this.onPong(data));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', () => {
      /* a client protocol error closes the socket; 'close' follows */
    });
    // One listener per socket, whatever the number of flooded streams.
    socket.on('drain', () => host.drained(this));

    this.armPing();
    this.lifetimeTimer = host.clock.timeout(
      () => this.close(1001, 'Connection lifetime exceeded (24h)'),
      host.clock.scale(host.opts.maxConnectionLifetimeMs),
    );
    if (init.streams.length) this.subscribe(init.streams);
  }

  // ---- incoming ----------------------------------------------------------

  /** Count an incoming frame; false (and a disconnect) when over the per-second limit. */
  private countIncoming(): boolean {
    const now = this.host.clock.now();
    const q = this.incoming;
    q.push(now);
    while (q.length && (q[0] ?? 0) <= now - 1000) q.shift();
    if (q.length > this.host.opts.maxIncomingMessagesPerSecond) {
      this.host.violation(this, 'messageRate');
      this.close(1008, 'Too many requests');
      return false;
    }
    return true;
  }

  private record(msg: Omit<ControlMessage, 'at' | 'connectionId'>): void {
    const full: ControlMessage = { at: this.host.clock.now(), connectionId: this.id, ...msg };
    this.received.push(full);
    if (this.received.length > this.host.opts.controlLogLimit) this.received.shift();
    this.host.recordControl(full);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.blackholed || this.closed) return;
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
    if (!parsed.ok) {
      this.sendControl(parsed.error);
      return;
    }
    const r = parsed.request;
    switch (r.method) {
      case 'SUBSCRIBE':
        if (this.subscribe(r.params)) this.sendControl({ result: null, id: r.id });
        return;
      case 'UNSUBSCRIBE':
        for (const s of r.params) {
          if (this.streams.delete(s)) this.host.removeSubscriber(this, s);
        }
        this.sendControl({ result: null, id: r.id });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.sendControl({ result: [...this.streams], id: r.id });
        return;
      case 'SET_PROPERTY':
        this.combined = r.value;
        this.sendControl({ result: null, id: r.id });
        return;
      case 'GET_PROPERTY':
        this.sendControl({ result: this.combined, id: r.id });
        return;
    }
  }

  /** Add streams; over the cap the connection is closed (1008) and false is returned. */
  subscribe(streams: readonly string[]): boolean {
    let added = 0;
    for (const s of new Set(streams)) if (!this.streams.has(s)) added++;
    if (this.streams.size + added > this.host.opts.maxStreamsPerConnection) {
      this.host.violation(this, 'streamCount');
      this.close(1008, `Too many streams (max ${this.host.opts.maxStreamsPerConnection})`);
      return false;
    }
    for (const s of streams) {
      if (this.streams.has(s)) continue;
      this.streams.add(s);
      if (this.host.isDeliverable(this, s)) this.host.addSubscriber(this, s);
    }
    return true;
  }

  private onPing(data: Buffer): void {
    if (this.blackholed || this.closed) return;
    this.record({ kind: 'ping', data: data.toString('utf8') });
    if (!this.countIncoming()) return;
    this.afterLatency(() => this.ws.pong(data));
  }

  private onPong(data: Buffer): void {
    if (this.blackholed || this.closed) return;
    const payload = data.toString('utf8');
    this.record({ kind: 'pong', data: payload });
    if (!this.countIncoming()) return;
    // Spot: an unsolicited pong (payload not matching a ping) does not keep the link alive.
    // Futures docs suggest any pong does.
    if (this.host.market.futures || this.outstandingPings.has(payload)) {
      this.outstandingPings.clear();
      this.host.clock.clear(this.pongDeadline);
      this.pongDeadline = undefined;
    }
  }

  // ---- heartbeat ---------------------------------------------------------

  private armPing(): void {
    const clock = this.host.clock;
    this.pingTimer = clock.timeout(() => {
      if (this.closed) return;
      if (!this.blackholed) {
        const payload = String(clock.now());
        this.outstandingPings.add(payload);
        if (this.outstandingPings.size > 64) this.outstandingPings.delete(this.outstandingPings.values().next().value as string);
        this.afterLatency(() => this.ws.ping(payload));
        if (!this.pongDeadline) {
          this.pongDeadline = clock.timeout(() => {
            this.pongDeadline = undefined;
            if (this.blackholed) return;
            this.host.violation(this, 'pongTimeout');
            this.close(1008, 'Pong timeout');
          }, scaledFloor(clock, this.host.opts.pongTimeoutMs, 2000));
        }
      }
      this.armPing();
    }, scaledFloor(clock, this.host.opts.pingIntervalMs, 500));
  }

  // ---- outgoing ----------------------------------------------------------

  private afterLatency(fn: () => void): void {
    if (this.closed) return;
    if (this.latencyMs <= 0 && this.delayed.length === 0) {
      safeSend(fn);
      return;
    }
    this.delayed.push({ at: this.host.clock.now() + this.latencyMs, send: fn });
    this.pumpDelayed();
  }

  private pumpDelayed(): void {
    if (this.delayTimer || this.closed) return;
    const head = this.delayed[0];
    if (!head) return;
    this.delayTimer = this.host.clock.timeout(() => {
      this.delayTimer = undefined;
      const now = this.host.clock.now();
      while (this.delayed.length && (this.delayed[0]?.at ?? Infinity) <= now) {
        const item = this.delayed.shift();
        if (item && !this.closed && !this.blackholed) safeSend(item.send);
      }
      if (!this.delayed.length && this.delayedBytes) {
        this.delayedBytes = 0; // dropped while blackholed
        this.host.drained(this);
      }
      this.pumpDelayed();
    }, Math.max(0, head.at - this.host.clock.now()));
  }

  /** True while data frames are being dropped (stall or blackhole). */
  get suppressed(): boolean {
    return this.blackholed || (this.stalledUntil > 0 && this.host.clock.now() < this.stalledUntil);
  }

  /** Deliver a published frame (dropped while stalled/blackholed; filtered by `events=`). */
  deliver(frame: Frame): void {
    if (this.closed || this.suppressed) return;
    if (this.userEvents && frame.eventType !== undefined && !this.userEvents.has(frame.eventType)) return;
    const bytes = frameBytes(frame, this.combined);
    this.framesSent++;
    this.host.frameSent(frame.stream, 1);
    if (this.latencyMs > 0 || this.delayed.length) this.afterLatency(() => this.ws.send(bytes, { binary: false }));
    else this.ws.send(bytes, { binary: false });
  }

  /** Whether flood frames can be written now (open, not stalled or blackholed). */
  acceptsFlood(): boolean {
    return !this.closed && !this.suppressed && this.ws.readyState === 1;
  }

  /**
   * Write pre-built data frames (flood) straight to the TCP socket. Returns true when
   * `done` will be called once the socket is done with `bytes` (false: dropped, or
   * copied to be sent later under a latency fault).
   */
  writeFlood(stream: string, bytes: Buffer, frames: number, done: () => void): boolean {
    if (!this.acceptsFlood()) return false;
    this.framesSent += frames;
    this.host.frameSent(stream, frames);
    if (this.latencyMs > 0 || this.delayed.length) {
      const copy = Buffer.from(bytes);
      this.delayedBytes += copy.length;
      this.afterLatency(() => {
        this.delayedBytes -= copy.length;
        this.socket.write(copy);
        if (this.delayedBytes === 0) this.host.drained(this);
      });
      return false;
    }
    this.socket.write(bytes, done);
    return true;
  }

  /** Bytes queued for this connection in user space (socket queue + latency-delayed floods). */
  get floodBacklog(): number {
    return this.socket.writableLength + this.delayedBytes;
  }

  /** Send a JSON control response/event (not dropped by stalls, dropped by blackholes). */
  sendControl(obj: unknown): void {
    if (this.closed || this.blackholed) return;
    const text = JSON.stringify(obj);
    this.afterLatency(() => this.ws.send(text));
  }

  /** Send raw text (faults). */
  sendText(text: string | Buffer): void {
    if (this.closed) return;
    this.ws.send(text, { binary: false });
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  // ---- faults ------------------------------------------------------------

  blackhole(): void {
    if (this.closed) return;
    this.blackholed = true;
    this.socket.pause();
  }

  unblackhole(): void {
    if (!this.blackholed) return;
    this.blackholed = false;
    if (!this.closed) this.socket.resume();
  }

  // ---- closing -----------------------------------------------------------

  /** Close with a close frame; code 1006 means an abrupt TCP reset without one. */
  close(code: number, reason = ''): void {
    if (this.closed) return;
    if (code === 1006) {
      this.destroy();
      return;
    }
    this.cleanup();
    try {
      this.ws.close(code, reason);
    } catch {
      this.socket.destroy();
    }
    // If the peer never completes the close handshake, cut the TCP connection.
    const sock = this.socket;
    this.host.clock.timeout(() => sock.destroy(), 2000);
  }

  /** Drop the TCP connection with no close frame (the client sees 1006). */
  destroy(): void {
    this.cleanup();
    this.socket.destroy();
    this.ws.terminate();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    const clock = this.host.clock;
    clock.clear(this.pingTimer);
    clock.clear(this.pongDeadline);
    clock.clear(this.lifetimeTimer);
    clock.clear(this.delayTimer);
    this.delayed.length = 0;
    this.delayedBytes = 0;
    for (const s of this.streams) this.host.removeSubscriber(this, s);
    this.host.connectionClosed(this, 0, '');
  }

  private onClose(_code: number, _reason: string): void {
    this.cleanup();
  }
}

/**
 * Heartbeat durations under `timeScale`: scaling never takes them below `floorMs`
 * (unless the configured value itself is smaller), because pongs count toward the
 * incoming-message limit: a 20 s ping scaled by 1440 would make every client exceed 5 msg/s.
 */
export function scaledFloor(clock: Clock, ms: number, floorMs: number): number {
  return Math.max(clock.scale(ms), Math.min(ms, floorMs));
}

function safeSend(fn: () => void): void {
  try {
    fn();
  } catch {
    /* socket already closing */
  }
}
