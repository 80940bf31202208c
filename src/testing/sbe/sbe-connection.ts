/**
 * One SBE stream connection of the emulator: JSON text control frames (SUBSCRIBE,
 * UNSUBSCRIBE, LIST_SUBSCRIPTIONS) answered in JSON text, market data as binary SBE frames
 * (./encoder.ts), `serverShutdown` as a JSON text frame, the server heartbeat, the 5 msg/s
 * incoming limit, the stream cap and the 24 h cut, as Binance's SBE page describes.
 * It subscribes to the same hub as the JSON connections, under the JSON stream names
 * (`@bestBidAsk` reads `@bookTicker`), so both carry the same ground truth.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { TimerHandle } from '../clock';
import { Heartbeat } from '../heartbeat';
import { RateLimit } from '../rate-limit';
import { parseControlMessage } from '../streams/control-protocol';
import type { Frame } from '../streams/frame';
import { jsonStreamOf } from './encoder';
import type { SbeHost } from './sbe-host';
import { closeWithFrame, dropConnection } from '../server/close';

export class SbeConnection {
  readonly openedAt: number;
  /** SBE stream names subscribed. */
  readonly streams = new Set<string>();
  framesSent = 0;
  private isClosed = false;
  private readonly rate: RateLimit;
  private readonly heartbeat: Heartbeat;
  private readonly lifetime: TimerHandle;

  constructor(
    readonly id: number,
    readonly path: string,
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    streams: readonly string[],
    private readonly host: SbeHost,
  ) {
    const { clock, opts } = host;
    this.openedAt = clock.now();
    this.rate = new RateLimit(clock, opts.maxIncomingMessagesPerSecond, 1000);
    ws.on('message', (data, isBinary) => this.onMessage((data as Buffer).toString('utf8'), isBinary));
    ws.on('ping', (data) => this.countIncoming('ping', data.toString('utf8')) && ws.pong(data));
    ws.on('pong', (data) => this.countIncoming('pong', data.toString('utf8')) && this.heartbeat.pong(data.toString('utf8')));
    ws.on('close', () => this.cleanup());
    ws.on('error', () => {});
    this.heartbeat = new Heartbeat(
      clock,
      { pingIntervalMs: opts.pingIntervalMs, pongTimeoutMs: opts.pongTimeoutMs, unsolicitedPongKeepsAlive: false },
      { sendPing: (payload) => this.isClosed || ws.ping(payload), suspended: () => false, timedOut: () => this.close(1008, 'Pong timeout') },
    );
    this.lifetime = clock.timeout(() => this.close(1001, 'Connection lifetime exceeded (24h)'), clock.scale(opts.maxConnectionLifetimeMs));
    this.subscribe(streams);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Hub subscriber: one published JSON payload → its SBE frame (encoded once per frame for every connection). */
  deliver(frame: Frame): void {
    if (this.isClosed) return;
    const bytes = this.host.encode(frame);
    if (bytes === undefined) return;
    this.framesSent++;
    this.ws.send(bytes, { binary: true });
  }

  // The hub's flood interface: floods are JSON-only (pre-built JSON frames); an SBE connection never takes one.
  readonly combined = true;
  readonly floodBacklog = 0;
  acceptsFlood(): boolean {
    return false;
  }
  writeFlood(): boolean {
    return false;
  }
  cork(): void {}
  uncork(): void {}

  sendJson(obj: unknown): void {
    if (this.isClosed) return;
    this.ws.send(JSON.stringify(obj), { binary: false });
  }

  private countIncoming(kind: 'text' | 'binary' | 'ping' | 'pong', data: string): boolean {
    if (this.isClosed) return false;
    this.host.record({ at: this.host.clock.now(), connectionId: this.id, kind, data });
    if (this.rate.hit()) return true;
    this.close(1008, 'Too many requests');
    return false;
  }

  private onMessage(text: string, isBinary: boolean): void {
    if (!this.countIncoming(isBinary ? 'binary' : 'text', text)) return;
    const parsed = isBinary ? undefined : parseControlMessage(text);
    if (!parsed) return this.sendJson({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' });
    if (!parsed.ok) return this.sendJson(parsed.error);
    const r = parsed.request;
    switch (r.method) {
      case 'SUBSCRIBE': {
        const bad = r.params.find((s) => jsonStreamOf(s) === undefined);
        if (bad !== undefined) return this.sendJson({ code: 2, msg: `Invalid request: stream ${JSON.stringify(bad)} is not an SBE stream (<symbol>@trade|bestBidAsk|depth|depth20)`, id: r.id });
        if (this.subscribe(r.params)) this.sendJson({ result: null, id: r.id });
        return;
      }
      case 'UNSUBSCRIBE':
        for (const s of r.params) if (this.streams.delete(s)) this.host.unsubscribe(this, s);
        return this.sendJson({ result: null, id: r.id });
      case 'LIST_SUBSCRIPTIONS':
        return this.sendJson({ result: [...this.streams], id: r.id });
      default:
        return this.sendJson({ result: null, id: r.id });
    }
  }

  private subscribe(streams: readonly string[]): boolean {
    const fresh = [...new Set(streams)].filter((s) => !this.streams.has(s));
    const max = this.host.opts.maxStreamsPerConnection;
    if (this.streams.size + fresh.length > max) {
      this.close(1008, `Too many streams (max ${max})`);
      return false;
    }
    for (const s of fresh) {
      this.streams.add(s);
      this.host.subscribe(this, s);
    }
    return true;
  }

  /** Close with a close frame (1006: drop the TCP connection without one). */
  close(code: number, reason = ''): void {
    if (this.isClosed) return;
    if (code === 1006) return this.destroy();
    this.cleanup();
    closeWithFrame(this.ws, this.socket, this.host.clock, code, reason);
  }

  destroy(): void {
    this.cleanup();
    dropConnection(this.ws, this.socket);
  }

  private cleanup(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.heartbeat.stop();
    this.host.clock.clear(this.lifetime);
    for (const s of this.streams) this.host.unsubscribe(this, s);
    this.host.closed(this);
  }
}
