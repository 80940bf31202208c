/**
 * `ex.wsApi`: the test API of the emulated spot WebSocket API (served at `urls.wsApi`; USD-M's at
 * `futuresPath` on a usdm emulator) and of the margin listenToken REST endpoint. The protocol
 * itself is {@link WsApiServer}. Accounts registered here also sign REST orders (`ex.orders`).
 *
 * ```ts
 * const ex = await FakeBinance.start();
 * ex.wsApi.addAccount({ apiKey: 'k', secret: 's' });                 // HMAC
 * ex.wsApi.addAccount({ apiKey: 'e', publicKeyPem: ed25519PublicPem }); // Ed25519 / RSA
 * ex.wsApi.pushEvent('k', { e: 'executionReport', E: Date.now(), … });
 * ex.wsApi.terminate('k');                                           // eventStreamTerminated
 * ex.orders.place('k', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' }); // real events
 * ```
 */
import { mask } from '../log';
import { WS_API } from '../profile';
import type { WsApiAccountInput } from './accounts';
import { makeAccount } from './accounts';
import { FUTURES_WS_API_PATH } from './futures-methods';
import type { Session, Sub, SubscriptionKind } from './session';
import type { WsApiRequestRecord, WsApiServer } from './ws-api-server';

export type { SubscriptionKind } from './session';
export type { WsApiRequestRecord } from './ws-api-server';

/**
 * One user-data subscription of a WS-API session (`ex.wsApi.connections()`): its id, how it was made (logon, signature or listenToken) and the account, masked.
 */
export interface WsApiSubscriptionInfo {
  subscriptionId: number;
  kind: SubscriptionKind;
  /** Masked API key of the account. */
  account: string;
}

/**
 * One WebSocket API session as `ex.wsApi.connections()` shows it: when it opened, who logged on, its user-data subscriptions.
 */
export interface WsApiConnectionInfo {
  id: number;
  openedAt: number;
  /** Masked API key of a `session.logon`, if any. */
  loggedOnAs: string | undefined;
  subscriptions: WsApiSubscriptionInfo[];
}

/**
 * Which subscriptions of an account `ex.wsApi.pushEvent()` and `terminate()` reach: the spot ones, the margin (listenToken) ones, or both.
 */
export interface PushTarget {
  /** `spot`: logon/signature subscriptions; `margin`: listenToken subscriptions. @default both */
  product?: 'spot' | 'margin' | undefined;
}

function matches(sub: Sub, apiKey: string, target: PushTarget): boolean {
  if (sub.apiKey !== apiKey) return false;
  if (target.product === 'spot') return sub.kind !== 'listenToken';
  if (target.product === 'margin') return sub.kind === 'listenToken';
  return true;
}

export class WsApiEmulator {
  /** The WebSocket API path. */
  readonly path = WS_API.path;
  /** The USD-M futures WebSocket API path (usdm emulators): `userDataStream.start/ping/stop`, `order.*`. */
  readonly futuresPath = FUTURES_WS_API_PATH;

  constructor(private readonly server: WsApiServer) {}

  /** Token REST calls answered. */
  get listenTokensIssued(): number {
    return this.server.tokens.issued;
  }

  /** Register an account: `{ apiKey, secret }` (HMAC) or `{ apiKey, publicKeyPem }` (Ed25519 / RSA). Replaces an existing one. */
  addAccount(input: WsApiAccountInput): void {
    const a = makeAccount(input);
    this.server.accounts.set(a.apiKey, a);
  }

  removeAccount(apiKey: string): void {
    this.server.accounts.delete(apiKey);
  }

  /** Deliver a user-data event to every subscription of the account. Returns how many subscriptions got it. */
  pushEvent(apiKey: string, event: object, target: PushTarget = {}): number {
    let n = 0;
    for (const s of this.sessions()) {
      for (const sub of s.subs.values()) {
        if (!matches(sub, apiKey, target)) continue;
        s.send({ subscriptionId: sub.id, event });
        n++;
      }
    }
    return n;
  }

  /** End every subscription of the account with `eventStreamTerminated` (as after a listenToken expiry). Returns how many. */
  terminate(apiKey: string, target: PushTarget = {}): number {
    let n = 0;
    for (const s of this.sessions()) {
      for (const sub of [...s.subs.values()]) {
        if (!matches(sub, apiKey, target)) continue;
        s.endSub(sub);
        n++;
      }
    }
    return n;
  }

  /** Expire listenTokens now (all, or an account's): their subscriptions end with `eventStreamTerminated`. Returns tokens expired. */
  expireListenTokens(apiKey?: string): number {
    let n = 0;
    for (const { token, wasValid } of this.server.tokens.expire(apiKey)) {
      if (wasValid) n++;
      for (const s of this.sessions()) for (const sub of [...s.subs.values()]) if (sub.token === token.token) s.endSub(sub);
    }
    return n;
  }

  /** The API key became invalid: sessions using it get `{"id":null,"status":401,…-2015}` and lose its subscriptions. */
  revoke(apiKey: string): number {
    this.server.accounts.delete(apiKey);
    let n = 0;
    for (const s of this.sessions()) {
      const uses = s.logon?.apiKey === apiKey || [...s.subs.values()].some((x) => x.apiKey === apiKey);
      if (!uses) continue;
      for (const sub of [...s.subs.values()]) if (sub.apiKey === apiKey) s.dropSub(sub);
      if (s.logon?.apiKey === apiKey) s.logon = undefined;
      s.send({ id: null, status: 401, error: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
      n++;
    }
    return n;
  }

  /** Send `{"event":{"e":"serverShutdown","E":…}}` to every WS-API connection. */
  serverShutdown(): number {
    const sessions = this.sessions();
    for (const s of sessions) s.send({ event: { e: 'serverShutdown', E: this.server.clock.now() } });
    return sessions.length;
  }

  /** Drop every WS-API connection: `abrupt` (default) destroys the TCP socket (client sees 1006); otherwise a close frame with `code`. */
  disconnectAll(opts: { abrupt?: boolean; code?: number } = {}): number {
    const sessions = this.sessions();
    for (const s of sessions) s.close(opts.code ?? 1001, 'going away', opts.abrupt !== false);
    return sessions.length;
  }

  connections(): WsApiConnectionInfo[] {
    return this.sessions().map((s) => ({
      id: s.id,
      openedAt: s.openedAt,
      loggedOnAs: s.logon ? mask(s.logon.apiKey) : undefined,
      subscriptions: [...s.subs.values()].map((x) => ({ subscriptionId: x.id, kind: x.kind, account: mask(x.apiKey) })),
    }));
  }

  /** Requests received, oldest first (bounded). */
  requests(): WsApiRequestRecord[] {
    return [...this.server.requestLog];
  }

  /** Issued listenTokens (tests). */
  listenTokens(): { token: string; apiKey: string; expirationTime: number; isolatedSymbol: string | undefined }[] {
    return this.server.tokens.list();
  }

  private sessions(): Session[] {
    return [...this.server.sessions.values()];
  }
}
