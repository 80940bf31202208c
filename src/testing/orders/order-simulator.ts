import type { Clock, TimerHandle } from '../clock';
import { RateLimit } from '../rate-limit';
import { ApiError } from '../ws-api/accounts';
import { parseAmount } from './decimal';
import { fillFutures, lockFutures, releaseFutures } from './futures-book';
import { accountUpdate, orderTradeUpdate, tradeLite } from './futures-events';
import type { Ledger } from './ledger';
import type { Flavour } from './order-params';
import { clientId, orderRef, parseOrder } from './order-params';
import type { EventSink, ExecutionType, Fill, SimOrder } from './order-types';
import { fillSpot, lockSpot, releaseSpot } from './spot-book';
import { balanceUpdate, executionReport, outboundAccountPosition } from './spot-events';

export interface OrderHost {
  readonly clock: Clock;
  readonly flavour: Flavour;
  /** Lowercase symbols the emulator trades. */
  readonly symbols: ReadonlySet<string>;
  readonly ledger: Ledger;
  /** Base and quote asset of a symbol. */
  assets(symbol: string): { base: string; quote: string };
  /** Best bid / ask of a symbol's book (lowercase), 1e-8 units. */
  best(symbol: string, side: 'bid' | 'ask'): bigint | undefined;
  readonly sink: EventSink;
}

/** Binance's order-count limits (spot per account: 100 / 10 s, 200 000 / day; USD-M 300 / 10 s, 1200 / min). */
const ORDER_LIMITS = {
  spot: [
    { interval: 'SECOND', intervalNum: 10, limit: 100, ms: 10_000 },
    { interval: 'DAY', intervalNum: 1, limit: 200_000, ms: 86_400_000 },
  ],
  futures: [
    { interval: 'SECOND', intervalNum: 10, limit: 300, ms: 10_000 },
    { interval: 'MINUTE', intervalNum: 1, limit: 1200, ms: 60_000 },
  ],
} as const;

const POLL_MS = 250;

/**
 * `ex.orders`: a small, deterministic order simulation per API key, so a bot's order tracking can
 * be tested end to end. Orders come from REST (`POST /api/v3/order`, `/fapi/v1/order`), the WS
 * API (`order.place`) or a test (`ex.orders.place(apiKey, params)`), and produce Binance's user
 * data: spot `executionReport` + `outboundAccountPosition` (+ `balanceUpdate` on deposits), USD-M
 * `ORDER_TRADE_UPDATE` + `TRADE_LITE` + `ACCOUNT_UPDATE`, on the account's subscriptions.
 *
 * Fill model (no matching engine): a marketable order (MARKET, or LIMIT at or through the best
 * opposite price of the emulator's book) fills at once at that best price, in two fills (half, then
 * the rest): NEW → PARTIALLY_FILLED → FILLED. IOC/FOK that cannot fill expire, a GTX that would
 * take expires. A resting LIMIT order fills as maker at its own price when the book crosses it
 * (checked every 250 ms while orders rest), half then the rest; or when a test calls
 * `ex.orders.fill(orderId, { quantity?, price? })`. `cancel` ends it (CANCELED). Balances and
 * positions are kept per API key (spot-book.ts, futures-book.ts).
 */
export class OrderSimulator {
  private readonly orders = new Map<number, SimOrder>();
  private readonly counters = new Map<string, RateLimit[]>();
  private nextOrderId = 1;
  private nextTradeId = 1;
  private seq = 1;
  private poll: TimerHandle | undefined;
  private disposed = false;

  /** @internal */
  constructor(private readonly host: OrderHost) {}

  // ---- orders ---------------------------------------------------------------

  /**
   * Place an order for an API key with Binance's parameters (`symbol`, `side`, `type`, `quantity`,
   * `price`, `timeInForce`, `newClientOrderId`, `reduceOnly`, `newOrderRespType`). Throws Binance's
   * error (an ApiError with `status` and `code`); returns the order as it stands after its fills.
   */
  place(apiKey: string, params: Record<string, unknown>): SimOrder {
    return this.submit(apiKey, params).order;
  }

