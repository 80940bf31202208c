/**
 * REST fallback (the first field report: "temporarily use the REST API instead"). When a
 * socket cannot be restored for `afterMs` or `afterAttempts` failed attempts in a row
 * (upgrades rejected, repeated 1008, DNS failure…), its streams are polled over REST,
 * inside the process-wide REST weight budget, until the socket is open again:
 *
 * - aggTrade: `aggTrades?fromId=` the next id sequence tracking expects (none yet: the
 *   latest one), so the polled trades continue the stream exactly;
 * - klines: the last two candles (the one that just closed and the current one);
 * - bookTicker, ticker, miniTicker: `ticker/bookTicker`, `ticker/24hr`;
 * - partial depth (`depth5/10/20`): a depth snapshot of that size;
 * - not served: diff depth (a local order book resyncs on its own), trades (`historicalTrades`
 *   needs an API key), all-market arrays, liquidations, mark prices.
 *
 * Polled messages are marked `source: 'rest'` and go through the router's own path
 * (`inject`: counters, sequence tracking, sink), so when the socket comes back, its first
 * messages join the polled ones: duplicates are dropped, a remaining gap is reported (or
 * backfilled). `degraded` is emitted once per episode with the streams served over REST,
 * `restored` when the socket is open again. One re-armed timer per socket in fallback.
 */
import type { ResilientSocketLike } from '../connection/types';
import { errorFields } from '../core/logger';
import type { Logger } from '../core/logger';
import { TimerSlots } from '../core/timers';
import type { AbortSignalLike } from '../core/web-types';
import type { AggTradeRow, KlineRow } from '../recovery/backfill';
import type { BookTickerRow, DepthSnapshot, RestMessage, Ticker24hRow } from '../recovery/rest-payloads';
import { aggTradeFromRest, bookTickerFromRest, klineFromRest, partialDepthFromRest, tickerFromRest } from '../recovery/rest-payloads';
import type { SequenceStage } from '../recovery/sequence';
import type { StreamState } from './stream-state';

/** The REST calls the fallback makes (rest/market-rest.ts `MarketRest` provides them, through the weight budget). */
export interface FallbackRest {
  aggTrades(q: { symbol: string; fromId?: number | undefined; limit: number }, o: { owner: string; signal: AbortSignalLike }): Promise<readonly AggTradeRow[]>;
  klines(q: { symbol: string; interval: string; limit: number }, o: { owner: string; signal: AbortSignalLike }): Promise<readonly KlineRow[]>;
  bookTicker(q: { symbol: string }, o: { owner: string; signal: AbortSignalLike }): Promise<BookTickerRow>;
  ticker24h(q: { symbol: string }, o: { owner: string; signal: AbortSignalLike }): Promise<Ticker24hRow>;
  depth(q: { symbol: string; limit: number }, o: { owner: string; signal: AbortSignalLike }): Promise<DepthSnapshot>;
}

export interface RestFallbackOptions {
  /** Start after the socket has been down this long. @default 30_000 */
  afterMs?: number | undefined;
  /** …or after this many failed attempts in a row. @default 5 */
  afterAttempts?: number | undefined;
  /** Pause between two polls of one socket's streams. @default 1_000 */
  pollMs?: number | undefined;
}

/**
 * Payload of `degraded`: a socket could not be restored for a while, so its streams are now polled over REST (messages marked `source: 'rest'`) within the REST weight budget. `unserved` lists those REST cannot stand in for (diff depth, trades, all-market arrays…). Once per episode.
 */
export interface DegradedEvent {
  socketId: string;
  /** Streams now served over REST. */
  streams: string[];
  /** Streams of the socket REST cannot serve (still down). */
  unserved: string[];
  source: 'rest';
  reason: string;
}

/**
 * Payload of `restored`: the socket behind a `degraded` episode is open again and REST polling of its streams has stopped.
 */
export interface RestoredEvent {
  socketId: string;
  streams: string[];
  /** How long REST served them. */
  fallbackMs: number;
}

export interface RestFallbackHost {
  readonly rest: FallbackRest;
  readonly log: Logger;
  now(): number;
  /** The streams the socket carries now, with their state. */
  streamsOf(socket: ResilientSocketLike): StreamState[];
  inject(message: RestMessage): void;
  degraded(e: DegradedEvent): void;
  restored(e: RestoredEvent): void;
}

interface Episode {
  readonly since: number;
  failures: number;
  active: { since: number; ac: AbortController; streams: string[] } | undefined;
}

export const FALLBACK_DEFAULTS = Object.freeze({ afterMs: 30_000, afterAttempts: 5, pollMs: 1_000 });

export class RestFallback {
  private readonly episodes = new Map<ResilientSocketLike, Episode>();
  private readonly timers = new TimerSlots<string>();
  private readonly o: Required<{ [K in keyof RestFallbackOptions]-?: number }>;

  constructor(
    private readonly h: RestFallbackHost,
    options: RestFallbackOptions = {},
  ) {
    this.o = { afterMs: options.afterMs ?? FALLBACK_DEFAULTS.afterMs, afterAttempts: options.afterAttempts ?? FALLBACK_DEFAULTS.afterAttempts, pollMs: options.pollMs ?? FALLBACK_DEFAULTS.pollMs };
  }

  get timersArmed(): number {
    return this.timers.size;
  }

