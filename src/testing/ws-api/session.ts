/**
 * One WS-API connection: its logon, user-data subscriptions, request weight (limits.ts: per IP,
 * shared with REST), server heartbeat (heartbeat.ts; the same policy as stream connections) and
 * lifetime cut (`maxConnectionLifetimeMs`, scaled by `timeScale`, like stream connections).
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../clock';
import { Heartbeat } from '../heartbeat';
import type { HeartbeatPolicy } from '../heartbeat';
import type { Logger } from '../log';
import { mask } from '../log';
import type { Account } from './accounts';
import { ApiError } from './accounts';
import type { Token } from './listen-tokens';
import { closeWithFrame } from '../server/close';

export type SubscriptionKind = 'logon' | 'signature' | 'listenToken';

export interface Sub {
  readonly id: number;
  readonly kind: SubscriptionKind;
  readonly apiKey: string;
  readonly token: string | undefined;
  timer: TimerHandle | undefined;
}

export interface SessionHost {
  readonly clock: Clock;
  readonly log: Logger;
  readonly heartbeat: HeartbeatPolicy;
  /** Connections are closed (1001) after this long (scaled by `timeScale`). */
  readonly lifetimeMs: number;
  /** Count a request's weight for an IP; returns the IP's used weight or throws 429 / 418. */
  charge(ip: string, method: string, futures: boolean): number;
  /** A text frame arrived. */
  frame(s: Session, text: string): void;
  closed(s: Session): void;
  violation(kind: 'messageRate' | 'pongTimeout'): void;
}

/** What the upgrade request said about the connection. */
export interface SessionInfo {
  readonly ip: string;
  /** `returnRateLimits=false` in the URL turns `rateLimits` off (a request's own param overrides). */
  readonly returnRateLimits: boolean;
  /** `futures`: the USD-M WebSocket API (`/ws-fapi/v1`). */
  readonly product: 'spot' | 'futures';
}

export class Session {
  readonly openedAt: number;
  /** The IP's used request weight after the last request. */
  usedWeight = 0;
  readonly subs = new Map<number, Sub>();
  logon: Account | undefined;
  authorizedSince: number | undefined;
  private nextSubId = 0;
  private isClosed = false;
  private readonly heartbeat: Heartbeat;
  private readonly lifetimeTimer: TimerHandle;

  /** @internal */
  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly host: SessionHost,
    readonly info: SessionInfo,
  ) {
    this.openedAt = host.clock.now();
    this.lifetimeTimer = host.clock.timeout(() => {
      host.log.info({ wsApiConnection: id }, 'WS-API connection lifetime exceeded: disconnecting');
      this.close(1001, 'Connection lifetime exceeded (24h)');
    }, host.clock.scale(host.lifetimeMs));
    this.heartbeat = new Heartbeat(host.clock, host.heartbeat, {
      sendPing: (payload) => {
        try {
          this.ws.ping(payload);
        } catch {
          /* closing */
        }
      },
      suspended: () => false,
      timedOut: () => {
        host.violation('pongTimeout');
        host.log.warn({ wsApiConnection: id }, 'WS-API pong timeout: disconnecting');
        this.close(1008, 'Pong timeout');
      },
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary && !this.isClosed) host.frame(this, String(data));
    });
    ws.on('pong', (data) => this.heartbeat.pong(data.toString('utf8')));
    ws.on('close', () => this.cleanup());
    ws.on('error', () => this.cleanup());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Count a request's weight (per IP, shared with REST); throws Binance's 429 / 418 (-1003, `retryAfter`). */
  charge(method: string): void {
    this.usedWeight = this.host.charge(this.info.ip, method, this.info.product === 'futures');
  }

  send(obj: object): void {
    if (this.isClosed || this.ws.readyState !== 1) return;
    this.ws.send(JSON.stringify(obj));
  }

  addSub(kind: SubscriptionKind, apiKey: string, token: Token | undefined): number {
    for (const x of this.subs.values()) {
      if (x.apiKey === apiKey && (x.kind === 'listenToken') === (kind === 'listenToken') && x.token === token?.token) {
        throw new ApiError(400, -2035, 'User Data Stream subscription already active.');
      }
    }
    const clock = this.host.clock;
    const sub: Sub = { id: this.nextSubId++, kind, apiKey, token: token?.token, timer: undefined };
    if (token) sub.timer = clock.timeout(() => this.endSub(sub), Math.max(0, token.expirationTime - clock.now()));
    this.subs.set(sub.id, sub);
    this.host.log.debug({ wsApiConnection: this.id, subscriptionId: sub.id, kind, account: mask(apiKey) }, 'user data subscription started');
    return sub.id;
  }

  dropSub(sub: Sub): void {
    this.host.clock.clear(sub.timer);
    this.subs.delete(sub.id);
  }

  /** End a subscription and tell the client (`eventStreamTerminated`). */
  endSub(sub: Sub): void {
    if (!this.subs.has(sub.id)) return;
    this.dropSub(sub);
    this.send({ subscriptionId: sub.id, event: { e: 'eventStreamTerminated', E: this.host.clock.now() } });
  }

  /** Close with a close frame (`code`), or drop the TCP connection (`abrupt`: the client sees 1006). */
  close(code: number, reason: string, abrupt = false): void {
    if (abrupt) this.socket.destroy();
    else closeWithFrame(this.ws, this.socket, this.host.clock, code, reason);
    this.cleanup();
  }

  terminate(): void {
    this.cleanup();
    this.ws.terminate();
  }

  private cleanup(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.heartbeat.stop();
    this.host.clock.clear(this.lifetimeTimer);
    for (const sub of this.subs.values()) this.host.clock.clear(sub.timer);
    this.subs.clear();
    this.host.closed(this);
  }
}
