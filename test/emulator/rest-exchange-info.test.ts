import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../helpers/emulator';

/**
 * `exchangeInfo` per market against Binance's documented field set. Spot and USD-M field lists
 * are read from Binance's own connectors (dev dependencies `@binance/spot`,
 * `@binance/derivatives-trading-usds-futures`: their generated response models); COIN-M's, which
 * has no connector installed here, is the list of Binance's COIN-M "Exchange Information" page.
 * Then the numbers: every price and quantity the emulator sends passes the filters it states.
 */
/** Field names of `interface <name> {…}` in a package's bundled .d.ts. */
function sdkFields(pkg: string, name: string): string[] {
  const dts = readFileSync(fileURLToPath(new URL(`../../node_modules/${pkg}/dist/index.d.ts`, import.meta.url)), 'utf8');
  const start = dts.indexOf(`\ninterface ${name} {`);
  if (start < 0) throw new Error(`${pkg}: no interface ${name}`);
  const body = dts.slice(start, dts.indexOf('\n}', start));
  return [...body.matchAll(/^\s+(\w+)\?:/gm)].map((m) => m[1]!);
}

const SPOT = '@binance/spot';
const USDM = '@binance/derivatives-trading-usds-futures';
/** COIN-M GET /dapi/v1/exchangeInfo, symbol fields as Binance's page lists them. */
const COINM_SYMBOL = [
  'symbol',
  'pair',
  'contractType',
  'deliveryDate',
  'onboardDate',
  'contractStatus',
  'contractSize',
  'marginAsset',
  'maintMarginPercent',
  'requiredMarginPercent',
  'baseAsset',
  'quoteAsset',
  'pricePrecision',
  'quantityPrecision',
  'baseAssetPrecision',
  'quotePrecision',
  'equalQtyPrecision',
  'triggerProtect',
  'underlyingType',
  'underlyingSubType',
  'filters',
  'orderTypes',
  'timeInForce',
  'liquidationFee',
  'marketTakeBound',
];
/** Spot filter type → the connector's model of it. */
const SPOT_FILTER_MODELS: Record<string, string> = {
  PRICE_FILTER: 'PriceFilter',
  LOT_SIZE: 'LotSizeFilter',
  ICEBERG_PARTS: 'IcebergPartsFilter',
  MARKET_LOT_SIZE: 'MarketLotSizeFilter',
  TRAILING_DELTA: 'TrailingDeltaFilter',
  PERCENT_PRICE_BY_SIDE: 'PercentPriceBySideFilter',
  NOTIONAL: 'NotionalFilter',
  MAX_NUM_ORDERS: 'MaxNumOrdersFilter',
  MAX_NUM_ALGO_ORDERS: 'MaxNumAlgoOrdersFilter',
};

type Row = Record<string, unknown>;
type Info = Row & { symbols: (Row & { filters: Row[] })[]; rateLimits: Row[] };

const table = [
  {
    market: 'spot' as const,
    path: '/api/v3',
    symbols: ['btcusdt', 'ethusdt', 'ethbtc'],
    top: sdkFields(SPOT, 'ExchangeInfoResponse'),
    symbol: sdkFields(SPOT, 'ExchangeInfoResponseSymbolsInner'),
    filters: ['PRICE_FILTER', 'LOT_SIZE', 'NOTIONAL', 'MARKET_LOT_SIZE', 'MAX_NUM_ORDERS'],
    weight: 6000,
    status: 'status',
  },
  {
    market: 'usdm' as const,
    path: '/fapi/v1',
    symbols: ['btcusdt', 'ethusdt'],
    top: sdkFields(USDM, 'ExchangeInformationResponse'),
    symbol: sdkFields(USDM, 'ExchangeInformationResponseSymbolsInner'),
    filters: ['PRICE_FILTER', 'LOT_SIZE', 'MARKET_LOT_SIZE', 'MAX_NUM_ORDERS', 'MIN_NOTIONAL', 'PERCENT_PRICE'],
    weight: 2400,
    status: 'status',
  },
  {
    market: 'coinm' as const,
    path: '/dapi/v1',
    symbols: ['btcusd_perp', 'ethusd_perp'],
    top: ['timezone', 'serverTime', 'rateLimits', 'exchangeFilters', 'symbols'],
    symbol: COINM_SYMBOL,
    filters: ['PRICE_FILTER', 'LOT_SIZE', 'MARKET_LOT_SIZE', 'MAX_NUM_ORDERS', 'PERCENT_PRICE'],
    weight: 2400,
    status: 'contractStatus',
  },
];

const decimalsOf = (s: string): number => (s.includes('.') ? s.replace(/0+$/, '').split('.')[1]!.length : 0);
/** `value` is a whole multiple of `step` (decimal strings, exact). */
function onGrid(value: string, step: string): boolean {
  const d = Math.max(decimalsOf(value), decimalsOf(step));
  const scale = 10n ** BigInt(d);
  const toInt = (x: string): bigint => {
    const [i, f = ''] = x.split('.');
    return BigInt(i!) * scale + BigInt((f + '0'.repeat(d)).slice(0, d) || '0');
  };
  return toInt(value) % toInt(step) === 0n;
}

