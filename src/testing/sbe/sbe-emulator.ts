/**
 * Binance's SBE market-data streams (`stream-sbe.binance.com`), emulated on a port of their
 * own (`ex.sbe.url`): `/ws/<stream>[/…]`, `/stream?streams=a/b`, an Ed25519 API key in the
 * `X-MBX-APIKEY` upgrade header (registered with `ex.wsApi.addAccount({ apiKey, publicKeyPem })`),
 * binary SBE data frames (./encoder.ts) carrying the same ground truth as the JSON streams
 * (the same hub: same trade ids and update ids), JSON text control frames.
 *
 * Upgrade answers: no `X-MBX-APIKEY` header → 400 (as Binance: "No X-MBX-APIKEY header");
 * an unknown key, or a key that is not Ed25519 → 401 with Binance's -2015; a stream SBE does
 * not serve → 400. Faults: `serverShutdown()`, `drop()` (TCP reset), `closeAll(code)`; the
 * JSON emulator's `ex.faults` do not reach these connections. Floods are JSON-only.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { mask } from '../log';
import type { ResolvedOptions } from '../options';
import { PROFILES } from '../profile';
import { EmulatorServer } from '../server/server';
import type { ControlMessage } from '../streams/connection-host';
import type { Frame } from '../streams/frame';
import type { Hub } from '../streams/hub';
import { parseStreamPath } from '../streams/routes';
import type { StreamConnection } from '../streams/stream-connection';
import type { Account } from '../ws-api/accounts';
import { encodeFor, jsonStreamOf } from './encoder';
import { SbeConnection } from './sbe-connection';
import type { SbeHost } from './sbe-host';

export interface SbeEmulatorDeps {
  readonly hub: Hub;
  readonly clock: Clock;
  readonly opts: ResolvedOptions;
  readonly log: Logger;
  /** The WS-API emulator's accounts (read only): the SBE key must be an Ed25519 one. */
  account(apiKey: string): Account | undefined;
}

/**
 * One SBE connection as `ex.sbe.connections()` shows it: its path, its streams, when it opened and how many binary frames it was sent.
 */
export interface SbeConnectionInfo {
  readonly id: number;
  readonly path: string;
  readonly streams: string[];
  readonly openedAt: number;
  readonly framesSent: number;
}

/**
 * What `ex.sbe.stats()` returns: connections opened, binary frames sent, and upgrades refused (no API key, an unknown or non-Ed25519 key, a bad stream name).
 */
export interface SbeStats {
  readonly connectionsOpened: number;
  readonly framesSent: number;
  readonly rejected: { missingApiKey: number; invalidApiKey: number; badStream: number };
}

/** Which SBE connections a fault hits: one by id, those carrying a stream, or all (the default). */
export type SbeTarget = { connectionId: number } | { stream: string } | { all: true } | undefined;
type Target = SbeTarget;

/** `ex.sbe`: the emulator's SBE market-data endpoint (spot), what a test sees of it. */
export interface SbeServer {
  /** The SBE base URL (`ws://127.0.0.1:<port>`), its own port as on Binance. */
  readonly url: string;
  /** Options for `new BinanceStreamClient(...)` on this endpoint: `encoding: 'sbe'` with `apiKey` (an Ed25519 key registered with `ex.wsApi.addAccount`). */
  clientOptions(apiKey: string): { market: 'spot'; baseUrl: string; encoding: 'sbe'; apiKey: string };
  /** Open SBE connections. */
  connections(): SbeConnectionInfo[];
  /** Counters of the SBE endpoint since the emulator started. */
  stats(): SbeStats;
  /** Control messages (SUBSCRIBE, …) received on SBE connections, oldest first. */
  controlLog(): ControlMessage[];
  /** Send `serverShutdown` (a JSON text frame) to the targeted connections; returns how many. */
  serverShutdown(target?: SbeTarget): number;
  /** Reset the targeted connections' TCP sockets (an abrupt drop, 1006); returns how many. */
  drop(target?: SbeTarget): number;
  /** Close the targeted connections with `code`; returns how many. */
  closeAll(code?: number, reason?: string, target?: SbeTarget): number;
}

export class SbeEmulator implements SbeHost, SbeServer {
  private readonly server: EmulatorServer;
  private depsValue: SbeEmulatorDeps | undefined;
  private readonly conns = new Map<number, SbeConnection>();
  private readonly encoded = new WeakMap<Frame, Buffer | null>();
  private readonly control: ControlMessage[] = [];
  private readonly rejected = { missingApiKey: 0, invalidApiKey: 0, badStream: 0 };
  private nextId = 1;
  private opened = 0;
  private sentTotal = 0;
  private closing = false;

