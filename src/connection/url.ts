/**
 * URL helpers: secret masking for logs/events, and choosing how many streams fit in a
 * combined-stream URL (the rest are SUBSCRIBEd after open).
 */
import type { AbortSignalLike } from '../core/web-types';
import { BinanceStreamError } from '../core/errors';
import { maskSecret } from '../core/logger';
import type { UrlContext } from './types';

const SECRET_PARAMS = /([?&](?:listenKey|listenToken|signature|apiKey|X-MBX-APIKEY)=)([^&#]*)/gi;
// A long alphanumeric path segment or value (a listenKey is 60 characters) after `/` or `=`.
// Stream names contain `@` or `!` and hosts contain dots, so neither matches.
const KEY_LIKE = /(?<=[/=])[A-Za-z0-9]{20,}(?=[/?&#]|$)/g;

const STREAM_LIST = /([?&]streams=)([^&#]*)/;
const SHOWN_STREAMS = 3;

/**
 * Mask listenKeys/tokens/signatures in a URL (query values and `/ws/<key>` path segments),
 * and shorten a long `streams=` list to its first few names plus a count, so that a log
 * line for a 1,000-stream connection stays one readable line.
 */
export function maskUrl(url: string): string {
  return url
    .replace(SECRET_PARAMS, (_m, prefix: string, value: string) => prefix + (value ? maskSecret(value) : ''))
    .replace(KEY_LIKE, (v) => maskSecret(v))
    .replace(STREAM_LIST, (m, prefix: string, list: string) => {
      const names = list.split('/');
      return names.length <= SHOWN_STREAMS ? m : `${prefix}${names.slice(0, SHOWN_STREAMS).join('/')}/…(+${names.length - SHOWN_STREAMS} more)`;
    });
}

export type UrlProvider = (ctx: UrlContext) => string | Promise<string>;

/** Call the url provider once and check it returned a ws:// or wss:// URL (permanent ERR_INVALID_OPTION otherwise). */
export async function callProvider(provider: UrlProvider, ctx: UrlContext): Promise<string> {
  const url = await provider(ctx);
  if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `url provider returned ${typeof url === 'string' ? JSON.stringify(maskUrl(url)) : typeof url}; expected a ws:// or wss:// URL`, {
      permanent: true,
    });
  }
  return url;
}

/**
 * Ask the provider for a URL carrying as many of `streams` (in order) as fit in
 * `maxLength` characters, at least one. Returns the URL and the streams it carries.
 */
export async function fitStreamsInUrl(
  provider: UrlProvider,
  streams: readonly string[],
  maxLength: number,
  attempt: number,
  signal: AbortSignalLike,
): Promise<{ url: string; urlStreams: readonly string[] }> {
  const all = await callProvider(provider, { streams, attempt, signal });
  if (all.length <= maxLength || streams.length <= 1) return { url: all, urlStreams: streams };
  const baseLength = (await callProvider(provider, { streams: [], attempt, signal })).length;
  const budget = maxLength - baseLength - '?streams='.length;
  let used = 0;
  let n = 0;
  for (const s of streams) {
    const add = s.length + (n ? 1 : 0);
    if (used + add > budget) break;
    used += add;
    n++;
  }
  n = Math.max(1, n);
  for (;;) {
    const chosen = streams.slice(0, n);
    const url = await callProvider(provider, { streams: chosen, attempt, signal });
    if (url.length <= maxLength || n === 1) return { url, urlStreams: chosen };
    n = Math.max(1, Math.floor(n * 0.8));
  }
}
