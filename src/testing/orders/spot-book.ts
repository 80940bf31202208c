/**
 * Spot balance rules of the simulator: a BUY locks quote (limit price × quantity; a MARKET BUY
 * the best ask × quantity), a SELL locks base; each fill moves the traded amounts and charges a
 * 0.1 % commission in the asset received; what is still locked when the order ends is freed.
 */
import { ApiError } from '../ws-api/accounts';
import { min, mul } from './decimal';
import type { Ledger } from './ledger';
import type { Fill, SimOrder } from './order-types';

/** 0.1 % (1e-3 at 1e-8 scale). */
export const SPOT_COMMISSION = 100_000n;

export const INSUFFICIENT = (): ApiError => new ApiError(400, -2010, 'Account has insufficient balance for requested action.');

/** Lock what the order may spend; throws -2010 when the free balance is short. Returns the assets touched. */
export function lockSpot(ledger: Ledger, o: SimOrder, refPrice: bigint): string[] {
  const r = o.req;
  if (r.side === 'BUY') {
    const need = mul(r.type === 'LIMIT' ? r.price : refPrice, r.quantity);
    const q = ledger.asset(o.apiKey, o.quote);
    if (q.free < need) throw INSUFFICIENT();
    q.free -= need;
    q.locked += need;
    o.locked = need;
    return [o.quote];
  }
  const b = ledger.asset(o.apiKey, o.base);
  if (b.free < r.quantity) throw INSUFFICIENT();
  b.free -= r.quantity;
  b.locked += r.quantity;
  o.locked = r.quantity;
  return [o.base];
}

/** Apply a fill of `qty` at `price`; returns the fill record. */
export function fillSpot(ledger: Ledger, o: SimOrder, price: bigint, qty: bigint, maker: boolean, tradeId: number): Fill {
  const quoteAmt = mul(price, qty);
  const q = ledger.asset(o.apiKey, o.quote);
  const b = ledger.asset(o.apiKey, o.base);
  let commission: bigint;
  let commissionAsset: string;
  if (o.req.side === 'BUY') {
    const unlock = min(o.req.type === 'LIMIT' ? mul(o.req.price, qty) : quoteAmt, o.locked);
    o.locked -= unlock;
    q.locked -= unlock;
    q.free += unlock - quoteAmt;
    commission = mul(qty, SPOT_COMMISSION);
    commissionAsset = o.base;
    b.free += qty - commission;
  } else {
    const unlock = min(qty, o.locked);
    o.locked -= unlock;
    b.locked -= unlock;
    commission = mul(quoteAmt, SPOT_COMMISSION);
    commissionAsset = o.quote;
    q.free += quoteAmt - commission;
  }
  o.executed += qty;
  o.cumQuote += quoteAmt;
  return { price, qty, commission, commissionAsset, tradeId, maker, realizedPnl: 0n };
}

/** The order ended: free what it still holds. */
export function releaseSpot(ledger: Ledger, o: SimOrder): void {
  if (o.locked === 0n) return;
  const a = ledger.asset(o.apiKey, o.req.side === 'BUY' ? o.quote : o.base);
  a.locked -= o.locked;
  a.free += o.locked;
  o.locked = 0n;
}
