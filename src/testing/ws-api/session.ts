/**
 * One WS-API connection: its logon, user-data subscriptions, request-weight limit
 * (rate-limit.ts) and server heartbeat (heartbeat.ts; the same policy as stream connections).
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../clock';
import { Heartbeat } from '../heartbeat';
import type { HeartbeatPolicy } from '../heartbeat';
import type { Logger } from '../log';
import { mask } from '../log';
import { WS_API } from '../profile';
import { RateLimit } from '../rate-limit';
import type { Account } from './accounts';
import { ApiError } from './accounts';
import type { Token } from './listen-tokens';

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
  /** A text frame arrived. */
  frame(s: Session, text: string): void;
  closed(s: Session): void;
  violation(kind: 'messageRate' | 'pongTimeout'): void;
}

export class Session {
  readonly openedAt: number;
  readonly subs = new Map<number, Sub>();
  logon: Account | undefined;
  authorizedSince: number | undefined;
  private nextSubId = 0;
  private isClosed = false;
  private readonly heartbeat: Heartbeat;
  private readonly weight: RateLimit;

  /** @internal */
  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.openedAt = host.clock.now();
    this.weight = new RateLimit(host.clock, WS_API.requestWeightPerMinute, 60_000);
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

  /** Count a request's weight; throws Binance's 429 (-1003, `retryAfter`) over REQUEST_WEIGHT per minute. */
  charge(method: string): void {
    const w = WS_API.weights[method] ?? WS_API.defaultWeight;
    if (this.weight.hit(w)) return;
    this.host.violation('messageRate');
    const retryAfter = this.weight.retryAt(w);
    throw new ApiError(429, -1003, `Too many requests; current limit of ${WS_API.requestWeightPerMinute} request weight per minute exceeded.`, { retryAfter });
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
    else {
      this.ws.close(code, reason);
      // If the peer never completes the close handshake, cut the TCP connection.
      const sock = this.socket;
      this.host.clock.timeout(() => sock.destroy(), 2000);
    }
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
    for (const sub of this.subs.values()) this.host.clock.clear(sub.timer);
    this.subs.clear();
    this.host.closed(this);
  }
}
