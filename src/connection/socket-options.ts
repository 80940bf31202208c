/**
 * ResilientSocket option defaults and validation (each option is documented once, on
 * `ResilientSocketOptions` in ./types.ts).
 */
import { BinanceStreamError } from '../core/errors';
import type { HeartbeatOptions, ResilientSocketOptions } from './types';

/** Client heartbeat defaults per market: never kill a healthy connection, barely cost messages. */
export const DEFAULT_HEARTBEAT: Readonly<{ spot: HeartbeatOptions; futures: HeartbeatOptions }> = Object.freeze({
  /** Binance pings spot sockets every 20 s, so 30 s of total silence already means trouble. */
  spot: Object.freeze({ idlePingMs: 30_000, pongTimeoutMs: 10_000 }),
  /** Futures servers ping only every 3 min; 60 s of silence on a data socket is worth one ping. */
  futures: Object.freeze({ idlePingMs: 60_000, pongTimeoutMs: 15_000 }),
});

/** Options with every default applied. */
export interface Resolved {
  mode: 'combined' | 'raw';
  rawStreamName: string;
  heartbeat: HeartbeatOptions | false;
  staleAfterMs: number | false | undefined;
  staleDebounceMs: number;
  connectTimeoutMs: number;
  maxUrlLength: number;
  maxStreamsPerRequest: number;
  maxOutgoingPerSecond: number;
  requestTimeoutMs: number;
  onServerShutdown: 'reconnect' | 'emit';
}

function invalid(name: string, expected: string, value: unknown): BinanceStreamError {
  return new BinanceStreamError('ERR_INVALID_OPTION', `ResilientSocket option ${name}: expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`, {
    permanent: true,
  });
}

function ms(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalid(name, `a finite number >= ${min}`, value);
  return value;
}

function int(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalid(name, `an integer >= ${min}`, value);
  return value;
}

export function resolveOptions(o: ResilientSocketOptions): Resolved {
  const mode = o.mode ?? 'combined';
  if (mode !== 'combined' && mode !== 'raw') throw invalid('mode', '"combined" or "raw"', mode);
  let heartbeat: HeartbeatOptions | false;
  if (o.heartbeat === false) heartbeat = false;
  else {
    const d = o.market.futures ? DEFAULT_HEARTBEAT.futures : DEFAULT_HEARTBEAT.spot;
    heartbeat = {
      idlePingMs: ms('heartbeat.idlePingMs', o.heartbeat?.idlePingMs, d.idlePingMs),
      pongTimeoutMs: ms('heartbeat.pongTimeoutMs', o.heartbeat?.pongTimeoutMs, d.pongTimeoutMs, 1),
    };
  }
  if (o.staleAfterMs !== undefined && o.staleAfterMs !== false) ms('staleAfterMs', o.staleAfterMs, 0, 1);
  const limit = o.market.limits.maxIncomingMessagesPerSecond;
  const onServerShutdown = o.onServerShutdown ?? 'reconnect';
  if (onServerShutdown !== 'reconnect' && onServerShutdown !== 'emit') throw invalid('onServerShutdown', '"reconnect" or "emit"', onServerShutdown);
  return {
    mode,
    rawStreamName: o.rawStreamName ?? o.id,
    heartbeat,
    staleAfterMs: o.staleAfterMs,
    staleDebounceMs: ms('staleDebounceMs', o.staleDebounceMs, 30_000),
    connectTimeoutMs: ms('connectTimeoutMs', o.connectTimeoutMs, 10_000, 1),
    maxUrlLength: int('maxUrlLength', o.maxUrlLength, 4096, 64),
    maxStreamsPerRequest: int('maxStreamsPerRequest', o.maxStreamsPerRequest, o.market.limits.maxStreamsPerConnection),
    maxOutgoingPerSecond: int('maxOutgoingPerSecond', o.maxOutgoingPerSecond, Math.max(1, limit - 1)),
    requestTimeoutMs: ms('requestTimeoutMs', o.requestTimeoutMs, 10_000, 1),
    onServerShutdown,
  };
}

export function validateStreams(method: string, streams: readonly string[]): void {
  if (!Array.isArray(streams)) throw new TypeError(`${method}: expected an array of stream names, got ${typeof streams}`);
  for (const s of streams) {
    if (typeof s !== 'string' || !s) throw new TypeError(`${method}: stream names must be non-empty strings, got ${JSON.stringify(s)}`);
    if (/[\s/?&#]/.test(s)) {
      throw new BinanceStreamError('ERR_INVALID_STREAM', `${method}: invalid stream name ${JSON.stringify(s)} (no spaces, "/", "?", "&" or "#")`, {
        streams: [s],
        permanent: true,
      });
    }
  }
}

