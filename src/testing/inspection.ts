/** What `FakeBinance` reports about itself: URLs, client options, connections and counters. */
import type { MarketId, Route } from './profile';
import type { RestWeightStats } from './rest/weights';
import type { ControlMessage } from './streams/connection-host';

/**
 * Where a running emulator listens (`ex.urls`): the stream base, the REST base and the WebSocket API URL, all on 127.0.0.1 and its port.
 */
export interface FakeBinanceUrls {
  /** Stream base, no trailing slash: append `/ws/<s>`, `/stream?streams=…`, or USD-M `/public|/market|/private/…`. */
  readonly ws: string;
  /** REST base. */
  readonly http: string;
  /** Spot WebSocket API URL. */
  readonly wsApi: string;
}

/** What `BinanceStreamClient` accepts to talk to this emulator. */
export interface FakeBinanceClientOptions {
  readonly market: MarketId;
  readonly baseUrl: string;
  readonly restBaseUrl: string;
  readonly wsApiUrl: string;
}

/**
 * One stream connection as `ex.connections()` shows it: its path and route, its streams (and which of them will stay silent, with why), what the client sent on it, and the faults in force on it.
 */
export interface ConnectionInfo {
  readonly id: number;
  readonly path: string;
  readonly route: Route;
  readonly combined: boolean;
  /** Every stream subscribed (deliverable or not), in subscription order. */
  readonly streams: string[];
  readonly openedAt: number;
  readonly remoteAddress: string;
  /** Frames the client sent (JSON control messages, pings, pongs), oldest first. */
  readonly received: ControlMessage[];
  readonly framesSent: number;
  readonly stalled: boolean;
  readonly blackholed: boolean;
  readonly latencyMs: number;
  /** Its streams muted right now (`faults.muteStream`). */
  readonly muted: string[];
  /**
   * Its streams that were acknowledged but will never carry generated data, and why: `unknown`
   * (a name this market does not publish: unknown kind or symbol, retired stream, other market's
   * stream) or `wrongRoute` (USD-M: a documented stream on another route, or a listenKey on a
   * market route). Such a stream still receives `publish()`ed payloads when it is deliverable.
   */
  readonly silent: SilentStream[];
}

/**
 * A stream a connection subscribed that will never carry generated data (`ConnectionInfo.silent`), and why: `unknown` to this market, or on the `wrongRoute` (USD-M).
 */
export interface SilentStream {
  readonly stream: string;
  readonly reason: 'unknown' | 'wrongRoute';
}

/**
 * What `ex.stats()` returns: connection, upgrade and limit-violation counters, frames sent per stream, events published and muted, REST requests and weight.
 */
export interface EmulatorStats {
  connectionsOpened: number;
  connectionsClosed: number;
  connectionsOpen: number;
  upgradesRejected: { rateLimited429: number; banned418: number; injected: number; notFound: number };
  /** Stream connections and WS-API sessions over a limit (WS API: request weight → 429, pong timeout). */
  limitViolations: { messageRate: number; streamCount: number; pongTimeout: number; connectionAttempts: number };
  /** Frames sent per stream (counting each subscriber). */
  framesSent: Record<string, number>;
  framesSentTotal: number;
  /** Events published (generated, `publish()`ed, flooded), muted ones included. */
  eventsPublished: number;
  /** Events published while their stream was muted (`faults.muteStream`): sent to no one. */
  eventsMuted: number;
  restRequests: number;
  /** REST request weight (`X-MBX-USED-WEIGHT-1M`) and the requests refused over it. */
  rest: RestWeightStats;
}

/** The mutable counters behind `stats()`. */
export class Counters {
  connectionsOpened = 0;
  connectionsClosed = 0;
  readonly upgradesRejected = { rateLimited429: 0, banned418: 0, injected: 0, notFound: 0 };
  readonly limitViolations = { messageRate: 0, streamCount: 0, pongTimeout: 0, connectionAttempts: 0 };
  readonly framesSent = new Map<string, number>();
  framesSentTotal = 0;
  restRequests = 0;

  frameSent(stream: string, count: number): void {
    this.framesSent.set(stream, (this.framesSent.get(stream) ?? 0) + count);
    this.framesSentTotal += count;
  }

  snapshot(connectionsOpen: number, eventsPublished: number, eventsMuted: number, rest: RestWeightStats): EmulatorStats {
    return {
      connectionsOpened: this.connectionsOpened,
      connectionsClosed: this.connectionsClosed,
      connectionsOpen,
      upgradesRejected: { ...this.upgradesRejected },
      limitViolations: { ...this.limitViolations },
      framesSent: Object.fromEntries(this.framesSent),
      framesSentTotal: this.framesSentTotal,
      eventsPublished,
      eventsMuted,
      restRequests: this.restRequests,
      rest,
    };
  }
}
