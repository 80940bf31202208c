/**
 * The `encoding: 'sbe'` option, validated once (./resolve.ts calls it): Binance's SBE
 * market-data streams need the spot market, an Ed25519 API key sent as `X-MBX-APIKEY` on the
 * WebSocket upgrade (so a runtime that can send headers: Node, Bun, Deno) and their own host.
 * The pool then gets that host, a factory sending the header, and a socket tuning whose
 * `binaryFrames` hook decodes SBE frames into the JSON path's events (src/streams/sbe/).
 * User data (WS API, listenKeys) is untouched: it stays JSON on its own URLs. `decimals`
 * ('string' by default, exact; 'number' on request) is the decoder's, so it needs `encoding: 'sbe'`.
 */
import { headerWebSocketFactory } from '../connection/transport';
import type { ResolvedSocketTuning, WebSocketFactory } from '../connection/types';
import { invalidOption } from '../core/errors';
import type { Environment, MarketId } from '../core/markets';
import { markResolved, oneOf, url } from '../core/validate';
import { sbeFrameDecoder } from '../streams/sbe/frames';

/** Binance's SBE stream hosts (sbe-market-data-streams.md; testnet per the protocol reference §1.2). */
export const SBE_STREAM_BASE: Readonly<Record<Environment, string>> = Object.freeze({
  live: 'wss://stream-sbe.binance.com:9443',
  testnet: 'wss://stream-sbe.testnet.binance.vision',
});

export interface ResolvedEncoding {
  readonly baseUrl: string;
  readonly webSocketFactory: WebSocketFactory;
  /** The market-data socket tuning with the SBE decoder hooked in. */
  tuning(base: ResolvedSocketTuning): ResolvedSocketTuning;
}

/** undefined for JSON (the default); the SBE settings otherwise, or ERR_INVALID_OPTION naming what is missing. */
export function resolveEncoding(
  o: Readonly<Record<string, unknown>>,
  market: MarketId,
  env: Environment,
  apiKey: string | undefined,
  factory: WebSocketFactory | undefined,
): ResolvedEncoding | undefined {
  const encoding = oneOf('encoding', o.encoding, ['json', 'sbe'], 'json');
  const decimals = oneOf('decimals', o.decimals, ['string', 'number'], 'string');
  if (encoding === 'json') {
    // JSON streams carry prices and quantities as strings; only the SBE decoder can make numbers.
    if (decimals === 'number') throw invalidOption('decimals', "'string' with encoding 'json' ('number' applies to encoding 'sbe', whose decoder builds the decimals)", o.decimals);
    return undefined;
  }
  if (market !== 'spot') throw invalidOption('encoding', `'json' on ${market}: Binance serves SBE market data on spot only`, o.encoding);
  if (apiKey === undefined) throw invalidOption('apiKey', "an Ed25519 API key: encoding 'sbe' sends it as X-MBX-APIKEY (Binance's SBE streams refuse connections without one)", undefined);
  const decoder = sbeFrameDecoder({ decimals });
  return {
    baseUrl: url('baseUrl', o.baseUrl, ['ws:', 'wss:'], SBE_STREAM_BASE[env]),
    // A factory of the user's own must send the header itself (documented on `encoding`).
    webSocketFactory: factory ?? headerWebSocketFactory({ 'X-MBX-APIKEY': apiKey }, 'encoding'),
    tuning: (base) => markResolved<ResolvedSocketTuning>({ ...base, binaryFrames: decoder }),
  };
}
