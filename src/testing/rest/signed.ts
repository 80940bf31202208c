/**
 * Binance's REST request security, for SIGNED endpoints (USER_DATA, TRADE): the API key in the
 * `X-MBX-APIKEY` header, `timestamp` (ms, or µs on spot) within `recvWindow` (default 5000, at
 * most 60 000) of the server's time, and `signature` over the request's parameters exactly as sent:
 * the query string, then the body, concatenated without a separator, minus the `signature`
 * parameter (HMAC-SHA256 hex, case-insensitive; RSA and Ed25519 base64, percent-encoded in the URL).
 *
 * Accounts are the ones registered with `ex.wsApi.addAccount()` (the same keys and secrets the
 * WebSocket API verifies); the `apiKeys` option, when set, must also list the key.
 *
 * Errors, in the order Binance checks them: no key `-2014` (401), unknown key `-2015` (401),
 * `signature` or `timestamp` missing `-1102`, `recvWindow` over 60 000 `-1131`, stale or future
 * timestamp `-1021`, wrong signature `-1022` (all 400).
 */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock';
import type { Account } from '../ws-api/accounts';
import { ApiError, checkTimestamp, verifySignature } from '../ws-api/accounts';
import type { RestError } from './respond';
import { MANDATORY, bad } from './respond';

/** What a signed-request check needs from the emulator. */
export interface SignedContext {
  readonly clock: Clock;
  /** The account registered for an API key (`ex.wsApi.addAccount`), if any. */
  account(apiKey: string): Account | undefined;
  /** The `apiKeys` option's verdict (default: any non-empty key). */
  acceptsApiKey(key: string): boolean;
}

/** A request that passed the check: its account and every parameter (query, then body). */
export interface SignedRequest {
  readonly account: Account;
  readonly params: URLSearchParams;
}

export const KEY_FORMAT_INVALID: RestError = bad(-2014, 'API-key format invalid.', 401);
export const KEY_REJECTED: RestError = bad(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
export const SIGNATURE_INVALID: RestError = bad(-1022, 'Signature for this request is not valid.');

/** The `X-MBX-APIKEY` header, or undefined. */
export function apiKeyOf(req: IncomingMessage): string | undefined {
  const h = req.headers['x-mbx-apikey'];
  const key = Array.isArray(h) ? h[0] : h;
  return key ? key : undefined;
}

/** Split `a=1&signature=x&b=2` into the text without the signature pair, and the signature (decoded). */
function stripSignature(raw: string): { rest: string; signature: string | undefined } {
  if (!raw) return { rest: '', signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const pair of raw.split('&')) {
    if (pair.startsWith('signature=')) {
      try {
        signature = decodeURIComponent(pair.slice('signature='.length));
      } catch {
        signature = '';
      }
    } else kept.push(pair);
  }
  return { rest: kept.join('&'), signature };
}

/**
 * Check a SIGNED REST request. `body` is the request body already read (`''` for GET/DELETE).
 * Returns the account and the parameters, or the Binance error to answer (`answer(res, err)`).
 */
export function verifySignedRequest(ctx: SignedContext, req: IncomingMessage, url: URL, body: string): SignedRequest | RestError {
  const apiKey = apiKeyOf(req);
  if (!apiKey) return KEY_FORMAT_INVALID;
  const account = ctx.acceptsApiKey(apiKey) ? ctx.account(apiKey) : undefined;
  if (!account) return KEY_REJECTED;
  // The query exactly as sent (the URL parser would re-encode characters such as `"`).
  const raw = typeof req.url === 'string' && req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : url.search.slice(1);
  const query = stripSignature(raw);
  const form = stripSignature(body);
  const signature = query.signature ?? form.signature;
  const params = new URLSearchParams(query.rest);
  for (const [k, v] of new URLSearchParams(form.rest)) params.append(k, v);
  if (!signature) return MANDATORY('signature');
  let ts = params.get('timestamp') || null;
  // Spot takes microseconds too (16 digits).
  if (ts !== null && /^\d{16}$/.test(ts)) ts = String(Number(ts) / 1000);
  try {
    checkTimestamp(ts, params.get('recvWindow') ?? undefined, ctx.clock.now());
  } catch (err) {
    if (err instanceof ApiError) return bad(err.code, err.message, err.status);
    throw err;
  }
  if (!verifySignature(account, query.rest + form.rest, signature)) return SIGNATURE_INVALID;
  return { account, params };
}
