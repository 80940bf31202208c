/**
 * Typed user-data payloads (Binance field names). Open to extra fields: Binance adds
 * them without notice. Numbers that Binance sends as strings stay strings.
 *
 * Also the ONE product list ({@link USER_DATA_PRODUCTS}) and the product → listenKey REST
 * path table ({@link LISTEN_KEY_PATHS}).
 */

// ---------- Products ----------

/** Every product with a user-data stream, in one list. */
export const USER_DATA_PRODUCTS = Object.freeze(['spot', 'margin', 'usdm', 'coinm', 'portfolio'] as const);

/**
 * - `spot`: WebSocket API (`userDataStream.subscribe.signature`, or `session.logon` + `userDataStream.subscribe`);
 * - `margin`: listenToken + WebSocket API `userDataStream.subscribe.listenToken`;
 * - `usdm` / `coinm` / `portfolio`: a futures listenKey and a stream connection.
 */
export type UserDataProduct = (typeof USER_DATA_PRODUCTS)[number];

/** The products whose user data still uses a listenKey (futures; spot and margin keys were retired on 2026-02-20). */
export type ListenKeyProduct = Extract<UserDataProduct, 'usdm' | 'coinm' | 'portfolio'>;

/** REST path of each futures product's listenKey endpoint (POST create, PUT keepalive, DELETE close). */
export const LISTEN_KEY_PATHS: Readonly<Record<ListenKeyProduct, string>> = Object.freeze({
  usdm: '/fapi/v1/listenKey',
  coinm: '/dapi/v1/listenKey',
  portfolio: '/papi/v1/listenKey',
});

export function isListenKeyProduct(product: UserDataProduct): product is ListenKeyProduct {
  return product in LISTEN_KEY_PATHS;
}

// ---------- Spot / margin (WebSocket API `userDataStream.subscribe*`) ----------

/**
 * Spot/margin `executionReport` (client event `executionReport`): an order changed. `s` symbol, `c` client order id, `S` side, `o` type, `q`/`p` quantity and price, `x` what happened, `X` the order's status, `i` order id, `l`/`L` last fill quantity and price, `z` cumulative filled quantity, `n`/`N` commission and its asset, `T` transaction time, `t` trade id.
 */
export interface ExecutionReportEvent {
  e: 'executionReport';
  E: number;
  s: string;
  c: string;
  S: 'BUY' | 'SELL';
  o: string;
  f: string;
  q: string;
  p: string;
  P: string;
  F: string;
  g: number;
  C: string;
  /** Current execution type (NEW, CANCELED, TRADE, EXPIRED, …). */
  x: string;
  /** Current order status. */
  X: string;
  r: string;
  i: number;
  l: string;
  z: string;
  L: string;
  n: string;
  N: string | null;
  T: number;
  t: number;
  w: boolean;
  m: boolean;
  O: number;
  Z: string;
  Y: string;
  Q: string;
  [extra: string]: unknown;
}

/**
 * Spot/margin `outboundAccountPosition` (client event `outboundAccountPosition`): the balances that changed, each with asset `a`, free `f` and locked `l`; `u` is the time of the last account update.
 */
export interface OutboundAccountPositionEvent {
  e: 'outboundAccountPosition';
  E: number;
  u: number;
  B: { a: string; f: string; l: string }[];
}

/**
 * Spot/margin `balanceUpdate` (client event `balanceUpdate`): a deposit, withdrawal or transfer changed asset `a` by delta `d`, cleared at `T`.
 */
export interface BalanceUpdateEvent {
  e: 'balanceUpdate';
  E: number;
  a: string;
  d: string;
  T: number;
}

/**
 * Spot/margin `listStatus` (client event `listStatus`): an order list (OCO, OTO…) changed. `g` order list id, `c` contingency type, `l` list status type, `L` list order status, `r` reject reason, `O` its orders.
 */
export interface ListStatusEvent {
  e: 'listStatus';
  E: number;
  s: string;
  g: number;
  c: string;
  l: string;
  L: string;
  r: string;
  C: string;
  T: number;
  O: { s: string; i: number; c: string }[];
}

/** The WS-API subscription ended (listenToken expiry, logout, session revoked). The client re-subscribes. */
export interface EventStreamTerminatedEvent {
  e: 'eventStreamTerminated';
  E: number;
}

// ---------- Futures (listenKey streams) ----------

/**
 * Futures `ORDER_TRADE_UPDATE` (client event `orderUpdate`): an order changed. In `o`: `s` symbol, `c` client order id, `S` side, `o` type, `x` execution type, `X` status, `i` order id, `ap` average price, `l`/`L` last fill quantity and price, `z` filled quantity, `rp` realized profit of the trade, `ps` position side.
 */
