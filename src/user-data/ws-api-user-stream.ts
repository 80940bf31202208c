/**
 * Spot and margin user data over the spot WebSocket API (protocol reference §6.2, §6.3):
 * one raw-mode ResilientSocket to `wss://ws-api.binance.com:443/ws-api/v3`; its `onOpen`
 * hook subscribes before the socket counts as open, on every (re)connect:
 *
 * - spot, Ed25519 key: `session.logon` then `userDataStream.subscribe` (set
 *   `useSessionLogon: false` to use the signature flow instead);
 * - spot, HMAC or RSA key: `userDataStream.subscribe.signature` {apiKey, timestamp, signature};
 * - margin: mint a listenToken (`POST /sapi/v1/userListenToken`), then
 *   `userDataStream.subscribe.listenToken`; the token is renewed on the same connection
 *   before it expires (mint → subscribe new → unsubscribe old; events of the old
 *   subscription are dropped once the new one is live, so nothing is delivered twice).
 *
 * `eventStreamTerminated` for our subscription → re-subscribe (new token if needed).
 * Liveness: the heartbeat, plus a cheap `session.subscriptions` probe (weight 2) every
 * `statusProbeIntervalMs`: no answer → reconnect; our subscription missing → re-subscribe.
 * Never "no events for N seconds": an account can be quiet for hours.
 */
import { ResilientSocket } from '../connection/resilient-socket';
import type { DialGate, HeartbeatOptions, WebSocketFactory } from '../connection/types';
import { BinanceStreamError, describeError, toStreamError } from '../core/errors';
import { maskSecret } from '../core/logger';
import { MARKETS } from '../core/markets';
import type { RetryPolicy } from '../retry/policy';
import type { StreamMessage } from '../streams/types';
import type { ListenToken } from './listen-token';
import { mintListenToken } from './listen-token';
import type { FetchLike } from './rest';
import type { Signer } from './signing';
import { signParams } from './signing';
import type { UserStreamContext, UserStreamDriver } from './user-stream-context';
import { WsApiRequester } from './ws-api';

export interface WsApiUserStreamOptions {
  source: 'spot' | 'margin';
  apiKey: string;
  signer: Signer;
  wsApiUrl: string;
  /** Margin: REST base for the listenToken (`https://api.binance.com`). */
  restBaseUrl: string;
  ctx: UserStreamContext;
  retryPolicy: RetryPolicy;
  /** Margin, isolated: the symbol. */
  symbol?: string | undefined;
  /** Spot with an Ed25519 key: `session.logon` + `userDataStream.subscribe`. @default true for Ed25519 keys */
  useSessionLogon?: boolean | undefined;
  /** SIGNED requests' `recvWindow` (ms, ≤ 60000). @default Binance's default (5000) */
  recvWindow?: number | undefined;
  /** How long a WS-API request may stay unanswered. @default 10_000 */
  requestTimeoutMs?: number | undefined;
  /** `session.subscriptions` probe period; 0 disables. @default 300_000 (5 min) */
  statusProbeIntervalMs?: number | undefined;
  /** Margin: listenToken validity asked for. @default 86_400_000 (24 h, Binance's maximum) */
  listenTokenValidityMs?: number | undefined;
  /** Margin: renew the token once this fraction of its validity has passed. @default 0.8 */
  listenTokenRenewFraction?: number | undefined;
  dialGate?: DialGate | undefined;
  webSocketFactory?: WebSocketFactory | undefined;
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  connectTimeoutMs?: number | undefined;
  fetch?: FetchLike | undefined;
}

interface SubscribeResult {
  subscriptionId?: unknown;
}

/** Binance answers these when an account already has a subscription on this connection. */
const ALREADY_SUBSCRIBED = new Set([-2035]);

