/**
 * The emulator's own statement of Binance's rules (what Binance documents; protocol
 * reference §1–§3, §6), per market. The emulator is the oracle the client is tested
 * against, so it never reads the client's tables: `test/emulator/profile.test.ts`
 * compares the two and lists the differences that are intended.
 */

export type MarketId = 'spot' | 'usdm' | 'coinm';

/** USD-M routes since 2026-03-06 (`''` = unrouted: spot, COIN-M, legacy USD-M URLs). */
export type Route = '' | 'public' | 'market' | 'private';

export interface BinanceProfile {
  readonly market: MarketId;
  /** Futures payloads (`pu` on depth, markPrice, faster klines). */
  readonly futures: boolean;
  /** Streams split over `/public`, `/market`, `/private` (USD-M). */
  readonly routed: boolean;
  /** Incoming frames per second per connection (pings, pongs, control messages all count). */
  readonly incomingMessagesPerSecond: number;
  /** Streams per connection (1024 on spot, USD-M and COIN-M, per Binance's current pages; older ones said 200 for futures). */
  readonly streamsPerConnection: number;
  /** Connection attempts per IP per window (documented for spot; futures undocumented, same assumed). */
  readonly connectionAttempts: number;
  readonly connectionAttemptWindowMs: number;
  /** Every connection is cut after this long. */
  readonly connectionLifetimeMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Whether a pong that answers no ping keeps the link alive (spot: no; futures docs: yes). */
  readonly unsolicitedPongKeepsAlive: boolean;
  /** REST prefix of the market's endpoints. */
  readonly restPrefix: '/api/v3' | '/fapi/v1' | '/dapi/v1';
  /** Futures listenKey validity after creation or keepalive. */
  readonly listenKeyValidityMs: number;
  /** REST REQUEST_WEIGHT per IP per minute (spot 6,000; USD-M and COIN-M share 2,400 since the merger). */
  readonly restWeightPerMinute: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const FUTURES = {
  futures: true,
  incomingMessagesPerSecond: 10,
  streamsPerConnection: 1024,
  connectionAttempts: 300,
  connectionAttemptWindowMs: 5 * MINUTE,
  connectionLifetimeMs: DAY,
  pingIntervalMs: 3 * MINUTE,
  pongTimeoutMs: 10 * MINUTE,
  unsolicitedPongKeepsAlive: true,
  listenKeyValidityMs: 60 * MINUTE,
  restWeightPerMinute: 2400,
} as const;

export const PROFILES: Readonly<Record<MarketId, BinanceProfile>> = Object.freeze({
  spot: {
    market: 'spot',
    futures: false,
    routed: false,
    incomingMessagesPerSecond: 5,
    streamsPerConnection: 1024,
    connectionAttempts: 300,
    connectionAttemptWindowMs: 5 * MINUTE,
    connectionLifetimeMs: DAY,
    pingIntervalMs: 20_000,
    pongTimeoutMs: MINUTE,
    unsolicitedPongKeepsAlive: false,
    restPrefix: '/api/v3',
    listenKeyValidityMs: 60 * MINUTE,
    restWeightPerMinute: 6000,
  },
  usdm: { ...FUTURES, market: 'usdm', routed: true, restPrefix: '/fapi/v1' },
  coinm: { ...FUTURES, market: 'coinm', routed: false, restPrefix: '/dapi/v1' },
});

export function isMarketId(v: unknown): v is MarketId {
  return v === 'spot' || v === 'usdm' || v === 'coinm';
}

/** The spot WebSocket API (user data since 2026-02-20), whatever the emulated market. */
export const WS_API = Object.freeze({
  path: '/ws-api/v3',
  /** REQUEST_WEIGHT per minute (shared with REST on Binance, per IP; per connection here). */
  requestWeightPerMinute: 6000,
  /** A request's weight; unlisted methods weigh `defaultWeight`. */
  weights: Object.freeze({ ping: 1, time: 1 }) as Readonly<Record<string, number>>,
  /** What opening a WS-API connection costs the IP (Binance: "connecting costs 2 weight"). */
  connectWeight: 2,
  defaultWeight: 2,
  /** Spot WS API heartbeat rule: an unsolicited pong does not keep the link alive. */
  unsolicitedPongKeepsAlive: false,
  maxRecvWindowMs: 60_000,
  maxListenTokenValidityMs: DAY,
});

/** Paths retired on 2026-02-20 (spot/margin listenKeys; HTTP 410 Gone) and the old `/api/v1` one. */
export const RETIRED_REST_PATHS: readonly string[] = ['/api/v3/userDataStream', '/api/v1/userDataStream', '/sapi/v1/userDataStream', '/sapi/v1/userDataStream/isolated'];
/** Margin listenToken endpoint (spot WS API `userDataStream.subscribe.listenToken`). */
export const LISTEN_TOKEN_PATH = '/sapi/v1/userListenToken';
/** Portfolio-margin listenKeys, served beside USD-M (stream `/pm/ws/<key>`). */
export const PORTFOLIO_LISTEN_KEY_PATH = '/papi/v1/listenKey';

// ---- USD-M route table (protocol reference §1.4, §4.2) ----------------------

/** `/public`: high-frequency book data (`@trade` observed there by third parties). */
const PUBLIC_KINDS: readonly RegExp[] = [/^depth(5|10|20)?(@(100|250|500)ms)?$/, /^bookTicker$/, /^rpiDepth@500ms$/, /^trade$/];
const PUBLIC_ALL_MARKET: readonly string[] = ['!bookTicker'];
/** `/market`: regular market data. */
const MARKET_KINDS: readonly RegExp[] = [/^aggTrade$/, /^kline_\w+$/, /^continuousKline_\w+$/, /^markPrice(@1s)?$/, /^miniTicker$/, /^ticker$/, /^forceOrder$/, /^compositeIndex$/, /^assetIndex$/];
const MARKET_ALL_MARKET: readonly string[] = ['!markPrice@arr', '!markPrice@arr@1s', '!miniTicker@arr', '!ticker@arr', '!forceOrder@arr', '!contractInfo', '!assetIndex@arr', 'tradingSession'];

/**
 * The USD-M route that serves a market stream: the documented kinds above; any other
 * name is served on `/market` (Binance: "public = book data, market = the rest").
 * User data (listenKeys) is only on `/private`. Unrouted markets: `''`.
 */
export function routeOf(market: MarketId, stream: string): Route {
  if (!PROFILES[market].routed) return '';
  if (PUBLIC_ALL_MARKET.includes(stream)) return 'public';
  if (MARKET_ALL_MARKET.includes(stream)) return 'market';
  const at = stream.indexOf('@');
  const kind = at < 0 ? stream : stream.slice(at + 1);
  if (PUBLIC_KINDS.some((re) => re.test(kind))) return 'public';
  if (MARKET_KINDS.some((re) => re.test(kind))) return 'market';
  return 'market';
}