export interface FuturesOrderUpdateEvent {
  e: 'ORDER_TRADE_UPDATE';
  E: number;
  T: number;
  o: {
    s: string;
    c: string;
    S: 'BUY' | 'SELL';
    o: string;
    f: string;
    q: string;
    p: string;
    ap: string;
    sp: string;
    x: string;
    X: string;
    i: number;
    l: string;
    z: string;
    L: string;
    N?: string;
    n?: string;
    T: number;
    t: number;
    b: string;
    a: string;
    m: boolean;
    R: boolean;
    wt: string;
    ot: string;
    ps: string;
    cp: boolean;
    rp: string;
    [extra: string]: unknown;
  };
}

/**
 * Futures `TRADE_LITE` (client event `tradeLite`): a reduced, lower-latency fill notice: symbol `s`, the order's quantity `q` and price `p`, side `S`, maker `m`, last fill quantity `l` and price `L`, trade id `t`, order id `i`.
 */
export interface FuturesTradeLiteEvent {
  e: 'TRADE_LITE';
  E: number;
  T: number;
  s: string;
  q: string;
  p: string;
  m: boolean;
  c: string;
  S: 'BUY' | 'SELL';
  L: string;
  l: string;
  t: number;
  i: number;
}

/**
 * Futures `ACCOUNT_UPDATE` (client event `accountUpdate`): balances and positions changed. `a.m` the reason (ORDER, FUNDING_FEE, DEPOSIT…), `a.B` balances (`wb` wallet, `cw` cross wallet, `bc` change), `a.P` positions (`pa` amount, `ep` entry price, `up` unrealized PnL, `ps` side).
 */
export interface FuturesAccountUpdateEvent {
  e: 'ACCOUNT_UPDATE';
  E: number;
  T: number;
  a: {
    m: string;
    B: { a: string; wb: string; cw: string; bc: string }[];
    P: { s: string; pa: string; ep: string; cr: string; up: string; mt: string; iw: string; ps: string; [extra: string]: unknown }[];
  };
}

/**
 * Futures `ACCOUNT_CONFIG_UPDATE` (client event `accountConfigUpdate`): a symbol's leverage changed (`ac`), or the multi-assets mode did (`ai`).
 */
export interface FuturesAccountConfigUpdateEvent {
  e: 'ACCOUNT_CONFIG_UPDATE';
  E: number;
  T: number;
  ac?: { s: string; l: number };
  ai?: { j: boolean };
}

/**
 * Futures `MARGIN_CALL` (client event `marginCall`): positions `p` are close to liquidation; `cw` is the cross wallet balance.
 */
export interface FuturesMarginCallEvent {
  e: 'MARGIN_CALL';
  E: number;
  cw?: string;
  p: { s: string; ps: string; pa: string; mt: string; iw: string; mp: string; up: string; mm: string }[];
}

/**
 * Futures `listenKeyExpired` (client event `listenKeyExpired`): Binance expired the stream's listenKey. The client creates a new one and reconnects by itself (see the `listenKey` event).
 */
export interface ListenKeyExpiredEvent {
  e: 'listenKeyExpired';
  /** Event time; Binance documents it as a string and sends a number: accept both. */
  E: number | string;
  /** The key (masked by the client before it reaches your listener). */
  listenKey?: string;
}

/** User-data event names the client emits, with their payload types. */
export interface UserDataEvents {
  executionReport: ExecutionReportEvent;
  outboundAccountPosition: OutboundAccountPositionEvent;
  balanceUpdate: BalanceUpdateEvent;
  listStatus: ListStatusEvent;
  orderUpdate: FuturesOrderUpdateEvent;
  tradeLite: FuturesTradeLiteEvent;
  accountUpdate: FuturesAccountUpdateEvent;
  accountConfigUpdate: FuturesAccountConfigUpdateEvent;
  marginCall: FuturesMarginCallEvent;
  listenKeyExpired: ListenKeyExpiredEvent;
}

/**
 * Name of a user-data event the client emits (`executionReport`, `orderUpdate`, `accountUpdate`…), each with its payload and the {@link UserDataMessage} it came in.
 */
export type UserDataEventName = keyof UserDataEvents;

/** Binance `e` value → client event name. */
export const USER_DATA_EVENT_NAMES: Readonly<Record<string, UserDataEventName>> = Object.freeze({
  executionReport: 'executionReport',
  outboundAccountPosition: 'outboundAccountPosition',
  balanceUpdate: 'balanceUpdate',
  listStatus: 'listStatus',
  ORDER_TRADE_UPDATE: 'orderUpdate',
  TRADE_LITE: 'tradeLite',
  ACCOUNT_UPDATE: 'accountUpdate',
  ACCOUNT_CONFIG_UPDATE: 'accountConfigUpdate',
  MARGIN_CALL: 'marginCall',
  listenKeyExpired: 'listenKeyExpired',
});

/** Any user-data payload, as delivered by the generic `userData` event. */
export interface UserDataMessage {
  /** Which product the event came from. */
  source: UserDataProduct;
  data: { e: string; E: number | string; [k: string]: unknown };
  receivedAt: number;
}
