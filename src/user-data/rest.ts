/**
 * ONE Binance REST request for the user-data endpoints (listenKey, listenToken), signed or
 * not. Not a general REST client.
 *
 * - `X-MBX-APIKEY` header; SIGNED calls add `timestamp` (+ `recvWindow`) and `signature`.
 * - Every attempt has a timeout and honours the caller's abort signal.
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
import { throwIfAborted } from '../core/abort';
import { aborted, BinanceStreamError, describeError, parseRetryAfter } from '../core/errors';
import { TimerSlots } from '../core/timers';
import { ExponentialBackoff } from '../retry/exponential-backoff';
import type { RetryPolicy } from '../retry/policy';
import type { FailedAttemptInfo } from '../retry/retry-operation';
import { retryOperation } from '../retry/retry-operation';
import type { Signer, SignatureParamValue } from './signing';
import { signaturePayload } from './signing';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignalLike },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

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
}

/**
 * The default retry of a user-data REST call: 3 retries after 1 s, 2 s, 4 s (30 s cap, no
 * jitter; 15 s first for a 429/418 without Retry-After). A server's Retry-After wins.
 */
export function defaultRestRetryPolicy(): RetryPolicy {
  return new ExponentialBackoff({ maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 });
}

/** Binance codes where a new attempt (re-signed, later) can succeed. */
const TRANSIENT_BINANCE_CODES = new Set([-1000, -1001, -1003, -1006, -1007, -1008, -1021]);
/** Binance codes that mean the API key itself is refused. */
const AUTH_BINANCE_CODES = new Set([-2014, -2015, -1002, -1022]);
const RETIRED =
  'Binance retired this endpoint. Spot and margin listenKeys ended on 2026-02-20; spot user data now comes through the WebSocket API (userDataStream.subscribe.signature) and margin through a listenToken (POST /sapi/v1/userListenToken + userDataStream.subscribe.listenToken). Use product "spot" or "margin", which do this for you.';

/** Turn a non-2xx answer into a BinanceStreamError. Exported for tests. */
export function httpError(method: string, path: string, status: number, bodyText: string, retryAfterHeader: string | null, now = Date.now()): BinanceStreamError {
  const label = `${method} ${path}`;
  let binanceCode: number | undefined;
  let msg: string | undefined;
  try {
    const body = JSON.parse(bodyText) as { code?: unknown; msg?: unknown };
    if (typeof body.code === 'number') binanceCode = body.code;
    if (typeof body.msg === 'string') msg = body.msg;
  } catch {
    /* HTML or empty body (e.g. nginx 410 page) */
  }
  const retryAfterMs = parseRetryAfter(retryAfterHeader, now);
  const details = { httpStatus: status, ...(binanceCode !== undefined ? { binanceCode } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  const what = `${label} answered HTTP ${status}${binanceCode !== undefined ? ` (Binance ${binanceCode}${msg ? `: ${msg}` : ''})` : ''}`;
  if (status === 410) return new BinanceStreamError('ERR_ENDPOINT_RETIRED', `${label} answered HTTP 410 Gone: ${RETIRED}`, { ...details, permanent: true });
  if (binanceCode === -1125) return new BinanceStreamError('ERR_LISTEN_KEY', `${what}: the listenKey does not exist (expired or closed)`, { ...details, permanent: true });
  if (status === 401 || (binanceCode !== undefined && AUTH_BINANCE_CODES.has(binanceCode))) {
    return new BinanceStreamError('ERR_AUTH', `${what}: the API key or signature was rejected (check the key, its permissions and IP whitelist)`, { ...details, permanent: true });
  }
  const transient = status === 408 || status === 425 || status === 429 || status === 418 || status >= 500 || (binanceCode !== undefined && TRANSIENT_BINANCE_CODES.has(binanceCode));
  return new BinanceStreamError('ERR_HTTP', what, { ...details, permanent: !transient });
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
  return keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(params[k]))}`).join('&');
}

/** One attempt. Resolves with the parsed JSON body (`{}` for an empty body). */
export async function restRequest<T = unknown>(req: RestRequest): Promise<T> {
  const label = `${req.method} ${req.path}`;
  throwIfAborted(req.signal, label);
  const doFetch: FetchLike | undefined = req.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!doFetch) throw new BinanceStreamError('ERR_UNEXPECTED', `${label}: no fetch() available in this runtime; pass options.fetch`, { permanent: true });
  const query = await queryString(req);
  const url = `${req.baseUrl.replace(/\/+$/, '')}${req.path}${query ? `?${query}` : ''}`;
  const timeoutMs = req.timeoutMs ?? 10_000;
  const ctrl = new AbortController();
  let timedOut = false;
  // The attempt's one timer, owned by the attempt and cleared when it settles.
  const timers = new TimerSlots<'timeout'>();
  timers.set('timeout', timeoutMs, () => {
    timedOut = true;
    ctrl.abort();
  });
  const onAbort = (): void => ctrl.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let res: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      res = await doFetch(url, { method: req.method, headers: { 'X-MBX-APIKEY': req.apiKey, 'Content-Type': 'application/x-www-form-urlencoded' }, signal: ctrl.signal });
      text = await res.text();
    } catch (cause) {
      if (req.signal?.aborted) throw aborted(label, req.signal.reason);
      if (timedOut) throw new BinanceStreamError('ERR_HTTP', `${label} timed out after ${timeoutMs} ms`, { permanent: false });
      // Network errors from undici carry the URL (with the signature) in nested causes: keep only the type.
      throw new BinanceStreamError('ERR_HTTP', `${label} failed: ${describeError(cause).replace(/https?:\/\/\S+/g, '<url>')}`, { permanent: false });
    }
    if (res.status < 200 || res.status >= 300) throw httpError(req.method, req.path, res.status, text, res.headers.get('retry-after'), (req.now ?? Date.now)());
    if (!text.trim()) return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new BinanceStreamError('ERR_PARSE', `${label} answered HTTP ${res.status} with a body that is not JSON`, { httpStatus: res.status, permanent: false });
    }
  } finally {
    timers.clearAll();
    req.signal?.removeEventListener('abort', onAbort);
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
