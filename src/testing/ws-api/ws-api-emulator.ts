/**
 * The emulated spot WebSocket API (`/ws-api/v3`) and the margin listenToken REST
 * endpoint, as a FakeBinance extension (see the top comment of ../fake-binance.ts).
 *
 * Implemented (protocol reference §6.2, §6.3, §7): `session.logon` (Ed25519 only),
 * `session.status`, `session.logout`, `session.subscriptions`, `userDataStream.subscribe`,
 * `userDataStream.subscribe.signature`, `userDataStream.subscribe.listenToken`,
 * `userDataStream.unsubscribe`, `ping`, `time`; real signature checks (-1022), timestamp /
 * recvWindow checks (-1021), `eventStreamTerminated`, listenToken expiry, server pings,
 * `serverShutdown`, session revocation (401 / -2015), and `POST /sapi/v1/userListenToken`.
 *
 * ```ts
 * const ex = await FakeBinance.start();
 * const wsApi = installWsApi(ex);
 * wsApi.addAccount({ apiKey: 'k', secret: 's' });                 // HMAC
 * wsApi.addAccount({ apiKey: 'e', publicKeyPem: ed25519PublicPem }); // Ed25519 / RSA
 * wsApi.pushEvent('k', { e: 'executionReport', E: Date.now(), … });
 * wsApi.terminate('k');                                           // eventStreamTerminated
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Logger } from '../../core/logger';
import { maskSecret } from '../../core/logger';
import type { Clock, TimerHandle } from '../clock';
import type { FakeBinanceExtension } from '../fake-binance';
import { readBody } from '../rest';
import type { Account, WsApiAccountInput } from './accounts';
import { makeAccount, verifySignature, wsSignaturePayload } from './accounts';

/** What the extension needs from its host (FakeBinance satisfies it). */
export interface WsApiHost {
  readonly clock: Clock;
  readonly log: Logger;
  readonly options: { readonly pingIntervalMs: number; readonly pongTimeoutMs: number };
  _extend(ext: FakeBinanceExtension): void;
}

export interface WsApiOptions {
  /** The WebSocket API path. @default '/ws-api/v3' */
  path?: string | undefined;
  /** Server pings on WS-API connections; 0 disables. @default the host's pingIntervalMs (scaled) */
  pingIntervalMs?: number | undefined;
  /** @default the host's pongTimeoutMs (scaled) */
  pongTimeoutMs?: number | undefined;
}

export type SubscriptionKind = 'logon' | 'signature' | 'listenToken';

export interface WsApiSubscriptionInfo {
  subscriptionId: number;
  kind: SubscriptionKind;
  /** Masked API key of the account. */
  account: string;
}

export interface WsApiConnectionInfo {
  id: number;
  openedAt: number;
  /** Masked API key of a `session.logon`, if any. */
  loggedOnAs: string | undefined;
  subscriptions: WsApiSubscriptionInfo[];
}

/** One request as received (signature removed, apiKey masked), with the answer's status. */
export interface WsApiRequestRecord {
  connectionId: number;
  at: number;
  method: string;
  params: Record<string, unknown>;
  status: number;
  errorCode: number | undefined;
}

export interface PushTarget {
  /** `spot`: logon/signature subscriptions; `margin`: listenToken subscriptions. @default both */
  product?: 'spot' | 'margin' | undefined;
}

interface Sub {
  id: number;
  kind: SubscriptionKind;
  apiKey: string;
  token: string | undefined;
  timer: TimerHandle | undefined;
}

interface Session {
  id: number;
  ws: WebSocket;
  socket: Socket;
  openedAt: number;
  logon: Account | undefined;
  authorizedSince: number | undefined;
  subs: Map<number, Sub>;
  nextSubId: number;
  pingTimer: TimerHandle | undefined;
  pongTimer: TimerHandle | undefined;
  closed: boolean;
}

interface Token {
  token: string;
  apiKey: string;
  isolatedSymbol: string | undefined;
  expirationTime: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
    readonly data?: object,
  ) {
    super(msg);
  }
}

const MAX_RECV_WINDOW = 60_000;
const MAX_TOKEN_VALIDITY = 24 * 60 * 60_000;
const REQUEST_LOG_LIMIT = 1000;

