/**
 * Spot and margin user data over the spot WebSocket API (protocol reference §6.2, §6.3):
 * one raw-framed socket to `wss://ws-api.binance.com:443/ws-api/v3`; its `onOpen` hook
 * subscribes (./subscribe.ts) before the socket counts as open, on every (re)connect.
 * Margin renews its listenToken on the same connection before it expires (mint →
 * subscribe new → unsubscribe old; events of the old subscription are dropped once the
 * new one is live, so nothing is delivered twice).
 *
 * `eventStreamTerminated` for our subscription → re-subscribe (new token if needed).
 * Liveness: the heartbeat, plus a cheap `session.subscriptions` probe (weight 2) every
 * `statusProbeIntervalMs`: no answer → reconnect; our subscription missing → re-subscribe.
 * Never "no events for N seconds": an account can be quiet for hours.
 *
 * The state of one connection (`Conn`) is created on open and dropped when it ends; the
 * two timers (`probe`, `renew`) live in this driver's TimerSlots, cleared with the Conn.
 */
import type { AbortSignalLike } from '../../core/web-types';
import type { ResilientSocketLike } from '../../connection/types';
import { BinanceStreamError, toStreamError } from '../../core/errors';
import { MARKETS } from '../../core/markets';
import { TimerSlots } from '../../core/timers';
import type { StreamMessage } from '../../streams/types';
import type { UserStreamContext, UserStreamDriver } from '../driver';
import { createDriverSocket } from '../driver';
import { errorFields } from '../../core/logger';
import type { ResolvedUserDataOptions } from '../options';
import type { Signer } from '../signing';
import { ListenTokenSource } from './listen-token';
import type { SubscribeFlow } from './subscribe';
import { ALREADY_SUBSCRIBED, subscribe, subscribeFlow, subscribeWithToken } from './subscribe';
import { WsApiClient } from './ws-api-client';

/** One WebSocket-API connection's subscription state. */
interface Conn {
  readonly signal: AbortSignalLike;
  subscriptionId: number | undefined;
  /** Subscriptions we are retiring (token renewal): their events and termination are ignored. */
  readonly retiring: Set<number>;
  /** The subscription operation in flight (re-subscribe or token renewal), one at a time; `lost`: the old subscription ended meanwhile. */
  op: { lost: boolean } | undefined;
}

type EventFrame = { subscriptionId?: unknown; event?: { e?: unknown; E?: unknown; [k: string]: unknown }; [k: string]: unknown };

export class WsApiUserStream implements UserStreamDriver {
  readonly socket: ResilientSocketLike;
  /** Chosen again on each open: a PEM key's type (Ed25519 → session.logon) is known once Web Crypto imported it. */
  private flow: SubscribeFlow;
  private readonly client: WsApiClient;
  private readonly tokens: ListenTokenSource;
  private readonly timers = new TimerSlots<'probe' | 'renew'>();
  private conn: Conn | undefined;
  private stopped = false;

  constructor(
    private readonly o: ResolvedUserDataOptions & { readonly signer: Signer },
    private readonly ctx: UserStreamContext,
  ) {
    this.flow = subscribeFlow(o);
    this.socket = createDriverSocket(o, {
      id: `user-${o.product}`,
      market: MARKETS.spot,
      url: () => o.wsApiUrl,
      onOpen: (_s, signal) => this.onOpen(signal),
      onMessage: (m) => this.onMessage(m),
    });
    this.client = new WsApiClient(this.socket, o.requestTimeoutMs, o.now, (err) => this.onSessionError(err));
    this.tokens = new ListenTokenSource(o, this.socket.id);
    for (const ended of ['close', 'reconnecting', 'gaveUp'] as const) this.socket.on(ended, () => this.endConnection());
    this.socket.on('open', () => {
      this.armProbe();
      this.armRenewal();
    });
  }

  get timerCount(): number {
    return this.timers.size;
  }