  /** The socket is retrying (a `reconnecting` event). */
  failing(socket: ResilientSocketLike): void {
    let ep = this.episodes.get(socket);
    if (ep === undefined) this.episodes.set(socket, (ep = { since: this.h.now(), failures: 0, active: undefined }));
    ep.failures++;
    if (ep.active !== undefined) return;
    const due = `due:${socket.id}`;
    if (ep.failures >= this.o.afterAttempts) {
      this.timers.clear(due);
      return this.start(socket, ep, `${ep.failures} failed attempts`);
    }
    if (this.timers.has(due)) return;
    const wait = Math.max(0, ep.since + this.o.afterMs - this.h.now());
    const episode = ep;
    if (wait === 0) this.start(socket, ep, `down for ${this.o.afterMs} ms`);
    else this.timers.set(due, wait, () => this.start(socket, episode, `down for ${this.o.afterMs} ms`));
  }

  /** The socket is open again (or gone): stop polling, emit `restored`. */
  recovered(socket: ResilientSocketLike): void {
    const ep = this.episodes.get(socket);
    if (ep === undefined) return;
    this.episodes.delete(socket);
    this.timers.clear(`due:${socket.id}`);
    this.timers.clear(`poll:${socket.id}`);
    const a = ep.active;
    if (a === undefined) return;
    a.ac.abort();
    const fallbackMs = this.h.now() - a.since;
    this.h.log.info({ socketId: socket.id, streams: a.streams.length, fallbackMs }, 'socket back: REST fallback ends');
    this.h.restored({ socketId: socket.id, streams: a.streams, fallbackMs });
  }

  /** The socket is retired (its streams went elsewhere, or the pool stops): end its episode silently. */
  forget(socket: ResilientSocketLike): void {
    this.episodes.get(socket)?.active?.ac.abort();
    this.episodes.delete(socket);
    this.timers.clear(`due:${socket.id}`);
    this.timers.clear(`poll:${socket.id}`);
  }

  /** Pool stopped: end every episode silently. */
  clear(): void {
    for (const ep of this.episodes.values()) ep.active?.ac.abort();
    this.episodes.clear();
    this.timers.clearAll();
  }

  private start(socket: ResilientSocketLike, ep: Episode, reason: string): void {
    if (this.episodes.get(socket) !== ep || ep.active !== undefined || socket.state === 'open') return;
    const all = this.h.streamsOf(socket);
    const streams = all.filter(servable).map((st) => st.name);
    const unserved = all.filter((st) => !servable(st)).map((st) => st.name);
    ep.active = { since: this.h.now(), ac: new AbortController(), streams };
    this.h.log.warn({ socketId: socket.id, streams: streams.length, unserved: unserved.length, reason }, 'socket cannot be restored: serving its streams over REST');
    this.h.degraded({ socketId: socket.id, streams, unserved, source: 'rest', reason });
    if (streams.length) void this.poll(socket, ep);
  }

  private async poll(socket: ResilientSocketLike, ep: Episode): Promise<void> {
    const a = ep.active;
    if (a === undefined || a.ac.signal.aborted) return;
    const states = this.h.streamsOf(socket).filter(servable);
    await Promise.all(states.map((st) => this.pollStream(st, a.ac.signal)));
    if (a.ac.signal.aborted || this.episodes.get(socket) !== ep) return;
    this.timers.set(`poll:${socket.id}`, this.o.pollMs, () => void this.poll(socket, ep));
  }

  private async pollStream(st: StreamState, signal: AbortSignalLike): Promise<void> {
    const rest = this.h.rest;
    const symbol = (st.info.symbol ?? '').toUpperCase();
    const o = { owner: st.name, signal };
    const name = st.name;
    try {
      const now = (): number => this.h.now();
      switch (st.info.kind) {
        case 'aggTrade': {
          const next = sequenceOf(st)?.position;
          const rows = await rest.aggTrades(next === undefined ? { symbol, limit: 1 } : { symbol, fromId: next, limit: 1_000 }, o);
          if (!signal.aborted) for (const r of rows) this.h.inject(aggTradeFromRest(name, symbol, r, now()));
          return;
        }
        case 'kline': {
          const interval = /@kline_([^@]+)/.exec(name)?.[1] as string;
          const rows = await rest.klines({ symbol, interval, limit: 2 }, o);
          if (!signal.aborted) for (const r of rows) this.h.inject(klineFromRest(name, symbol, interval, r, now()));
          return;
        }
        case 'bookTicker': {
          const r = await rest.bookTicker({ symbol }, o);
          if (!signal.aborted) this.h.inject(bookTickerFromRest(name, r, now()));
          return;
        }
        case 'ticker':
        case 'miniTicker': {
          const r = await rest.ticker24h({ symbol }, o);
          if (!signal.aborted) this.h.inject(tickerFromRest(name, r, now(), st.info.kind === 'miniTicker'));
          return;
        }
        case 'partialDepth': {
          const limit = Number(/@depth(\d+)/.exec(name)?.[1] ?? 20);
          const r = await rest.depth({ symbol, limit }, o);
          if (!signal.aborted) this.h.inject(partialDepthFromRest(name, r, now()));
          return;
        }
        default:
          return;
      }
    } catch (err) {
      if (!signal.aborted) this.h.log.warn({ stream: name, error: errorFields(err) }, 'REST fallback poll failed; trying again at the next poll');
    }
  }
}

/** Streams the fallback can serve (see the file doc). */
function servable(st: StreamState): boolean {
  const k = st.info.kind;
  if (st.info.symbol === undefined) return false;
  if (k === 'kline') return !/@\+|@-/.test(st.name); // time-zone klines: REST's timeZone parameter differs
  return k === 'aggTrade' || k === 'bookTicker' || k === 'ticker' || k === 'miniTicker' || k === 'partialDepth';
}

function sequenceOf(st: StreamState): SequenceStage | undefined {
  return st.stages?.find((s) => s.name === 'sequence') as SequenceStage | undefined;
}
