/**
 * The WS API's trading methods, answered by the order simulator (orders/): `order.place`,
 * `order.cancel`, `order.status`, `openOrders.status`, `account.status`. SIGNED: `apiKey` +
 * `timestamp` + `signature`, or, on a `session.logon` session, `timestamp` alone (Binance's
 * session authentication).
 */
import { canceled, openOrders, placed, spotAccount, status } from '../orders/order-answers';
import type { Product } from '../orders/order-answers';
import type { Ledger } from '../orders/ledger';
import type { OrderSimulator } from '../orders/order-simulator';
import type { Account } from './accounts';
import { ApiError, checkTimestamp } from './accounts';
import type { Session } from './session';

export interface OrderMethodsHost {
  readonly sim: OrderSimulator;
  readonly ledger: Ledger;
  readonly product: Product;
  now(): number;
  /** apiKey + timestamp + signature check (ws-api-server). */
  authenticate(params: Record<string, unknown>): Account;
}

export const ORDER_METHODS: ReadonlySet<string> = new Set(['order.place', 'order.cancel', 'order.status', 'openOrders.status', 'account.status']);

/** The account a SIGNED request acts for. */
function accountOf(host: OrderMethodsHost, s: Session, params: Record<string, unknown>): Account {
  if (params.signature !== undefined || params.apiKey !== undefined || !s.logon) return host.authenticate(params);
  checkTimestamp(params.timestamp, params.recvWindow, host.now());
  return s.logon;
}

/** Answer a trading method (ORDER_METHODS); throws Binance's ApiError. */
export function orderMethod(host: OrderMethodsHost, s: Session, method: string, params: Record<string, unknown>): unknown {
  const apiKey = accountOf(host, s, params).apiKey;
  const { sim, product } = host;
  const now = host.now();
  // Trading params, without the security ones.
  const { apiKey: _k, signature: _s, timestamp: _t, recvWindow: _r, ...p } = params;
  switch (method) {
    case 'order.place':
      return placed(product, sim.submit(apiKey, p), now);
    case 'order.cancel':
      return canceled(product, sim.cancel(apiKey, p), now);
    case 'order.status':
      return status(product, sim.query(apiKey, p));
    case 'openOrders.status':
      return openOrders(product, sim, apiKey, typeof p.symbol === 'string' ? p.symbol : undefined);
    case 'account.status':
      if (product !== 'spot') throw new ApiError(400, -1000, `Unknown method ${JSON.stringify(method)}.`);
      return spotAccount(host.ledger, apiKey, now);
    default:
      throw new ApiError(400, -1000, `Unknown method ${JSON.stringify(method)}.`);
  }
}
