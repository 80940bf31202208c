/**
 * Margin listenTokens (protocol reference §6.3): `POST /sapi/v1/userListenToken`
 * → `{ token, expirationTime }`, then `userDataStream.subscribe.listenToken` on the spot
 * WebSocket API. Binance's excerpt does not say whether the call is SIGNED; third-party
 * SDKs (sieblyio/binance, thrasher-corp/gocryptotrader) sign it with `timestamp` +
 * `signature`, and a signature Binance does not need is harmless, so we sign it.
 */
import type { AbortSignalLike } from '../../core/web-types';
import { BinanceStreamError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { maskSecret } from '../../core/logger';
import type { RetryPolicy } from '../../retry/policy';
import { errorFields } from '../../core/logger';
import type { ResolvedUserDataOptions } from '../options';
import type { FetchLike } from '../rest';
import { restCall } from '../rest';
import type { Signer } from '../signing';

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
  retryPolicy: RetryPolicy;
  signal?: AbortSignalLike | undefined;
  fetch?: FetchLike | undefined;
  now?: (() => number) | undefined;
  logger: Logger;
}

export async function mintListenToken(o: MintListenTokenOptions): Promise<ListenToken> {
  const now = o.now ?? Date.now;
  const params = { ...(o.symbol !== undefined ? { isIsolated: 'TRUE', symbol: o.symbol } : {}), ...(o.validityMs !== undefined ? { validity: o.validityMs } : {}) };
  const req = {
    method: 'POST' as const,
    baseUrl: o.restBaseUrl,
    path: LISTEN_TOKEN_PATH,
    apiKey: o.apiKey,
    signer: o.signer,
    params,
    recvWindow: o.recvWindow,
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    fetch: o.fetch,
    now,
  };
  const body = await restCall<{ token?: unknown; expirationTime?: unknown }>(req, {
    policy: o.retryPolicy,
    onRetry: ({ attempt, delayMs, error }) => o.logger.warn({ attempt, maxRetries: o.retryPolicy.maxRetries, delayMs, error: errorFields(error) }, 'listenToken request failed, retrying'),
  });
  if (typeof body.token !== 'string' || !body.token) throw new BinanceStreamError('ERR_HTTP', `POST ${LISTEN_TOKEN_PATH} answered without a token`, { permanent: false });
  const mintedAt = now();
  const exp = typeof body.expirationTime === 'number' && Number.isFinite(body.expirationTime) ? body.expirationTime : mintedAt + (o.validityMs ?? MAX_LISTEN_TOKEN_VALIDITY_MS);
  return { token: body.token, expirationTime: exp, mintedAt };
}

/** The margin stream's current token: reused until its renewal time, minted anew after. */
export class ListenTokenSource {
  private token: ListenToken | undefined;

  constructor(
    private readonly o: ResolvedUserDataOptions & { readonly signer: Signer },
    private readonly socketId: string,
  ) {}

  get current(): ListenToken | undefined {
    return this.token;
  }

  /** When `t` should be replaced (`listenTokenRenewFraction` of its validity). */
  renewAt(t: ListenToken): number {
    return t.mintedAt + (t.expirationTime - t.mintedAt) * this.o.listenTokenRenewFraction;
  }

  /** Forget the current token (Binance refused it, or a renewal is due). */
  discard(): void {
    this.token = undefined;
  }

  /** The current token while it is not due for renewal, else a fresh one. */
  async usable(signal: AbortSignalLike): Promise<ListenToken> {
    const o = this.o;
    const t = this.token;
    if (t && o.now() < this.renewAt(t)) return t;
    const token = await mintListenToken({
      restBaseUrl: o.restBaseUrl,
      apiKey: o.apiKey,
      signer: o.signer,
      symbol: o.symbol,
      validityMs: o.listenTokenValidityMs,
      recvWindow: o.recvWindow,
      timeoutMs: o.requestTimeoutMs,
      retryPolicy: o.restRetryPolicy,
      signal,
      fetch: o.fetch,
      now: o.now,
      logger: o.logger,
    });
    o.logger.info({ socketId: this.socketId, listenToken: maskSecret(token.token), expiresInMs: token.expirationTime - o.now() }, 'listenToken minted');
    this.token = token;
    return token;
  }
}
