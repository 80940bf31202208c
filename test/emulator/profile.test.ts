/**
 * The emulator states Binance's rules on its own (src/testing/profile.ts) so that it checks
 * the client instead of agreeing with it. This test is the one place that reads both: it
 * compares the two tables and lists every intended difference explicitly.
 */
import { describe, expect, it } from 'vitest';
import { MARKETS } from '../../src/core/markets';
import { routeFor } from '../../src/streams/routes';
import { PROFILES, WS_API, routeOf } from '../../src/testing/profile';
import type { MarketId } from '../../src/testing/profile';

const MARKET_IDS: readonly MarketId[] = ['spot', 'usdm', 'coinm'];

/** Documented USD-M stream names (protocol reference §1.4, §4.2), plus a few Binance does not publish. */
const STREAMS = [
  'btcusdt@aggTrade',
  'btcusdt@trade',
  'btcusdt@kline_1m',
  'btcusdt_perpetual@continuousKline_1m',
  'btcusdt@markPrice',
  'btcusdt@markPrice@1s',
  '!markPrice@arr',
  '!markPrice@arr@1s',
  'btcusdt@miniTicker',
  '!miniTicker@arr',
  'btcusdt@ticker',
  '!ticker@arr',
  'btcusdt@forceOrder',
  '!forceOrder@arr',
  'btcusdt@compositeIndex',
  '!contractInfo',
  '!assetIndex@arr',
  'btcusdt@assetIndex',
  'tradingSession',
  'btcusdt@bookTicker',
  '!bookTicker',
  'btcusdt@depth',
  'btcusdt@depth@100ms',
  'btcusdt@depth@500ms',
  'btcusdt@depth5',
  'btcusdt@depth10@100ms',
  'btcusdt@depth20@500ms',
  'btcusdt@rpiDepth@500ms',
  // Not published by Binance:
  'btcusdt@depth@1000ms',
  'btcusdt@depthfoo',
  'btcusdt@avgPrice',
];

/**
 * Where the two route tables disagree on purpose, as `stream: [emulator, client]`.
 * The emulator routes only the documented depth names to `/public` and anything else to
 * `/market`; the client sends every `depth*` name to `/public`. Binance serves neither of
 * these names on USD-M, so the route only decides where the ack-and-silence happens.
 */
const INTENDED_ROUTE_DIFFERENCES: Readonly<Record<string, readonly [string, string]>> = {
  'btcusdt@depth@1000ms': ['market', 'public'],
  'btcusdt@depthfoo': ['market', 'public'],
};

describe("the emulator's Binance profile against the client's tables", () => {
  it('limits, heartbeat and lifetime agree for every market', () => {
    for (const id of MARKET_IDS) {
      const emu = PROFILES[id];
      const client = MARKETS[id];
      expect(emu).toMatchObject({
        market: id,
        futures: client.futures,
        routed: client.routed,
        incomingMessagesPerSecond: client.limits.maxIncomingMessagesPerSecond,
        streamsPerConnection: client.limits.maxStreamsPerConnection,
        connectionAttempts: client.limits.maxConnectionAttempts,
        connectionAttemptWindowMs: client.limits.connectionAttemptWindowMs,
        connectionLifetimeMs: client.limits.maxConnectionLifetimeMs,
        pingIntervalMs: client.heartbeat.serverPingIntervalMs,
        pongTimeoutMs: client.heartbeat.serverPongDeadlineMs,
      });
    }
  });

  it("states Binance's documented numbers (protocol reference §2)", () => {
    expect(PROFILES.spot).toMatchObject({ incomingMessagesPerSecond: 5, streamsPerConnection: 1024, pingIntervalMs: 20_000, pongTimeoutMs: 60_000, unsolicitedPongKeepsAlive: false });
    for (const id of ['usdm', 'coinm'] as const) {
      expect(PROFILES[id]).toMatchObject({ incomingMessagesPerSecond: 10, streamsPerConnection: 1024, pingIntervalMs: 180_000, pongTimeoutMs: 600_000, unsolicitedPongKeepsAlive: true });
    }
    for (const id of MARKET_IDS) {
      expect(PROFILES[id]).toMatchObject({ connectionAttempts: 300, connectionAttemptWindowMs: 300_000, connectionLifetimeMs: 86_400_000, listenKeyValidityMs: 3_600_000 });
    }
    expect([PROFILES.spot.restPrefix, PROFILES.usdm.restPrefix, PROFILES.coinm.restPrefix]).toEqual(['/api/v3', '/fapi/v1', '/dapi/v1']);
  });

  it('the WS-API path is the one in the client URLs', () => {
    expect(new URL(MARKETS.spot.urls.live.wsApi).pathname).toBe(WS_API.path);
    expect(new URL(MARKETS.spot.urls.testnet.wsApi).pathname).toBe(WS_API.path);
  });

  it('routes every stream where the client looks for it, except the listed differences', () => {
    const differences: Record<string, [string, string]> = {};
    for (const id of MARKET_IDS) {
      for (const s of STREAMS) {
        const emu = routeOf(id, s);
        const client = routeFor(MARKETS[id], s);
        if (emu !== client) {
          expect(id, `${s}: routes differ outside USD-M`).toBe('usdm');
          differences[s] = [emu, client];
        }
      }
    }
    expect(differences).toEqual(INTENDED_ROUTE_DIFFERENCES);
  });

  it('routes the documented USD-M kinds as Binance documents them', () => {
    const pub = STREAMS.slice(STREAMS.indexOf('btcusdt@bookTicker'), STREAMS.indexOf('btcusdt@rpiDepth@500ms') + 1);
    for (const s of pub) expect(routeOf('usdm', s), s).toBe('public');
    expect(routeOf('usdm', 'btcusdt@trade')).toBe('public'); // observed there by third parties
    for (const s of STREAMS.slice(0, STREAMS.indexOf('tradingSession') + 1)) {
      if (s !== 'btcusdt@trade') expect(routeOf('usdm', s), s).toBe('market');
    }
    for (const s of STREAMS) {
      expect(routeOf('spot', s)).toBe('');
      expect(routeOf('coinm', s)).toBe('');
    }
  });
});