export class WsApiEmulator {
  readonly path: string;
  private readonly accounts = new Map<string, Account>();
  private readonly sessions = new Map<number, Session>();
  private readonly tokens = new Map<string, Token>();
  private readonly log: WsApiRequestRecord[] = [];
  private nextSessionId = 1;
  private closed = false;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  /** Token REST calls answered (for tests). */
  listenTokensIssued = 0;

  constructor(host: WsApiHost, options: WsApiOptions = {}) {
    this.clock = host.clock;
    this.logger = host.log;
    this.path = options.path ?? '/ws-api/v3';
    this.pingIntervalMs = options.pingIntervalMs ?? host.clock.scale(host.options.pingIntervalMs);
    this.pongTimeoutMs = options.pongTimeoutMs ?? host.clock.scale(host.options.pongTimeoutMs);
    host._extend({
      http: (req, res, url) => this.onHttp(req, res, url),
      upgrade: { path: this.path, handle: (ws, req, socket) => this.onConnection(ws, req, socket) },
      userEvent: (apiKey, _json, payload) => this.pushEvent(apiKey, payload),
      serverShutdown: () => this.serverShutdown(),
      close: () => this.close(),
    });
  }

  // ---------- test API ----------

  /** Register an account: `{ apiKey, secret }` (HMAC) or `{ apiKey, publicKeyPem }` (Ed25519 / RSA). Replaces an existing one. */
  addAccount(input: WsApiAccountInput): void {
    const a = makeAccount(input);
    this.accounts.set(a.apiKey, a);
  }

  removeAccount(apiKey: string): void {
    this.accounts.delete(apiKey);
  }