  /** `deps` may be a function, read on first use (the emulator builds this before its hub). */
  constructor(private readonly depsSource: SbeEmulatorDeps | (() => SbeEmulatorDeps)) {
    this.server = new EmulatorServer({
      http: (_req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":-1000,"msg":"SBE streams only"}'),
      upgrade: (req, socket, head) => this.upgrade(req, socket, head),
    });
  }

  private get deps(): SbeEmulatorDeps {
    return (this.depsValue ??= typeof this.depsSource === 'function' ? this.depsSource() : this.depsSource);
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get opts(): ResolvedOptions {
    return this.deps.opts;
  }

  listen(host: string): Promise<void> {
    return this.server.listen(host, 0);
  }

  /** `ws://host:port`: the client's `baseUrl` with `encoding: 'sbe'`. */
  get url(): string {
    const h = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `ws://${h}:${this.server.port}`;
  }

  /** Client options for these streams: `new BinanceStreamClient(ex.sbe.clientOptions(apiKey))` (the key: an Ed25519 account of `ex.wsApi`). */
  clientOptions(apiKey: string): { market: 'spot'; baseUrl: string; encoding: 'sbe'; apiKey: string } {
    return { market: 'spot', baseUrl: this.url, encoding: 'sbe', apiKey };
  }

  connections(): SbeConnectionInfo[] {
    return [...this.conns.values()].map((c) => ({ id: c.id, path: c.path, streams: [...c.streams], openedAt: c.openedAt, framesSent: c.framesSent }));
  }

  stats(): SbeStats {
    return { connectionsOpened: this.opened, framesSent: this.sentTotal + [...this.conns.values()].reduce((n, c) => n + c.framesSent, 0), rejected: { ...this.rejected } };
  }

  /** Control frames received (text, ping, pong), oldest first (bounded by `controlLogLimit`). */
  controlLog(): ControlMessage[] {
    return [...this.control];
  }

  /** Send `{"e":"serverShutdown","E":now}` as a JSON text frame to the targeted connections (all by default). */
  serverShutdown(target?: Target): number {
    const hit = this.resolve(target);
    for (const c of hit) c.sendJson({ e: 'serverShutdown', E: this.clock.now() });
    return hit.length;
  }

  /** Reset the TCP connections (no close frame: the client sees 1006). */
  drop(target?: Target): number {
    const hit = this.resolve(target);
    for (const c of hit) c.destroy();
    return hit.length;
  }

  /** Close with a close frame. */
  closeAll(code = 1000, reason = '', target?: Target): number {
    const hit = this.resolve(target);
    for (const c of hit) c.close(code, reason);
    return hit.length;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const c of [...this.conns.values()]) c.destroy();
    await this.server.close();
  }

  // ---- SbeHost ----

  encode(frame: Frame): Buffer | undefined {
    let b = this.encoded.get(frame);
    if (b === undefined) {
      b = encodeFor(frame.stream, frame.raw, BigInt(Math.round(this.clock.hrNow() * 1000))) ?? null;
      this.encoded.set(frame, b);
    }
    return b ?? undefined;
  }

  subscribe(conn: object, sbeStream: string): void {
    this.deps.hub.add(conn as unknown as StreamConnection, jsonStreamOf(sbeStream) as string);
  }

  unsubscribe(conn: object, sbeStream: string): void {
    this.deps.hub.remove(conn as unknown as StreamConnection, jsonStreamOf(sbeStream) as string);
  }

  record(msg: ControlMessage): void {
    this.control.push(msg);
    if (this.control.length > this.opts.controlLogLimit) this.control.shift();
  }

  closed(conn: { readonly id: number; readonly framesSent: number }): void {
    if (this.conns.delete(conn.id)) this.sentTotal += conn.framesSent;
    this.deps.log.info({ sbeConnectionId: conn.id }, 'SBE connection closed');
  }

  // ---- upgrades ----

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.closing) return void socket.destroy();
    const reject = (status: number, code: number, msg: string): void => EmulatorServer.rejectUpgrade(socket, status, undefined, JSON.stringify({ code, msg }));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = parseStreamPath(PROFILES.spot, url);
    if (!path) return reject(404, -1000, `Unknown stream path ${url.pathname}`);
    const bad = path.streams.find((s) => jsonStreamOf(s) === undefined);
    if (bad !== undefined) {
      this.rejected.badStream++;
      return reject(400, -1100, `Stream ${JSON.stringify(bad)} is not an SBE stream (<symbol>@trade|bestBidAsk|depth|depth20)`);
    }
    const header = req.headers['x-mbx-apikey'];
    const apiKey = Array.isArray(header) ? header[0] : header;
    if (!apiKey) {
      this.rejected.missingApiKey++;
      return reject(400, -2014, 'No X-MBX-APIKEY header');
    }
    const account = this.deps.account(apiKey);
    if (!account || account.keyType !== 'ed25519') {
      this.rejected.invalidApiKey++;
      this.deps.log.info({ apiKey: mask(apiKey), keyType: account?.keyType }, 'SBE upgrade rejected: not a registered Ed25519 key');
      return reject(401, -2015, account ? 'Only Ed25519 API keys are allowed for SBE market data streams.' : 'Invalid API-key, IP, or permissions for action.');
    }
    this.server.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closing) return void ws.terminate();
      const id = this.nextId++;
      this.opened++;
      const conn = new SbeConnection(id, req.url ?? '/', ws, socket, path.streams, this);
      if (!conn.closed) this.conns.set(id, conn);
      this.deps.log.info({ sbeConnectionId: id, streams: path.streams.length }, 'SBE connection opened');
    });
  }

  private resolve(t: Target): SbeConnection[] {
    const all = [...this.conns.values()];
    if (t === undefined || ('all' in t && t.all)) return all;
    if ('connectionId' in t) return all.filter((c) => c.id === t.connectionId);
    if ('stream' in t) return all.filter((c) => c.streams.has(t.stream));
    return [];
  }
}