describe.each(table)('$market exchangeInfo', (t) => {
  it("carries Binance's documented fields for the exchange, every symbol and every filter", async () => {
    const ex = await startEmulator({ market: t.market, symbols: t.symbols });
    const res = await fetch(`${ex.urls.http}${t.path}/exchangeInfo`);
    expect(res.status).toBe(200);
    const info = (await res.json()) as Info;
    expect(Object.keys(info).sort()).toEqual([...t.top].sort());
    expect(info['timezone']).toBe('UTC');
    expect(info.symbols.map((s) => s['symbol'])).toEqual(t.symbols.map((s) => s.toUpperCase()));
    for (const s of info.symbols) {
      expect(Object.keys(s).sort(), String(s['symbol'])).toEqual([...t.symbol].sort());
      expect(s[t.status]).toBe('TRADING');
      expect(s['baseAsset']).toMatch(/^[A-Z]+$/);
      expect(String(s['symbol']).startsWith(String(s['baseAsset']))).toBe(true);
      expect(s['quoteAsset']).toBe(t.market === 'coinm' ? 'USD' : String(s['symbol']).endsWith('BTC') ? 'BTC' : 'USDT');
      expect(s['filters'].map((f) => f['filterType'])).toEqual(expect.arrayContaining(t.filters));
      expect(s['orderTypes']).toEqual(expect.arrayContaining(['LIMIT', 'MARKET']));
      if (t.market === 'spot') {
        // The models also carry SBE's `*Exponent` fields, which JSON answers do not.
        const model = (type: unknown): string[] => sdkFields(SPOT, SPOT_FILTER_MODELS[String(type)]!).filter((k) => !k.endsWith('Exponent'));
        for (const f of s['filters']) expect(Object.keys(f).sort(), String(f['filterType'])).toEqual(model(f['filterType']).sort());
        expect(s['permissionSets']).toEqual([['SPOT', 'MARGIN']]);
      } else {
        const allowed = sdkFields(USDM, 'ExchangeInformationResponseSymbolsInnerFiltersInner');
        for (const f of s['filters']) for (const k of Object.keys(f)) expect(allowed, `${String(f['filterType'])}.${k}`).toContain(k);
        expect(s['contractType']).toBe('PERPETUAL');
        expect(s['marginAsset']).toBe(t.market === 'usdm' ? 'USDT' : s['baseAsset']);
      }
    }
    expect(info.rateLimits[0]).toEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: t.weight });
    expect(info.rateLimits.some((r) => r['rateLimitType'] === 'ORDERS')).toBe(true);
    if (t.market === 'spot') expect(info['sors']).toEqual([{ baseAsset: 'ETH', symbols: ['ETHUSDT', 'ETHBTC'] }]);
  });

  it('states filters that every price and quantity the emulator sends passes', async () => {
    const ex = await startEmulator({ market: t.market, symbols: t.symbols, rates: { trade: 50 } });
    const info = (await (await fetch(`${ex.urls.http}${t.path}/exchangeInfo`)).json()) as Info;
    const symbol = t.symbols[0]!;
    const s = info.symbols.find((x) => x['symbol'] === symbol.toUpperCase())!;
    const f = (type: string): Row => s.filters.find((x) => x['filterType'] === type)!;
    const tick = String(f('PRICE_FILTER')['tickSize']);
    const step = String(f('LOT_SIZE')['stepSize']);
    expect(Number(tick)).toBeGreaterThan(0);
    const depth = (await (await fetch(`${ex.urls.http}${t.path}/depth?symbol=${symbol.toUpperCase()}&limit=100`)).json()) as { bids: string[][]; asks: string[][] };
    const trades = (await (await fetch(`${ex.urls.http}${t.path}/trades?symbol=${symbol.toUpperCase()}&limit=200`)).json()) as Row[];
    const levels = [...depth.bids, ...depth.asks];
    expect(levels.length).toBeGreaterThan(20);
    expect(trades.length).toBeGreaterThan(0);
    for (const [p, q] of levels) {
      expect(onGrid(p!, tick), `price ${p} on tick ${tick}`).toBe(true);
      expect(onGrid(q!, step), `qty ${q} on step ${step}`).toBe(true);
    }
    for (const tr of trades) {
      expect(onGrid(String(tr['price']), tick), `trade price ${String(tr['price'])}`).toBe(true);
      expect(onGrid(String(tr['qty']), step), `trade qty ${String(tr['qty'])}`).toBe(true);
    }
    if (t.market !== 'spot') expect(s['pricePrecision']).toBe(decimalsOf(tick));
  });
});

describe('exchangeInfo parameters and limits', () => {
  it('spot selects symbols with symbol/symbols and refuses an unknown one (-1121); futures list every symbol', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt', 'ethusdt', 'solusdt'] });
    const get = async (qs: string): Promise<{ status: number; body: Info & { code?: number } }> => {
      const r = await fetch(`${ex.urls.http}/api/v3/exchangeInfo${qs}`);
      return { status: r.status, body: (await r.json()) as Info & { code?: number } };
    };
    expect((await get('?symbol=ETHUSDT')).body.symbols.map((s) => s['symbol'])).toEqual(['ETHUSDT']);
    expect((await get(`?symbols=${encodeURIComponent('["SOLUSDT","BTCUSDT"]')}`)).body.symbols.map((s) => s['symbol'])).toEqual(['SOLUSDT', 'BTCUSDT']);
    expect(await get('?symbol=NOPEUSDT')).toEqual({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect((await get('?symbols=notjson')).body.code).toBe(-1100);
  });

  it('spot leaves sors out when no base asset is quoted twice; states the REQUEST_WEIGHT limit the emulator enforces', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], maxRestWeightPerMinute: 300 });
    const info = (await (await fetch(`${ex.urls.http}/api/v3/exchangeInfo`)).json()) as Info;
    expect(info['sors']).toBeUndefined();
    expect(info.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', limit: 300 });
  });
});
