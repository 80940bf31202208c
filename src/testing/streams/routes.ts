import type { BinanceProfile, Route } from '../profile';

export interface StreamPath {
  route: Route;
  combined: boolean;
  streams: string[];
  /** `events=` allow-list (USD-M `/private`). */
  userEvents: string[] | undefined;
  /** Spot `timeUnit=MICROSECOND|microsecond` (time fields in µs); futures are always ms. */
  timeUnit: TimeUnit;
  /** Set when the URL is refused with an HTTP error (spot: an invalid `timeUnit`, -1194). */
  reject?: { status: number; code: number; msg: string } | undefined;
}

export type TimeUnit = 'MILLISECOND' | 'MICROSECOND';

/** The values spot accepts for `timeUnit` (errors.md -1194); anything else is refused. */
const TIME_UNITS: Readonly<Record<string, TimeUnit>> = { MILLISECOND: 'MILLISECOND', millisecond: 'MILLISECOND', MICROSECOND: 'MICROSECOND', microsecond: 'MICROSECOND' };
export const INVALID_TIME_UNIT = { status: 400, code: -1194, msg: 'Invalid value for time unit; expected either MICROSECOND or MILLISECOND.' } as const;

/**
 * Parse a stream-connection URL: `/ws`, `/ws/<s>[/<s2>…]`, `/stream?streams=a/b`,
 * with USD-M route prefixes `/public`, `/market`, `/private` (the latter also taking
 * `?listenKey=k1/k2&events=E1/E2`) and portfolio margin's `/pm/ws/<listenKey>`. Undefined for anything else (HTTP 404).
 * Spot takes `timeUnit=` (an invalid value sets `reject`); futures ignore it (always ms).
 */
export function parseStreamPath(market: BinanceProfile, url: URL): StreamPath | undefined {
  let segs: string[];
  try {
    segs = url.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  let route: Route = '';
  const first = segs[0];
  if (market.routed && (first === 'public' || first === 'market' || first === 'private')) {
    route = first;
    segs = segs.slice(1);
  } else if (market.routed && first === 'pm' && segs[1] === 'ws') {
    // Portfolio-margin user data: `/pm/ws/<listenKey>` carries user data like `/private`.
    route = 'private';
    segs = segs.slice(1);
  }
  let combined: boolean;
  let streams: string[];
  if (segs[0] === 'ws') {
    combined = false;
    streams = segs.slice(1);
  } else if (segs[0] === 'stream' && segs.length === 1) {
    combined = true;
    // A raw `+` (kline `@+08:00`) decodes to a space in a query; stream names have no spaces.
    streams = (url.searchParams.get('streams') ?? '').replace(/ /g, '+').split('/').filter(Boolean);
  } else return undefined;
  let userEvents: string[] | undefined;
  if (route === 'private') {
    const keys = url.searchParams
      .getAll('listenKey')
      .flatMap((k) => k.split('/'))
      .filter(Boolean);
    streams = [...streams, ...keys];
    const ev = url.searchParams.get('events');
    if (ev !== null) userEvents = ev.split('/').filter(Boolean);
  }
  let timeUnit: TimeUnit = 'MILLISECOND';
  let reject: StreamPath['reject'];
  const tu = url.searchParams.get('timeUnit');
  if (tu !== null && !market.futures) {
    const unit = TIME_UNITS[tu];
    if (unit) timeUnit = unit;
    else reject = INVALID_TIME_UNIT;
  }
  return { route, combined, streams: [...new Set(streams)], userEvents, timeUnit, reject };
}
