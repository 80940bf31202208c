/**
 * `exchangeInfo` for spot (`/api/v3`), USD-M (`/fapi/v1`) and COIN-M (`/dapi/v1`), with the field
 * set Binance documents for each (spot: the official connectors' `ExchangeInfoResponseSymbolsInner`;
 * futures: `ExchangeInformationResponseSymbolsInner`, ccxt's recorded responses for `orderTypes`
 * and COIN-M's `contractStatus`/`contractSize`/`equalQtyPrecision`).
 *
 * Numbers agree with the data the emulator sends: `PRICE_FILTER.tickSize` and `pricePrecision`
 * are the symbol's tick (data/symbol-state.ts), `LOT_SIZE.stepSize` its quantity unit (spot
 * 0.00001, futures 0.001), so every price and quantity on a stream or REST answer passes the
 * filters. Listing dates, margin percentages and order limits are plausible constants, not
 * Binance's per-symbol values.
 */
import type { SymbolState } from '../data/symbol-state';
import type { MarketId } from '../profile';
import { PROFILES } from '../profile';
import type { RestError } from './respond';
import { INVALID_SYMBOL, bad } from './respond';

/** Far-future delivery date Binance gives perpetuals (2100-12-25). */
const PERPETUAL_DELIVERY = 4133404800000;
const ONBOARD = 1569398400000;
const SPOT_QUOTES = ['usdt', 'fdusd', 'usdc', 'busd', 'tusd', 'btc', 'eth', 'bnb', 'try', 'eur'];
const SPOT_ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const FUTURES_ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'];
const STP_MODES = ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'];

export interface ExchangeInfoOptions {
  /** REQUEST_WEIGHT per window (`maxRestWeightPerMinute`). */
  readonly weightLimit: number;
  readonly weightWindowMs: number;
}

/** Quantity unit of a symbol's trades and book levels (data/symbol-state.ts `randomQty`). */
export function qtyStep(sym: SymbolState): number {
  return sym.futures ? 0.001 : 0.00001;
}

/** `x` with `d` decimals (Binance's fixed-width numeric strings). */
const fx = (x: number, d: number): string => x.toFixed(d);

/** Base and quote of a symbol (`btcusdt` → BTC/USDT; COIN-M `btcusd_perp` → BTC/USD). */
export function assetsOf(market: MarketId, symbol: string): { base: string; quote: string } {
  const s = symbol.toLowerCase();
  if (market === 'coinm') {
    const pair = s.split('_')[0] ?? s;
    return { base: pair.replace(/usd$/, '').toUpperCase(), quote: 'USD' };
  }
  const quote = SPOT_QUOTES.find((q) => s.endsWith(q) && s.length > q.length) ?? 'usdt';
  return { base: s.slice(0, s.length - quote.length).toUpperCase(), quote: quote.toUpperCase() };
}

function rateLimits(market: MarketId, o: ExchangeInfoOptions): object[] {
  const perMinute = o.weightWindowMs % 60_000 === 0;
  const weight = {
    rateLimitType: 'REQUEST_WEIGHT',
    interval: perMinute ? 'MINUTE' : 'SECOND',
    intervalNum: perMinute ? o.weightWindowMs / 60_000 : Math.max(1, Math.round(o.weightWindowMs / 1000)),
    limit: o.weightLimit,
  };
  if (market === 'spot') {
    return [
      weight,
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 300000 },
    ];
  }
  return [
    weight,
    { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
    ...(market === 'usdm' ? [{ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 }] : []),
  ];
}

