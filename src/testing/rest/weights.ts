/**
 * REST request weight per IP, as Binance counts it: every market endpoint has a weight (some by
 * `limit` or by how many symbols), each response carries the IP's used weight in
 * `X-MBX-USED-WEIGHT-1M` (spot also `X-MBX-USED-WEIGHT`), and over the limit (REQUEST_WEIGHT: spot
 * 6,000, futures 2,400 per minute) the answer is 429 with `Retry-After` and `-1003`; an IP that
 * keeps sending during that pause is banned with 418 (2 minutes, doubling for repeat offenders, at
 * most 3 days: "scale in duration … from 2 minutes to 3 days").
 *
 * Sources: spot weights from the official `@binance/spot` SDK's generated docs (rest-api); USD-M from
 * developers.binance.com pages and third-party measurements of fapi.binance.com (2026-10-07:
 * depth without `limit` costs 1, klines without `limit` 5, klines bands inclusive at the top, a
 * request refused with 400 still costs its route's weight); COIN-M from its pages.
 *
 * Windows: Binance counts per UTC clock minute (the same measurement); the emulator counts fixed
 * windows of `restWeightWindowMs` from its own start, so a test's budget never straddles a
 * boundary by chance. Windows are real time (not scaled by `timeScale`), like every other limit.
 */
import type { ResolvedOptions } from '../options';
import type { MarketId } from '../profile';

const THREE_DAYS_MS = 3 * 86_400_000;

