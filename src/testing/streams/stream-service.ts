/**
 * Every stream connection of one emulator: opening them, what each may receive (the
 * USD-M route table of profile.ts), the control log, fault targets and inspection.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Clock } from '../clock';
import type { FaultTarget } from '../faults';
import type { ConnectionInfo, Counters, SilentStream } from '../inspection';
import type { Logger } from '../log';
import type { ResolvedOptions } from '../options';
import type { BinanceProfile } from '../profile';
import { routeOf } from '../profile';
import type { ListenKeys } from '../rest/listen-keys';
import type { ConnectionHost, ControlMessage, ViolationKind } from './connection-host';
import type { Hub } from './hub';
import type { StreamPath } from './routes';
import { StreamConnection } from './stream-connection';

export class StreamService implements ConnectionHost<StreamConnection> {
  private readonly conns = new Map<number, StreamConnection>();
  private readonly control: ControlMessage[] = [];
  private nextId = 1;

  constructor(
    readonly opts: ResolvedOptions,
    readonly clock: Clock,
    readonly profile: BinanceProfile,
    readonly log: Logger,
    private readonly hub: Hub,
    private readonly keys: ListenKeys,
    private readonly counters: Counters,
  ) {}

  get size(): number {
    return this.conns.size;
  }

  /** A stream connection was upgraded on `req.url` (parsed as `path`). */
  open(ws: WebSocket, socket: Socket, req: IncomingMessage, path: StreamPath): void {
    const id = this.nextId++;
    this.counters.connectionsOpened++;
    const conn = new StreamConnection(ws, socket, req, { id, path: req.url ?? '/', ...path }, this);
    if (!conn.closed) this.conns.set(id, conn);
    else this.counters.connectionsClosed++;
    this.log.info({ connectionId: id, path: new URL(req.url ?? '/', 'http://localhost').pathname, streams: path.streams.length }, 'connection opened');
  }

  isDeliverable(conn: StreamConnection, stream: string): boolean {
    if (!this.profile.routed) return true;
    if (conn.route === 'private') return true; // every name on /private is a listenKey
    if (this.keys.isKnown(stream)) return false; // legacy /ws/<listenKey> no longer delivers
    return routeOf(this.profile.market, stream) === (conn.route || 'public');
  }

  addSubscriber(conn: StreamConnection, stream: string): void {
    this.hub.add(conn, stream);
  }

  removeSubscriber(conn: StreamConnection, stream: string): void {
    this.hub.remove(conn, stream);
  }

  connectionClosed(conn: StreamConnection): void {
    if (this.conns.delete(conn.id)) this.counters.connectionsClosed++;
    this.log.info({ connectionId: conn.id }, 'connection closed');
  }

  recordControl(msg: ControlMessage): void {
    this.control.push(msg);
    if (this.control.length > this.opts.controlLogLimit) this.control.shift();
  }

  violation(conn: StreamConnection, kind: ViolationKind): void {
    this.counters.limitViolations[kind]++;
    this.log.warn({ connectionId: conn.id, kind }, 'limit violation: disconnecting');
  }

  frameSent(stream: string, count: number): void {
    this.counters.frameSent(stream, count);
  }

  drained(_conn: StreamConnection): void {
    this.hub.drained();
  }

  resolveTarget(t: FaultTarget): StreamConnection[] {
    const all = [...this.conns.values()];
    if ('all' in t && t.all) return all;
    if ('connectionId' in t) return all.filter((c) => c.id === t.connectionId);
    if ('stream' in t) return all.filter((c) => c.streams.has(t.stream));
    throw new TypeError('fault target: expected { all: true } | { connectionId } | { stream }');
  }

  connections(): ConnectionInfo[] {
    return [...this.conns.values()].map((c) => ({
      id: c.id,
      path: c.path,
      route: c.route,
      combined: c.combined,
      streams: [...c.streams],
      openedAt: c.openedAt,
      remoteAddress: c.remoteAddress,
      received: [...c.received],
      framesSent: c.framesSent,
      stalled: c.stalled,
      blackholed: c.blackholed,
      latencyMs: c.latencyMs,
      muted: [...c.streams].filter((s) => this.hub.isMuted(s)),
      silent: this.silent(c),
    }));
  }

  /** A connection's acknowledged streams that no generator will ever feed (see ConnectionInfo.silent). */
  private silent(c: StreamConnection): SilentStream[] {
    const out: SilentStream[] = [];
    if (c.route === 'private') return out; // every name there is a listenKey (user data)
    for (const s of c.streams) {
      if (!this.isDeliverable(c, s)) out.push({ stream: s, reason: 'wrongRoute' });
      else if (!this.keys.isKnown(s) && !this.hub.generator(s)) out.push({ stream: s, reason: 'unknown' });
    }
    return out;
  }

  controlLog(): ControlMessage[] {
    return [...this.control];
  }

  destroyAll(): void {
    for (const c of this.conns.values()) c.destroy();
    this.conns.clear();
  }
}
