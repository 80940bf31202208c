/**
 * Binance market-data REST for one market (spot `/api/v3`, USD-M `/fapi/v1`, COIN-M
 * `/dapi/v1`), spent through the process-wide weight budget of its host.
 *
 * Every call: its weight from the table (weights.ts; override per client or per call) →
 * `budget.acquire(weight, { owner, signal })` (fair across owners) → one `fetch` →
 * `budget.observe(status, headers)` for EVERY answer (the server's used weight, 429/418
 * pauses) → retries under `retryPolicy` through retry/retry-operation.ts, where a 429's
 * `Retry-After` wins over the policy's curve.
 *
 * **418 (IP banned) is never retried.** The call that got it rejects at once with `ERR_HTTP`
 * (`httpStatus` 418, `permanent`, `retryAfterMs` = the ban); the budget then holds every
 * request to the host until the ban ends, so nothing is sent during a ban and a caller that
 * tries again simply waits it out (abortable with its signal). Retrying in a loop is what
 * escalates a ban from 2 minutes towards 3 days.
 *
 * Errors: `ERR_INVALID_OPTION` naming the bad parameter (`aggTrades.limit`), `ERR_HTTP`
 * (`httpStatus`, `binanceCode`, `retryAfterMs`; the message names the call, never the API key
 * or the URL), `ERR_PARSE`, `ERR_ABORTED`. Uses only global `fetch` (or the injected one).
 */
import { BinanceStreamError, invalidOption } from '../core/errors';
import type { Logger } from '../core/logger';
import { errorFields, normalizeLogger } from '../core/logger';
import { knownKeys, num, oneOf, optFunction, optImplementation, optObject, optString, requireNum, url } from '../core/validate';
import type { RetryPolicy } from '../retry/policy';
import { retryOperation } from '../retry/retry-operation';
import type { FetchHeadersLike, FetchLike } from './http';
import { binanceHttpError, defaultRestRetryPolicy, encodeQuery, fetchAttempt, parseJsonBody } from './http';
import { depthLimit, intervalParam, onlyKeys, optInt, queryObject, symbolParam, timeRange } from './market-params';
import type { AggTradeRow, AggTradesQuery, BookTickerRow, DepthQuery, DepthSnapshot, KlineRow, KlinesQuery, RestCallOptions, SymbolQuery, Ticker24hRow } from './market-types';
import type { SharedRestWeightBudget } from './weight-budget';
import { RestWeightBudget } from './weight-budget';
import type { RestMarket, RestParams, WeightTable } from './weights';
import { REQUEST_WEIGHT_LIMITS, restWeight, USED_WEIGHT_HEADER, WEIGHT_HEADER_IGNORED } from './weights';

/**
 * Options of a {@link MarketRest}: which market and host, and how its calls are fetched, weighed, budgeted and retried.
 */
export interface MarketRestOptions {
  /** `spot` (/api/v3), `usdm` (/fapi/v1) or `coinm` (/dapi/v1). */
  market: RestMarket;
  /** e.g. `https://api.binance.com`, `https://fapi.binance.com`, `https://dapi.binance.com`. */
  baseUrl: string;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** @default RestWeightBudget.shared(baseUrl, { limitPerMinute: REQUEST_WEIGHT_LIMITS[market] }) (one per host per process) */
  budget?: SharedRestWeightBudget | undefined;
  /** Retries of each call (network errors, timeouts, 5xx, 429). @default 3 retries after 1 s, 2 s, 4 s (Retry-After wins) */
  retryPolicy?: RetryPolicy | undefined;
  /** Timeout of each attempt. @default 10_000 */
  timeoutMs?: number | undefined;
  /** Weight overrides, merged over REST_WEIGHTS[market] (path → number or function of the params). @default {} */
  weights?: WeightTable | undefined;
  /** `X-MBX-APIKEY` for MARKET_DATA endpoints (historicalTrades). Never logged. @default none */
  apiKey?: string | undefined;
  /** @default silent */
  logger?: Partial<Logger> | undefined;
  /** Clock (HTTP-date Retry-After, retry elapsed time). @default Date.now */
  now?: (() => number) | undefined;
}

const KNOWN = ['market', 'baseUrl', 'fetch', 'budget', 'retryPolicy', 'timeoutMs', 'weights', 'apiKey', 'logger', 'now'];
const PREFIX: Readonly<Record<RestMarket, string>> = { spot: '/api/v3', usdm: '/fapi/v1', coinm: '/dapi/v1' };
const BUDGET_METHODS = ['acquire', 'observe', 'pausedForMs', 'state'];

/**
 * Binance's public market-data REST endpoints of one market (aggTrades, klines, depth,
 * bookTicker, 24 h ticker), each call weighed and spent through the process-wide weight budget
 * of its host, retried on transient failures (a 429's `Retry-After` wins; a 418 ban is never
 * retried). The client uses one for backfill, order-book snapshots and the REST fallback.
 *
 * @example
 * ```ts
 * import { MarketRest } from 'binance-stream-client/advanced';
 *
 * const rest = new MarketRest({ market: 'spot', baseUrl: 'https://api.binance.com' });
 * const book = await rest.depth({ symbol: 'BTCUSDT', limit: 100 });
 * const candles = await rest.klines({ symbol: 'BTCUSDT', interval: '1m', limit: 10 }, { signal: AbortSignal.timeout(5_000) });
 * ```
 */