export class WsApiUserStream implements UserStreamDriver {
  readonly socket: ResilientSocket;
  private readonly o: WsApiUserStreamOptions;
  private readonly logon: boolean;
  private requester: WsApiRequester | undefined;
  private connSignal: AbortSignal | undefined;
  private subscriptionId: number | undefined;
  /** Subscriptions we are retiring (token renewal): their events and termination are ignored. */
  private readonly retiring = new Set<number>();
  private token: ListenToken | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  /** The subscription operation in flight on this connection (re-subscribe or token renewal), one at a time. */
  private op: { kind: 'resubscribe' | 'renew'; lost: boolean } | undefined;
  private stopped = false;

  constructor(o: WsApiUserStreamOptions) {
    this.o = o;
    this.logon = o.source === 'spot' && o.signer.keyType === 'ed25519' && o.useSessionLogon !== false;
    this.socket = new ResilientSocket({
      id: `user-${o.source}`,
      market: MARKETS.spot,
      mode: 'raw',
      url: () => o.wsApiUrl,
      onOpen: (_s, signal) => this.onOpen(signal),
      onMessage: (m) => this.onMessage(m),
      retryPolicy: o.retryPolicy,
      logger: o.ctx.logger,
      staleAfterMs: false,
      ...(o.dialGate !== undefined ? { dialGate: o.dialGate } : {}),
      ...(o.webSocketFactory !== undefined ? { webSocketFactory: o.webSocketFactory } : {}),
      ...(o.heartbeat !== undefined ? { heartbeat: o.heartbeat } : {}),
      ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      now: o.ctx.now,
    });
    const lost = (why: string): void => this.endConnection(new BinanceStreamError('ERR_CLOSED', `WebSocket API connection ended (${why})`, { permanent: false }));
    this.socket.on('close', (e) => lost(e.reason || String(e.code)));
    this.socket.on('reconnecting', () => lost('reconnecting'));
    this.socket.on('gaveUp', () => lost('gave up'));
    this.socket.on('open', () => this.afterOpen());
  }

