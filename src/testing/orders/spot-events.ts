/**
 * Spot user-data payloads (Binance "User Data Streams": executionReport, outboundAccountPosition,
 * balanceUpdate), built from the simulator's records. Amounts are 8-decimal strings like Binance's.
 */
import { fmt8, mul } from './decimal';
import type { ExecutionType, Fill, SimOrder } from './order-types';

export interface BalanceRow {
  asset: string;
  free: bigint;
  locked: bigint;
}

export interface ExecutionContext {
  x: ExecutionType;
  now: number;
  /** Binance's `I` (ignore): an internal execution id, increasing. */
  seq: number;
  fill?: Fill | undefined;
  /** The cancel request's client id (`c`); the order's own goes to `C`. */
  cancelClientId?: string | undefined;
}

export function executionReport(o: SimOrder, ctx: ExecutionContext): object {
  const { x, now, fill, cancelClientId } = ctx;
  const r = o.req;
  // `w`: on the book (a resting order that is still open; a taker never is).
  const working = o.workingTime > 0 && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED');
  const ev: Record<string, unknown> = {
    e: 'executionReport',
    E: now,
    s: r.symbol,
    c: cancelClientId ?? r.clientOrderId,
    S: r.side,
    o: r.type,
    f: r.timeInForce,
    q: fmt8(r.quantity),
    p: fmt8(r.price),
    P: fmt8(0n),
    F: fmt8(0n),
    g: -1,
    C: cancelClientId ? r.clientOrderId : '',
    x,
    X: o.status,
    r: 'NONE',
    i: o.orderId,
    l: fmt8(fill?.qty ?? 0n),
    z: fmt8(o.executed),
    L: fmt8(fill?.price ?? 0n),
    n: fill ? fmt8(fill.commission) : '0',
    N: fill ? fill.commissionAsset : null,
    T: now,
    t: fill ? fill.tradeId : -1,
    I: ctx.seq,
    w: working,
    m: fill?.maker ?? false,
    M: false,
    O: o.createdAt,
    Z: fmt8(o.cumQuote),
    Y: fmt8(fill ? mul(fill.price, fill.qty) : 0n),
    Q: fmt8(0n),
  };
  // "W" (working time) is only there once the order is (or was) on the book.
  if (o.workingTime > 0) ev.W = o.workingTime;
  ev.V = 'EXPIRE_MAKER';
  return ev;
}

export function outboundAccountPosition(rows: BalanceRow[], now: number): object {
  return { e: 'outboundAccountPosition', E: now, u: now, B: rows.map((b) => ({ a: b.asset, f: fmt8(b.free), l: fmt8(b.locked) })) };
}

export function balanceUpdate(asset: string, delta: bigint, now: number): object {
  return { e: 'balanceUpdate', E: now, a: asset, d: fmt8(delta), T: now };
}

/** The REST / WS-API order answer (`newOrderRespType` ACK, RESULT or FULL). */
export function spotOrderResponse(o: SimOrder, respType: string, now: number): object {
  const r = o.req;
  const ack = { symbol: r.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: r.clientOrderId, transactTime: now };
  if (respType === 'ACK') return ack;
  const result = {
    ...ack,
    price: fmt8(r.price),
    origQty: fmt8(r.quantity),
    executedQty: fmt8(o.executed),
    origQuoteOrderQty: fmt8(0n),
    cummulativeQuoteQty: fmt8(o.cumQuote),
    status: o.status,
    timeInForce: r.timeInForce,
    type: r.type,
    side: r.side,
    workingTime: o.workingTime || now,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  if (respType === 'RESULT') return result;
  return { ...result, fills: o.fills.map((f) => ({ price: fmt8(f.price), qty: fmt8(f.qty), commission: fmt8(f.commission), commissionAsset: f.commissionAsset, tradeId: f.tradeId })) };
}

/** `GET /api/v3/order`, WS-API `order.status`. */
export function spotOrderStatus(o: SimOrder): object {
  const r = o.req;
  return {
    symbol: r.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: r.clientOrderId,
    price: fmt8(r.price),
    origQty: fmt8(r.quantity),
    executedQty: fmt8(o.executed),
    cummulativeQuoteQty: fmt8(o.cumQuote),
    status: o.status,
    timeInForce: r.timeInForce,
    type: r.type,
    side: r.side,
    stopPrice: fmt8(0n),
    icebergQty: fmt8(0n),
    time: o.createdAt,
    updateTime: o.updatedAt,
    isWorking: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
    workingTime: o.workingTime || o.createdAt,
    origQuoteOrderQty: fmt8(0n),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}
