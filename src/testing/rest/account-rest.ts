/**
 * The read-only account endpoints clients probe at startup, served by the spot emulator (they live
 * on api.binance.com): `GET /sapi/v1/capital/config/getall` (USER_DATA, weight 10),
 * `GET /sapi/v1/margin/allPairs` (MARKET_DATA: API key only, weight 1),
 * `GET /sapi/v1/margin/isolated/allPairs` (USER_DATA, weight 10), `GET /sapi/v1/system/status`
 * (NONE, weight 1) and `GET /api/v3/account` (USER_DATA, weight 20, rest.ts routes it here).
 *
 * SAPI weight is its own per-IP budget on Binance (12,000 per minute, header
 * `X-SAPI-USED-IP-WEIGHT-1M`), counted here in a separate window beside the market's
 * REQUEST_WEIGHT; over it, 429 `-1003` like the market endpoints.
 *
 * Balances: the order simulator's ledger when the emulator passes it (`spotBalances`), else the
 * fixed wallet of balances.ts; the same numbers in every answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MarketId } from '../profile';
import type { Balance } from './balances';
import { accountBalances } from './balances';
import { assetsOf } from './exchange-info';
import type { RestError } from './respond';
import { answer, bad, send } from './respond';
import type { SignedContext } from './signed';
import { KEY_FORMAT_INVALID, KEY_REJECTED, apiKeyOf, verifySignedRequest } from './signed';
import { RestWeights } from './weights';

export interface AccountContext extends SignedContext {
  readonly market: MarketId;
  readonly data: { readonly symbols: readonly string[] };
  /** An account's current spot balances (the order simulator's ledger); default the fixed wallet of balances.ts. */
  readonly spotBalances?: ((apiKey: string) => readonly Balance[]) | undefined;
}

const SAPI_LIMIT = 12_000;
const SAPI: Readonly<Record<string, { weight: number; security: 'NONE' | 'MARKET_DATA' | 'USER_DATA' }>> = {
  '/sapi/v1/capital/config/getall': { weight: 10, security: 'USER_DATA' },
  '/sapi/v1/margin/allPairs': { weight: 1, security: 'MARKET_DATA' },
  '/sapi/v1/margin/isolated/allPairs': { weight: 10, security: 'USER_DATA' },
  '/sapi/v1/system/status': { weight: 1, security: 'NONE' },
};

const sapiWeights = new WeakMap<AccountContext, RestWeights>();

function weightsOf(ctx: AccountContext): RestWeights {
  let w = sapiWeights.get(ctx);
  if (!w) {
    w = new RestWeights({ limit: SAPI_LIMIT, windowMs: 60_000, banAfter: Infinity, banMs: 120_000, origin: ctx.clock.now() });
    sapiWeights.set(ctx, w);
  }
  return w;
}

/** The SAPI paths served (spot emulator only). */
export function isSapiPath(market: MarketId, path: string): boolean {
  return market === 'spot' && path in SAPI;
}

const pairId = (s: string): number => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000_007, 7);

function allAssets(ctx: AccountContext): string[] {
  const set = new Set<string>();
  for (const s of ctx.data.symbols) {
    const { base, quote } = assetsOf(ctx.market, s);
    set.add(base);
    set.add(quote);
  }
  return [...set].sort();
}

function balancesOf(ctx: AccountContext, apiKey: string): readonly Balance[] {
  return ctx.spotBalances?.(apiKey) ?? accountBalances(apiKey, allAssets(ctx));
}