function limitOf(q: URLSearchParams): number | undefined {
  const v = q.get('limit');
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function symbolCount(q: URLSearchParams): number | undefined {
  if (q.get('symbol')) return 1;
  const s = q.get('symbols');
  if (!s) return undefined;
  try {
    const arr = JSON.parse(s) as unknown;
    return Array.isArray(arr) ? arr.length : 1;
  } catch {
    return 1;
  }
}

function spotWeight(endpoint: string, q: URLSearchParams): number {
  switch (endpoint) {
    case '/ping':
    case '/time':
      return 1;
    case '/exchangeInfo':
    case '/account':
      return 20;
    case '/depth': {
      const l = limitOf(q) ?? 100;
      return l <= 100 ? 5 : l <= 500 ? 25 : l <= 1000 ? 50 : 250;
    }
    case '/trades':
    case '/historicalTrades':
      return 25;
    case '/aggTrades':
      return 4;
    case '/klines':
    case '/uiKlines':
    case '/avgPrice':
      return 2;
    case '/ticker/24hr': {
      const n = symbolCount(q);
      return n === undefined ? 80 : n <= 20 ? 2 : n <= 100 ? 40 : 80;
    }
    case '/ticker/price':
    case '/ticker/bookTicker':
      return symbolCount(q) === 1 && q.get('symbol') ? 2 : 4;
    case '/ticker':
    case '/ticker/tradingDay':
      // Rolling window and trading day: 4 per symbol, at most 200 (more than 50 symbols).
      return Math.min(200, 4 * (symbolCount(q) ?? 1));
    default:
      return 1;
  }
}

function futuresWeight(market: MarketId, endpoint: string, q: URLSearchParams): number {
  const one = !!q.get('symbol');
  switch (endpoint) {
    case '/depth': {
      const l = limitOf(q);
      // USD-M measured: no limit → 1, an invalid one (7) → 1; COIN-M per its page (default 500 → 10).
      if (l === undefined) return market === 'usdm' ? 1 : 10;
      return l === 5 || l === 10 || l === 20 || l === 50 ? 2 : l === 100 ? 5 : l === 500 ? 10 : l === 1000 ? 20 : 1;
    }
    case '/klines':
    case '/continuousKlines':
    case '/indexPriceKlines':
    case '/markPriceKlines': {
      const l = limitOf(q) ?? 500;
      // USD-M measured: bands inclusive at the top (100 → 1, 500 → 2), no limit → 5. COIN-M page: [1,100) 1, [100,500) 2, [500,1000] 5.
      if (market === 'usdm') return limitOf(q) === undefined ? 5 : l <= 100 ? 1 : l <= 500 ? 2 : l <= 1000 ? 5 : 10;
      return l < 100 ? 1 : l < 500 ? 2 : l <= 1000 ? 5 : 10;
    }
    case '/aggTrades':
    case '/historicalTrades':
      return 20;
    case '/trades':
      return 5;
    case '/ticker/24hr':
      return one ? 1 : 40;
    case '/ticker/price':
      return one ? 1 : 2;
    case '/ticker/bookTicker':
      return one ? 2 : 5;
    case '/premiumIndex':
      return market === 'usdm' && one ? 1 : 10;
    default:
      return 1; // ping, time, exchangeInfo, listenKey
  }
}

/** The IP weight of a request to a market endpoint (`endpoint` = the path after `/api/v3`, `/fapi/v1`, `/dapi/v1`). */
export function restWeight(market: MarketId, endpoint: string, q: URLSearchParams): number {
  return market === 'spot' ? spotWeight(endpoint, q) : futuresWeight(market, endpoint, q);
}

export type RestVerdict = { ok: true; used: number } | { ok: false; status: 429 | 418; retryAfterSec: number; used: number; bannedUntil: number };

/**
 * The emulator's REST request-weight accounting (`ex.stats().rest`): the limit, the weight each IP used in the current window, and how many requests were answered 429 or 418.
 */
export interface RestWeightStats {
  /** The REQUEST_WEIGHT limit per window (`maxRestWeightPerMinute`). */
  limit: number;
  /** Weight used in the current window, by IP. */
  usedByIp: Record<string, number>;
  /** The highest of `usedByIp` (0 when none). */
  used: number;
  /** Weight of every request accepted since the start (or the last reset). */
  total: number;
  /** Requests answered 429 (over the limit). */
  rateLimited429: number;
  /** Requests answered 418 (the one that earned the ban and every one during it). */
  banned418: number;
}

interface IpState {
  window: number;
  used: number;
  /** End of the 429 pause (the window's end) once a 429 was sent in this window. */
  pauseUntil: number;
  /** Requests sent during the pause. */
  ignored: number;
  bannedUntil: number;
  bans: number;
}

export interface RestWeightOptions {
  readonly limit: number;
  readonly windowMs: number;
  /** Requests during a 429 pause before a ban. */
  readonly banAfter: number;
  /** First ban; each later one doubles, up to 3 days. */
  readonly banMs: number;
  /** Windows are counted from this wall-clock ms. */
  readonly origin: number;
}

export class RestWeights {
  private readonly ips = new Map<string, IpState>();
  private total = 0;
  private rateLimited = 0;
  private banned = 0;

  constructor(readonly o: RestWeightOptions) {}

  /** The emulator's: its limit and window, the attempt limiter's ban settings, windows from `origin`. */
  static of(opts: ResolvedOptions, origin: number): RestWeights {
    return new RestWeights({ limit: opts.maxRestWeightPerMinute, windowMs: opts.restWeightWindowMs, banAfter: opts.banAfterRejectedAttempts, banMs: opts.banDurationMs, origin });
  }

  private state(ip: string, now: number): IpState {
    let st = this.ips.get(ip);
    if (!st) {
      st = { window: -1, used: 0, pauseUntil: 0, ignored: 0, bannedUntil: 0, bans: 0 };
      this.ips.set(ip, st);
    }
    const w = Math.floor((now - this.o.origin) / this.o.windowMs);
    if (w !== st.window) {
      st.window = w;
      st.used = 0;
      st.ignored = 0;
    }
    return st;
  }

  /** Count a request of `weight` from `ip`, or refuse it (429 over the limit, 418 while banned). */
  take(ip: string, weight: number, now: number): RestVerdict {
    const st = this.state(ip, now);
    if (st.bannedUntil > now) {
      this.banned++;
      return { ok: false, status: 418, retryAfterSec: Math.max(1, Math.ceil((st.bannedUntil - now) / 1000)), used: st.used, bannedUntil: st.bannedUntil };
    }
    if (st.used + weight <= this.o.limit) {
      st.used += weight;
      this.total += weight;
      return { ok: true, used: st.used };
    }
    if (st.pauseUntil > now && ++st.ignored > this.o.banAfter) {
      st.bans++;
      st.ignored = 0;
      st.bannedUntil = now + Math.min(THREE_DAYS_MS, this.o.banMs * 2 ** (st.bans - 1));
      this.banned++;
      return { ok: false, status: 418, retryAfterSec: Math.max(1, Math.ceil((st.bannedUntil - now) / 1000)), used: st.used, bannedUntil: st.bannedUntil };
    }
    const windowEnd = this.o.origin + (st.window + 1) * this.o.windowMs;
    if (st.pauseUntil <= now) st.pauseUntil = windowEnd;
    this.rateLimited++;
    return { ok: false, status: 429, retryAfterSec: Math.max(1, Math.ceil((windowEnd - now) / 1000)), used: st.used, bannedUntil: 0 };
  }

  /** Forget every IP's window, pause and ban (the counters of `stats()` stay). */
  reset(): void {
    this.ips.clear();
  }

  stats(now: number): RestWeightStats {
    const usedByIp: Record<string, number> = {};
    let used = 0;
    for (const [ip, st] of this.ips) {
      const w = Math.floor((now - this.o.origin) / this.o.windowMs);
      const u = w === st.window ? st.used : 0;
      usedByIp[ip] = u;
      if (u > used) used = u;
    }
    return { limit: this.o.limit, usedByIp, used, total: this.total, rateLimited429: this.rateLimited, banned418: this.banned };
  }
}
