/**
 * Margin listenTokens (protocol reference §6.3): `POST /sapi/v1/userListenToken`
 * → `{ token, expirationTime }`, then `userDataStream.subscribe.listenToken` on the spot
 * WebSocket API. Binance's excerpt does not say whether the call is SIGNED; third-party
 * SDKs (sieblyio/binance, thrasher-corp/gocryptotrader) sign it with `timestamp` +
 * `signature`, and a signature Binance does not need is harmless, so we sign it.
 */
import { BinanceStreamError } from '../core/errors';
import type { FetchLike } from './rest';
import { restCall } from './rest';
import type { Signer } from './signing';

export const LISTEN_TOKEN_PATH = '/sapi/v1/userListenToken';
/** Binance's maximum (and default) token validity. */
export const MAX_LISTEN_TOKEN_VALIDITY_MS = 24 * 60 * 60_000;

export interface ListenToken {
  token: string;
  expirationTime: number;
  /** When we got it (for the renewal schedule). */
  mintedAt: number;
}

export interface MintListenTokenOptions {
  restBaseUrl: string;
  apiKey: string;
  signer: Signer;
  /** Isolated margin: the symbol (sets `isIsolated=true`). Cross margin when omitted. */
  symbol?: string | undefined;
  /** Token validity in ms (≤ 24 h). @default Binance's default (24 h) */
  validityMs?: number | undefined;
  recvWindow?: number | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  signal?: AbortSignal | undefined;
  fetch?: FetchLike | undefined;
  now?: (() => number) | undefined;
  onRetry?: ((info: { attempt: number; delayMs: number; error: BinanceStreamError }) => void) | undefined;
}

export async function mintListenToken(o: MintListenTokenOptions): Promise<ListenToken> {
  const now = o.now ?? Date.now;
  const body = await restCall<{ token?: unknown; expirationTime?: unknown }>(
    {
      method: 'POST',
      baseUrl: o.restBaseUrl,
      path: LISTEN_TOKEN_PATH,
      apiKey: o.apiKey,
      signer: o.signer,
      params: {
        ...(o.symbol !== undefined ? { isIsolated: 'TRUE', symbol: o.symbol } : {}),
        ...(o.validityMs !== undefined ? { validity: o.validityMs } : {}),
      },
      recvWindow: o.recvWindow,
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      fetch: o.fetch,
      now,
    },
    { retries: o.retries ?? 3, onRetry: o.onRetry },
  );
  if (typeof body.token !== 'string' || !body.token) {
    throw new BinanceStreamError('ERR_HTTP', `POST ${LISTEN_TOKEN_PATH} answered without a token`, { permanent: false });
  }
  const mintedAt = now();
  const exp = typeof body.expirationTime === 'number' && Number.isFinite(body.expirationTime) ? body.expirationTime : mintedAt + (o.validityMs ?? MAX_LISTEN_TOKEN_VALIDITY_MS);
  return { token: body.token, expirationTime: exp, mintedAt };
}
