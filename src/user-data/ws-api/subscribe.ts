/**
 * The three ways to subscribe to spot/margin user data on a WebSocket-API connection
 * (protocol reference §6.2, §6.3), each re-signed (or re-minted) on every call:
 *
 * - `session.logon`: spot with an Ed25519 key, `session.logon` then `userDataStream.subscribe`;
 * - `subscribe.signature`: spot with any key, `userDataStream.subscribe.signature` {apiKey, timestamp, signature};
 * - `listenToken`: margin, a listenToken then `userDataStream.subscribe.listenToken`.
 */
import type { AbortSignalLike } from '../../core/web-types';
import { BinanceStreamError } from '../../core/errors';
import type { ResolvedUserDataOptions } from '../options';
import type { Signer } from '../signing';
import { signParams } from '../signing';
import type { ListenTokenSource } from './listen-token';
import type { WsApiClient } from './ws-api-client';

export type SubscribeFlow = 'session.logon' | 'subscribe.signature' | 'listenToken';

/** Binance answers this when an account already has a subscription on this connection. */
export const ALREADY_SUBSCRIBED = -2035;
/** The listenToken is not (or no longer) valid. */
const INVALID_LISTEN_TOKEN = -1209;

export function subscribeFlow(o: ResolvedUserDataOptions & { readonly signer: Signer }): SubscribeFlow {
  if (o.product === 'margin') return 'listenToken';
  return o.signer.keyType === 'ed25519' && o.useSessionLogon ? 'session.logon' : 'subscribe.signature';
}

function subscriptionIdOf(res: { subscriptionId?: unknown } | undefined, method: string): number {
  const id = res?.subscriptionId;
  if (typeof id !== 'number') throw new BinanceStreamError('ERR_WS_API', `${method} answered without a subscriptionId`, { permanent: false });
  return id;
}

/** `userDataStream.subscribe.listenToken` with the given token. Resolves with the subscription id. */
export async function subscribeWithToken(client: WsApiClient, token: string, signal: AbortSignalLike): Promise<number> {
  const method = 'userDataStream.subscribe.listenToken';
  return subscriptionIdOf(await client.call<{ subscriptionId?: unknown }>(method, { listenToken: token }, { signal }), method);
}

/** Subscribe by `flow` on the current connection. Resolves with the subscription id. */
export async function subscribe(
  o: ResolvedUserDataOptions & { readonly signer: Signer },
  flow: SubscribeFlow,
  client: WsApiClient,
  tokens: ListenTokenSource,
  signal: AbortSignalLike,
): Promise<number> {
  if (flow === 'listenToken') {
    try {
      return await subscribeWithToken(client, (await tokens.usable(signal)).token, signal);
    } catch (err) {
      if (!(err instanceof BinanceStreamError) || err.binanceCode !== INVALID_LISTEN_TOKEN) throw err;
      // The token is no longer valid: mint a fresh one and try once more.
      tokens.discard();
      return subscribeWithToken(client, (await tokens.usable(signal)).token, signal);
    }
  }
  const signed = await signParams(o.signer, { apiKey: o.apiKey, timestamp: o.now(), ...(o.recvWindow !== undefined ? { recvWindow: o.recvWindow } : {}) });
  if (flow === 'session.logon') {
    await client.call('session.logon', signed, { signal });
    return subscriptionIdOf(await client.call<{ subscriptionId?: unknown }>('userDataStream.subscribe', undefined, { signal }), 'userDataStream.subscribe');
  }
  return subscriptionIdOf(await client.call<{ subscriptionId?: unknown }>('userDataStream.subscribe.signature', signed, { signal }), 'userDataStream.subscribe.signature');
}
