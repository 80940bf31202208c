/**
 * Binance's request weights for the REST endpoints the library calls, per market, the
 * per-minute REQUEST_WEIGHT limits, and the used-weight response headers. A table, not
 * logic: override any entry (`MarketRest({ weights })`, or a per-call `weight`) when Binance
 * changes a figure before the library does.
 *
 * Sources (checked 2026-11):
 * - [SDK] Binance's official JS connector `binance/binance-connector-js`, generated from Binance's
 *   OpenAPI specs: `clients/spot/src/rest-api/modules/{market,general}-api.ts`,
 *   `clients/derivatives-trading-usds-futures/src/rest-api/modules/{market-data,user-data-streams}-api.ts`
 *   (the version with the 2026-06-30 CM-UM integration notes), and
 *   `clients/derivatives-trading-coin-futures/src/rest-api/modules/market-data-api.ts`.
 *   Each figure below is the "Weight" line of that endpoint there.
 * - [SPOT] `binance/binance-spot-api-docs` `rest-api.md`: "IP Limits" (the
 *   `X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter)` header on every response; 429 and 418
 *   carry `Retry-After` in seconds; bans scale from 2 minutes to 3 days), "Order book"
 *   (depth `limit` default 100, max 5000), and `web-socket-api.md` (REQUEST_WEIGHT 6000 per
 *   minute in its `rateLimits` examples).
 * - [FUT] developers.binance.com "Query Futures IP Rate Limits" (UM and CM: 2400 per minute
 *   per IP), and the CM-UM architecture integration notice (effective 2026-06-30: USD-M and
 *   COIN-M share ONE 2400/min IP weight budget; see weight-shared.ts for the shared key).
 *
 * Notable: USD-M `historicalTrades` costs 200 (COIN-M: 20); spot `trades`/`historicalTrades`
 * 25; futures klines and depth are priced by `limit`. USD-M says the `X-MBX-USED-WEIGHT-1M`
 * header of `ticker/bookTicker` and `v2/ticker/price` is "not accurate, please ignore":
 * {@link WEIGHT_HEADER_IGNORED} lists them, and their headers are not read.
 */

export type RestMarket = 'spot' | 'usdm' | 'coinm';

/** The query parameters of a call, as the weight rules read them. */
export type RestParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** A weight: a number, or a function of the call's parameters (depth and futures klines are priced by `limit`). */
export type WeightRule = number | ((params: RestParams) => number);

/** One market's table: REST path → weight (the same for every method of a path). */
export type WeightTable = Readonly<Record<string, WeightRule>>;

/** Binance's REQUEST_WEIGHT limit per minute per IP (spot 6,000; USD-M and COIN-M 2,400, shared since 2026-06-30). */
export const REQUEST_WEIGHT_LIMITS: Readonly<Record<RestMarket, number>> = Object.freeze({ spot: 6000, usdm: 2400, coinm: 2400 });

/** The window of REQUEST_WEIGHT (`intervalNum` 1, `interval` MINUTE). */
export const REQUEST_WEIGHT_WINDOW_MS = 60_000;

/** The used-weight header of the 1-minute REQUEST_WEIGHT limiter (the one the budget enforces). */
export const USED_WEIGHT_HEADER = 'X-MBX-USED-WEIGHT-1M';

/** `X-MBX-USED-WEIGHT-<intervalNum><S|M|H|D>`: the header of any REQUEST_WEIGHT limiter. */
export function usedWeightHeaderName(intervalNum: number, interval: 'S' | 'M' | 'H' | 'D'): string {
  return `X-MBX-USED-WEIGHT-${intervalNum}${interval}`;
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);
const given = (v: unknown): boolean => v !== undefined && v !== '';

/** Spot `/api/v3/depth`: 1–100 → 5, 101–500 → 25, 501–1000 → 50, 1001–5000 → 250 (default limit 100). [SDK] */
export function spotDepthWeight(params: RestParams): number {
  const limit = num(params.limit, 100);
  return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
}

