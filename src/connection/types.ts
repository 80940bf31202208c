/**
 * The contract of one resilient socket (`ResilientSocket`, src/connection/resilient-socket.ts).
 * The pool (market data) and the user-data code (listenKey streams, WebSocket API) build on
 * it; keep this file the single description of what a socket promises.
 *
 * A socket is one LOGICAL connection: it dials, re-dials after any failure under its retry
 * policy, re-subscribes its streams after every reconnect, answers pings, detects a dead
 * peer and a stale feed, paces what it sends, and never opens while it has nothing to carry.
 */
import type { AbortSignalLike } from '../core/web-types';
import type { EventEmitter } from 'eventemitter3';
import type { BinanceStreamError } from '../core/errors';
import type { SocketEvents as ConnectionEvents, SocketState } from './events';
import type { Logger } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import type { RetryPolicy } from '../retry/policy';
import type { StreamMessage } from '../streams/types';
import type { BinaryFrameDecoder } from '../streams/sbe/frames';

export type { SocketState };
export { SOCKET_EVENT_NAMES } from './events';

/**
 * Permission to dial, shared by every socket of the process (Binance counts connection
 * attempts per IP). The pool's ConnectionBudget implements it; a standalone socket uses
 * an always-open gate.
 */
export interface DialGate {
  /** Resolves when `socketId` may dial now; rejects with ERR_ABORTED when `signal` aborts. */
  acquire(socketId: string, signal: AbortSignalLike): Promise<void>;
  /**
   * A handshake was answered 429/418 (or 403): pause every dial for `retryAfterMs` (or a
   * default). Returns the pause now in force, in ms (0 or undefined: none).
   */
  reportRejection(status: number, retryAfterMs: number | undefined): number | void;
  /** How long every dial is paused from now, in ms (0: not paused). The wait `decide()` announces is never shorter. */
  pausedForMs?(): number;
}

/**
 * Our side of the heartbeat: when a quiet socket sends its own ping, and how long it waits for any answer before declaring the peer dead (`ERR_HEARTBEAT_TIMEOUT`). Binance's own pings are always answered, whatever these say.
 */
export interface HeartbeatOptions {
  /**
   * Send our own ping after this much inbound silence (no data, no ping, no pong). Any
   * inbound frame counts as proof of life, so a busy socket never pings. 0 disables.
   * Node only (browsers cannot send ping frames; there the stale watchdog covers it).
   */
  idlePingMs: number;
  /** After our ping, declare the peer dead if nothing at all arrives within this long. */
  pongTimeoutMs: number;
}

/**
 * What the `url` provider of a socket is told for each dial, so it can build the URL (or fetch a fresh listenKey) for exactly this attempt.
 */
export interface UrlContext {
  /** Streams to put in the URL (combined mode); the socket SUBSCRIBEs the rest after open. */
  streams: readonly string[];
  /** 0 for the first dial, then 1, 2… */
  attempt: number;
  /** Aborts when the socket stops or the attempt is abandoned; pass it to any request the provider makes. */
  signal: AbortSignalLike;
}

/** Something that can open a WebSocket (injectable for tests and other runtimes). */
export type WebSocketFactory = (url: string) => WebSocketLike;

/**
 * A handler property that the narrower handler types of `ws` and the DOM WebSocket fit
 * (parameters checked bivariantly, as for methods), so `(url) => new WebSocket(url, { agent })`
 * is a `WebSocketFactory` without a cast.
 */
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'];

/** The subset of the WebSocket / `ws` API the socket uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  /** Send a text frame. */
  send(data: string): void;
  /** Start the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Set by the socket: called when the handshake finishes. */
  onopen: Handler<unknown> | null;
  /** Set by the socket: called with the close code and reason. */
  onclose: Handler<{ code: number; reason: string | { toString(): string } }> | null;
  /** Set by the socket: called on a transport error (a `close` follows). */
  onerror: Handler<unknown> | null;
  /** Set by the socket: called with each inbound frame. */
  onmessage: Handler<{ data: unknown }> | null;
}

/**
 * How frames of a connection are read:
 * - `combined`: market-data frames are `{stream, data}` envelopes; streams are managed with
 *   the URL and SUBSCRIBE/UNSUBSCRIBE; a socket with no stream does not open.
 * - `raw`: every data frame is delivered as `{stream: streamName, data: frame}` (user data,
 *   WebSocket API); the socket opens whether or not it has streams (the url provider decides).
 * In both, a frame whose `id` matches a pending `request()` is that request's answer.
 */
export type Framing = { readonly kind: 'combined' } | { readonly kind: 'raw'; readonly streamName: string };

