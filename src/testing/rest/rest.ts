import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { GroundTruth } from '../data/ground-truth';
import type { MarketData } from '../data/market-data';
import type { MarketId } from '../profile';
import { PORTFOLIO_LISTEN_KEY_PATH, PROFILES, RETIRED_REST_PATHS } from '../profile';
import type { ListenKeys } from './listen-keys';

/** What the REST handler needs from the emulator. */
export interface RestContext {
  readonly market: MarketId;
  readonly clock: Clock;
  readonly data: MarketData;
  readonly truth: GroundTruth;
  readonly listenKeys: ListenKeys;
  acceptsApiKey(key: string): boolean;
}

const GONE_HTML = '<html>\r\n<head><title>410 Gone</title></head>\r\n<body>\r\n<center><h1>410 Gone</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

const RETIRED: ReadonlySet<string> = new Set(RETIRED_REST_PATHS);

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Access-Control-Allow-Origin': '*', ...headers });
  res.end(text);
}

function error(res: ServerResponse, status: number, code: number, msg: string): void {
  send(res, status, { code, msg });
}

/** Read a request body (at most 64 KiB) as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) break;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function intParam(q: URLSearchParams, name: string): number | undefined | 'bad' {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 'bad';
}

const FUTURES_DEPTH_LIMITS: ReadonlySet<number> = new Set([5, 10, 20, 50, 100, 500, 1000]);

/**
 * Depth `limit` as Binance takes it: spot 1–5000 (default 100; more is cut to 5000, per its docs);
 * futures one of 5/10/20/50/100/500/1000 (default 500): outside 1–1000 `-1130`, another value in
 * range `-4021 "<n> is not valid depth limit"` (both observed on fapi.binance.com, third party).
 */
function depthLimit(market: MarketId, raw: number | undefined): number | 'range' | 'set' {
  if (market === 'spot') {
    if (raw === undefined) return 100;
    return raw < 1 ? 'range' : Math.min(raw, 5000);
  }
  if (raw === undefined) return 500;
  if (raw < 1 || raw > 1000) return 'range';
  return FUTURES_DEPTH_LIMITS.has(raw) ? raw : 'set';
}

/**
 * REST endpoints: ping/time/exchangeInfo, klines/aggTrades/depth consistent with the
 * generated streams, futures listenKey lifecycle, and 410 Gone for retired spot/margin
 * listenKey endpoints. Returns false for paths it does not know.
 */
