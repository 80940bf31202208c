/**
 * Per-market profiles: URLs, limits and heartbeat cadences from Binance's rules
 * (see the protocol reference, sections 1-2). Everything a profile says can be
 * overridden by client options; the defaults here are the documented values.
 */

/**
 * Which Binance product a client talks to: `'spot'`, `'usdm'` (USD-M futures, `fapi`/`fstream`) or `'coinm'` (COIN-M futures, `dapi`/`dstream`).
 */
export type MarketId = 'spot' | 'usdm' | 'coinm';
/**
 * Binance's production hosts (`'live'`) or its testnet hosts (`'testnet'`). Testnet keys and data are separate from production ones.
 */
export type Environment = 'live' | 'testnet';

/** USD-M routes since 2026-03-06. Spot and COIN-M have no routes (`''`). */
export type Route = '' | 'public' | 'market' | 'private';

/** The documented per-connection and per-IP limits of one market, which the pool and the connection budget respect. */
export interface MarketLimits {
  /** Client->server messages per second per connection (pings, pongs, control messages all count). */
  readonly maxIncomingMessagesPerSecond: number;
  /**
   * Streams per connection: 1024 on every market. The USD-M and COIN-M "Websocket Market Streams"
   * pages on developers.binance.com say 1024 (re-checked 2026-12-01); older mirrors and some
   * third-party clients still say 200 (options and some SDKs keep 200). Set
   * `maxStreamsPerConnection` lower to be conservative.
   */
  readonly maxStreamsPerConnection: number;
  /** Connection attempts per IP in `connectionAttemptWindowMs` (spot: 300 / 5 min; futures undocumented, assumed equal). */
  readonly maxConnectionAttempts: number;
  /** The window `maxConnectionAttempts` is counted in (5 minutes on every market). */
  readonly connectionAttemptWindowMs: number;
  /** Binance cuts every connection after this long. */
  readonly maxConnectionLifetimeMs: number;
}

/** How the server side of a market keeps connections alive: it pings, we must pong before the deadline. */
export interface MarketHeartbeat {
  /** How often the server pings. */
  readonly serverPingIntervalMs: number;
  /** How long the server waits for our pong before disconnecting. */
  readonly serverPongDeadlineMs: number;
}

/** The default hosts of one market in one {@link Environment}. */
export interface MarketUrls {
  /** Market-data stream base, e.g. `wss://stream.binance.com:9443`. */
  readonly streamBase: string;
  /** REST base, e.g. `https://api.binance.com`. */
  readonly restBase: string;
  /** WebSocket API URL (spot user data lives here since 2026-02-20). */
  readonly wsApi: string;
}

/**
 * Everything the client knows about one market before any option is applied: its hosts per environment, its limits and heartbeat cadence, and whether it is a futures market with routed endpoints.
 */
export interface MarketProfile {
  /** The market this profile describes. */
  readonly id: MarketId;
  /** Default hosts, per environment. */
  readonly urls: Readonly<Record<Environment, MarketUrls>>;
  /** Documented limits of this market. */
  readonly limits: MarketLimits;
  /** The server's ping cadence and pong deadline. */
  readonly heartbeat: MarketHeartbeat;
  /** True when market streams are split over `/public` and `/market` (USD-M). */
  readonly routed: boolean;
  /** Futures payloads (kline updates faster, `pu` on depth, markPrice exists). */
  readonly futures: boolean;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * The built-in profiles of the three markets, frozen, with Binance's documented values (hosts, limits, ping cadence). Read them to see what the client assumes; override via client options, not by editing this object.
 */
export const MARKETS: Readonly<Record<MarketId, MarketProfile>> = Object.freeze({
  spot: {
    id: 'spot',
    urls: {
      live: { streamBase: 'wss://stream.binance.com:9443', restBase: 'https://api.binance.com', wsApi: 'wss://ws-api.binance.com:443/ws-api/v3' },
      testnet: {
        streamBase: 'wss://stream.testnet.binance.vision',
        restBase: 'https://testnet.binance.vision',
        wsApi: 'wss://ws-api.testnet.binance.vision/ws-api/v3',
      },
    },
    limits: {
      maxIncomingMessagesPerSecond: 5,
      maxStreamsPerConnection: 1024,
      maxConnectionAttempts: 300,
      connectionAttemptWindowMs: 5 * 60_000,
      maxConnectionLifetimeMs: DAY,
    },
    heartbeat: { serverPingIntervalMs: 20_000, serverPongDeadlineMs: 60_000 },
    routed: false,
    futures: false,
  },
  usdm: {
    id: 'usdm',
    urls: {
      live: { streamBase: 'wss://fstream.binance.com', restBase: 'https://fapi.binance.com', wsApi: 'wss://ws-fapi.binance.com/ws-fapi/v1' },
      testnet: {
        streamBase: 'wss://fstream.binancefuture.com',
        restBase: 'https://testnet.binancefuture.com',
        wsApi: 'wss://testnet.binancefuture.com/ws-fapi/v1',
      },
    },
    limits: {
      maxIncomingMessagesPerSecond: 10,
      maxStreamsPerConnection: 1024,
      maxConnectionAttempts: 300,
      connectionAttemptWindowMs: 5 * 60_000,
      maxConnectionLifetimeMs: DAY,
    },
    heartbeat: { serverPingIntervalMs: 3 * 60_000, serverPongDeadlineMs: 10 * 60_000 },
    routed: true,
    futures: true,
  },
  coinm: {
    id: 'coinm',
    urls: {
      live: { streamBase: 'wss://dstream.binance.com', restBase: 'https://dapi.binance.com', wsApi: 'wss://ws-dapi.binance.com/ws-dapi/v1' },
      testnet: {
        streamBase: 'wss://dstream.binancefuture.com',
        restBase: 'https://testnet.binancefuture.com',
        wsApi: 'wss://testnet.binancefuture.com/ws-dapi/v1',
      },
    },
    limits: {
      maxIncomingMessagesPerSecond: 10,
      maxStreamsPerConnection: 1024,
      maxConnectionAttempts: 300,
      connectionAttemptWindowMs: 5 * 60_000,
      maxConnectionLifetimeMs: DAY,
    },
    heartbeat: { serverPingIntervalMs: 3 * 60_000, serverPongDeadlineMs: 10 * 60_000 },
    routed: false,
    futures: true,
  },
} satisfies Record<MarketId, MarketProfile>);

/** True when `v` is one of `'spot'`, `'usdm'`, `'coinm'`. */
export function isMarketId(v: unknown): v is MarketId {
  return v === 'spot' || v === 'usdm' || v === 'coinm';
}

/**
 * The {@link MarketProfile} of a market.
 * @throws RangeError naming the value when `id` is not a known market.
 */
export function getMarket(id: MarketId): MarketProfile {
  const m = MARKETS[id];
  if (!m) throw new RangeError(`market: unknown market ${JSON.stringify(id)} (expected "spot", "usdm" or "coinm")`);
  return m;
}
