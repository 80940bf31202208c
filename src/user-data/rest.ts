/**
 * ONE Binance REST request for the user-data endpoints (listenKey, listenToken), signed or
 * not. Not a general REST client: the attempt itself, its timeout and its generic errors
 * come from rest/http.ts (shared with the market-data client).
 *
 * - `X-MBX-APIKEY` header; SIGNED calls add `timestamp` (+ `recvWindow`) and `signature`.
 * - Every attempt has a timeout and honours the caller's abort signal.
 * - With a `budget` (rest/weight-budget.ts), every attempt first waits for its weight in the
 *   host's process-wide REST weight budget and reports the answer to it (used weight,
 *   429/418 pauses), like every other REST call of the process.
 * - Failures become BinanceStreamError: `ERR_HTTP` (httpStatus, binanceCode, retryAfterMs),
 *   `ERR_LISTEN_KEY` for -1125, `ERR_AUTH` for rejected keys, `ERR_ENDPOINT_RETIRED` for
 *   HTTP 410 (spot/margin listenKeys, retired 2026-02-20), `ERR_ABORTED` when aborted;
 *   `permanent` when trying again cannot help.
 * - {@link restCall} retries under a RetryPolicy through `retry/retry-operation.ts`, the
 *   same decision as socket reconnects: a server's `Retry-After` always wins.
 *
 * Secrets: the API key, the signature and the query string never appear in errors.
 */
import type { AbortSignalLike } from '../core/web-types';
import { BinanceStreamError } from '../core/errors';
import type { RetryPolicy } from '../retry/policy';
import type { FailedAttemptInfo } from '../retry/retry-operation';
import { retryOperation } from '../retry/retry-operation';
import type { FetchLike, HttpMethod } from '../rest/http';
import { binanceHttpError, encodeQuery, fetchAttempt, parseJsonBody, readBinanceError } from '../rest/http';
import type { SharedRestWeightBudget } from '../rest/weight-budget';
import type { Signer, SignatureParamValue } from './signing';
import { signaturePayload } from './signing';

export type { FetchLike, HttpMethod } from '../rest/http';
export { defaultRestRetryPolicy } from '../rest/http';

export interface RestRequest {
  method: HttpMethod;
  /** e.g. `https://fapi.binance.com` */
  baseUrl: string;
  /** e.g. `/fapi/v1/listenKey` */
  path: string;
  apiKey: string;
  params?: Readonly<Record<string, SignatureParamValue | undefined>> | undefined;
  /** Sign the call (adds `timestamp`, `recvWindow` when set, and `signature`). */
  signer?: Signer | undefined;
  /** For SIGNED calls. @default undefined (Binance's default, 5000) */
  recvWindow?: number | undefined;
  /** Per-attempt timeout. @default 10_000 */
  timeoutMs?: number | undefined;
  signal?: AbortSignalLike | undefined;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** Clock for `timestamp`. @default Date.now */
  now?: (() => number) | undefined;
  /** Spend each attempt's `weight` in this REST weight budget first, and report every answer to it. @default none */
  budget?: SharedRestWeightBudget | undefined;
  /** The call's request weight (with `budget`). @default 1 */
  weight?: number | undefined;
  /** Who asks, for the budget's fair queue. @default '' */
  owner?: string | undefined;
}

/** Binance codes that mean the API key itself is refused. */
const AUTH_BINANCE_CODES = new Set([-2014, -2015, -1002, -1022]);
const RETIRED =
  'Binance retired this endpoint. Spot and margin listenKeys ended on 2026-02-20; spot user data now comes through the WebSocket API (userDataStream.subscribe.signature) and margin through a listenToken (POST /sapi/v1/userListenToken + userDataStream.subscribe.listenToken). Use product "spot" or "margin", which do this for you.';

/** Turn a non-2xx answer into a BinanceStreamError. Exported for tests. */
export function httpError(method: string, path: string, status: number, bodyText: string, retryAfterHeader: string | null, now = Date.now()): BinanceStreamError {
  const label = `${method} ${path}`;
  const generic = binanceHttpError(label, status, bodyText, retryAfterHeader, { now });
  const { binanceCode } = readBinanceError(bodyText);
  const details = { httpStatus: status, ...(binanceCode !== undefined ? { binanceCode } : {}), ...(generic.retryAfterMs !== undefined ? { retryAfterMs: generic.retryAfterMs } : {}) };
  if (status === 410) return new BinanceStreamError('ERR_ENDPOINT_RETIRED', `${label} answered HTTP 410 Gone: ${RETIRED}`, { ...details, permanent: true });
  if (binanceCode === -1125) return new BinanceStreamError('ERR_LISTEN_KEY', `${generic.message}: the listenKey does not exist (expired or closed)`, { ...details, permanent: true });
  if (status === 401 || (binanceCode !== undefined && AUTH_BINANCE_CODES.has(binanceCode))) {
    return new BinanceStreamError('ERR_AUTH', `${generic.message}: the API key or signature was rejected (check the key, its permissions and IP whitelist)`, { ...details, permanent: true });
  }
  return generic;
}

/** The query string: the signed pairs in the signed (sorted) order, the signature last. */
async function queryString(req: RestRequest): Promise<string> {
  let params: Record<string, SignatureParamValue | undefined> = { ...(req.params ?? {}) };
  if (req.signer) {
    params.timestamp = (req.now ?? Date.now)();
    if (req.recvWindow !== undefined) params.recvWindow = req.recvWindow;
    params = { ...params, signature: await req.signer.sign(signaturePayload(params)) };
  }
  const keys = Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined)
    .sort();
  if (params.signature !== undefined) keys.push('signature');
  return encodeQuery(params, keys);
}

/** One attempt (through `req.budget` when given). Resolves with the parsed JSON body (`{}` for an empty body). */
export async function restRequest<T = unknown>(req: RestRequest): Promise<T> {
  const label = `${req.method} ${req.path}`;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  try {
    await req.budget?.acquire(req.weight ?? 1, { signal: req.signal, owner: req.owner, heldUntil: settled });
    const query = await queryString(req);
    const url = `${req.baseUrl.replace(/\/+$/, '')}${req.path}${query ? `?${query}` : ''}`;
    const headers = { 'X-MBX-APIKEY': req.apiKey, 'Content-Type': 'application/x-www-form-urlencoded' };
    const res = await fetchAttempt({ method: req.method, url, label, headers, timeoutMs: req.timeoutMs, signal: req.signal, fetch: req.fetch });
    req.budget?.observe(res.status, res.headers);
    if (res.status < 200 || res.status >= 300) throw httpError(req.method, req.path, res.status, res.text, res.headers.get('retry-after'), (req.now ?? Date.now)());
    return parseJsonBody<T>(label, res.status, res.text);
  } finally {
    settle();
  }
}

export interface RestRetry {
  /** Whether and when to try again (`decide()`: permanent errors stop, Retry-After wins). */
  policy: RetryPolicy;
  /** Called before each wait (for logging). */
  onRetry?: ((info: FailedAttemptInfo) => void) | undefined;
}

/**
 * {@link restRequest}, retried under `retry.policy` (retry/retry-operation.ts). Permanent
 * errors are never retried; aborting `req.signal` rejects with ERR_ABORTED at once.
 */
export function restCall<T = unknown>(req: RestRequest, retry: RestRetry): Promise<T> {
  return retryOperation(() => restRequest<T>(req), {
    policy: retry.policy,
    signal: req.signal,
    id: `${req.method} ${req.path}`,
    onFailedAttempt: retry.onRetry,
    ...(req.now ? { now: req.now } : {}),
  });
}
