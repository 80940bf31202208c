import type { Clock } from './clock';
import type { FaultRules } from './fault-rules';
import type { WsApiLimitFault } from './ws-api/limits';

/** Which connections a fault hits: all, one by id, or those carrying a stream. */
export type FaultTarget = { all: true } | { connectionId: number } | { stream: string };

/**
 * Options of `ex.faults.close(target, options)`: the close code and reason the emulator closes the connections with.
 */
export interface CloseFaultOptions {
  /** 1000, 1001, 1008, 1011…; 1006 = destroy the TCP socket without a close frame. @default 1000 */
  code?: number | undefined;
  /** The close reason text. @default '' */
  reason?: string | undefined;
}

/**
 * Options of `ex.faults.rejectUpgrades(options)`: answer the next WebSocket upgrades with an HTTP error instead of opening them (a 429 or 418 as Binance sends under load, a 503 during maintenance).
 */
export interface RejectUpgradesOptions {
  /** HTTP status for the upgrade answer. @default 503 */
  status?: number | undefined;
  /** `Retry-After` header in seconds. @default none */
  retryAfterSec?: number | undefined;
  /** How many upgrades to reject. @default Infinity (until heal) */
  count?: number | undefined;
}

/**
 * Options of `ex.faults.failRest(options)`: make matching REST requests fail with a status and a Binance error body, or hang.
 */
export interface FailRestOptions {
  /** HTTP method to match (any when omitted). */
  method?: string | undefined;
  /** Path to match exactly, e.g. `/fapi/v1/listenKey` (query ignored). */
  path: string;
  /** Answer with this status (with a Binance error body). @default 500 */
  status?: number | undefined;
  /** Never answer (the request hangs until heal/close). @default false */
  hang?: boolean | undefined;
  /** Number of matching requests to fail. @default 1 */
  times?: number | undefined;
  /** `Retry-After` seconds (useful with 429/418). */
  retryAfterSec?: number | undefined;
  /** Custom body (JSON-serialized unless a string). */
  body?: unknown;
  /** Answer (or start hanging) only after this long (wall ms, not scaled): a slow failure. @default 0 */
  delayMs?: number | undefined;
}

/** Options of `ex.faults.slowRest(path, options)`: delay the requests to `path`, then serve them normally. */
export interface SlowRestOptions {
  /** How long each matching request waits before it is served normally (wall ms, not scaled). */
  delayMs: number;
  /** Number of matching requests to delay. @default 1 (`Infinity`: until heal) */
  times?: number | undefined;
  /** HTTP method to match (any when omitted). */
  method?: string | undefined;
}

/**
 * What `ex.faults.malformedFrame()` sends: a truncated JSON text (`json`), a text frame that is not valid UTF-8 (`utf8`), or raw bytes that break the WebSocket framing (`protocol`).
 */
export type MalformedKind = 'json' | 'utf8' | 'protocol';

/** What a connection fault acts on (stream connections implement it). */
export interface FaultableConnection {
  readonly combined: boolean;
  /** Close with a code (1006 = drop the TCP connection without a close frame). */
  close(code: number, reason: string): void;
  /** Drop data frames until this wall-clock ms (Infinity = until healed). */
  stall(untilMs: number): void;
  /** Nothing in or out until healed. */
  blackhole(): void;
  /** Delay everything sent by `ms` (0 removes the delay). */
  setLatency(ms: number): void;
  /** A JSON control frame (dropped while blackholed, not while stalled). */
  sendControl(obj: unknown): void;
  /** A text frame as is, or (`frame: false`) raw bytes onto the TCP socket. */
  sendRaw(data: string | Buffer, frame?: boolean): void;
  /** Undo stall, blackhole and latency. */
  heal(): void;
}

export interface FaultHost {
  readonly clock: Clock;
  resolveTarget(target: FaultTarget): FaultableConnection[];
  /** `serverShutdown` to every WS-API session; returns how many. */
  wsApiServerShutdown(): number;
  expireListenKey(key: string): boolean;
  deleteListenKey(key: string): boolean;
  resetAttemptLimits(): void;
  /** Forget every IP's REST weight, 429 pause and 418 ban. */
  resetRestWeights(): void;
  /** The next event of the symbol's diff-depth streams skips (lost on the way); returns how many streams. */
  breakDepthChain(symbol: string): number;
  /** Mute a stream on every connection (wall ms, Infinity = until healed); returns the connections carrying it. */
  muteStream(stream: string, durationMs: number): number;
  unmuteStreams(): void;
  /** WS-API 429 / 418 answers (ws-api/limits.ts); `undefined` to heal. */
  wsApiRateLimit(f: WsApiLimitFault | undefined): void;
}

