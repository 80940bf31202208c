import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { MarketData } from '../data/market-data';
import type { MarketId } from '../profile';
import { PORTFOLIO_LISTEN_KEY_PATH, PROFILES, RETIRED_REST_PATHS } from '../profile';
import type { ListenKeys } from './listen-keys';
import { handleSapi, isSapiPath, spotAccount } from './account-rest';
import type { Balance } from './balances';
import { exchangeInfo } from './exchange-info';
import { FUTURES_EXTRA, SPOT_EXTRA, extraEndpoint } from './market-extra';
import { SYMBOL_ENDPOINTS, TICKER_ENDPOINTS, symbolEndpoint, tickerEndpoint } from './market-rest';
import { answer, error, readBody, send } from './respond';
import type { SignedContext } from './signed';
import { verifySignedRequest } from './signed';

/** What the REST handler needs from the emulator. */
export interface RestContext extends SignedContext {
  readonly market: MarketId;
  readonly clock: Clock;
  readonly data: MarketData;
  readonly listenKeys: ListenKeys;
  /** The history window (emulator ms), for Binance's "recent N days" error. */
  readonly retentionMs: number;
  /** REQUEST_WEIGHT limit and window `exchangeInfo` states (default: the market's 1-minute limit). */
  readonly restWeightPerMinute?: number | undefined;
  readonly restWeightWindowMs?: number | undefined;
  /** An account's current spot balances for `/api/v3/account` and `/sapi/v1/capital/config/getall` (default: rest/balances.ts's fixed wallet). */
  readonly spotBalances?: ((apiKey: string) => readonly Balance[]) | undefined;
  /** The order simulator's endpoints (orders/order-rest.ts); false for other paths. */
  readonly orders?: ((req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>) | undefined;
}

const GONE_HTML = '<html>\r\n<head><title>410 Gone</title></head>\r\n<body>\r\n<center><h1>410 Gone</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

const RETIRED: ReadonlySet<string> = new Set(RETIRED_REST_PATHS);

/**
 * REST endpoints: ping/time, exchangeInfo (exchange-info.ts), depth, aggTrades/trades/
 * historicalTrades/klines from the market's history, tickers, avgPrice/premiumIndex and the other
 * startup reads (market-extra.ts), the futures listenKey lifecycle, the order simulator's endpoints
 * (`orders`), the signed account reads and SAPI probes of the spot emulator (account-rest.ts), and
 * 410 Gone for retired spot/margin listenKey endpoints. Returns false for paths it does not know.
 */
export async function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname;
  if (RETIRED.has(path)) {
    res.writeHead(410, { 'Content-Type': 'text/html', Server: 'nginx' });
    res.end(GONE_HTML);
    return true;
  }
  if (ctx.orders && (await ctx.orders(req, res, url))) return true;
  if (isSapiPath(ctx.market, path)) return handleSapi(ctx, req, res, url, method === 'GET' ? '' : await readBody(req));
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

  if (ctx.market === 'spot' && endpoint === '/account') {
    if (method !== 'GET') return false;
    const signed = verifySignedRequest(ctx, req, url, '');
    return answer(res, 'code' in signed ? signed : spotAccount(ctx, signed.account.apiKey, signed.params));
  }

  if (method !== 'GET') return false;
  switch (endpoint) {
    case '/ping':
      return (send(res, 200, {}), true);
    case '/time':
      return (send(res, 200, { serverTime: now }), true);
    case '/exchangeInfo': {
      const o = { weightLimit: ctx.restWeightPerMinute ?? PROFILES[ctx.market].restWeightPerMinute, weightWindowMs: ctx.restWeightWindowMs ?? 60_000 };
      return answer(
        res,
        exchangeInfo(ctx.market, ctx.data.symbols, (s) => ctx.data.symbol(s), q, now, o),
      );
    }
    default:
      break;
  }

  if (ctx.market === 'spot' && endpoint === '/uiKlines') return answer(res, symbolEndpoint(ctx.data, ctx.market, '/klines', q, now, ctx.retentionMs));
  if ((ctx.market === 'spot' ? SPOT_EXTRA : FUTURES_EXTRA).has(endpoint)) return answer(res, extraEndpoint(ctx.data, ctx.market, endpoint, q, now));
  if (SYMBOL_ENDPOINTS.has(endpoint)) return answer(res, symbolEndpoint(ctx.data, ctx.market, endpoint, q, now, ctx.retentionMs));
  if (TICKER_ENDPOINTS.has(endpoint)) return answer(res, tickerEndpoint(ctx.data, ctx.market, endpoint, q, now));
  return false;
}
