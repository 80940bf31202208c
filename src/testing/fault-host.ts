/**
 * What `ex.faults` acts on (faults.ts `FaultHost`), wired from the emulator's parts: kept out of
 * fake-binance.ts so that file stays the emulator's public surface.
 */
import type { Clock } from './clock';
import type { MarketData } from './data/market-data';
import type { FaultHost } from './faults';
import type { ListenKeys } from './rest/listen-keys';
import type { RestWeights } from './rest/weights';
import type { AttemptLimiter } from './server/attempt-limiter';
import type { Hub } from './streams/hub';
import type { StreamService } from './streams/stream-service';
import type { WsApiEmulator } from './ws-api/ws-api-emulator';
import type { WsApiServer } from './ws-api/ws-api-server';

export interface FaultParts {
  readonly clock: Clock;
  readonly streams: StreamService;
  readonly keys: ListenKeys;
  readonly limiter: AttemptLimiter;
  readonly weights: RestWeights;
  readonly data: MarketData;
  readonly hub: Hub;
  /** Read when a fault runs (the WS API is built after the faults' host). */
  wsApi(): WsApiEmulator;
  wsApiServer(): WsApiServer;
}

export function faultHost(p: FaultParts): FaultHost {
  return {
    clock: p.clock,
    resolveTarget: (t) => p.streams.resolveTarget(t),
    wsApiServerShutdown: () => p.wsApi().serverShutdown(),
    expireListenKey: (k) => p.keys.end(k, 'expired'),
    deleteListenKey: (k) => p.keys.end(k, 'deleted'),
    resetAttemptLimits: () => p.limiter.reset(),
    resetRestWeights: () => p.weights.reset(),
    breakDepthChain: (symbol) => p.data.book(symbol)?.breakChain() ?? 0,
    muteStream: (stream, durationMs) => {
      p.hub.mute(stream, durationMs);
      return p.streams.resolveTarget({ stream }).length;
    },
    unmuteStreams: () => p.hub.unmute(),
    wsApiRateLimit: (f) => (f ? p.wsApiServer().limits.inject(f) : p.wsApiServer().limits.heal()),
  };
}