/**
 * Failures on demand, one call each. Connection faults act on the connections
 * open when called; `rejectUpgrades`/`failRest` act on future requests; `heal()`
 * undoes everything still in effect.
 */
export class Faults {
  constructor(
    private readonly host: FaultHost,
    private readonly rules: FaultRules,
  ) {}

  private targets(t: FaultTarget): FaultableConnection[] {
    if (!t || typeof t !== 'object') throw new TypeError('fault target: expected { all: true } | { connectionId } | { stream }');
    return this.host.resolveTarget(t);
  }

  /** Close connections with a code (1006 = abrupt TCP reset, no close frame). Returns how many. */
  close(target: FaultTarget, opts: CloseFaultOptions = {}): number {
    const code = opts.code ?? 1000;
    if (code !== 1006 && !(code === 1000 || (code >= 3000 && code <= 4999) || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005))) {
      throw new RangeError(`faults.close: invalid close code ${code}`);
    }
    const conns = this.targets(target);
    for (const c of conns) c.close(code, opts.reason ?? '');
    return conns.length;
  }

  /** Stop sending data (pings and control answers continue): the silent stall. */
  stall(target: FaultTarget, opts: { durationMs?: number | undefined } = {}): number {
    const conns = this.targets(target);
    const until = opts.durationMs === undefined ? Infinity : this.host.clock.now() + opts.durationMs;
    for (const c of conns) c.stall(until);
    return conns.length;
  }

  /**
   * Silence one stream: its data frames stop on every connection (and on any that subscribes
   * meanwhile) for `durationMs` or until `heal()`, while every other stream, pings and control
   * answers continue — Binance's stream that goes quiet on a live connection. The muted events
   * are generated and dropped: their sequence ids are skipped (the client sees a real gap, and
   * REST aggTrades can backfill it), `groundTruth()` leaves them out (it stays what was sent),
   * `publishedCount()` and `stats().eventsPublished` include them, `stats().eventsMuted` counts
   * them. A rate-`Infinity` stream pauses instead. Returns the number of connections carrying it.
   */
  muteStream(stream: string, opts: { durationMs?: number | undefined } = {}): number {
    if (typeof stream !== 'string' || !stream) throw new TypeError('faults.muteStream: stream must be a non-empty string');
    const d = opts.durationMs ?? Infinity;
    if (!(d > 0)) throw new RangeError(`faults.muteStream: durationMs must be > 0, got ${opts.durationMs}`);
    return this.host.muteStream(stream, d);
  }

  /** Nothing in or out, no close: the TCP connection stays open but dead. */
  blackhole(target: FaultTarget): number {
    const conns = this.targets(target);
    for (const c of conns) c.blackhole();
    return conns.length;
  }

  /**
   * Send `serverShutdown` (raw `{"e":"serverShutdown","E":…}`, combined `!serverShutdown` envelope);
   * optionally close later. `{ all: true }` also notifies every WS-API session (`{"event":{…}}`, not closed).
   */
  serverShutdown(target: FaultTarget, opts: { closeAfterMs?: number | undefined } = {}): number {
    const conns = this.targets(target);
    const E = this.host.clock.now();
    for (const c of conns) {
      const data = { e: 'serverShutdown', E };
      c.sendControl(c.combined ? { stream: '!serverShutdown', data } : data);
      if (opts.closeAfterMs !== undefined) this.host.clock.timeout(() => c.close(1001, 'Server shutdown'), opts.closeAfterMs);
    }
    return conns.length + ('all' in target && target.all ? this.host.wsApiServerShutdown() : 0);
  }

  /** Answer the next upgrades (all paths) with an HTTP status and optional `Retry-After`. */
  rejectUpgrades(opts: RejectUpgradesOptions = {}): void {
    const status = opts.status ?? 503;
    if (!Number.isInteger(status) || status < 300 || status > 599) throw new RangeError(`faults.rejectUpgrades: status must be 300..599, got ${status}`);
    this.rules.rejectUpgrades(status, opts.retryAfterSec, opts.count ?? Infinity);
  }

  /** Send a malformed frame: bad JSON text (default), invalid UTF-8, or a protocol-level garbage frame. */
  malformedFrame(target: FaultTarget, opts: { kind?: MalformedKind | undefined } = {}): number {
    const conns = this.targets(target);
    const kind = opts.kind ?? 'json';
    for (const c of conns) {
      if (kind === 'json') c.sendRaw('{"e":"aggTrade","E":17,"s":"BTC');
      else if (kind === 'utf8') c.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
      else c.sendRaw(Buffer.from([0xf1, 0x02, 0x00, 0x00]), false);
    }
    return conns.length;
  }

  /** Delay everything sent to the target connections by `ms` (0 removes it). */
  latency(target: FaultTarget, ms: number): number {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`faults.latency: ms must be a finite number >= 0, got ${ms}`);
    const conns = this.targets(target);
    for (const c of conns) c.setLatency(ms);
    return conns.length;
  }

  /** Make the next `times` matching REST requests fail with a status, or hang (optionally after `delayMs`). */
  failRest(opts: FailRestOptions): void {
    if (!opts || typeof opts.path !== 'string' || !opts.path.startsWith('/')) throw new TypeError('faults.failRest: path must start with "/"');
    this.rules.addRestRule({
      method: opts.method?.toUpperCase(),
      path: opts.path,
      status: opts.status ?? 500,
      hang: opts.hang ?? false,
      remaining: count('faults.failRest', opts.times),
      retryAfterSec: opts.retryAfterSec,
      body: opts.body,
      delayMs: delay('faults.failRest', opts.delayMs ?? 0),
      slowOnly: false,
    });
  }

  /**
   * Delay the next `times` requests to `path` (exact, query ignored) by `delayMs`, then serve them
   * normally (weights, data, errors): a slow Binance. Checked after `failRest` rules registered earlier.
   */
  slowRest(path: string, opts: SlowRestOptions): void {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('faults.slowRest: path must start with "/"');
    if (!opts || typeof opts !== 'object') throw new TypeError('faults.slowRest: expected { delayMs, times? }');
    this.rules.addRestRule({
      method: opts.method?.toUpperCase(),
      path,
      status: 200,
      hang: false,
      remaining: count('faults.slowRest', opts.times),
      retryAfterSec: undefined,
      body: undefined,
      delayMs: delay('faults.slowRest', opts.delayMs),
      slowOnly: true,
    });
  }

  /**
   * Break the diff-depth chain of a symbol: the next event of each of its diff-depth streams being
   * generated is lost on the way (generated, applied to the emulator's book, sent to no one), so the
   * event after it skips: spot `U` > previous `u` + 1, futures `pu` ≠ previous `u`. A client must
   * notice and resync from a snapshot. Returns the number of streams affected (0: none generating).
   */
  breakDepthChain(symbol: string): number {
    if (typeof symbol !== 'string' || !symbol) throw new TypeError('faults.breakDepthChain: symbol must be a non-empty string');
    return this.host.breakDepthChain(symbol.toLowerCase());
  }

  /** Answer the next `times` WS-API requests with 429 (or 418) `-1003` and `error.data.retryAfter`, not executing them. */
  wsApiRateLimit(opts: WsApiLimitFault = {}): void {
    this.host.wsApiRateLimit(opts);
  }

  /**
   * Expire a listenKey now, as Binance does after 60 minutes without a keepalive: its sockets get `listenKeyExpired`. False when it was not active.
   */
  expireListenKey(key: string): boolean {
    return this.host.expireListenKey(key);
  }

  /** Delete a listenKey now, as another process's DELETE would. False when it was not active. */
  deleteListenKey(key: string): boolean {
    return this.host.deleteListenKey(key);
  }

  /** Undo every fault still in effect (stalls, blackholes, latency, muted streams, upgrade/REST rules, hung and delayed requests, IP limits and REST weights and bans). */
  heal(): void {
    for (const c of this.host.resolveTarget({ all: true })) c.heal();
    this.host.unmuteStreams();
    this.rules.clear();
    this.host.resetAttemptLimits();
    this.host.resetRestWeights();
    this.host.wsApiRateLimit(undefined);
  }
}

function count(name: string, v: number | undefined): number {
  const n = v ?? 1;
  if (!(n >= 1) || (n !== Infinity && !Number.isInteger(n))) throw new RangeError(`${name}: times must be an integer >= 1 or Infinity, got ${String(v)}`);
  return n;
}

function delay(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name}: delayMs must be a finite number >= 0, got ${String(v)}`);
  return v;
}
