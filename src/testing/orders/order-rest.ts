/**
 * REST order endpoints of the simulator, SIGNED like Binance's (rest/signed.ts: `X-MBX-APIKEY`,
 * `timestamp`, `recvWindow`, HMAC/RSA/Ed25519 `signature`; accounts from `ex.wsApi.addAccount`):
 * spot `POST|DELETE|GET /api/v3/order`, `GET /api/v3/openOrders` (`GET /api/v3/account` is
 * rest/account-rest.ts's: its fixed wallet is where the simulator's balances start);
 * USD-M (and COIN-M, same shapes) `POST|DELETE|GET /fapi/v1/order`, `GET /fapi/v1/openOrders`,
 * `GET /fapi/v2|v3/balance`, `GET /fapi/v2|v3/positionRisk`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { MarketId } from '../profile';
import { error, readBody, send } from '../rest/respond';
import type { SignedContext } from '../rest/signed';
import { verifySignedRequest } from '../rest/signed';
import { ApiError } from '../ws-api/accounts';
import type { Ledger } from './ledger';
import { canceled, futuresBalance, futuresPositions, openOrders, placed, status } from './order-answers';
import type { Product } from './order-answers';
import type { OrderSimulator } from './order-simulator';

export interface OrderRestContext extends SignedContext {
  readonly market: MarketId;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly sim: OrderSimulator;
}

const PREFIX: Record<MarketId, string> = { spot: '/api/v3', usdm: '/fapi', coinm: '/dapi' };

/** The endpoint (`order`, `account`, …) a path names for this market, or undefined. */
function endpointOf(market: MarketId, path: string): string | undefined {
  if (market === 'spot') {
    const m = /^\/api\/v3\/(order|openOrders)$/.exec(path);
    return m?.[1];
  }
  const p = PREFIX[market];
  const m = new RegExp(`^${p}/(v1/order|v1/openOrders|v2/balance|v3/balance|v2/positionRisk|v3/positionRisk)$`).exec(path);
  return m?.[1]?.replace(/^v\d\//, '');
}

/** Answer an order endpoint; false for any other path. */
export async function handleOrderRest(ctx: OrderRestContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const endpoint = endpointOf(ctx.market, url.pathname);
  if (!endpoint) return false;
  const method = (req.method ?? 'GET').toUpperCase();
  const body = method === 'GET' ? '' : await readBody(req);
  const signed = verifySignedRequest(ctx, req, url, body);
  if (!('account' in signed)) return (error(res, signed.status, signed.code, signed.msg), true);
  const apiKey = signed.account.apiKey;
  const params = Object.fromEntries(signed.params) as Record<string, unknown>;
  const product: Product = ctx.market === 'spot' ? 'spot' : 'futures';
  const now = ctx.clock.now();
  try {
    const answer = route(ctx, product, endpoint, method, apiKey, params, now);
    if (answer === undefined) return (error(res, 405, -1000, `Method ${method} not allowed on ${url.pathname}.`), true);
    send(res, 200, answer, endpoint === 'order' && method === 'POST' ? orderCountHeaders(ctx.sim, apiKey) : {});
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    error(res, err.status, err.code, err.message);
  }
  return true;
}

/** `X-MBX-ORDER-COUNT-10S`, `-1D` (spot), `-1M` (USD-M): the account's ORDERS counters after a new order. */
function orderCountHeaders(sim: OrderSimulator, apiKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of sim.orderRateLimits(apiKey) as { interval: string; intervalNum: number; count: number }[]) out[`X-MBX-ORDER-COUNT-${l.intervalNum}${l.interval[0]}`] = String(l.count);
  return out;
}

function route(ctx: OrderRestContext, product: Product, endpoint: string, method: string, apiKey: string, params: Record<string, unknown>, now: number): unknown {
  const sim = ctx.sim;
  switch (`${method} ${endpoint}`) {
    case 'POST order':
      return placed(product, sim.submit(apiKey, params), now);
    case 'DELETE order':
      return canceled(product, sim.cancel(apiKey, params), now);
    case 'GET order':
      return status(product, sim.query(apiKey, params));
    case 'GET openOrders':
      return openOrders(product, sim, apiKey, typeof params.symbol === 'string' ? params.symbol : undefined);
    case 'GET balance':
      return futuresBalance(ctx.ledger, apiKey, now);
    case 'GET positionRisk':
      return futuresPositions(ctx.ledger, apiKey, now);
    default:
      return undefined;
  }
}
