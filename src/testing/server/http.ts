/**
 * One HTTP request: injected REST faults first (`faults.failRest`, `faults.slowRest`), then the
 * per-IP request weight of a market endpoint (`X-MBX-USED-WEIGHT-1M`; 429 / 418 over the limit,
 * rest/weights.ts), then the WS-API side (margin listenTokens), the market REST (rest/), or 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { FaultRules } from '../fault-rules';
import type { Counters } from '../inspection';
import type { Logger } from '../log';
import type { MarketId } from '../profile';
import { PORTFOLIO_LISTEN_KEY_PATH, PROFILES, RETIRED_REST_PATHS } from '../profile';
import type { RestContext } from '../rest/rest';
import { handleRest } from '../rest/rest';
import type { RestVerdict, RestWeights } from '../rest/weights';
import { restWeight } from '../rest/weights';

export interface HttpContext {
  readonly market: MarketId;
  readonly clock: Clock;
  readonly log: Logger;
  readonly rules: FaultRules;
  readonly weights: RestWeights;
  readonly counters: Counters;
  readonly rest: RestContext;
  /** The WS-API side's REST (listenTokens); false for other paths. */
  wsApiHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

const RETIRED: ReadonlySet<string> = new Set(RETIRED_REST_PATHS);

/** The market endpoint a path names (`/depth` for `/api/v3/depth`), or undefined (not weighted). */
export function marketEndpoint(market: MarketId, path: string): string | undefined {
  if (RETIRED.has(path)) return undefined;
  const prefix = PROFILES[market].restPrefix;
  if (path.startsWith(prefix + '/')) return path.slice(prefix.length);
  if (market === 'usdm' && path === PORTFOLIO_LISTEN_KEY_PATH) return '/listenKey';
  return undefined;
}

function refuse(ctx: HttpContext, res: ServerResponse, ip: string, v: Exclude<RestVerdict, { ok: true }>): void {
  const limit = ctx.weights.o.limit;
  const window = ctx.weights.o.windowMs === 60_000 ? '1 MINUTE' : `${ctx.weights.o.windowMs / 1000} SECOND`;
  let msg: string;
  if (ctx.market === 'spot') {
    msg =
      v.status === 429
        ? `Too much request weight used; current limit is ${limit} request weight per ${window}. Please use WebSocket Streams for live updates to avoid polling the API.`
        : `Way too much request weight used; IP banned until ${v.bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`;
  } else {
    msg =
      v.status === 429
        ? `Too many requests; current limit of IP(${ip}) is ${limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`
        : `Way too many requests; IP(${ip}) banned until ${v.bannedUntil}. Please use the websocket for live updates to avoid bans.`;
  }
  res.writeHead(v.status, { 'Content-Type': 'application/json;charset=UTF-8', 'Retry-After': String(v.retryAfterSec) });
  res.end(JSON.stringify({ code: -1003, msg }));
}

export async function handleHttp(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.counters.restRequests++;
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    if (await ctx.rules.applyRestRule(method, url.pathname, res)) return;
    const endpoint = marketEndpoint(ctx.market, url.pathname);
    if (endpoint !== undefined) {
      const ip = req.socket.remoteAddress ?? '';
      const v = ctx.weights.take(ip, restWeight(ctx.market, endpoint, url.searchParams), ctx.clock.now());
      res.setHeader('X-MBX-USED-WEIGHT-1M', String(v.used));
      if (ctx.market === 'spot') res.setHeader('X-MBX-USED-WEIGHT', String(v.used));
      if (!v.ok) {
        ctx.log.warn({ ip, status: v.status, used: v.used, path: url.pathname }, 'REST request weight over the limit');
        return refuse(ctx, res, ip, v);
      }
    }
    if (await ctx.wsApiHttp(req, res, url)) return;
    if (await handleRest(ctx.rest, req, res, url)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end(`FakeBinance (${ctx.market}): no route for ${req.method} ${url.pathname}`);
  } catch (err) {
    ctx.log.error({ err: String(err) }, 'REST handler failed');
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' }));
  }
}
