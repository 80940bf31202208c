/**
 * The spot WebSocket API's protocol side (`/ws-api/v3`, protocol reference §6.2, §6.3, §7):
 * sessions and request dispatch. Implemented: `session.logon` (Ed25519 only),
 * `session.status`, `session.logout`, `session.subscriptions`, `userDataStream.subscribe`,
 * `userDataStream.subscribe.signature`, `userDataStream.subscribe.listenToken`,
 * `userDataStream.unsubscribe`, `ping`, `time`, and the trading methods of order-methods.ts
 * (`order.place`, … answered by the order simulator); real signature checks (-1022), timestamp /
 * recvWindow checks (-1021), request weight per IP shared with REST (limits.ts: 429 then 418,
 * `retryAfter`; a 418 disconnects), `rateLimits` in every answer unless `returnRateLimits=false` (URL or request).
 * The test API on top of it is {@link WsApiEmulator} (`ex.wsApi`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Clock } from '../clock';
import type { HeartbeatPolicy } from '../heartbeat';
import type { Logger } from '../log';
import { mask } from '../log';
import { WS_API } from '../profile';
import type { ListenKeys } from '../rest/listen-keys';
import type { RestWeights } from '../rest/weights';
import type { Account } from './accounts';
import { ApiError, checkTimestamp, verifySignature, wsSignaturePayload } from './accounts';
import type { FuturesMethodsHost } from './futures-methods';
import { FUTURES_WS_API_PATH, futuresMethod } from './futures-methods';
import { LimitError, WsApiLimits } from './limits';
import { ListenTokens } from './listen-tokens';
import type { OrderMethodsHost } from './order-methods';
import { ORDER_METHODS, orderMethod } from './order-methods';
import type { SessionHost } from './session';
import { Session } from './session';

/** One request as received (signature removed, apiKey masked), with the answer's status. */
export interface WsApiRequestRecord {
  connectionId: number;
  at: number;
  method: string;
  params: Record<string, unknown>;
  status: number;
  errorCode: number | undefined;
}

export interface WsApiContext {
  readonly clock: Clock;
  readonly log: Logger;
  readonly heartbeat: HeartbeatPolicy;
  /** `maxConnectionLifetimeMs`. */
  readonly lifetimeMs: number;
  /** The per-IP REQUEST_WEIGHT counter REST uses. */
  readonly weights: RestWeights;
  /** The order simulator behind the trading methods. */
  readonly orders: Omit<OrderMethodsHost, 'authenticate' | 'now'>;
  /** USD-M listenKeys, for the futures WebSocket API (`/ws-fapi/v1`; usdm emulators only). */
  readonly listenKeys?: ListenKeys | undefined;
  acceptsApiKey(key: string): boolean;
  /** A WS-API session went over a limit (counted in `stats().limitViolations`). */
  violation(kind: 'messageRate' | 'pongTimeout'): void;
}

const falsy = (v: unknown): boolean => v === false || v === 'false';

const REQUEST_LOG_LIMIT = 1000;

export class WsApiServer implements SessionHost {
  readonly accounts = new Map<string, Account>();
  readonly sessions = new Map<number, Session>();
  readonly tokens: ListenTokens;
  readonly requestLog: WsApiRequestRecord[] = [];
  readonly limits: WsApiLimits;
  private readonly orderHost: OrderMethodsHost;
  private readonly futuresHost: FuturesMethodsHost | undefined;
  private nextSessionId = 1;
  private isClosed = false;

  constructor(private readonly ctx: WsApiContext) {
    this.tokens = new ListenTokens(ctx.clock, ctx.log);
    this.limits = new WsApiLimits(ctx.clock, ctx.weights, () => ctx.violation('messageRate'));
    this.orderHost = { ...ctx.orders, now: () => ctx.clock.now(), authenticate: (p) => this.authenticate(p) };
    this.futuresHost = ctx.listenKeys && { ...this.orderHost, listenKeys: ctx.listenKeys, acceptsApiKey: (k) => ctx.acceptsApiKey(k) };
  }

  /** The WebSocket API paths served: spot's, and USD-M's when the emulator has listenKeys. */
  isPath(path: string): boolean {
    return path === WS_API.path || (this.futuresHost !== undefined && path === FUTURES_WS_API_PATH);
  }

  get lifetimeMs(): number {
    return this.ctx.lifetimeMs;
  }

  charge(ip: string, method: string, futures: boolean): number {
    return this.limits.charge(ip, method, futures);
  }

  get clock(): Clock {
    return this.ctx.clock;
  }

  get log(): Logger {
    return this.ctx.log;
  }

  get heartbeat(): HeartbeatPolicy {
    return this.ctx.heartbeat;
  }

  /** REST served by the WS-API side (margin listenTokens); false for other paths. */
  http(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    return this.tokens.handle(req, res, url, this.accounts);
  }

  /** An upgraded connection on the WS-API path. */
  /** @internal */
  accept(ws: WebSocket, socket: Socket, req: IncomingMessage): void {
    if (this.isClosed) return void ws.terminate();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const product = url.pathname === FUTURES_WS_API_PATH ? ('futures' as const) : ('spot' as const);
    const info = { ip: socket.remoteAddress ?? '', returnRateLimits: !falsy(url.searchParams.get('returnRateLimits')), product };
    // Connecting to the spot WS API costs request weight, counted with the IP's REST and WS-API requests (undocumented for futures).
    if (product === 'spot') this.ctx.weights.take(info.ip, WS_API.connectWeight, this.ctx.clock.now());
    const s = new Session(this.nextSessionId++, ws, socket, this, info);
    if (s.closed) return;
    this.sessions.set(s.id, s);
    this.log.info({ wsApiConnection: s.id }, 'WS-API connection opened');
  }