export class MarketRest {
  readonly market: RestMarket;
  /** Without a trailing slash. */
  readonly baseUrl: string;
  readonly budget: SharedRestWeightBudget;
  private readonly prefix: string;
  private readonly fetch: FetchLike | undefined;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly weights: WeightTable;
  private readonly apiKey: string | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(options: MarketRestOptions) {
    const o = optObject('MarketRest options', options);
    if (o === undefined) throw invalidOption('MarketRest options', 'an object', options);
    knownKeys('', o, KNOWN);
    if (o.market === undefined) throw invalidOption('market', 'one of "spot", "usdm", "coinm"', o.market);
    this.market = oneOf<RestMarket>('market', o.market, ['spot', 'usdm', 'coinm'], 'spot');
    if (o.baseUrl === undefined) throw invalidOption('baseUrl', 'an http:// or https:// URL', o.baseUrl);
    this.baseUrl = url('baseUrl', o.baseUrl, ['http:', 'https:'], '').replace(/\/+$/, '');
    this.prefix = PREFIX[this.market];
    this.fetch = optFunction<FetchLike>('fetch', o.fetch);
    this.policy = optImplementation<RetryPolicy>('retryPolicy', o.retryPolicy, ['shouldRetry', 'delayMs'], 'a RetryPolicy') ?? defaultRestRetryPolicy();
    this.timeoutMs = num('timeoutMs', o.timeoutMs, 10_000, { min: 1, unit: 'ms' });
    this.weights = weightTable(o.weights);
    this.apiKey = optString('apiKey', o.apiKey, { secret: true });
    this.logger = normalizeLogger(optObject('logger', o.logger, 'a logger object') as Partial<Logger> | undefined);
    this.now = optFunction<() => number>('now', o.now) ?? Date.now;
    this.budget =
      optImplementation<SharedRestWeightBudget>('budget', o.budget, BUDGET_METHODS, 'a RestWeightBudget') ??
      RestWeightBudget.shared(this.baseUrl, { limitPerMinute: REQUEST_WEIGHT_LIMITS[this.market], logger: this.logger });
  }