  details(): Record<string, unknown> {
    return {
      subscriptionId: this.subscriptionId,
      flow: this.o.source === 'margin' ? 'listenToken' : this.logon ? 'session.logon' : 'subscribe.signature',
      ...(this.token ? { listenTokenExpiresAt: this.token.expirationTime } : {}),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    this.requester?.close(new BinanceStreamError('ERR_ABORTED', 'user-data stream stopped', { permanent: true }));
    await this.socket.stop();
  }

  // ---------- connection lifecycle ----------

  private async onOpen(signal: AbortSignal): Promise<void> {
    this.endConnection(new BinanceStreamError('ERR_CLOSED', 'a new WebSocket API connection replaced this one', { permanent: false }));
    this.connSignal = signal;
    const requester = new WsApiRequester({
      send: (frame) => {
        if (!this.socket.send(frame)) throw new BinanceStreamError('ERR_CLOSED', 'WebSocket API connection is not open', { permanent: false });
      },
      timeoutMs: this.o.requestTimeoutMs,
      now: this.o.ctx.now,
      onUnsolicitedError: (err) => this.onSessionError(err),
    });
    this.requester = requester;
    await this.subscribe(requester, signal);
  }

  private afterOpen(): void {
    this.armProbe();
    this.armRenewal();
  }

  /** The connection is gone (or replaced): fail pending requests, forget the subscription, stop timers. */
  private endConnection(err: BinanceStreamError): void {
    this.clearTimers();
    this.requester?.close(err);
    this.requester = undefined;
    this.connSignal = undefined;
    this.subscriptionId = undefined;
    this.retiring.clear();
    this.op = undefined;
  }

  private clearTimers(): void {
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    if (this.renewTimer !== undefined) clearTimeout(this.renewTimer);
    this.probeTimer = undefined;
    this.renewTimer = undefined;
  }

  // ---------- subscribing ----------

  private async signed(extra: Record<string, string | number> = {}): Promise<Record<string, string | number>> {
    return signParams(this.o.signer, {
      apiKey: this.o.apiKey,
      timestamp: this.o.ctx.now(),
      ...(this.o.recvWindow !== undefined ? { recvWindow: this.o.recvWindow } : {}),
      ...extra,
    });
  }

  private async subscribe(req: WsApiRequester, signal: AbortSignal): Promise<void> {
    const { ctx, source } = this.o;
    let res: SubscribeResult;
    if (source === 'margin') {
      const token = await this.usableToken(signal);
      try {
        res = await req.request<SubscribeResult>('userDataStream.subscribe.listenToken', { listenToken: token.token }, { signal });
      } catch (err) {
        if (!(err instanceof BinanceStreamError) || err.binanceCode !== -1209) throw err;
        // The token is no longer valid: mint a fresh one and try once more.
        this.token = undefined;
        const fresh = await this.usableToken(signal);
        res = await req.request<SubscribeResult>('userDataStream.subscribe.listenToken', { listenToken: fresh.token }, { signal });
      }
    } else if (this.logon) {
      await req.request('session.logon', await this.signed(), { signal });
      res = await req.request<SubscribeResult>('userDataStream.subscribe', undefined, { signal });
    } else {
      res = await req.request<SubscribeResult>('userDataStream.subscribe.signature', await this.signed(), { signal });
    }
    const id = res?.subscriptionId;
    if (typeof id !== 'number') throw new BinanceStreamError('ERR_WS_API', 'user data subscription answered without a subscriptionId', { permanent: false });
    this.subscriptionId = id;
    ctx.logger.debug({ socketId: this.socket.id, subscriptionId: id, flow: this.details().flow }, 'user data subscribed');
  }

  private async usableToken(signal: AbortSignal): Promise<ListenToken> {
    const t = this.token;
    if (t && this.o.ctx.now() < this.renewAt(t)) return t;
    const o = this.o;
    const token = await mintListenToken({
      restBaseUrl: o.restBaseUrl,
      apiKey: o.apiKey,
      signer: o.signer,
      symbol: o.symbol,
      validityMs: o.listenTokenValidityMs,
      recvWindow: o.recvWindow,
      timeoutMs: o.requestTimeoutMs,
      signal,
      fetch: o.fetch,
      now: o.ctx.now,
      onRetry: ({ attempt, delayMs, error }) => o.ctx.logger.warn({ socketId: this.socket.id, attempt, delayMs, error: describeError(error) }, 'listenToken request failed, retrying'),
    });
    o.ctx.logger.info({ socketId: this.socket.id, listenToken: maskSecret(token.token), expiresInMs: token.expirationTime - o.ctx.now() }, 'listenToken minted');
    this.token = token;
    return token;
  }

  private renewAt(t: ListenToken): number {
    const f = this.o.listenTokenRenewFraction ?? 0.8;
    return t.mintedAt + (t.expirationTime - t.mintedAt) * f;
  }

  /** Re-subscribe on the live connection (after eventStreamTerminated or a failed probe). Single-flight. */
  private resubscribe(reason: string): void {
    const req = this.requester;
    const signal = this.connSignal;
    if (this.stopped || !req || !signal) return;
    if (this.op) {
      // A renewal in flight subscribes anew anyway; it reports live when done.
      this.op.lost = true;
      return;
    }
    const op = { kind: 'resubscribe' as const, lost: false };
    this.op = op;
    void (async () => {
      try {
        await this.subscribe(req, signal);
        if (this.requester !== req) return;
        this.o.ctx.logger.info({ socketId: this.socket.id, reason }, 're-subscribed to user data');
        this.o.ctx.markLive();
        this.armRenewal();
      } catch (err) {
        if (this.requester !== req || this.stopped) return;
        const e = toStreamError(err);
        this.o.ctx.logger.warn({ socketId: this.socket.id, reason, error: describeError(e) }, 're-subscribe failed: reconnecting');
        this.o.ctx.reportError(e);
        this.socket.reconnect(`re-subscribe failed: ${e.code}`);
      } finally {
        if (this.op === op) this.op = undefined;
      }
    })();
  }

  // ---------- inbound ----------

  private onMessage(m: StreamMessage): void {
    const data = m.data as { subscriptionId?: unknown; event?: { e?: unknown; E?: unknown; [k: string]: unknown }; [k: string]: unknown };
    if (this.requester?.handleFrame(data)) return;
    if (!data || typeof data !== 'object') return;
    const ev = data.event;
    if (typeof data.subscriptionId !== 'number' || !ev || typeof ev !== 'object' || typeof ev.e !== 'string') {
      this.o.ctx.logger.debug({ socketId: this.socket.id, keys: Object.keys(data).slice(0, 5) }, 'ignored WebSocket API frame');
      return;
    }
    const id = data.subscriptionId;
    if (ev.e === 'eventStreamTerminated') {
      if (this.retiring.delete(id)) return;
      if (id !== this.subscriptionId) return;
      const at = Number(ev.E);
      this.subscriptionId = undefined;
      this.o.ctx.logger.warn({ socketId: this.socket.id, subscriptionId: id }, 'eventStreamTerminated: re-subscribing');
      this.o.ctx.markInterrupted(Number.isFinite(at) && at > 0 ? Math.min(at, this.o.ctx.now()) : this.o.ctx.now(), 'eventStreamTerminated');
      this.resubscribe('eventStreamTerminated');
      return;
    }
    // During a token renewal both subscriptions deliver the same account events: keep one.
    if (id !== this.subscriptionId && (this.retiring.has(id) || this.subscriptionId !== undefined)) return;
    this.o.ctx.deliver(ev as { e: string; E: number | string }, m.receivedAt);
  }

  /** `{"id":null,"status":401,…}`: the session was revoked (key deleted, IP not whitelisted…). */
  private onSessionError(err: BinanceStreamError): void {
    this.o.ctx.logger.error({ socketId: this.socket.id, error: describeError(err) }, 'WebSocket API session error');
    this.o.ctx.reportError(err);
    if (err.httpStatus === 401 || err.permanent) {
      this.o.ctx.markInterrupted(this.o.ctx.now(), 'session revoked');
      this.socket.reconnect('WebSocket API session revoked');
    }
  }

  // ---------- liveness probe ----------

  private armProbe(): void {
    const every = this.o.statusProbeIntervalMs ?? 300_000;
    if (!(every > 0) || this.stopped) return;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    const req = this.requester;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe(req);
    }, every);
  }

  private async probe(req: WsApiRequester | undefined): Promise<void> {
    if (!req || req !== this.requester || this.stopped) return;
    try {
      const list = await req.request<{ subscriptionId?: unknown }[]>('session.subscriptions');
      if (req !== this.requester) return;
      const ids = Array.isArray(list) ? list.map((x) => x?.subscriptionId) : [];
      if (this.subscriptionId !== undefined && !ids.includes(this.subscriptionId) && !this.op) {
        this.o.ctx.logger.warn({ socketId: this.socket.id, subscriptionId: this.subscriptionId }, 'status probe: our subscription is gone; re-subscribing');
        this.o.ctx.markInterrupted(this.o.ctx.now(), 'subscription missing');
        this.subscriptionId = undefined;
        this.resubscribe('subscription missing');
      } else this.o.ctx.markProof();
      this.armProbe();
    } catch (err) {
      if (req !== this.requester || this.stopped) return;
      const e = toStreamError(err);
      if (e.code === 'ERR_WS_API' && e.httpStatus === undefined) {
        this.o.ctx.logger.warn({ socketId: this.socket.id, error: describeError(e) }, 'status probe unanswered: reconnecting');
        this.socket.reconnect('status probe unanswered');
        return;
      }
      this.o.ctx.logger.debug({ socketId: this.socket.id, error: describeError(e) }, 'status probe failed');
      this.armProbe();
    }
  }

  // ---------- margin token renewal ----------

  private armRenewal(): void {
    if (this.o.source !== 'margin' || !this.token || this.stopped) return;
    if (this.renewTimer !== undefined) clearTimeout(this.renewTimer);
    const delay = Math.max(0, this.renewAt(this.token) - this.o.ctx.now());
    this.renewTimer = setTimeout(() => {
      this.renewTimer = undefined;
      void this.renewToken();
    }, Math.min(delay, 2_147_483_647));
  }

  /** Mint a new token, subscribe with it, then retire the old subscription — all on this connection. */
  private async renewToken(): Promise<void> {
    const req = this.requester;
    const signal = this.connSignal;
    if (!req || !signal || this.stopped) return;
    if (this.op) {
      this.retryRenewal(1_000);
      return;
    }
    const op = { kind: 'renew' as const, lost: false };
    this.op = op;
    const old = this.subscriptionId;
    const log = this.o.ctx.logger;
    try {
      this.token = undefined;
      const token = await this.usableToken(signal);
      let res: SubscribeResult;
      try {
        res = await req.request<SubscribeResult>('userDataStream.subscribe.listenToken', { listenToken: token.token }, { signal });
      } catch (err) {
        if (!(err instanceof BinanceStreamError) || err.binanceCode === undefined || !ALREADY_SUBSCRIBED.has(err.binanceCode) || old === undefined) throw err;
        // One subscription per account per connection: switch with a (tiny) gap instead.
        this.retiring.add(old);
        this.subscriptionId = undefined;
        this.o.ctx.markInterrupted(this.o.ctx.now(), 'listenToken renewal');
        await req.request('userDataStream.unsubscribe', { subscriptionId: old }, { signal }).catch(() => undefined);
        res = await req.request<SubscribeResult>('userDataStream.subscribe.listenToken', { listenToken: token.token }, { signal });
        op.lost = true;
      }
      if (req !== this.requester) return;
      if (typeof res?.subscriptionId !== 'number') throw new BinanceStreamError('ERR_WS_API', 'listenToken subscription answered without a subscriptionId', { permanent: false });
      this.subscriptionId = res.subscriptionId;
      log.info({ socketId: this.socket.id, subscriptionId: res.subscriptionId, previous: old }, 'listenToken renewed on the same connection');
      if (op.lost) this.o.ctx.markLive();
      if (old !== undefined && old !== res.subscriptionId && !this.retiring.has(old)) {
        this.retiring.add(old);
        await req.request('userDataStream.unsubscribe', { subscriptionId: old }, { signal }).catch((err: unknown) => {
          this.retiring.delete(old);
          log.debug({ socketId: this.socket.id, error: describeError(err) }, 'unsubscribing the old listenToken subscription failed (it ended already or expires anyway)');
        });
      }
      this.armRenewal();
    } catch (err) {
      if (req !== this.requester || this.stopped) return;
      const e = toStreamError(err);
      this.o.ctx.reportError(e);
      if (op.lost || this.subscriptionId === undefined) {
        // The old subscription is gone too: start over on this connection (or reconnect).
        log.warn({ socketId: this.socket.id, error: describeError(e) }, 'listenToken renewal failed after the old subscription ended; re-subscribing');
        if (this.op === op) this.op = undefined;
        this.resubscribe('listenToken renewal failed');
        return;
      }
      log.warn({ socketId: this.socket.id, error: describeError(e) }, 'listenToken renewal failed; retrying in 60 s');
      this.retryRenewal(60_000);
    } finally {
      if (this.op === op) this.op = undefined;
    }
  }

  private retryRenewal(ms: number): void {
    if (this.renewTimer !== undefined) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = undefined;
      void this.renewToken();
    }, ms);
  }
}