  details(): Record<string, unknown> {
    const token = this.tokens.current;
    return { subscriptionId: this.conn?.subscriptionId, flow: this.flow, ...(token ? { listenTokenExpiresAt: token.expirationTime } : {}) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endConnection();
    await this.socket.stop();
  }

  // ---------- connection lifecycle ----------

  private async onOpen(signal: AbortSignalLike): Promise<void> {
    this.endConnection();
    const conn: Conn = { signal, subscriptionId: undefined, retiring: new Set(), op: undefined };
    this.conn = conn;
    if (this.o.signer.keyType === undefined) await this.o.signer.resolveKeyType();
    this.flow = subscribeFlow(this.o);
    const id = await subscribe(this.o, this.flow, this.client, this.tokens, signal);
    if (this.conn === conn) conn.subscriptionId = id;
    this.ctx.logger.debug({ socketId: this.socket.id, subscriptionId: id, flow: this.flow }, 'user data subscribed');
  }

  /** The connection is gone (or replaced): forget its subscription, stop its timers. */
  private endConnection(): void {
    this.timers.clearAll();
    this.conn = undefined;
  }

  /** Re-subscribe on the live connection (after eventStreamTerminated or a failed probe). Single-flight. */
  private resubscribe(reason: string): void {
    const conn = this.conn;
    if (this.stopped || !conn) return;
    if (conn.op) {
      // A renewal in flight subscribes anew anyway; it reports live when done.
      conn.op.lost = true;
      return;
    }
    const op = { lost: false };
    conn.op = op;
    void (async () => {
      try {
        const id = await subscribe(this.o, this.flow, this.client, this.tokens, conn.signal);
        if (this.conn !== conn) return;
        conn.subscriptionId = id;
        this.ctx.logger.info({ socketId: this.socket.id, reason, subscriptionId: id }, 're-subscribed to user data');
        this.ctx.markLive();
        this.armRenewal();
      } catch (err) {
        if (this.conn !== conn || this.stopped) return;
        const e = toStreamError(err);
        this.ctx.logger.warn({ socketId: this.socket.id, reason, error: errorFields(e) }, 're-subscribe failed: reconnecting');
        this.ctx.reportError(e);
        this.socket.reconnect(`re-subscribe failed: ${e.code}`);
      } finally {
        if (conn.op === op) conn.op = undefined;
      }
    })();
  }

  // ---------- inbound ----------

  private onMessage(m: StreamMessage): void {
    if (this.client.handleFrame(m.data)) return;
    const data = m.data as EventFrame;
    const ev = data && typeof data === 'object' ? data.event : undefined;
    if (!ev || typeof ev !== 'object' || typeof data.subscriptionId !== 'number' || typeof ev.e !== 'string') {
      this.ctx.logger.debug({ socketId: this.socket.id, keys: data && typeof data === 'object' ? Object.keys(data).slice(0, 5) : typeof data }, 'ignored WebSocket API frame');
      return;
    }
    const id = data.subscriptionId;
    const conn = this.conn;
    if (!conn) return;
    if (ev.e === 'eventStreamTerminated') {
      if (conn.retiring.delete(id) || id !== conn.subscriptionId) return;
      const at = Number(ev.E);
      conn.subscriptionId = undefined;
      this.ctx.logger.warn({ socketId: this.socket.id, subscriptionId: id }, 'eventStreamTerminated: re-subscribing');
      this.ctx.markInterrupted(Number.isFinite(at) && at > 0 ? Math.min(at, this.o.now()) : this.o.now(), 'eventStreamTerminated');
      this.resubscribe('eventStreamTerminated');
      return;
    }
    // During a token renewal both subscriptions deliver the same account events: keep one.
    if (id !== conn.subscriptionId && (conn.retiring.has(id) || conn.subscriptionId !== undefined)) return;
    this.ctx.deliver(ev as { e: string; E: number | string }, m.receivedAt);
  }

  /** `{"id":null,"status":401,…}`: the session was revoked (key deleted, IP not whitelisted…). Recovered by reconnecting, or given up by the socket. */
  private onSessionError(err: BinanceStreamError): void {
    this.ctx.logger.warn({ socketId: this.socket.id, error: errorFields(err) }, 'WebSocket API session error');
    this.ctx.reportError(err);
    if (err.httpStatus === 401 || err.permanent) {
      this.ctx.markInterrupted(this.o.now(), 'session revoked');
      this.socket.reconnect('WebSocket API session revoked');
    }
  }

  // ---------- liveness probe ----------

  private armProbe(): void {
    const every = this.o.statusProbeIntervalMs;
    const conn = this.conn;
    if (!(every > 0) || this.stopped || !conn) return;
    this.timers.set('probe', every, () => void this.probe(conn));
  }

  private async probe(conn: Conn): Promise<void> {
    if (conn !== this.conn || this.stopped) return;
    try {
      const list = await this.client.call<{ subscriptionId?: unknown }[]>('session.subscriptions', undefined, { signal: conn.signal });
      if (conn !== this.conn) return;
      const ids = Array.isArray(list) ? list.map((x) => x?.subscriptionId) : [];
      if (conn.subscriptionId !== undefined && !ids.includes(conn.subscriptionId) && !conn.op) {
        this.ctx.logger.warn({ socketId: this.socket.id, subscriptionId: conn.subscriptionId }, 'status probe: our subscription is gone; re-subscribing');
        this.ctx.markInterrupted(this.o.now(), 'subscription missing');
        conn.subscriptionId = undefined;
        this.resubscribe('subscription missing');
      } else this.ctx.markProof();
      this.armProbe();
    } catch (err) {
      if (conn !== this.conn || this.stopped) return;
      const e = toStreamError(err);
      if (e.code === 'ERR_WS_API' && e.httpStatus === undefined) {
        this.ctx.logger.warn({ socketId: this.socket.id, error: errorFields(e) }, 'status probe unanswered: reconnecting');
        this.socket.reconnect('status probe unanswered');
        return;
      }
      this.ctx.logger.debug({ socketId: this.socket.id, error: errorFields(e) }, 'status probe failed');
      this.armProbe();
    }
  }

  // ---------- margin token renewal ----------

  private armRenewal(delayMs?: number): void {
    const token = this.tokens.current;
    if (this.flow !== 'listenToken' || !token || this.stopped || !this.conn) return;
    this.timers.set('renew', delayMs ?? this.tokens.renewAt(token) - this.o.now(), () => void this.renewToken());
  }

  /** Mint a new token, subscribe with it, then retire the old subscription — all on this connection. */
  private async renewToken(): Promise<void> {
    const conn = this.conn;
    if (!conn || this.stopped) return;
    if (conn.op) return this.armRenewal(1_000);
    const op = { lost: false };
    conn.op = op;
    const old = conn.subscriptionId;
    const log = this.ctx.logger;
    const socketId = this.socket.id;
    try {
      this.tokens.discard();
      const token = await this.tokens.usable(conn.signal);
      let id: number;
      try {
        id = await subscribeWithToken(this.client, token.token, conn.signal);
      } catch (err) {
        if (!(err instanceof BinanceStreamError) || err.binanceCode !== ALREADY_SUBSCRIBED || old === undefined) throw err;
        // One subscription per account per connection: switch with a (tiny) gap instead.
        conn.retiring.add(old);
        conn.subscriptionId = undefined;
        this.ctx.markInterrupted(this.o.now(), 'listenToken renewal');
        await this.client.call('userDataStream.unsubscribe', { subscriptionId: old }, { signal: conn.signal }).catch(() => undefined);
        id = await subscribeWithToken(this.client, token.token, conn.signal);
        op.lost = true;
      }
      if (conn !== this.conn) return;
      conn.subscriptionId = id;
      log.info({ socketId, subscriptionId: id, previous: old }, 'listenToken renewed on the same connection');
      if (op.lost) this.ctx.markLive();
      if (old !== undefined && old !== id && !conn.retiring.has(old)) {
        conn.retiring.add(old);
        await this.client.call('userDataStream.unsubscribe', { subscriptionId: old }, { signal: conn.signal }).catch((err: unknown) => {
          conn.retiring.delete(old);
          log.debug({ socketId, error: errorFields(err) }, 'unsubscribing the old listenToken subscription failed (it ended already or expires anyway)');
        });
      }
      this.armRenewal();
    } catch (err) {
      if (conn !== this.conn || this.stopped) return;
      const e = toStreamError(err);
      this.ctx.reportError(e);
      if (op.lost || conn.subscriptionId === undefined) {
        // The old subscription is gone too: start over on this connection (or reconnect).
        log.warn({ socketId, error: errorFields(e) }, 'listenToken renewal failed after the old subscription ended; re-subscribing');
        if (conn.op === op) conn.op = undefined;
        this.resubscribe('listenToken renewal failed');
        return;
      }
      log.warn({ socketId, error: errorFields(e), retryInMs: 60_000 }, 'listenToken renewal failed; retrying in 60 s');
      this.armRenewal(60_000);
    } finally {
      if (conn.op === op) conn.op = undefined;
    }
  }
}
