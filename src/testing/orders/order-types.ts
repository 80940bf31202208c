/** The order simulator's records and inputs (spot and USD-M share one shape). */
import type { ApiError } from '../ws-api/accounts';

export type Side = 'BUY' | 'SELL';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX';
/**
 * Status of a simulated order, with Binance's names; `NEW` → `PARTIALLY_FILLED` → `FILLED`, or `CANCELED` / `EXPIRED` / `REJECTED`.
 */
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
export type ExecutionType = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED';

/** A validated order request. */
export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: bigint;
  /** Limit price (0 for MARKET). */
  price: bigint;
  clientOrderId: string;
  reduceOnly: boolean;
  /** `ACK` | `RESULT` | `FULL` (spot default FULL, futures ACK). */
  respType: string;
}

/**
 * One fill of a simulated order. Amounts are exact bigint counts of 1e-8 (price, quantity, commission, realized PnL).
 */
export interface Fill {
  readonly price: bigint;
  readonly qty: bigint;
  readonly commission: bigint;
  readonly commissionAsset: string;
  readonly tradeId: number;
  readonly maker: boolean;
  readonly realizedPnl: bigint;
}

/**
 * A simulated order as `ex.orders` keeps it: the validated request, its status, executed quantity and quote, what it locks (spot), its fills. Amounts are bigint counts of 1e-8.
 */
export interface SimOrder {
  readonly apiKey: string;
  readonly orderId: number;
  readonly req: OrderRequest;
  readonly base: string;
  readonly quote: string;
  readonly createdAt: number;
  status: OrderStatus;
  executed: bigint;
  cumQuote: bigint;
  /** Spot: what is still locked for this order (quote for BUY, base for SELL). */
  locked: bigint;
  updatedAt: number;
  workingTime: number;
  /** The cancel request's client order id, once canceled. */
  cancelClientId?: string | undefined;
  readonly fills: Fill[];
}

/** Where the simulator's events go: the API key's user-data subscriptions. */
export type EventSink = (apiKey: string, event: object) => void;

export type OrderResult = SimOrder | ApiError;