function spotSymbol(sym: SymbolState): Record<string, unknown> {
  const { base, quote } = assetsOf('spot', sym.symbol);
  const step = qtyStep(sym);
  const d = sym.priceDecimals;
  const tick = fx(sym.tickSize, d);
  return {
    symbol: sym.upper,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: SPOT_ORDER_TYPES,
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    opoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    pegInstructionsAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: fx(1_000_000, d), tickSize: tick },
      { filterType: 'LOT_SIZE', minQty: fx(step, 8), maxQty: fx(9000, 8), stepSize: fx(step, 8) },
      { filterType: 'ICEBERG_PARTS', limit: 100 },
      { filterType: 'MARKET_LOT_SIZE', minQty: fx(0, 8), maxQty: fx(100, 8), stepSize: fx(0, 8) },
      { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
      { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
      { filterType: 'NOTIONAL', minNotional: fx(5, 8), applyMinToMarket: true, maxNotional: fx(9000000, 8), applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: STP_MODES,
  };
}

/** COIN-M contract: `btcusd_perp` perpetual, `btcusd_261225` a quarterly delivering that day 08:00 UTC. */
function coinmContract(symbol: string): { contractType: string; deliveryDate: number } {
  const m = /_(\d{2})(\d{2})(\d{2})$/.exec(symbol);
  if (!m) return { contractType: 'PERPETUAL', deliveryDate: PERPETUAL_DELIVERY };
  return { contractType: 'CURRENT_QUARTER', deliveryDate: Date.UTC(2000 + Number(m[1]), Number(m[2]) - 1, Number(m[3]), 8) };
}

function futuresSymbol(market: MarketId, sym: SymbolState): Record<string, unknown> {
  const { base, quote } = assetsOf(market, sym.symbol);
  const step = qtyStep(sym);
  const d = sym.priceDecimals;
  const tick = fx(sym.tickSize, d);
  const lot = { stepSize: fx(step, 3), maxQty: '1000000', minQty: fx(step, 3) };
  const filters: object[] = [
    { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: fx(4_000_000, d), tickSize: tick },
    { filterType: 'LOT_SIZE', ...lot },
    { filterType: 'MARKET_LOT_SIZE', ...lot, maxQty: '1000' },
    { filterType: 'MAX_NUM_ORDERS', limit: 200 },
    { filterType: 'MAX_NUM_ALGO_ORDERS', limit: market === 'usdm' ? 10 : 100 },
    ...(market === 'usdm' ? [{ filterType: 'MIN_NOTIONAL', notional: '5' }] : []),
    { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
  ];
  const common = {
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: base,
    quoteAsset: quote,
    pricePrecision: d,
    quantityPrecision: 3,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    filters,
    orderTypes: FUTURES_ORDER_TYPES,
    timeInForce: market === 'usdm' ? ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'] : ['GTC', 'IOC', 'FOK', 'GTX'],
    liquidationFee: market === 'usdm' ? '0.012500' : '0.010000',
    marketTakeBound: '0.05',
  };
  if (market === 'usdm') {
    return { symbol: sym.upper, pair: sym.upper, contractType: 'PERPETUAL', deliveryDate: PERPETUAL_DELIVERY, onboardDate: ONBOARD, status: 'TRADING', marginAsset: quote, ...common, settlePlan: 0 };
  }
  const { contractType, deliveryDate } = coinmContract(sym.symbol);
  return {
    symbol: sym.upper,
    pair: sym.pair,
    contractType,
    deliveryDate,
    onboardDate: ONBOARD,
    contractStatus: 'TRADING',
    contractSize: base === 'BTC' ? 100 : 10,
    marginAsset: base,
    ...common,
    equalQtyPrecision: 4,
  };
}

/** Spot `sors` (present only when some base asset trades against several quotes, as Binance shows it): each such base and its symbols. */
function smartOrderRouting(states: readonly SymbolState[]): object[] {
  const byBase = new Map<string, string[]>();
  for (const s of states) {
    const { base } = assetsOf('spot', s.symbol);
    byBase.set(base, [...(byBase.get(base) ?? []), s.upper]);
  }
  return [...byBase].filter(([, list]) => list.length > 1).map(([baseAsset, symbols]) => ({ baseAsset, symbols }));
}

/** The symbols a spot `exchangeInfo` request names (`symbol`, `symbols` JSON array), or every one. */
function selected(all: readonly string[], q: URLSearchParams, market: MarketId): string[] | RestError {
  if (market !== 'spot') return [...all];
  const one = q.get('symbol');
  const many = q.get('symbols');
  if (one && many) return bad(-1106, "Parameter 'symbols' sent when not required.");
  let list: string[];
  if (one) list = [one];
  else if (many) {
    try {
      const arr = JSON.parse(many) as unknown;
      if (!Array.isArray(arr) || arr.length === 0 || arr.some((x) => typeof x !== 'string')) throw new TypeError();
      list = arr as string[];
    } catch {
      return bad(-1100, "Illegal characters found in parameter 'symbols'.");
    }
  } else return [...all];
  list = list.map((s) => s.toLowerCase());
  return list.every((s) => all.includes(s)) ? list : INVALID_SYMBOL;
}

/** The `exchangeInfo` answer of a market, or the error Binance gives its parameters. */
export function exchangeInfo(market: MarketId, symbols: readonly string[], state: (s: string) => SymbolState | undefined, q: URLSearchParams, now: number, o: ExchangeInfoOptions): object | RestError {
  const list = selected(symbols, q, market);
  if (!Array.isArray(list)) return list;
  const states = list.map(state).filter((s): s is SymbolState => s !== undefined);
  const limits = rateLimits(market, o);
  if (market === 'spot') {
    const info = { timezone: 'UTC', serverTime: now, rateLimits: limits, exchangeFilters: [], symbols: states.map(spotSymbol) };
    const sors = smartOrderRouting(states);
    return sors.length ? { ...info, sors } : info;
  }
  const rows = states.map((s) => futuresSymbol(market, s));
  if (market === 'coinm') return { timezone: 'UTC', serverTime: now, rateLimits: limits, exchangeFilters: [], symbols: rows };
  const margins = [...new Set(rows.map((r) => String(r['marginAsset'])))];
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: limits,
    exchangeFilters: [],
    assets: margins.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '-10000' })),
    symbols: rows,
  };
}

/** Defaults when the emulator does not say (the profile's documented limit per minute). */
export function defaultExchangeInfoOptions(market: MarketId): ExchangeInfoOptions {
  return { weightLimit: PROFILES[market].restWeightPerMinute, weightWindowMs: 60_000 };
}