/** Options of one request on the current connection (see `ResilientSocketLike.request`). */
export interface SocketRequestOptions {
  /** @default the socket's requestTimeoutMs */
  timeoutMs?: number | undefined;
  signal?: AbortSignalLike | undefined;
  /** Builds the error of a request that got no answer in time. @default an ERR_UNEXPECTED naming the request */
  onTimeout?: ((id: number, timeoutMs: number) => BinanceStreamError) | undefined;
}

/**
 * Per-socket tuning, each documented once with its default (connection/options.ts resolves
 * and validates it: `resolveSocketTuning`).
 */
export interface SocketTuning {
  /** Per-market defaults apply when omitted; `false` disables the client-side heartbeat. */
  heartbeat?: Partial<HeartbeatOptions> | false | undefined;
  /**
   * Connection-level stale watchdog: reconnect when NO data arrived for this long while
   * streams are subscribed. Default: derived from the streams (the smallest default
   * `staleAfterMs` among them, see streams/classify.ts). `false` disables (user data). At least 1_000.
   */
  staleAfterMs?: number | false | undefined;
  /** Minimum time between two stale-triggered reconnects of this socket. At least 1_000. @default 30_000 */
  staleDebounceMs?: number | undefined;
  /** Handshake (TCP+TLS+upgrade) timeout. At least 1_000. @default 10_000 */
  connectTimeoutMs?: number | undefined;
  /** Longest URL the socket builds; streams beyond it are SUBSCRIBEd after open. @default 4096 */
  maxUrlLength?: number | undefined;
  /**
   * Most stream names in one SUBSCRIBE/UNSUBSCRIBE. Binance documents no cap per request,
   * so one request may fill a connection: a 1,024-stream spot connection needs one
   * SUBSCRIBE beyond its URL instead of five paced ones.
   * @default the market's streams-per-connection limit (1024 on every market)
   */
  maxStreamsPerRequest?: number | undefined;
  /**
   * Client→server message budget per second, below the market's limit for headroom.
   * @default market.limits.maxIncomingMessagesPerSecond - 1 (4 spot, 9 futures)
   */
  maxOutgoingPerSecond?: number | undefined;
  /** How long to wait for a SUBSCRIBE/UNSUBSCRIBE (or other request) answer. At least 1_000. @default 10_000 */
  requestTimeoutMs?: number | undefined;
}

export interface ResilientSocketOptions extends SocketTuning {
  /** Stable id used in logs and events. */
  id: string;
  market: MarketProfile;
  /**
   * Builds the URL of each dial. May be async (user data: make sure the listenKey is
   * valid first). Throwing a permanent BinanceStreamError stops retrying.
   */
  url: (ctx: UrlContext) => string | Promise<string>;
  /** @default { kind: 'combined' } */
  framing?: Framing | undefined;
  /** Streams to carry from the start (combined framing). */
  streams?: readonly string[] | undefined;
  /** Hot path: every data message, in order. Must not throw (the socket guards it anyway). */
  onMessage: (message: StreamMessage, socket: ResilientSocketLike) => void;
  /**
   * Runs after each open, before the socket counts as ready (e.g. WebSocket-API logon and
   * subscribe, with `socket.request()`). A rejection fails the attempt and goes through the
   * retry policy. Bounded by connectTimeoutMs + requestTimeoutMs.
   */
  onOpen?: ((socket: ResilientSocketLike, signal: AbortSignalLike) => void | Promise<void>) | undefined;
  /**
   * Binance announced `serverShutdown` on the current connection. The socket always emits
   * `serverShutdown` first. Default: reconnect at once. The pool passes its make-before-break
   * handover instead (and calls `expectSilence()` meanwhile).
   */
  onServerShutdown?: ((socket: ResilientSocketLike) => void) | undefined;
  retryPolicy: RetryPolicy;
  logger: Logger;
  /** @default an always-open gate */
  dialGate?: DialGate | undefined;
  /**
   * Tuning already resolved (by `resolveSocketTuning`, e.g. once per pool or client): used
   * as it is, never validated again. When given, the `SocketTuning` fields above are ignored.
   */
  tuning?: ResolvedSocketTuning | undefined;
  /** @default isomorphic-ws */
  webSocketFactory?: WebSocketFactory | undefined;
  /** Clock, for tests. @default Date.now */
  now?: (() => number) | undefined;
}