  /** Deliver a user-data event to every subscription of the account. Returns how many subscriptions got it. */
  pushEvent(apiKey: string, event: object, target: PushTarget = {}): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      for (const sub of s.subs.values()) {
        if (sub.apiKey !== apiKey) continue;
        if (target.product === 'spot' && sub.kind === 'listenToken') continue;
        if (target.product === 'margin' && sub.kind !== 'listenToken') continue;
        this.send(s, { subscriptionId: sub.id, event });
        n++;
      }
    }
    return n;
  }

  /** End every subscription of the account with `eventStreamTerminated` (as after a listenToken expiry). Returns how many. */
  terminate(apiKey: string, target: PushTarget = {}): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      for (const sub of [...s.subs.values()]) {
        if (sub.apiKey !== apiKey) continue;
        if (target.product === 'spot' && sub.kind === 'listenToken') continue;
        if (target.product === 'margin' && sub.kind !== 'listenToken') continue;
        this.endSub(s, sub);
        n++;
      }
    }
    return n;
  }

  /** Expire listenTokens now (all, or an account's): their subscriptions end with `eventStreamTerminated`. Returns tokens expired. */
  expireListenTokens(apiKey?: string): number {
    const now = this.clock.now();
    let n = 0;
    for (const t of this.tokens.values()) {
      if (apiKey !== undefined && t.apiKey !== apiKey) continue;
      if (t.expirationTime > now) n++;
      t.expirationTime = Math.min(t.expirationTime, now);
      for (const s of this.sessions.values()) for (const sub of [...s.subs.values()]) if (sub.token === t.token) this.endSub(s, sub);
    }
    return n;
  }

  /** The API key became invalid: sessions using it get `{"id":null,"status":401,…-2015}` and lose its subscriptions. */
  revoke(apiKey: string): number {
    this.accounts.delete(apiKey);
    let n = 0;
    for (const s of this.sessions.values()) {
      const uses = s.logon?.apiKey === apiKey || [...s.subs.values()].some((x) => x.apiKey === apiKey);
      if (!uses) continue;
      for (const sub of [...s.subs.values()]) if (sub.apiKey === apiKey) this.dropSub(s, sub);
      if (s.logon?.apiKey === apiKey) s.logon = undefined;
      this.send(s, { id: null, status: 401, error: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
      n++;
    }
    return n;
  }

  /** Send `{"event":{"e":"serverShutdown","E":…}}` to every WS-API connection. */
  serverShutdown(): number {
    for (const s of this.sessions.values()) this.send(s, { event: { e: 'serverShutdown', E: this.clock.now() } });
    return this.sessions.size;
  }

  /** Drop every WS-API connection: `abrupt` (default) destroys the TCP socket (client sees 1006); otherwise a close frame with `code`. */
  disconnectAll(opts: { abrupt?: boolean; code?: number } = {}): number {
    const n = this.sessions.size;
    for (const s of [...this.sessions.values()]) {
      if (opts.abrupt === false) s.ws.close(opts.code ?? 1001, 'going away');
      else s.socket.destroy();
      this.cleanup(s);
    }
    return n;
  }

  connections(): WsApiConnectionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      openedAt: s.openedAt,
      loggedOnAs: s.logon ? maskSecret(s.logon.apiKey) : undefined,
      subscriptions: [...s.subs.values()].map((x) => ({ subscriptionId: x.id, kind: x.kind, account: maskSecret(x.apiKey) })),
    }));
  }

  /** Requests received, oldest first (bounded). */
  requests(): WsApiRequestRecord[] {
    return [...this.log];
  }

  /** Issued listenTokens (tests). */
  listenTokens(): { token: string; apiKey: string; expirationTime: number; isolatedSymbol: string | undefined }[] {
    return [...this.tokens.values()].map((t) => ({ ...t }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sessions.values()]) {
      this.cleanup(s);
      s.ws.terminate();
    }
  }

  // ---------- REST: listenToken ----------

  private async onHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname !== '/sapi/v1/userListenToken') return false;
    const reply = (status: number, body: object): true => {
      res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(body));
      return true;
    };
    if ((req.method ?? 'GET').toUpperCase() !== 'POST') return reply(405, { code: -1000, msg: 'Method not allowed.' });
    const body = await readBody(req);
    const header = req.headers['x-mbx-apikey'];
    const apiKey = Array.isArray(header) ? header[0] : header;
    if (!apiKey) return reply(401, { code: -2014, msg: 'API-key format invalid.' });
    const account = this.accounts.get(apiKey);
    if (!account) return reply(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    // REST signatures cover the query string (then the body) as sent, minus `signature`.
    const raw = [url.search.slice(1), body].filter(Boolean).join('&');
    const pairs = raw.split('&').filter(Boolean);
    const sigPair = pairs.find((p) => p.startsWith('signature='));
    const signed = pairs.filter((p) => !p.startsWith('signature=')).join('&');
    const q = new URLSearchParams(raw);
    try {
      if (!sigPair) throw new ApiError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
      this.checkTimestamp(q.get('timestamp'), q.get('recvWindow'));
      if (!verifySignature(account, signed, decodeURIComponent(sigPair.slice('signature='.length)))) {
        throw new ApiError(400, -1022, 'Signature for this request is not valid.');
      }
      const isolated = q.get('isIsolated') === 'true' || q.get('isIsolated') === 'TRUE';
      const symbol = q.get('symbol') ?? undefined;
      if (isolated && !symbol) throw new ApiError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
      const validityParam = q.get('validity');
      const validity = validityParam === null ? MAX_TOKEN_VALIDITY : Number(validityParam);
      if (!Number.isSafeInteger(validity) || validity <= 0 || validity > MAX_TOKEN_VALIDITY) {
        throw new ApiError(400, -1100, 'Illegal characters found in parameter \'validity\'; legal range is 1..86400000.');
      }
      const token: Token = {
        token: randomBytes(24).toString('base64url'),
        apiKey,
        isolatedSymbol: isolated ? symbol : undefined,
        expirationTime: this.clock.now() + this.clock.scale(validity),
      };
      this.tokens.set(token.token, token);
      this.listenTokensIssued++;
      this.logger.debug({ account: maskSecret(apiKey), token: maskSecret(token.token) }, 'listenToken issued');
      return reply(200, { token: token.token, expirationTime: token.expirationTime });
    } catch (err) {
      if (err instanceof ApiError) return reply(err.status, { code: err.code, msg: err.message });
      throw err;
    }
  }

  // ---------- WebSocket API ----------

  private onConnection(ws: WebSocket, _req: IncomingMessage, socket: Socket): void {
    if (this.closed) return void ws.terminate();
    const s: Session = {
      id: this.nextSessionId++,
      ws,
      socket,
      openedAt: this.clock.now(),
      logon: undefined,
      authorizedSince: undefined,
      subs: new Map(),
      nextSubId: 0,
      pingTimer: undefined,
      pongTimer: undefined,
      closed: false,
    };
    this.sessions.set(s.id, s);
    this.logger.info({ wsApiConnection: s.id }, 'WS-API connection opened');
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onFrame(s, String(data));
    });
    ws.on('pong', () => {
      this.clock.clear(s.pongTimer);
      s.pongTimer = undefined;
    });
    ws.on('close', () => this.cleanup(s));
    ws.on('error', () => this.cleanup(s));
    this.armPing(s);
  }

  private armPing(s: Session): void {
    if (!(this.pingIntervalMs > 0) || s.closed) return;
    s.pingTimer = this.clock.timeout(() => {
      if (s.closed) return;
      try {
        s.ws.ping(String(this.clock.now()));
      } catch {
        return;
      }
      s.pongTimer ??= this.clock.timeout(() => {
        this.logger.warn({ wsApiConnection: s.id }, 'WS-API pong timeout: disconnecting');
        s.socket.destroy();
        this.cleanup(s);
      }, this.pongTimeoutMs);
      this.armPing(s);
    }, this.pingIntervalMs);
  }

  private cleanup(s: Session): void {
    if (s.closed) return;
    s.closed = true;
    this.clock.clear(s.pingTimer);
    this.clock.clear(s.pongTimer);
    for (const sub of s.subs.values()) this.clock.clear(sub.timer);
    s.subs.clear();
    this.sessions.delete(s.id);
    this.logger.info({ wsApiConnection: s.id }, 'WS-API connection closed');
  }

  private send(s: Session, obj: object): void {
    if (s.closed || s.ws.readyState !== 1) return;
    s.ws.send(JSON.stringify(obj));
  }

  private onFrame(s: Session, text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.send(s, { id: null, status: 400, error: { code: -1000, msg: 'Malformed request: invalid JSON.' } });
    }
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
    const method = typeof msg.method === 'string' ? msg.method.replace(/^v3\//, '') : '';
    const params = msg.params && typeof msg.params === 'object' ? (msg.params as Record<string, unknown>) : {};
    let status = 200;
    let errorCode: number | undefined;
    try {
      const result = this.dispatch(s, method, params);
      this.send(s, { id, status: 200, result });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, -1000, 'An unknown error occurred while processing the request.');
      status = e.status;
      errorCode = e.code;
      this.send(s, { id, status: e.status, error: { code: e.code, msg: e.message, ...(e.data ? { data: e.data } : {}) } });
    }
    const { signature: _sig, ...rest } = params;
    if (typeof rest.apiKey === 'string') rest.apiKey = maskSecret(rest.apiKey);
    if (typeof rest.listenToken === 'string') rest.listenToken = maskSecret(rest.listenToken);
    this.log.push({ connectionId: s.id, at: this.clock.now(), method, params: rest, status, errorCode });
    if (this.log.length > REQUEST_LOG_LIMIT) this.log.shift();
  }

  private dispatch(s: Session, method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'ping':
        return {};
      case 'time':
        return { serverTime: this.clock.now() };
      case 'session.logon': {
        const account = this.authenticate(params);
        if (account.keyType !== 'ed25519') throw new ApiError(400, -2028, 'session.logon supports Ed25519 API keys only.');
        s.logon = account;
        s.authorizedSince = this.clock.now();
        return this.status(s);
      }
      case 'session.status':
        return this.status(s);
      case 'session.logout': {
        for (const sub of [...s.subs.values()]) if (sub.kind === 'logon') this.endSub(s, sub);
        s.logon = undefined;
        s.authorizedSince = undefined;
        return this.status(s);
      }
      case 'session.subscriptions':
        return [...s.subs.values()].map((x) => ({ subscriptionId: x.id }));
      case 'userDataStream.subscribe': {
        if (!s.logon) throw new ApiError(400, -1193, 'WebSocket session not authenticated.');
        return { subscriptionId: this.addSub(s, 'logon', s.logon.apiKey, undefined) };
      }
      case 'userDataStream.subscribe.signature': {
        const account = this.authenticate(params);
        return { subscriptionId: this.addSub(s, 'signature', account.apiKey, undefined) };
      }
      case 'userDataStream.subscribe.listenToken': {
        const t = typeof params.listenToken === 'string' ? this.tokens.get(params.listenToken) : undefined;
        if (!t || t.expirationTime <= this.clock.now()) throw new ApiError(400, -1209, 'Invalid listenToken.');
        return { subscriptionId: this.addSub(s, 'listenToken', t.apiKey, t) };
      }
      case 'userDataStream.unsubscribe': {
        const want = params.subscriptionId;
        if (want === undefined) {
          for (const sub of [...s.subs.values()]) this.endSub(s, sub);
          return {};
        }
        const sub = typeof want === 'number' ? s.subs.get(want) : undefined;
        if (!sub) throw new ApiError(400, -2036, 'Subscription not found.');
        this.endSub(s, sub);
        return {};
      }
      default:
        throw new ApiError(400, -1000, `Unknown method ${JSON.stringify(method)}.`);
    }
  }

  private status(s: Session): object {
    return {
      apiKey: s.logon?.apiKey ?? null,
      authorizedSince: s.authorizedSince ?? null,
      connectedSince: s.openedAt,
      returnRateLimits: false,
      serverTime: this.clock.now(),
      userDataStream: s.subs.size > 0,
    };
  }

  private checkTimestamp(ts: unknown, rw: unknown): void {
    const timestamp = typeof ts === 'string' ? Number(ts) : ts;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw new ApiError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    }
    const recvWindow = rw === undefined || rw === null ? 5000 : typeof rw === 'string' ? Number(rw) : rw;
    if (typeof recvWindow !== 'number' || !Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > MAX_RECV_WINDOW) {
      throw new ApiError(400, -1131, 'recvWindow must be less than 60000');
    }
    const now = this.clock.now();
    if (!(timestamp < now + 1000 && now - timestamp <= recvWindow)) {
      throw new ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    }
  }

  /** Check apiKey + timestamp + signature of a SIGNED request. */
  private authenticate(params: Record<string, unknown>): Account {
    const apiKey = params.apiKey;
    if (typeof apiKey !== 'string' || !apiKey) throw new ApiError(400, -1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.");
    const signature = params.signature;
    if (typeof signature !== 'string' || !signature) throw new ApiError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const account = this.accounts.get(apiKey);
    if (!account) throw new ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    this.checkTimestamp(params.timestamp, params.recvWindow);
    if (!verifySignature(account, wsSignaturePayload(params), signature)) throw new ApiError(400, -1022, 'Signature for this request is not valid.');
    return account;
  }

  private addSub(s: Session, kind: SubscriptionKind, apiKey: string, token: Token | undefined): number {
    for (const x of s.subs.values()) {
      if (x.apiKey === apiKey && (x.kind === 'listenToken') === (kind === 'listenToken') && x.token === token?.token) {
        throw new ApiError(400, -2035, 'User Data Stream subscription already active.');
      }
    }
    const sub: Sub = { id: s.nextSubId++, kind, apiKey, token: token?.token, timer: undefined };
    if (token) sub.timer = this.clock.timeout(() => this.endSub(s, sub), Math.max(0, token.expirationTime - this.clock.now()));
    s.subs.set(sub.id, sub);
    this.logger.debug({ wsApiConnection: s.id, subscriptionId: sub.id, kind, account: maskSecret(apiKey) }, 'user data subscription started');
    return sub.id;
  }

  private dropSub(s: Session, sub: Sub): void {
    this.clock.clear(sub.timer);
    s.subs.delete(sub.id);
  }

  /** End a subscription and tell the client (`eventStreamTerminated`). */
  private endSub(s: Session, sub: Sub): void {
    if (!s.subs.has(sub.id)) return;
    this.dropSub(s, sub);
    this.send(s, { subscriptionId: sub.id, event: { e: 'eventStreamTerminated', E: this.clock.now() } });
  }
}

const installed = new WeakMap<WsApiHost, WsApiEmulator>();

/**
 * Mount the spot WebSocket API + listenToken REST on a FakeBinance (or any
 * {@link WsApiHost}). Idempotent per host: a second call returns the first emulator.
 */
export function installWsApi(host: WsApiHost, options: WsApiOptions = {}): WsApiEmulator {
  let e = installed.get(host);
  if (!e) {
    e = new WsApiEmulator(host, options);
    installed.set(host, e);
  }
  return e;
}