  /** @internal Place, returning also the NEW snapshot (the ACK answer). */
  submit(apiKey: string, params: Record<string, unknown>): { order: SimOrder; atNew: SimOrder } {
    const h = this.host;
    const req = parseOrder(params, h.flavour, h.symbols);
    const lower = req.symbol.toLowerCase();
    const counters = this.orderCounters(apiKey);
    const { base, quote } = h.assets(lower);
    const now = h.clock.now();
    const o: SimOrder = { apiKey, orderId: this.nextOrderId, req, base, quote, createdAt: now, status: 'NEW', executed: 0n, cumQuote: 0n, locked: 0n, updatedAt: now, workingTime: 0, fills: [] };
    const take = req.side === 'BUY' ? h.best(lower, 'ask') : h.best(lower, 'bid');
    if (take === undefined) throw new ApiError(400, -1013, 'Market is closed.');
    const marketable = req.type === 'MARKET' || (req.side === 'BUY' ? req.price >= take : req.price <= take);
    ORDER_LIMITS[h.flavour].forEach((l, i) => {
      if ((counters[i]?.count() ?? 0) + 1 > l.limit) throw new ApiError(429, -1015, `Too many new orders; current limit is ${l.limit} orders per ${l.intervalNum} ${l.interval}.`);
    });
    if (h.flavour === 'spot') lockSpot(h.ledger, o, take);
    else lockFutures(h.ledger, o, take);
    for (const c of counters) c.hit();
    this.nextOrderId++;
    this.orders.set(o.orderId, o);
    const expires = (req.timeInForce === 'GTX' && marketable) || ((req.timeInForce === 'IOC' || req.timeInForce === 'FOK') && !marketable);
    if (!marketable && !expires) o.workingTime = now;
    this.emit(o, 'NEW');
    const atNew = { ...o, fills: [] };
    if (expires) this.end(o, 'EXPIRED');
    else if (marketable) this.fillInTwo(o, take, false);
    else this.armPoll();
    return { order: o, atNew };
  }

  /** Cancel an open order by `orderId` or `origClientOrderId` (with `symbol`); -2011 when unknown or closed. */
  cancel(apiKey: string, params: Record<string, unknown>): SimOrder {
    const o = this.find(apiKey, params, -2011, 'Unknown order sent.');
    if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') throw new ApiError(400, -2011, 'Unknown order sent.');
    const cid = typeof params.newClientOrderId === 'string' ? params.newClientOrderId : clientId();
    this.end(o, 'CANCELED', cid);
    return o;
  }

  /** An order of the account by `orderId` / `origClientOrderId`; -2013 when there is none. */
  query(apiKey: string, params: Record<string, unknown>): SimOrder {
    return this.find(apiKey, params, -2013, 'Order does not exist.');
  }

