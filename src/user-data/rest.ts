/**
 * A tiny fetch-based Binance REST caller for the user-data endpoints (listenKey,
 * listenToken). Not a general REST client.
 *
 * - `X-MBX-APIKEY` header; SIGNED calls add `timestamp` (+ `recvWindow`) and `signature`.
 * - Every call has a timeout (AbortSignal) and honours the caller's abort signal.
 * - Failures become BinanceStreamError: `ERR_HTTP` (httpStatus, binanceCode, retryAfterMs),
 *   `ERR_LISTEN_KEY` for -1125, `ERR_AUTH` for rejected keys, `ERR_ENDPOINT_RETIRED` for
 *   HTTP 410 (spot/margin listenKeys, retired 2026-02-20), `ERR_ABORTED` when aborted.
 * - {@link restCall} retries transient failures (network, timeout, 5xx, 429/418 after
 *   `Retry-After`, -1021/-1001/-1003) with p-retry; never permanent ones.
 *
 * Secrets: the API key, the signature and the query string never appear in errors.
 */
import pRetry from 'p-retry';
import { BinanceStreamError, describeError, parseRetryAfter } from '../core/errors';
import type { Signer, SignatureParamValue } from './signing';
import { signaturePayload } from './signing';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; signal: AbortSignal }) => Promise<{
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
  signal?: AbortSignal | undefined;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** Clock for `timestamp`. @default Date.now */
  now?: (() => number) | undefined;
}

export interface RestRetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number | undefined;
  /** First backoff delay. @default 1000 */
  minDelayMs?: number | undefined;
  /** Longest backoff delay (a server's Retry-After may be longer and wins). @default 30_000 */
  maxDelayMs?: number | undefined;
  /** Called before each retry (for logging). */
  onRetry?: ((info: { attempt: number; retriesLeft: number; error: BinanceStreamError; delayMs: number }) => void) | undefined;
}

/** Binance codes where a new attempt (re-signed, later) can succeed. */
const TRANSIENT_BINANCE_CODES = new Set([-1000, -1001, -1003, -1006, -1007, -1008, -1021]);
/** Binance codes that mean the API key itself is refused. */
const AUTH_BINANCE_CODES = new Set([-2014, -2015, -1002, -1022]);

function requestLabel(method: string, path: string): string {
  return `${method} ${path}`;
}

function abortedError(label: string, reason: unknown): BinanceStreamError {
  if (reason instanceof BinanceStreamError && reason.code === 'ERR_ABORTED') return reason;
  return new BinanceStreamError('ERR_ABORTED', `${label} aborted`, { cause: reason, permanent: true });
}

