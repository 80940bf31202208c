/** Answers of the order endpoints shared by REST and the WS API (spot and USD-M shapes). */
import { fmt8, fmtTrim } from './decimal';
import { futuresOrderResponse } from './futures-events';
import type { Ledger } from './ledger';
import type { OrderSimulator } from './order-simulator';
import type { SimOrder } from './order-types';
import { spotOrderResponse, spotOrderStatus } from './spot-events';
import { spotAccountBody } from '../rest/account-rest';

export type Product = 'spot' | 'futures';

export function placed(product: Product, r: { order: SimOrder; atNew: SimOrder }, now: number): object {
  const respType = r.order.req.respType;
  if (product === 'spot') return spotOrderResponse(respType === 'ACK' ? r.atNew : r.order, respType, now);
  return futuresOrderResponse(respType === 'RESULT' ? r.order : r.atNew);
}

export function canceled(product: Product, o: SimOrder, now: number): object {
  if (product === 'futures') return futuresOrderResponse(o);
  const s = spotOrderStatus(o) as Record<string, unknown>;
  return {
    symbol: o.req.symbol,
    origClientOrderId: o.req.clientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.cancelClientId ?? o.req.clientOrderId,
    transactTime: now,
    price: s.price,
    origQty: s.origQty,
    executedQty: s.executedQty,
    origQuoteOrderQty: s.origQuoteOrderQty,
    cummulativeQuoteQty: s.cummulativeQuoteQty,
    status: o.status,
    timeInForce: o.req.timeInForce,
    type: o.req.type,
    side: o.req.side,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

export function status(product: Product, o: SimOrder): object {
  return product === 'spot' ? spotOrderStatus(o) : { ...futuresOrderResponse(o), time: o.createdAt };
}

export function openOrders(product: Product, sim: OrderSimulator, apiKey: string, symbol: string | undefined): object[] {
  return sim
    .openOrders(apiKey)
    .filter((o) => !symbol || o.req.symbol === symbol.toUpperCase())
    .map((o) => status(product, o));
}

/** WS-API `account.status` (REST's `/api/v3/account` is rest/account-rest.ts, on the same ledger). */
export function spotAccount(ledger: Ledger, apiKey: string, now: number): object {
  return spotAccountBody(
    ledger.spotBalances(apiKey).map((b) => ({ asset: b.asset, free: fmt8(b.free), locked: fmt8(b.locked) })),
    now,
    0,
  );
}

/** `GET /fapi/v2/balance`, `/fapi/v3/balance`. */
export function futuresBalance(ledger: Ledger, apiKey: string, now: number): object[] {
  const w = ledger.wallet(apiKey);
  const avail = fmtTrim(w.balance - w.orderMargin);
  return [
    {
      accountAlias: 'FakeBinance',
      asset: 'USDT',
      balance: fmtTrim(w.balance),
      crossWalletBalance: fmtTrim(w.balance),
      crossUnPnl: '0',
      availableBalance: avail,
      maxWithdrawAmount: avail,
      marginAvailable: true,
      updateTime: now,
    },
  ];
}

/** `GET /fapi/v2/positionRisk`, `/fapi/v3/positionRisk` (positions that are not flat). */
export function futuresPositions(ledger: Ledger, apiKey: string, now: number): object[] {
  return [...ledger.wallet(apiKey).positions]
    .filter(([, p]) => p.amount !== 0n)
    .map(([symbol, p]) => ({
      symbol,
      positionSide: 'BOTH',
      positionAmt: fmtTrim(p.amount),
      entryPrice: fmtTrim(p.entryPrice),
      breakEvenPrice: fmtTrim(p.entryPrice),
      unRealizedProfit: '0',
      marginType: 'cross',
      leverage: '20',
      updateTime: now,
    }));
}
