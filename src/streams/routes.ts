/**
 * Where a stream is delivered: the USD-M route (`/public` or `/market`) and the
 * combined-stream URL of a set of streams on one route.
 */
import type { MarketProfile, Route } from '../core/markets';

/**
 * Which USD-M route carries a stream: `/public` for high-frequency book data
 * (`@depth*`, `@bookTicker`, `!bookTicker`, `@rpiDepth`, and `@trade`, observed
 * there by third parties), `/market` for everything else. Spot/COIN-M: `''`.
 */
export function routeFor(market: MarketProfile, stream: string): Route {
  if (!market.routed) return '';
  const at = stream.indexOf('@');
  const kind = at < 0 ? stream : stream.slice(at + 1);
  if (stream === '!bookTicker' || kind.startsWith('depth') || kind.startsWith('bookTicker') || kind.startsWith('rpiDepth') || kind === 'trade') {
    return 'public';
  }
  return 'market';
}

/** Strip a trailing slash so bases can be joined with paths. */
export function trimBase(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/**
 * The combined-stream URL for a set of streams on one route:
 * `<base>[/<route>]/stream?streams=a/b/c`. Binance accepts streams in the URL
 * (with a length limit), so long lists are opened with a few in the URL and the
 * rest via SUBSCRIBE; the caller chooses `streams`.
 */
export function combinedStreamUrl(base: string, route: Route, streams: readonly string[]): string {
  const root = trimBase(base) + (route ? `/${route}` : '');
  return streams.length ? `${root}/stream?streams=${streams.join('/')}` : `${root}/stream`;
}