/** Futures `/depth`: 5, 10, 20, 50 → 2; 100 → 5; 500 → 10; 1000 → 20 (default limit 500). [SDK] */
export function futuresDepthWeight(params: RestParams): number {
  const limit = num(params.limit, 500);
  return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

/** Futures `/klines`: limit [1,100) → 1, [100,500) → 2, [500,1000] → 5, > 1000 → 10 (default limit 500). [SDK] */
export function futuresKlinesWeight(params: RestParams): number {
  const limit = num(params.limit, 500);
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

function symbolCount(symbols: unknown): number {
  if (typeof symbols !== 'string') return 0;
  try {
    const parsed = JSON.parse(symbols) as unknown;
    return Array.isArray(parsed) ? parsed.length : 1;
  } catch {
    return symbols.split(',').length;
  }
}

/** Spot `/api/v3/ticker/24hr`: `symbol` → 2; `symbols` 1–20 → 2, 21–100 → 40, more → 80; neither (every symbol) → 80. [SDK] */
export function spotTicker24hWeight(params: RestParams): number {
  if (given(params.symbol)) return 2;
  const n = symbolCount(params.symbols);
  return n === 0 ? 80 : n <= 20 ? 2 : n <= 100 ? 40 : 80;
}

/** Spot `ticker/bookTicker` and `ticker/price`: `symbol` → 2; `symbols` or every symbol → 4. [SDK] */
const spotSymbolOr4 = (params: RestParams): number => (given(params.symbol) ? 2 : 4);
/** Futures `ticker/24hr`: one symbol → 1; omitted → 40. [SDK] */
const futures24h = (params: RestParams): number => (given(params.symbol) ? 1 : 40);
/** Futures `ticker/bookTicker`: one symbol → 2; omitted → 5. [SDK] */
const futuresBook = (params: RestParams): number => (given(params.symbol) ? 2 : 5);
/** Futures `ticker/price`: one symbol → 1; omitted → 2. [SDK] */
const futuresPrice = (params: RestParams): number => (given(params.symbol) ? 1 : 2);

/**
 * The weights, per market. Keys are REST paths; a call of a path missing here needs an
 * explicit `weight` (MarketRest refuses to guess).
 */
export const REST_WEIGHTS: Readonly<Record<RestMarket, WeightTable>> = Object.freeze({
  spot: Object.freeze({
    '/api/v3/aggTrades': 4,
    '/api/v3/klines': 2,
    '/api/v3/uiKlines': 2,
    '/api/v3/depth': spotDepthWeight,
    '/api/v3/trades': 25,
    '/api/v3/historicalTrades': 25,
    '/api/v3/ticker/24hr': spotTicker24hWeight,
    '/api/v3/ticker/bookTicker': spotSymbolOr4,
    '/api/v3/ticker/price': spotSymbolOr4,
    '/api/v3/avgPrice': 2,
    '/api/v3/exchangeInfo': 20,
    '/api/v3/ping': 1,
    '/api/v3/time': 1,
    // Retired 2026-02-20 (answers 410); kept so a stray call is still counted. [SPOT@2025-08]
    '/api/v3/userDataStream': 2,
  }),
  usdm: Object.freeze({
    '/fapi/v1/aggTrades': 20,
    '/fapi/v1/klines': futuresKlinesWeight,
    '/fapi/v1/depth': futuresDepthWeight,
    '/fapi/v1/trades': 5,
    '/fapi/v1/historicalTrades': 200,
    '/fapi/v1/ticker/24hr': futures24h,
    '/fapi/v1/ticker/bookTicker': futuresBook,
    '/fapi/v1/ticker/price': futuresPrice,
    '/fapi/v2/ticker/price': futuresPrice,
    '/fapi/v1/exchangeInfo': 1,
    '/fapi/v1/ping': 1,
    '/fapi/v1/time': 1,
    '/fapi/v1/listenKey': 1,
  }),
  coinm: Object.freeze({
    '/dapi/v1/aggTrades': 20,
    '/dapi/v1/klines': futuresKlinesWeight,
    '/dapi/v1/depth': futuresDepthWeight,
    '/dapi/v1/trades': 5,
    '/dapi/v1/historicalTrades': 20,
    '/dapi/v1/ticker/24hr': futures24h,
    '/dapi/v1/ticker/bookTicker': futuresBook,
    '/dapi/v1/ticker/price': futuresPrice,
    '/dapi/v1/exchangeInfo': 1,
    '/dapi/v1/ping': 1,
    '/dapi/v1/time': 1,
    '/dapi/v1/listenKey': 1,
  }),
});

/** Paths whose `X-MBX-USED-WEIGHT-1M` Binance itself says to ignore (USD-M docs: "not accurate from this endpoint"). */
export const WEIGHT_HEADER_IGNORED: ReadonlySet<string> = new Set(['/fapi/v1/ticker/bookTicker', '/fapi/v2/ticker/price']);

/** Every listenKey REST call (POST, PUT, DELETE) weighs 1 on USD-M, COIN-M and Portfolio Margin. [SDK] */
export const LISTEN_KEY_WEIGHT = 1;

/** The weight of one call: the override's rule, else the table's; undefined when neither knows the path. */
export function restWeight(market: RestMarket, path: string, params: RestParams = {}, overrides: WeightTable = {}): number | undefined {
  const rule = Object.prototype.hasOwnProperty.call(overrides, path) ? overrides[path] : REST_WEIGHTS[market][path];
  if (rule === undefined) return undefined;
  return typeof rule === 'function' ? rule(params) : rule;
}

/** Headers as `fetch` gives them (`get`) or as Node's `IncomingMessage.headers` (a lower-case record). */
export type HeadersLike =
  | {
      /** One header's value, case-insensitively, or `null` when absent. */
      get(name: string): string | null;
    }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** One header, case-insensitively; the first value of a repeated one. */
export function readHeader(headers: HeadersLike | undefined, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name);
  const rec = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  const key = lower in rec ? lower : Object.keys(rec).find((k) => k.toLowerCase() === lower);
  const v = key === undefined ? undefined : rec[key];
  return v === undefined ? null : typeof v === 'string' ? v : (v[0] ?? null);
}

/** The server's used weight in the current minute (`X-MBX-USED-WEIGHT-1M`), or undefined when absent or not a number. */
export function usedWeightOf(headers: HeadersLike | undefined): number | undefined {
  const v = readHeader(headers, USED_WEIGHT_HEADER);
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
