/**
 * USD-M user-data payloads (Binance "Event: Order Update" ORDER_TRADE_UPDATE, "Event: Trade Lite"
 * TRADE_LITE, "Event: Balance and Position Update" ACCOUNT_UPDATE) and order answers. Futures
 * amounts drop trailing zeros (`"0.001"`).
 */
import { div, fmtTrim } from './decimal';
import type { ExecutionType, Fill, SimOrder } from './order-types';

export interface PositionRow {
  symbol: string;
  amount: bigint;
  entryPrice: bigint;
  realized: bigint;
}

const avg = (o: SimOrder): string => fmtTrim(o.executed > 0n ? div(o.cumQuote, o.executed) : 0n);

export function orderTradeUpdate(o: SimOrder, x: ExecutionType, now: number, fill?: Fill): object {
  const r = o.req;
  const open = r.quantity - o.executed;
  const working = o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
  const notional = working && r.type === 'LIMIT' ? (open * r.price) / 100_000_000n : 0n;
  const inner: Record<string, unknown> = {
    s: r.symbol,
    c: r.clientOrderId,
    S: r.side,
    o: r.type,
    f: r.timeInForce,
    q: fmtTrim(r.quantity),
    p: fmtTrim(r.price),
    ap: avg(o),
    sp: '0',
    x,
    X: o.status,
    i: o.orderId,
    l: fmtTrim(fill?.qty ?? 0n),
    z: fmtTrim(o.executed),
    L: fmtTrim(fill?.price ?? 0n),
  };
  // "will not push if no commission"
  if (fill) {
    inner.N = fill.commissionAsset;
    inner.n = fmtTrim(fill.commission);
  }
  Object.assign(inner, {
    T: now,
    t: fill?.tradeId ?? 0,
    b: fmtTrim(r.side === 'BUY' ? notional : 0n),
    a: fmtTrim(r.side === 'SELL' ? notional : 0n),
    m: fill?.maker ?? false,
    R: r.reduceOnly,
    wt: 'CONTRACT_PRICE',
    ot: r.type,
    ps: 'BOTH',
    cp: false,
    rp: fmtTrim(fill?.realizedPnl ?? 0n),
    pP: false,
    si: 0,
    ss: 0,
    V: 'EXPIRE_MAKER',
    pm: 'NONE',
    gtd: 0,
    er: '0',
  });
  return { e: 'ORDER_TRADE_UPDATE', E: now, T: now, o: inner };
}

export function tradeLite(o: SimOrder, fill: Fill, now: number): object {
  const r = o.req;
  return {
    e: 'TRADE_LITE',
    E: now,
    T: now,
    s: r.symbol,
    q: fmtTrim(r.quantity),
    p: fmtTrim(r.price),
    m: fill.maker,
    c: r.clientOrderId,
    S: r.side,
    L: fmtTrim(fill.price),
    l: fmtTrim(fill.qty),
    t: fill.tradeId,
    i: o.orderId,
  };
}

export function accountUpdate(reason: string, asset: string, wallet: bigint, change: bigint, positions: PositionRow[], now: number): object {
  return {
    e: 'ACCOUNT_UPDATE',
    E: now,
    T: now,
    a: {
      m: reason,
      B: [{ a: asset, wb: fmtTrim(wallet), cw: fmtTrim(wallet), bc: fmtTrim(change) }],
      P: positions.map((p) => ({ s: p.symbol, pa: fmtTrim(p.amount), ep: fmtTrim(p.entryPrice), bep: fmtTrim(p.entryPrice), cr: fmtTrim(p.realized), up: '0', mt: 'cross', iw: '0', ps: 'BOTH' })),
    },
  };
}

/** `POST/DELETE/GET /fapi/v1/order`, ws-fapi `order.place`. */
export function futuresOrderResponse(o: SimOrder): object {
  const r = o.req;
  return {
    orderId: o.orderId,
    symbol: r.symbol,
    status: o.status,
    clientOrderId: r.clientOrderId,
    price: fmtTrim(r.price),
    avgPrice: avg(o),
    origQty: fmtTrim(r.quantity),
    executedQty: fmtTrim(o.executed),
    cumQty: fmtTrim(o.executed),
    cumQuote: fmtTrim(o.cumQuote),
    timeInForce: r.timeInForce,
    type: r.type,
    reduceOnly: r.reduceOnly,
    closePosition: false,
    side: r.side,
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: r.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    updateTime: o.updatedAt,
  };
}