  /**
   * GET `path` (e.g. `/api/v3/aggTrades`) with `params`, through the budget, retried; resolves
   * with the parsed JSON body. A path missing from the weight table needs `options.weight`.
   */
  async get<T = unknown>(path: string, params: RestParams = {}, options: RestCallOptions = {}): Promise<T> {
    if (typeof path !== 'string' || !path.startsWith('/') || path.includes('?')) throw invalidOption('path', 'a path starting with "/" and without a query', path);
    const given = optObject('params', params) ?? {};
    for (const [k, v] of Object.entries(given)) {
      if (v !== undefined && typeof v !== 'string' && typeof v !== 'boolean') requireNum(`params.${k}`, v);
    }
    const opts = optObject('options', options) ?? {};
    const weight = opts.weight !== undefined ? requireNum('weight', opts.weight, { min: 0 }) : restWeight(this.market, path, given as RestParams, this.weights);
    if (weight === undefined) throw invalidOption('weight', `a number (${path} is not in the ${this.market} weight table)`, undefined);
    const owner = optString('owner', opts.owner, { expected: 'a non-empty string' });
    const signal = options.signal;
    const label = `GET ${path}`;
    const query = encodeQuery(given as RestParams);
    const target = `${this.baseUrl}${path}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = this.apiKey ? { 'X-MBX-APIKEY': this.apiKey } : {};
    const ignoreWeight = WEIGHT_HEADER_IGNORED.has(path);

    const attempt = async (): Promise<T> => {
      let settle: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => (settle = resolve));
      try {
        await this.budget.acquire(weight, { signal, owner, heldUntil: settled });
        const res = await fetchAttempt({ method: 'GET', url: target, label, headers, timeoutMs: this.timeoutMs, signal, fetch: this.fetch });
        this.budget.observe(res.status, ignoreWeight ? withoutUsedWeight(res.headers) : res.headers);
        if (res.status < 200 || res.status >= 300) throw httpFailure(label, res.status, res.text, res.headers.get('retry-after'), this.now());
        return parseJsonBody<T>(label, res.status, res.text);
      } finally {
        settle();
      }
    };
    return retryOperation(attempt, {
      policy: this.policy,
      signal,
      id: label,
      now: this.now,
      onFailedAttempt: ({ attempt: n, delayMs, error }) => this.logger.warn({ market: this.market, path, owner, attempt: n, delayMs, error: errorFields(error) }, 'REST request failed, retrying'),
    });
  }

  /** Aggregate trades, oldest first (`fromId` pages: ask from the last `a` + 1). */
  async aggTrades(query: AggTradesQuery, options?: RestCallOptions): Promise<AggTradeRow[]> {
    const q = queryObject('aggTrades', query);
    onlyKeys('aggTrades', q, ['symbol', 'fromId', 'startTime', 'endTime', 'limit']);
    const params = {
      symbol: symbolParam('aggTrades.symbol', q.symbol),
      fromId: optInt('aggTrades.fromId', q.fromId, 0),
      ...timeRange('aggTrades', q.startTime, q.endTime),
      limit: optInt('aggTrades.limit', q.limit, 1, 1000),
    };
    return rows(await this.get<AggTradeRow[]>(`${this.prefix}/aggTrades`, params, options), `${this.prefix}/aggTrades`);
  }

  /** Klines, oldest first. */
  async klines(query: KlinesQuery, options?: RestCallOptions): Promise<KlineRow[]> {
    const q = queryObject('klines', query);
    onlyKeys('klines', q, ['symbol', 'interval', 'startTime', 'endTime', 'limit']);
    const params = {
      symbol: symbolParam('klines.symbol', q.symbol),
      interval: intervalParam(this.market, q.interval),
      ...timeRange('klines', q.startTime, q.endTime),
      limit: optInt('klines.limit', q.limit, 1, this.market === 'spot' ? 1000 : 1500),
    };
    return rows(await this.get<KlineRow[]>(`${this.prefix}/klines`, params, options), `${this.prefix}/klines`);
  }

  /** An order book snapshot (`limit` always sent, so the weight charged is the weight spent). */
  async depth(query: DepthQuery, options?: RestCallOptions): Promise<DepthSnapshot> {
    const q = queryObject('depth', query);
    onlyKeys('depth', q, ['symbol', 'limit']);
    const params = { symbol: symbolParam('depth.symbol', q.symbol), limit: depthLimit(this.market, q.limit) };
    const book = await this.get<DepthSnapshot>(`${this.prefix}/depth`, params, options);
    if (!Array.isArray(book?.bids) || !Array.isArray(book?.asks)) throw new BinanceStreamError('ERR_PARSE', `GET ${this.prefix}/depth answered without bids and asks`, { permanent: false });
    return book;
  }

  /** Best bid and ask of one symbol. */
  async bookTicker(query: SymbolQuery, options?: RestCallOptions): Promise<BookTickerRow> {
    return this.single<BookTickerRow>('ticker/bookTicker', query, options);
  }

  /** 24-hour rolling statistics of one symbol. */
  async ticker24h(query: SymbolQuery, options?: RestCallOptions): Promise<Ticker24hRow> {
    return this.single<Ticker24hRow>('ticker/24hr', query, options);
  }

  /** A one-symbol ticker; COIN-M answers an array even for one symbol. */
  private async single<T>(endpoint: string, query: SymbolQuery, options: RestCallOptions | undefined): Promise<T> {
    const name = endpoint === 'ticker/24hr' ? 'ticker24h' : 'bookTicker';
    const q = queryObject(name, query);
    onlyKeys(name, q, ['symbol']);
    const body = await this.get<T | T[]>(`${this.prefix}/${endpoint}`, { symbol: symbolParam(`${name}.symbol`, q.symbol) }, options);
    const row = Array.isArray(body) ? body[0] : body;
    if (row === undefined || row === null || typeof row !== 'object') throw new BinanceStreamError('ERR_PARSE', `GET ${this.prefix}/${endpoint} answered without a row`, { permanent: false });
    return row;
  }
}

function weightTable(value: unknown): WeightTable {
  const t = optObject('weights', value, 'an object of path → weight') ?? {};
  for (const [path, rule] of Object.entries(t)) {
    if (typeof rule !== 'function') requireNum(`weights.${path}`, rule, { min: 0 });
  }
  return Object.freeze({ ...(t as WeightTable) });
}

function rows<T>(body: T[], path: string): T[] {
  if (!Array.isArray(body)) throw new BinanceStreamError('ERR_PARSE', `GET ${path} answered something other than an array of rows`, { permanent: false });
  return body;
}

/** A non-2xx answer; a 418 becomes permanent (never retried: see the file comment). */
function httpFailure(label: string, status: number, text: string, retryAfter: string | null, now: number): BinanceStreamError {
  const e = binanceHttpError(label, status, text, retryAfter, { retry418: false, now });
  if (status !== 418) return e;
  const ban = e.retryAfterMs !== undefined ? ` for ${Math.round(e.retryAfterMs / 1000)} s` : '';
  return new BinanceStreamError('ERR_HTTP', `${e.message}: this IP is banned by Binance${ban}; not retried (every request to this host waits until the ban ends)`, {
    httpStatus: status,
    ...(e.binanceCode !== undefined ? { binanceCode: e.binanceCode } : {}),
    ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
    permanent: true,
  });
}

/** Headers without `X-MBX-USED-WEIGHT-1M` (the endpoints whose figure Binance says to ignore); Retry-After stays. */
function withoutUsedWeight(headers: FetchHeadersLike): FetchHeadersLike {
  return { get: (name) => (name.toLowerCase() === USED_WEIGHT_HEADER.toLowerCase() ? null : headers.get(name)) };
}