function coinConfig(ctx: AccountContext, apiKey: string): object[] {
  const bal = balancesOf(ctx, apiKey);
  return bal.map(({ asset, free, locked }) => ({
    coin: asset,
    depositAllEnable: true,
    withdrawAllEnable: true,
    name: asset,
    free,
    locked,
    freeze: '0',
    withdrawing: '0',
    ipoing: '0',
    ipoable: '0',
    storage: '0',
    isLegalMoney: false,
    trading: true,
    networkList: [
      {
        network: asset === 'BTC' ? 'BTC' : 'ETH',
        coin: asset,
        withdrawIntegerMultiple: '0.00000001',
        isDefault: true,
        depositEnable: true,
        withdrawEnable: true,
        depositDesc: '',
        withdrawDesc: '',
        specialTips: '',
        name: asset === 'BTC' ? 'Bitcoin' : 'Ethereum (ERC20)',
        resetAddressStatus: false,
        addressRegex: asset === 'BTC' ? '^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}$' : '^(0x)[0-9A-Fa-f]{40}$',
        memoRegex: '',
        withdrawFee: asset === 'BTC' ? '0.0002' : '1',
        withdrawMin: asset === 'BTC' ? '0.001' : '10',
        withdrawMax: '9999999999.99999999',
        withdrawInternalMin: '0.00000001',
        depositDust: '0.00000001',
        minConfirm: asset === 'BTC' ? 1 : 6,
        unLockConfirm: asset === 'BTC' ? 2 : 64,
        sameAddress: false,
        estimatedArrivalTime: 5,
        busy: false,
        contractAddressUrl: '',
        contractAddress: '',
      },
    ],
  }));
}

function marginPairs(ctx: AccountContext, isolated: boolean): object[] {
  return ctx.data.symbols.map((s) => {
    const { base, quote } = assetsOf(ctx.market, s);
    const row = { symbol: s.toUpperCase(), base, quote, isMarginTrade: true, isBuyAllowed: true, isSellAllowed: true };
    return isolated ? row : { id: pairId(s), ...row };
  });
}

/** The body of Binance's spot account (`GET /api/v3/account`, WS-API `account.status`) for these balances. */
export function spotAccountBody(balances: readonly Balance[], now: number, uid: number): object {
  return {
    makerCommission: 10,
    takerCommission: 10,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: now,
    accountType: 'SPOT',
    balances: balances.map(({ asset, free, locked }) => ({ asset, free, locked })),
    permissions: ['SPOT'],
    uid,
  };
}

/** `GET /api/v3/account` for a verified request. */
export function spotAccount(ctx: AccountContext, apiKey: string, params: URLSearchParams): object {
  const zeros = params.get('omitZeroBalances') === 'true';
  const balances = balancesOf(ctx, apiKey).filter((b) => !zeros || Number(b.free) > 0 || Number(b.locked) > 0);
  return spotAccountBody(balances, ctx.clock.now(), pairId(apiKey));
}

/** Answer a SAPI request (call only when `isSapiPath`). */
export function handleSapi(ctx: AccountContext, req: IncomingMessage, res: ServerResponse, url: URL, body: string): true {
  const route = SAPI[url.pathname];
  if (!route) return answer(res, bad(-1000, 'Unknown SAPI path.', 404));
  const ip = req.socket.remoteAddress ?? '';
  const v = weightsOf(ctx).take(ip, route.weight, ctx.clock.now());
  res.setHeader('X-SAPI-USED-IP-WEIGHT-1M', String(v.used));
  if (!v.ok) {
    res.setHeader('Retry-After', String(v.retryAfterSec));
    return answer(res, bad(-1003, `Too much request weight used; current limit is ${SAPI_LIMIT} request weight per 1 MINUTE.`, 429));
  }
  if ((req.method ?? 'GET').toUpperCase() !== 'GET') return answer(res, bad(-1000, `Method ${req.method ?? ''} not allowed.`, 405));
  if (route.security === 'NONE') return (send(res, 200, { status: 0, msg: 'normal' }), true);
  if (route.security === 'MARKET_DATA') {
    const key = apiKeyOf(req);
    const err: RestError | undefined = !key ? KEY_FORMAT_INVALID : ctx.acceptsApiKey(key) ? undefined : KEY_REJECTED;
    return answer(res, err ?? marginPairs(ctx, false));
  }
  const signed = verifySignedRequest(ctx, req, url, body);
  if ('code' in signed) return answer(res, signed);
  if (url.pathname === '/sapi/v1/capital/config/getall') return answer(res, coinConfig(ctx, signed.account.apiKey));
  return answer(res, marginPairs(ctx, true));
}