  /** Test call: fill an open order (`quantity` default: what is left; `price` default: its limit, or the best price). */
  fill(orderId: number, opts: { quantity?: string; price?: string } = {}): SimOrder {
    const o = this.orders.get(orderId);
    if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) throw new RangeError(`orders.fill: no open order ${orderId}`);
    const left = o.req.quantity - o.executed;
    const qty = opts.quantity === undefined ? left : parseAmount(opts.quantity);
    if (qty === undefined || qty <= 0n || qty > left) throw new RangeError(`orders.fill: quantity must be > 0 and at most ${left} atoms left, got ${String(opts.quantity)}`);
    const price = opts.price === undefined ? o.req.price || this.host.best(o.req.symbol.toLowerCase(), o.req.side === 'BUY' ? 'ask' : 'bid') : parseAmount(opts.price);
    if (!price) throw new RangeError(`orders.fill: invalid price ${String(opts.price)}`);
    this.trade(o, price, qty, true);
    return o;
  }

  /** The order with this id (any account), if any. */
  order(orderId: number): SimOrder | undefined {
    return this.orders.get(orderId);
  }

  /** Open orders of an API key, oldest first. */
  openOrders(apiKey: string): SimOrder[] {
    return [...this.orders.values()].filter((o) => o.apiKey === apiKey && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'));
  }

  /** The ORDERS entries of `rateLimits` for this account. */
  orderRateLimits(apiKey: string): object[] {
    const limits = ORDER_LIMITS[this.host.flavour];
    return this.orderCounters(apiKey).map((c, i) => ({ rateLimitType: 'ORDERS', interval: limits[i]?.interval, intervalNum: limits[i]?.intervalNum, limit: c.max, count: c.count() }));
  }

  // ---- balances -------------------------------------------------------------

  /** Spot: credit (or debit, negative) an asset as a deposit/withdrawal: `balanceUpdate` then `outboundAccountPosition`. USD-M: the wallet, `ACCOUNT_UPDATE` (m: DEPOSIT). */
  deposit(apiKey: string, asset: string, amount: string): void {
    const neg = amount.startsWith('-');
    const v = parseAmount(neg ? amount.slice(1) : amount);
    if (v === undefined) throw new RangeError(`orders.deposit: amount must be a decimal string, got ${JSON.stringify(amount)}`);
    const d = neg ? -v : v;
    const now = this.host.clock.now();
    const l = this.host.ledger;
    if (this.host.flavour === 'spot') {
      l.asset(apiKey, asset).free += d;
      this.host.sink(apiKey, balanceUpdate(asset, d, now));
      this.host.sink(apiKey, outboundAccountPosition(this.rows(apiKey, [asset]), now));
      return;
    }
    const w = l.wallet(apiKey);
    w.balance += d;
    this.host.sink(apiKey, accountUpdate('DEPOSIT', 'USDT', w.balance, d, [], now));
  }

  /** Stop the resting-order poll for good, leaving no timer (the emulator calls it on `close()`): resting orders no longer fill by themselves. */
  dispose(): void {
    this.disposed = true;
    this.host.clock.clear(this.poll);
    this.poll = undefined;
  }

  // ---- internals ------------------------------------------------------------

  private orderCounters(apiKey: string): RateLimit[] {
    let c = this.counters.get(apiKey);
    if (!c) {
      c = ORDER_LIMITS[this.host.flavour].map((l) => new RateLimit(this.host.clock, l.limit, l.ms));
      this.counters.set(apiKey, c);
    }
    return c;
  }

  private find(apiKey: string, params: Record<string, unknown>, code: number, msg: string): SimOrder {
    const ref = orderRef(params);
    for (const o of this.orders.values()) {
      if (o.apiKey !== apiKey || o.req.symbol !== ref.symbol) continue;
      if (ref.orderId !== undefined ? o.orderId === ref.orderId : o.req.clientOrderId === ref.clientOrderId) return o;
    }
    throw new ApiError(400, code, msg);
  }

  private fillInTwo(o: SimOrder, price: bigint, maker: boolean): void {
    const q = o.req.quantity;
    const first = q >= 2n ? q / 2n : q;
    this.trade(o, price, first, maker);
    if (o.executed < q) this.trade(o, price, q - o.executed, maker);
  }

  private trade(o: SimOrder, price: bigint, qty: bigint, maker: boolean): void {
    const h = this.host;
    const fill: Fill = h.flavour === 'spot' ? fillSpot(h.ledger, o, price, qty, maker, this.nextTradeId++) : fillFutures(h.ledger, o, price, qty, maker, this.nextTradeId++);
    o.fills.push(fill);
    o.status = o.executed >= o.req.quantity ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updatedAt = h.clock.now();
    if (o.status === 'FILLED') {
      if (h.flavour === 'spot') releaseSpot(h.ledger, o);
      else releaseFutures(h.ledger, o);
    }
    this.emit(o, 'TRADE', fill);
  }

  private end(o: SimOrder, status: 'CANCELED' | 'EXPIRED', cancelClientId?: string): void {
    const h = this.host;
    o.status = status;
    o.cancelClientId = cancelClientId;
    o.updatedAt = h.clock.now();
    if (h.flavour === 'spot') releaseSpot(h.ledger, o);
    else releaseFutures(h.ledger, o);
    this.emit(o, status, undefined, cancelClientId);
  }

  private rows(apiKey: string, assets: string[]): { asset: string; free: bigint; locked: bigint }[] {
    return assets.map((a) => ({ asset: a, ...this.host.ledger.asset(apiKey, a) }));
  }

  private emit(o: SimOrder, x: ExecutionType, fill?: Fill, cancelClientId?: string): void {
    const h = this.host;
    const now = h.clock.now();
    if (h.flavour === 'spot') {
      h.sink(o.apiKey, executionReport(o, { x, now, seq: this.seq++, fill, cancelClientId }));
      const touched = x === 'TRADE' ? [o.base, o.quote] : [o.req.side === 'BUY' ? o.quote : o.base];
      h.sink(o.apiKey, outboundAccountPosition(this.rows(o.apiKey, touched), now));
      return;
    }
    if (fill) h.sink(o.apiKey, tradeLite(o, fill, now));
    h.sink(o.apiKey, orderTradeUpdate(o, x, now, fill));
    if (fill) {
      const w = h.ledger.wallet(o.apiKey);
      const p = h.ledger.position(o.apiKey, o.req.symbol);
      h.sink(
        o.apiKey,
        accountUpdate('ORDER', o.quote, w.balance, fill.realizedPnl - fill.commission, [{ symbol: o.req.symbol, amount: p.amount, entryPrice: p.entryPrice, realized: p.realized }], now),
      );
    }
  }

  private armPoll(): void {
    if (this.poll || this.disposed) return;
    this.poll = this.host.clock.timeout(() => {
      this.poll = undefined;
      this.cross();
      if ([...this.orders.values()].some((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')) this.armPoll();
    }, POLL_MS);
  }

  /** Resting orders the book has crossed fill as makers at their price: half, then the rest. */
  private cross(): void {
    for (const o of this.orders.values()) {
      if ((o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') || o.req.type !== 'LIMIT') continue;
      const lower = o.req.symbol.toLowerCase();
      const opp = o.req.side === 'BUY' ? this.host.best(lower, 'ask') : this.host.best(lower, 'bid');
      if (opp === undefined || (o.req.side === 'BUY' ? opp > o.req.price : opp < o.req.price)) continue;
      const left = o.req.quantity - o.executed;
      this.trade(o, o.req.price, o.executed === 0n && left >= 2n ? left / 2n : left, true);
    }
  }
}
