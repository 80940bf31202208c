/**
 * The USD-M futures WebSocket API (`/ws-fapi/v1` on a `usdm` emulator; Binance
 * `wss://ws-fapi.binance.com/ws-fapi/v1`, protocol reference §6.4, §7): user data is managed here
 * but still delivered on a stream connection: `userDataStream.start` (`{apiKey}`, weight 5: the
 * account's active listenKey, extended, or a new one), `userDataStream.ping` (extend; `-1125`
 * when there is none), `userDataStream.stop`; trading with `order.place`, `order.cancel`,
 * `order.status` (SIGNED, USD-M answers), plus `ping` and `time`.
 */
import type { ListenKeys } from '../rest/listen-keys';
import { ApiError } from './accounts';
import type { OrderMethodsHost } from './order-methods';
import { ORDER_METHODS, orderMethod } from './order-methods';
import type { Session } from './session';

export const FUTURES_WS_API_PATH = '/ws-fapi/v1';

/** Futures WS-API weights beyond the spot table's (userDataStream.start 5, ping/stop 5). */
export const FUTURES_WEIGHTS: Readonly<Record<string, number>> = {
  'userDataStream.start': 5,
  'userDataStream.ping': 5,
  'userDataStream.stop': 5,
  'order.place': 0,
  'order.cancel': 1,
  'order.status': 1,
};

export interface FuturesMethodsHost extends OrderMethodsHost {
  readonly listenKeys: ListenKeys;
  /** Whether an API key is accepted (the `apiKeys` option). */
  acceptsApiKey(key: string): boolean;
}

/** The API key of a USER_STREAM request (`apiKey` only, no signature; a logged-on session's own). */
function apiKeyOf(host: FuturesMethodsHost, s: Session, params: Record<string, unknown>): string {
  if (params.apiKey === undefined && s.logon) return s.logon.apiKey;
  const key = params.apiKey;
  if (typeof key !== 'string' || !key) throw new ApiError(400, -1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.");
  if (!host.acceptsApiKey(key)) throw new ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
  return key;
}

export function futuresMethod(host: FuturesMethodsHost, s: Session, method: string, params: Record<string, unknown>): unknown {
  switch (method) {
    case 'ping':
      return {};
    case 'time':
      return { serverTime: host.now() };
    case 'userDataStream.start':
      return { listenKey: host.listenKeys.create(apiKeyOf(host, s, params)).listenKey };
    case 'userDataStream.ping': {
      const key = apiKeyOf(host, s, params);
      if (!host.listenKeys.keepalive(key)) throw new ApiError(400, -1125, 'This listenKey does not exist.');
      return { listenKey: host.listenKeys.activeFor(key) };
    }
    case 'userDataStream.stop':
      if (!host.listenKeys.remove(apiKeyOf(host, s, params))) throw new ApiError(400, -1125, 'This listenKey does not exist.');
      return {};
    default:
      if (ORDER_METHODS.has(method) && method !== 'account.status' && method !== 'openOrders.status') return orderMethod(host, s, method, params);
      throw new ApiError(400, -1000, `Unknown method ${JSON.stringify(method)}.`);
  }
}
