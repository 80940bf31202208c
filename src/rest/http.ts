/**
 * One Binance REST attempt and its errors, shared by the market-data client (market-rest.ts)
 * and the user-data calls (user-data/rest.ts). No retries here (retry/retry-operation.ts does
 * those) and no weight accounting (weight-budget.ts).
 *
 * - {@link fetchAttempt}: one `fetch` with its own timeout, the caller's abort signal, and a
 *   network error whose message carries no URL (a signed URL holds the signature).
 * - {@link binanceHttpError}: a non-2xx answer → `ERR_HTTP` with `httpStatus`, `binanceCode`
 *   (the body's `code`), `retryAfterMs`; `permanent` unless trying again can help (408, 425,
 *   429, 5xx and Binance's transient codes; 418 as the caller says).
 * - {@link parseJsonBody}: the body as JSON (`{}` when empty), `ERR_PARSE` otherwise.
 * - {@link defaultRestRetryPolicy}: the bounded retry every REST call uses unless given another.
 *
 * Only global `fetch` (or an injected one): runs in Node, browsers, Bun and Deno.
 */
import type { AbortSignalLike } from '../core/web-types';
import { onAbort, throwIfAborted } from '../core/abort';
import { aborted, BinanceStreamError, describeError, parseRetryAfter } from '../core/errors';
import { TimerSlots } from '../core/timers';
import { ExponentialBackoff } from '../retry/exponential-backoff';
import type { RetryPolicy } from '../retry/policy';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Response headers as `fetch` gives them. */
export interface FetchHeadersLike {
  get(name: string): string | null;
}

/** The part of `fetch` the library uses (the global `fetch` fits; inject your own for proxies and tests). */
export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignalLike },
) => Promise<{
  status: number;
  headers: FetchHeadersLike;
  /** The whole response body as text (the library parses JSON itself). */
  text(): Promise<string>;
}>;

/** What one attempt returns: the status, the headers and the whole body as text. */
export interface FetchAttemptResult {
  readonly status: number;
  readonly headers: FetchHeadersLike;
  readonly text: string;
}

export interface FetchAttemptRequest {
  method: HttpMethod;
  /** The full URL (with the query string). Never put into an error message. */
  url: string;
  /** `GET /api/v3/aggTrades`: names the call in errors. */
  label: string;
  headers: Record<string, string>;
  /** @default 10_000 */
  timeoutMs?: number | undefined;
  signal?: AbortSignalLike | undefined;
  /** @default globalThis.fetch */
  fetch?: FetchLike | undefined;
}

/**
 * The default retry of a REST call: 3 retries after 1 s, 2 s, 4 s (30 s cap, no jitter; 15 s
 * first for a 429 without Retry-After). A server's Retry-After always wins (retry/decide.ts).
 */
export function defaultRestRetryPolicy(): RetryPolicy {
  return new ExponentialBackoff({ maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 });
}

/** Binance codes where a new attempt (later, re-signed) can succeed. */
export const TRANSIENT_BINANCE_CODES: ReadonlySet<number> = new Set([-1000, -1001, -1003, -1006, -1007, -1008, -1021]);

/** The global `fetch`, or ERR_UNEXPECTED (permanent) naming the call when the runtime has none. */
export function resolveFetch(fetch: FetchLike | undefined, label: string): FetchLike {
  const f = fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!f) throw new BinanceStreamError('ERR_UNEXPECTED', `${label}: no fetch() available in this runtime; pass options.fetch`, { permanent: true });
  return f;
}

/**
 * One attempt: resolves with the status, headers and body of ANY answer (2xx or not);
 * rejects with ERR_ABORTED (the caller's signal), or ERR_HTTP (not permanent) on a timeout
 * or a network error. The attempt's one timer is cleared and its listener removed when it settles.
 */