export async function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname;
  if (RETIRED.has(path)) {
    res.writeHead(410, { 'Content-Type': 'text/html', Server: 'nginx' });
    res.end(GONE_HTML);
    return true;
  }
  const prefix = PROFILES[ctx.market].restPrefix;
  let endpoint: string;
  if (path.startsWith(prefix + '/')) endpoint = path.slice(prefix.length);
  // Portfolio margin keys (`/papi/v1/listenKey`) live beside USD-M: same rules, stream `/pm/ws/<key>`.
  else if (ctx.market === 'usdm' && path === PORTFOLIO_LISTEN_KEY_PATH) endpoint = '/listenKey';
  else return false;
  const q = url.searchParams;
  const now = ctx.clock.now();

  if (endpoint === '/listenKey' && ctx.market !== 'spot') {
    const apiKey = req.headers['x-mbx-apikey'];
    const key = Array.isArray(apiKey) ? apiKey[0] : apiKey;
    if (!key) return (error(res, 401, -2014, 'API-key format invalid.'), true);
    if (!ctx.acceptsApiKey(key)) return (error(res, 401, -2015, 'Invalid API-key, IP, or permissions for action.'), true);
    const body = method === 'GET' ? '' : await readBody(req);
    const given = q.get('listenKey') ?? new URLSearchParams(body).get('listenKey') ?? undefined;
    if (method === 'POST') return (send(res, 200, { listenKey: ctx.listenKeys.create(key).listenKey }), true);
    if (method === 'PUT') {
      if (!ctx.listenKeys.keepalive(key, given)) return (error(res, 400, -1125, 'This listenKey does not exist.'), true);
      return (send(res, 200, { listenKey: ctx.listenKeys.activeFor(key) }), true);
    }
    if (method === 'DELETE') {
      if (!ctx.listenKeys.remove(key, given)) return (error(res, 400, -1125, 'This listenKey does not exist.'), true);
      return (send(res, 200, {}), true);
    }
    return (error(res, 405, -1000, `Method ${method} not allowed.`), true);
  }

  if (method !== 'GET') return false;
  switch (endpoint) {
    case '/ping':
      return (send(res, 200, {}), true);
    case '/time':
      return (send(res, 200, { serverTime: now }), true);
    case '/exchangeInfo':
      return (
        send(res, 200, {
          timezone: 'UTC',
          serverTime: now,
          rateLimits: [],
          symbols: ctx.data.symbols.map((s) => {
            const upper = s.toUpperCase();
            const quote = ctx.market === 'coinm' ? 'USD' : 'USDT';
            return { symbol: upper, status: 'TRADING', baseAsset: upper.replace(/USD(T)?(_PERP)?$/, ''), quoteAsset: quote };
          }),
        }),
        true
      );
    default:
      break;
  }

  if (endpoint !== '/klines' && endpoint !== '/aggTrades' && endpoint !== '/depth') return false;
  const symbolParam = q.get('symbol');
  if (!symbolParam) return (error(res, 400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."), true);
  const symbol = symbolParam.toLowerCase();
  if (!ctx.data.hasSymbol(symbol)) return (error(res, 400, -1121, 'Invalid symbol.'), true);
  const limitRaw = intParam(q, 'limit');
  const startTime = intParam(q, 'startTime');
  const endTime = intParam(q, 'endTime');
  const fromId = intParam(q, 'fromId');
  if (limitRaw === 'bad' || startTime === 'bad' || endTime === 'bad' || fromId === 'bad') {
    return (error(res, 400, -1100, 'Illegal characters found in a parameter.'), true);
  }

  if (endpoint === '/depth') {
    const limit = depthLimit(ctx.market, limitRaw);
    if (typeof limit === 'string')
      return (error(res, 400, limit === 'range' ? -1130 : -4021, limit === 'range' ? "Data sent for parameter 'limit' is not valid." : `${limitRaw} is not valid depth limit`), true);
    return (send(res, 200, ctx.data.depthSnapshot(symbol, limit, now) ?? '{}'), true);
  }

  if (endpoint === '/klines') {
    const interval = q.get('interval');
    if (!interval) return (error(res, 400, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed."), true);
    const series = ctx.data.klines(symbol, interval, now);
    if (!series) return (error(res, 400, -1120, 'Invalid interval.'), true);
    const limit = Math.min(Math.max(limitRaw ?? 500, 1), ctx.market === 'spot' ? 1000 : 1500);
    return (
      send(
        res,
        200,
        series.select(startTime, endTime, limit).map((b) => series.restRow(b)),
      ),
      true
    );
  }

  // aggTrades: served from the ground truth of `<symbol>@aggTrade`, so a client can backfill exactly what it missed.
  const limit = Math.min(Math.max(limitRaw ?? 500, 1), 1000);
  const rows: Record<string, unknown>[] = [];
  for (const e of ctx.truth.rawEntries(`${symbol}@aggTrade`)) {
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(e.raw) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof p['a'] !== 'number') continue;
    const row: Record<string, unknown> = { a: p['a'], p: p['p'], q: p['q'], f: p['f'], l: p['l'], T: p['T'], m: p['m'] };
    if (ctx.market === 'spot') row['M'] = true;
    rows.push(row);
  }
  let sel = rows;
  if (fromId !== undefined) sel = sel.filter((r) => (r['a'] as number) >= fromId).slice(0, limit);
  else if (startTime !== undefined || endTime !== undefined) {
    sel = sel.filter((r) => (startTime === undefined || (r['T'] as number) >= startTime) && (endTime === undefined || (r['T'] as number) <= endTime)).slice(0, limit);
  } else sel = sel.slice(-limit);
  return (send(res, 200, sel), true);
}