  closed(s: Session): void {
    if (this.sessions.delete(s.id)) this.log.info({ wsApiConnection: s.id }, 'WS-API connection closed');
  }

  violation(kind: 'messageRate' | 'pongTimeout'): void {
    this.ctx.violation(kind);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const s of [...this.sessions.values()]) s.terminate();
  }

  frame(s: Session, text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return s.send({ id: null, status: 400, error: { code: -1000, msg: 'Malformed request: invalid JSON.' } });
    }
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
    const method = typeof msg.method === 'string' ? msg.method.replace(/^v3\//, '') : '';
    const params = msg.params && typeof msg.params === 'object' ? (msg.params as Record<string, unknown>) : {};
    let status = 200;
    let errorCode: number | undefined;
    const withLimits = params.returnRateLimits === undefined ? s.info.returnRateLimits : !falsy(params.returnRateLimits);
    const rateLimits = (used: number, apiKey?: string): object => {
      if (!withLimits) return {};
      const orders = apiKey ? this.ctx.orders.sim.orderRateLimits(apiKey) : [];
      return { rateLimits: [this.limits.requestWeight(used), ...orders] };
    };
    try {
      s.charge(method);
      const result = this.dispatch(s, method, params);
      const orderKey = method === 'order.place' ? (typeof params.apiKey === 'string' ? params.apiKey : s.logon?.apiKey) : undefined;
      s.send({ id, status: 200, result, ...rateLimits(s.usedWeight, orderKey) });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, -1000, 'An unknown error occurred while processing the request.');
      status = e.status;
      errorCode = e.code;
      const used = e instanceof LimitError ? e.usedWeight : s.usedWeight;
      s.send({ id, status: e.status, error: { code: e.code, msg: e.message, ...(e.data ? { data: e.data } : {}) }, ...rateLimits(used) });
      // "… will result in an automated IP ban and you will be disconnected."
      if (e instanceof LimitError && e.status === 418) {
        this.log.warn({ wsApiConnection: s.id }, 'WS-API IP banned: disconnecting');
        s.close(1008, 'IP banned');
      }
    }
    const { signature: _sig, ...rest } = params;
    if (typeof rest.apiKey === 'string') rest.apiKey = mask(rest.apiKey);
    if (typeof rest.listenToken === 'string') rest.listenToken = mask(rest.listenToken);
    this.requestLog.push({ connectionId: s.id, at: this.clock.now(), method, params: rest, status, errorCode });
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.shift();
  }

  private dispatch(s: Session, method: string, params: Record<string, unknown>): unknown {
    if (s.info.product === 'futures' && this.futuresHost && !method.startsWith('session.')) return futuresMethod(this.futuresHost, s, method, params);
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
        for (const sub of [...s.subs.values()]) if (sub.kind === 'logon') s.endSub(sub);
        s.logon = undefined;
        s.authorizedSince = undefined;
        return this.status(s);
      }
      case 'session.subscriptions':
        return [...s.subs.values()].map((x) => ({ subscriptionId: x.id }));
      case 'userDataStream.subscribe': {
        if (!s.logon) throw new ApiError(400, -1193, 'WebSocket session not authenticated.');
        return { subscriptionId: s.addSub('logon', s.logon.apiKey, undefined) };
      }
      case 'userDataStream.subscribe.signature': {
        const account = this.authenticate(params);
        return { subscriptionId: s.addSub('signature', account.apiKey, undefined) };
      }
      case 'userDataStream.subscribe.listenToken': {
        const t = this.tokens.valid(params.listenToken);
        if (!t) throw new ApiError(400, -1209, 'Invalid listenToken.');
        return { subscriptionId: s.addSub('listenToken', t.apiKey, t) };
      }
      case 'userDataStream.unsubscribe': {
        const want = params.subscriptionId;
        if (want === undefined) {
          for (const sub of [...s.subs.values()]) s.endSub(sub);
          return {};
        }
        const sub = typeof want === 'number' ? s.subs.get(want) : undefined;
        if (!sub) throw new ApiError(400, -2036, 'Subscription not found.');
        s.endSub(sub);
        return {};
      }
      default:
        if (ORDER_METHODS.has(method)) return orderMethod(this.orderHost, s, method, params);
        throw new ApiError(400, -1000, `Unknown method ${JSON.stringify(method)}.`);
    }
  }

  private status(s: Session): object {
    return {
      apiKey: s.logon?.apiKey ?? null,
      authorizedSince: s.authorizedSince ?? null,
      connectedSince: s.openedAt,
      returnRateLimits: s.info.returnRateLimits,
      serverTime: this.clock.now(),
      userDataStream: s.subs.size > 0,
    };
  }

  /** Check apiKey + timestamp + signature of a SIGNED request. */
  private authenticate(params: Record<string, unknown>): Account {
    const apiKey = params.apiKey;
    if (typeof apiKey !== 'string' || !apiKey) throw new ApiError(400, -1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.");
    const signature = params.signature;
    if (typeof signature !== 'string' || !signature) throw new ApiError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const account = this.accounts.get(apiKey);
    if (!account) throw new ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    checkTimestamp(params.timestamp, params.recvWindow, this.clock.now());
    if (!verifySignature(account, wsSignaturePayload(params), signature)) throw new ApiError(400, -1022, 'Signature for this request is not valid.');
    return account;
  }
}