/** Turn a non-2xx answer into a BinanceStreamError. Exported for tests. */
export function httpError(method: string, path: string, status: number, bodyText: string, retryAfterHeader: string | null, now = Date.now()): BinanceStreamError {
  const label = requestLabel(method, path);
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
  const details = {
    httpStatus: status,
    ...(binanceCode !== undefined ? { binanceCode } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const what = `${label} answered HTTP ${status}${binanceCode !== undefined ? ` (Binance ${binanceCode}${msg ? `: ${msg}` : ''})` : ''}`;
  if (status === 410) {
    return new BinanceStreamError(
      'ERR_ENDPOINT_RETIRED',
      `${label} answered HTTP 410 Gone: Binance retired this endpoint. Spot and margin listenKeys ended on 2026-02-20; spot user data now comes through the WebSocket API (userDataStream.subscribe.signature) and margin through a listenToken (POST /sapi/v1/userListenToken + userDataStream.subscribe.listenToken). Use product "spot" or "margin", which do this for you.`,
      { ...details, permanent: true },
    );
  }
  if (binanceCode === -1125) {
    return new BinanceStreamError('ERR_LISTEN_KEY', `${what}: the listenKey does not exist (expired or closed)`, { ...details, permanent: true });
  }
  if (status === 401 || (binanceCode !== undefined && AUTH_BINANCE_CODES.has(binanceCode))) {
    return new BinanceStreamError('ERR_AUTH', `${what}: the API key or signature was rejected (check the key, its permissions and IP whitelist)`, { ...details, permanent: true });
  }
  const transient =
    status === 408 || status === 425 || status === 429 || status === 418 || status >= 500 || (binanceCode !== undefined && TRANSIENT_BINANCE_CODES.has(binanceCode));
  return new BinanceStreamError('ERR_HTTP', what, { ...details, permanent: !transient });
}

/** True when retrying the same call later can help. */
export function isRetryableRestError(err: unknown): boolean {
  return err instanceof BinanceStreamError && !err.permanent && err.code !== 'ERR_ABORTED';
}

/** One attempt. Resolves with the parsed JSON body (`{}` for an empty body). */
export async function restRequest<T = unknown>(req: RestRequest): Promise<T> {
  const label = requestLabel(req.method, req.path);
  if (req.signal?.aborted) throw abortedError(label, req.signal.reason);
  const doFetch: FetchLike | undefined = req.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!doFetch) throw new BinanceStreamError('ERR_UNEXPECTED', `${label}: no fetch() available in this runtime; pass options.fetch`, { permanent: true });

  let params: Record<string, SignatureParamValue | undefined> = { ...(req.params ?? {}) };
  if (req.signer) {
    params.timestamp = (req.now ?? Date.now)();
    if (req.recvWindow !== undefined) params.recvWindow = req.recvWindow;
    const signature = await req.signer.sign(signaturePayload(params));
    params = { ...params, signature };
  }
  // Query string: the signed pairs in the signed order, then the signature last.
  const keys = Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined)
    .sort();
  if (params.signature !== undefined) keys.push('signature');
  const query = keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(params[k]))}`).join('&');
  const url = `${req.baseUrl.replace(/\/+$/, '')}${req.path}${query ? `?${query}` : ''}`;

  const timeoutMs = req.timeoutMs ?? 10_000;
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, timeoutMs);
  const onAbort = (): void => ctrl.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let res: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      res = await doFetch(url, {
        method: req.method,
        headers: { 'X-MBX-APIKEY': req.apiKey, 'Content-Type': 'application/x-www-form-urlencoded' },
        signal: ctrl.signal,
      });
      text = await res.text();
    } catch (cause) {
      if (req.signal?.aborted) throw abortedError(label, req.signal.reason);
      if (timedOut) throw new BinanceStreamError('ERR_HTTP', `${label} timed out after ${timeoutMs} ms`, { permanent: false });
      // Network errors from undici carry the URL (with the signature) in nested causes: keep only the type.
      throw new BinanceStreamError('ERR_HTTP', `${label} failed: ${describeError(cause).replace(/https?:\/\/\S+/g, '<url>')}`, { permanent: false });
    }
    if (res.status < 200 || res.status >= 300) throw httpError(req.method, req.path, res.status, text, res.headers.get('retry-after'), (req.now ?? Date.now)());
    if (!text.trim()) return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new BinanceStreamError('ERR_PARSE', `${label} answered HTTP ${res.status} with a body that is not JSON`, { cause, httpStatus: res.status, permanent: false });
    }
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * {@link restRequest} with bounded retries (p-retry, exponential backoff without jitter so
 * fake-timer tests are exact). A server's `Retry-After` is waited out first and wins over
 * the curve. Permanent errors and aborts are never retried.
 */
export async function restCall<T = unknown>(req: RestRequest, retry: RestRetryOptions = {}): Promise<T> {
  const label = requestLabel(req.method, req.path);
  const retries = retry.retries ?? 3;
  const minDelayMs = retry.minDelayMs ?? 1000;
  const maxDelayMs = retry.maxDelayMs ?? 30_000;
  try {
    return await pRetry(() => restRequest<T>(req), {
      retries,
      minTimeout: minDelayMs,
      maxTimeout: maxDelayMs,
      factor: 2,
      randomize: false,
      ...(req.signal ? { signal: req.signal } : {}),
      shouldRetry: ({ error }) => isRetryableRestError(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!isRetryableRestError(error) || retriesLeft <= 0) return;
        const err = error as BinanceStreamError;
        const curve = Math.min(maxDelayMs, minDelayMs * 2 ** (attemptNumber - 1));
        retry.onRetry?.({ attempt: attemptNumber, retriesLeft, error: err, delayMs: Math.max(curve, err.retryAfterMs ?? 0) });
        // Retry-After wins: wait out whatever it asks beyond the curve's own delay.
        if (err.retryAfterMs !== undefined && err.retryAfterMs > curve) await abortableSleep(err.retryAfterMs - curve, req.signal);
      },
    });
  } catch (err) {
    if (req.signal?.aborted) throw abortedError(label, req.signal.reason);
    if (err instanceof BinanceStreamError) throw err;
    throw new BinanceStreamError('ERR_HTTP', `${label} failed`, { cause: err });
  }
}