/** `SocketTuning` with every default applied (frozen, marked resolved). */
export interface ResolvedSocketTuning {
  readonly heartbeat: HeartbeatOptions | false;
  /** undefined: derived from the streams. */
  readonly staleAfterMs: number | false | undefined;
  readonly staleDebounceMs: number;
  readonly connectTimeoutMs: number;
  readonly maxUrlLength: number;
  readonly maxStreamsPerRequest: number;
  readonly maxOutgoingPerSecond: number;
  readonly requestTimeoutMs: number;
  /** Decodes binary frames (SBE market data, `encoding: 'sbe'`); without it a binary frame is an ERR_PARSE `error`. */
  readonly binaryFrames?: BinaryFrameDecoder | undefined;
}

/** Events a socket emits (connection/events.ts). */
export type SocketEvents = ConnectionEvents;

/**
 * A snapshot of one socket: state, streams, uptime, reconnects and current retries, inbound and outbound message counts, the last error. Part of `client.stats().pool.sockets`.
 */
export interface SocketStats {
  socketId: string;
  state: SocketState;
  streams: number;
  /** ms since the current connection opened, 0 when not open. */
  uptimeMs: number;
  connectedAt: number | undefined;
  /** Completed reconnects over the socket's life. */
  reconnects: number;
  /** Consecutive failed attempts right now. */
  retries: number;
  messagesReceived: number;
  /** Client→server messages sent in the last second, and in total. */
  outboundPerSecond: number;
  outboundTotal: number;
  /** Messages waiting in the outbound scheduler. */
  outboundQueued: number;
  lastMessageAt: number | undefined;
  lastError: string | undefined;
}

/** What the pool and user-data code may rely on. */
export interface ResilientSocketLike extends EventEmitter<SocketEvents> {
  readonly id: string;
  readonly state: SocketState;
  /** Streams this socket is meant to carry (whether or not acknowledged yet). */
  readonly streams: ReadonlySet<string>;
  /** When the current connection opened, undefined when not open. */
  readonly connectedAt: number | undefined;
  /**
   * Begin connecting (combined mode: only once it has at least one stream). Idempotent.
   * On a socket that gave up (`failed`) it starts the loop again with a fresh retry budget
   * (so do `reconnect()` and `addStreams()`).
   */
  start(): void;
  /** Carry more streams: SUBSCRIBE (paced, batched) if open, else they go in the next URL. */
  addStreams(streams: readonly string[]): void;
  /** Stop carrying streams: UNSUBSCRIBE if open. A combined socket left with none closes (and reopens when given some). */
  removeStreams(streams: readonly string[]): void;
  /** Re-SUBSCRIBE streams that went silent on a live socket (per-stream repair). */
  resubscribe(streams: readonly string[]): void;
  /** Queue a JSON frame through the outbound scheduler (paced under the market limit). False when no connection is open. */
  send(frame: object): boolean;
  /**
   * Send a request on the current connection (paced) and resolve with the answer frame
   * (the frame whose `id` is the one given to `build`). Rejects on timeout, abort, or when
   * the connection ends first (with the connection's end cause). Used by the WebSocket API.
   */
  request<T = unknown>(label: string, build: (id: number) => object, options?: SocketRequestOptions): Promise<T>;
  /**
   * Resolves true at the first data message after the most recent open (at once when the
   * current connection already delivered data), false when the socket stops or gives up
   * first. Never rejects. The pool's "replacement is delivering" signal.
   */
  firstData(): Promise<boolean>;
  /**
   * The owner is replacing the current connection (serverShutdown handover): data silence
   * on it is expected, so the stale watchdog stays quiet until the next connection.
   */
  expectSilence(): void;
  /**
   * The owner judged the open connection stale (every stream that should be talking is
   * silent, see pool/stream-silence.ts): emit `stale` (scope `connection`, action
   * `reconnect`) and reconnect now. A connection that never delivered counts as a failed
   * attempt (backoff), so repeated stalls cannot storm. No-op unless open.
   */
  declareStale(silentMs: number, streams?: readonly string[]): void;
  /**
   * Stop (true) or restart (false) reading frames: back-pressure for a slow consumer (the
   * frames wait in the TCP buffer; Binance closes a connection whose pings stay unanswered
   * for about a minute). Kept across reconnects; the liveness judges nothing while paused.
   * Returns false when the WebSocket cannot pause (browsers).
   */
  setPaused(paused: boolean): boolean;
  /**
   * Drop the connection and dial again now; revives a socket that gave up. Single-flight and
   * debounced: calls within RECONNECT_DEBOUNCE_MS (1 s) of one acted on are ignored.
   */
  reconnect(reason: string): void;
  /** Close for good. Idempotent; resolves when the socket and all its timers are gone. */
  stop(): Promise<void>;
  /** A snapshot of this socket's counters. */
  stats(): SocketStats;
}

/** Used by the retry policy and in events. */
export type { BinanceStreamError };
