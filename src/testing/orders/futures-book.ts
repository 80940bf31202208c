/**
 * USD-M balance rules of the simulator (one-way mode, cross margin, leverage 20): an order holds
 * initial margin (notional / 20) until it fills or ends; a fill moves the position (average entry
 * price when it grows, realized PnL when it shrinks or flips) and charges commission in USDT
 * (taker 0.05 %, maker 0.02 %) from the wallet.
 */
import { ApiError } from '../ws-api/accounts';
import { abs, div, min, mul } from './decimal';
import type { Ledger, Position } from './ledger';
import type { Fill, SimOrder } from './order-types';

const MARGIN_RATE = 5_000_000n; // 1/20
const TAKER = 50_000n; // 0.05 %
const MAKER = 20_000n; // 0.02 %

const positionMargin = (ledger: Ledger, apiKey: string): bigint => {
  let m = 0n;
  for (const p of ledger.wallet(apiKey).positions.values()) m += mul(mul(abs(p.amount), p.entryPrice), MARGIN_RATE);
  return m;
};

/** Hold the order's margin; throws -2019 / -2022 like Binance. */
export function lockFutures(ledger: Ledger, o: SimOrder, refPrice: bigint): void {
  const r = o.req;
  const pos = ledger.position(o.apiKey, r.symbol);
  if (r.reduceOnly) {
    const reduces = (r.side === 'BUY' && pos.amount < 0n) || (r.side === 'SELL' && pos.amount > 0n);
    if (!reduces || r.quantity > abs(pos.amount)) throw new ApiError(400, -2022, 'ReduceOnly Order is rejected.');
    return;
  }
  const w = ledger.wallet(o.apiKey);
  const need = mul(mul(r.type === 'LIMIT' ? r.price : refPrice, r.quantity), MARGIN_RATE);
  if (w.balance - w.orderMargin - positionMargin(ledger, o.apiKey) < need) throw new ApiError(400, -2019, 'Margin is insufficient.');
  w.orderMargin += need;
  o.locked = need;
}

function move(pos: Position, signed: bigint, price: bigint): bigint {
  let realized = 0n;
  const a = pos.amount;
  const next = a + signed;
  if (a !== 0n && a > 0n !== signed > 0n) {
    const closed = min(abs(a), abs(signed));
    realized = mul(price - pos.entryPrice, closed) * (a > 0n ? 1n : -1n);
    pos.cost = (pos.cost * (abs(a) - closed)) / abs(a);
  }
  if (next === 0n) pos.cost = 0n;
  else if (a === 0n || a > 0n !== next > 0n) pos.cost = mul(price, abs(next));
  else if (abs(next) > abs(a)) pos.cost += mul(price, abs(signed));
  pos.entryPrice = next === 0n ? 0n : div(pos.cost, abs(next));
  pos.amount = next;
  pos.realized += realized;
  return realized;
}

/** Apply a fill; returns it (commission and realized PnL included). */
export function fillFutures(ledger: Ledger, o: SimOrder, price: bigint, qty: bigint, maker: boolean, tradeId: number): Fill {
  const w = ledger.wallet(o.apiKey);
  const quoteAmt = mul(price, qty);
  const commission = mul(quoteAmt, maker ? MAKER : TAKER);
  const unlock = o.req.quantity > 0n ? min(o.locked, (o.locked * qty) / (o.req.quantity - o.executed || 1n)) : 0n;
  o.locked -= unlock;
  w.orderMargin -= unlock;
  const realizedPnl = move(ledger.position(o.apiKey, o.req.symbol), o.req.side === 'BUY' ? qty : -qty, price);
  w.balance += realizedPnl - commission;
  o.executed += qty;
  o.cumQuote += quoteAmt;
  return { price, qty, commission, commissionAsset: o.quote, tradeId, maker, realizedPnl };
}

export function releaseFutures(ledger: Ledger, o: SimOrder): void {
  ledger.wallet(o.apiKey).orderMargin -= o.locked;
  o.locked = 0n;
}