export async function fetchAttempt(req: FetchAttemptRequest): Promise<FetchAttemptResult> {
  throwIfAborted(req.signal, req.label);
  const doFetch = resolveFetch(req.fetch, req.label);
  const timeoutMs = req.timeoutMs ?? 10_000;
  const ctrl = new AbortController();
  let timedOut = false;
  const timers = new TimerSlots<'timeout'>();
  timers.set('timeout', timeoutMs, () => {
    timedOut = true;
    ctrl.abort();
  });
  const unlisten = req.signal ? onAbort(req.signal, () => ctrl.abort()) : undefined;
  try {
    const res = await doFetch(req.url, { method: req.method, headers: req.headers, signal: ctrl.signal });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (cause) {
    if (req.signal?.aborted) throw aborted(req.label, req.signal.reason);
    if (timedOut) throw new BinanceStreamError('ERR_HTTP', `${req.label} timed out after ${timeoutMs} ms`, { permanent: false });
    // Network errors from undici carry the URL (with any signature) in nested causes: keep only the type.
    throw new BinanceStreamError('ERR_HTTP', `${req.label} failed: ${describeError(cause).replace(/https?:\/\/\S+/g, '<url>')}`, { permanent: false });
  } finally {
    timers.clearAll();
    unlisten?.();
  }
}

/** Binance's error body `{"code":-1121,"msg":"Invalid symbol."}`; nothing for HTML or empty bodies. */
export function readBinanceError(bodyText: string): { binanceCode?: number; msg?: string } {
  try {
    const body = JSON.parse(bodyText) as { code?: unknown; msg?: unknown } | null;
    return {
      ...(typeof body?.code === 'number' ? { binanceCode: body.code } : {}),
      ...(typeof body?.msg === 'string' && body.msg ? { msg: body.msg } : {}),
    };
  } catch {
    return {};
  }
}

export interface BinanceHttpErrorOptions {
  /** Whether a 418 (IP banned) may be retried. @default true */
  retry418?: boolean | undefined;
  /** Clock for an HTTP-date `Retry-After`. @default Date.now() */
  now?: number | undefined;
}

/**
 * A non-2xx answer as `ERR_HTTP`: `GET /api/v3/depth answered HTTP 400 (Binance -1121: Invalid symbol.)`.
 * Transient (not `permanent`): 408, 425, 429, 5xx (execution status unknown), Binance's
 * transient codes, and 418 unless `retry418: false`.
 */
export function binanceHttpError(label: string, status: number, bodyText: string, retryAfterHeader: string | null, options: BinanceHttpErrorOptions = {}): BinanceStreamError {
  const { binanceCode, msg } = readBinanceError(bodyText);
  const retryAfterMs = parseRetryAfter(retryAfterHeader, options.now ?? Date.now());
  const what = `${label} answered HTTP ${status}${binanceCode !== undefined ? ` (Binance ${binanceCode}${msg ? `: ${msg}` : ''})` : ''}`;
  const transient =
    status === 408 || status === 425 || status === 429 || (status === 418 && options.retry418 !== false) || status >= 500 || (binanceCode !== undefined && TRANSIENT_BINANCE_CODES.has(binanceCode));
  return new BinanceStreamError('ERR_HTTP', what, {
    httpStatus: status,
    ...(binanceCode !== undefined ? { binanceCode } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    permanent: !transient,
  });
}

/** The body of a 2xx answer as JSON (`{}` for an empty body); ERR_PARSE (not permanent) otherwise. */
export function parseJsonBody<T>(label: string, status: number, text: string): T {
  if (!text.trim()) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new BinanceStreamError('ERR_PARSE', `${label} answered HTTP ${status} with a body that is not JSON`, { httpStatus: status, permanent: false });
  }
}

/** `k=v&k2=v2` in the given key order, skipping undefined values. */
export function encodeQuery(params: Readonly<Record<string, string | number | boolean | undefined>>, keys: readonly string[] = Object.keys(params)): string {
  return keys
    .filter((k) => params[k] !== undefined)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(params[k]))}`)
    .join('&');
}
