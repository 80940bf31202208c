import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/index';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

/**
 * ccxt (npm `ccxt`, its websocket part `ccxt.pro`) against the emulator, changed only in its base
 * URLs (`urls.api`): one emulator per market (spot also serves `/sapi`), ccxt's REST and stream
 * URLs pointed at them. Two things ccxt itself needs for plain `ws://` loopback URLs, neither a
 * change to what it sends: `loadHttpProxyAgent()` (ccxt refuses a `ws://` URL without it), and the
 * spot stream URL written `ws://stream@127.0.0.1:<port>/ws` (ccxt tells spot from futures trades by
 * looking for `/stream` in the URL, true of Binance's host `stream.binance.com`; the userinfo
 * carries it here and the emulator ignores it).
 *
 * Each watch must deliver what the emulator sent: trades with the ground truth's ids, prices and
 * quantities; candles equal to a kline event; the order book equal to the emulator's; the ticker's
 * last price that of a ticker event; and the markets and precisions ccxt builds from `exchangeInfo`.
 */
type Market = 'spot' | 'usdm';
const KEY = { apiKey: 'ccxt-peer-key', secret: 'ccxt-peer-secret' };

interface Trio {
  spot: FakeBinance;
  usdm: FakeBinance;
  coinm: FakeBinance;
}

async function startTrio(): Promise<Trio> {
  const rates = { depth: 4, 'depth@100ms': 4, trade: 20, aggTrade: 20 };
  const [spot, usdm, coinm] = await Promise.all([
    startEmulator({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], rates }),
    startEmulator({ market: 'usdm', symbols: ['btcusdt', 'ethusdt'], rates }),
    startEmulator({ market: 'coinm', symbols: ['btcusd_perp'] }),
  ]);
  for (const ex of [spot, usdm, coinm]) ex.wsApi.addAccount(KEY);
  return { spot, usdm, coinm };
}

function apiUrls({ spot, usdm, coinm }: Trio): Record<string, unknown> {
  const [s, f, d] = [spot.urls.http, usdm.urls.http, coinm.urls.http];
  return {
    public: `${s}/api/v3`,
    private: `${s}/api/v3`,
    v1: `${s}/api/v1`,
    sapi: `${s}/sapi/v1`,
    sapiV2: `${s}/sapi/v2`,
    sapiV3: `${s}/sapi/v3`,
    sapiV4: `${s}/sapi/v4`,
    fapiPublic: `${f}/fapi/v1`,
    fapiPublicV2: `${f}/fapi/v2`,
    fapiPublicV3: `${f}/fapi/v3`,
    fapiPrivate: `${f}/fapi/v1`,
    fapiPrivateV2: `${f}/fapi/v2`,
    fapiPrivateV3: `${f}/fapi/v3`,
    fapiData: `${f}/futures/data`,
    dapiPublic: `${d}/dapi/v1`,
    dapiPrivate: `${d}/dapi/v1`,
    dapiPrivateV2: `${d}/dapi/v2`,
    dapiData: `${d}/futures/data`,
    ws: {
      spot: `${spot.urls.ws.replace('ws://', 'ws://stream@')}/ws`,
      margin: `${spot.urls.ws.replace('ws://', 'ws://stream@')}/ws`,
      future: `${usdm.urls.ws}/ws`,
      delivery: `${coinm.urls.ws}/ws`,
      'ws-api': { spot: spot.urls.wsApi },
    },
  };
}

/** The subscribed stream of `ex` whose name matches `re` (what ccxt chose to subscribe). */
function streamLike(ex: FakeBinance, re: RegExp): string {
  const s = ex
    .connections()
    .flatMap((c) => c.streams)
    .find((x) => re.test(x));
  if (!s) throw new Error(`no stream matching ${String(re)} among ${JSON.stringify(ex.connections().map((c) => c.streams))}`);
  return s;
}

type P = Record<string, unknown>;

const cases: { market: Market; keys: boolean }[] = [
  { market: 'spot', keys: false },
  { market: 'spot', keys: true },
  { market: 'usdm', keys: false },
  { market: 'usdm', keys: true },
];

describe.each(cases)('ccxt.pro $market (API keys: $keys) against the emulator', ({ market, keys }) => {
  it('loads markets from exchangeInfo and receives trades, candles, the order book and the ticker the emulator sent', { timeout: 30_000 }, async () => {
    const trio = await startTrio();
    const ex = trio[market];
    const Ctor = market === 'spot' ? ccxt.pro.binance : ccxt.pro.binanceusdm;
    const c = new Ctor({ ...(keys ? KEY : {}), urls: { api: apiUrls(trio) } as never });
    onCleanup(() => c.close());
    await c.loadHttpProxyAgent();

    // Markets: what exchangeInfo says, parsed into the right kinds and precisions.
    const markets = await c.loadMarkets();
    const symbol = market === 'spot' ? 'BTC/USDT' : 'BTC/USDT:USDT';
    const m = markets[symbol]!;
    expect(m).toMatchObject({ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', active: true, spot: market === 'spot', swap: market === 'usdm' });
    if (market === 'spot') {
      // The spot client also loads USD-M and COIN-M (fapi, dapi): linear and inverse swaps.
      expect(Object.keys(markets)).toEqual(expect.arrayContaining(['BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT', 'BTC/USD:BTC']));
      expect(markets['BTC/USD:BTC']).toMatchObject({ id: 'BTCUSD_PERP', swap: true, inverse: true, settle: 'BTC', contractSize: 100, active: true });
    } else expect(m).toMatchObject({ linear: true, settle: 'USDT', contractSize: 1 });
    const info = (await (await fetch(`${ex.urls.http}${market === 'spot' ? '/api/v3' : '/fapi/v1'}/exchangeInfo`)).json()) as { symbols: { symbol: string; filters: P[] }[] };
    const filters = info.symbols.find((s) => s.symbol === 'BTCUSDT')!.filters;
    expect(m.precision.price).toBe(Number(filters.find((f) => f['filterType'] === 'PRICE_FILTER')!['tickSize']));
    expect(m.precision.amount).toBe(Number(filters.find((f) => f['filterType'] === 'LOT_SIZE')!['stepSize']));
    // With keys ccxt also reads the wallet (`/sapi/v1/capital/config/getall`, signed) from the spot emulator.
    if (keys) expect((c.currencies['USDT']?.info as P | undefined)?.['free']).toBe('10000.00000000');
    else expect(c.currencies['USDT']?.info).toBeUndefined();

    // Trades: ids, prices and quantities of the stream's events.
    const trades = (await c.watchTrades(symbol)).map((t) => ({ ...t }));
    const tradeStream = streamLike(ex, /^btcusdt@(agg)?[tT]rade$/);
    const sent = new Map(ex.groundTruth(tradeStream).map((e) => [String((e.payload as P)[tradeStream.endsWith('aggTrade') ? 'a' : 't']), e.payload as P]));
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) {
      const e = sent.get(String(t.id));
      expect(e, `trade ${String(t.id)} was sent`).toBeDefined();
      expect([t.symbol, t.price, t.amount, t.timestamp]).toEqual([symbol, Number(e!['p']), Number(e!['q']), e!['T']]);
    }

    // Candles: each equal to a kline event of the stream.
    const candles = (await c.watchOHLCV(symbol, '1m')).map((k) => [...k]);
    const kl = ex.groundTruth(streamLike(ex, /^btcusdt@kline_1m$/)).map((e) => (e.payload as { k: P }).k);
    expect(candles.length).toBeGreaterThan(0);
    for (const k of candles) {
      const same = kl.some((x) => x['t'] === k[0] && [x['o'], x['h'], x['l'], x['c'], x['v']].map(Number).join() === k.slice(1).join());
      expect(same, `candle ${JSON.stringify(k)} was sent`).toBe(true);
    }

    // Order book: REST snapshot + diffs in ccxt equal the emulator's own book at the same update id.
    const book = await c.watchOrderBook(symbol);
    const top = (side: [number, number][]): string => JSON.stringify(side.slice(0, 10).map(([p, q]) => [p, q]));
    const emu = (side: [string, string][]): string => JSON.stringify(side.map(([p, q]) => [Number(p), Number(q)]));
    await until(
      () => {
        const v = ex.orderBook('btcusdt', 10);
        return book.nonce === v.lastUpdateId && top(book.bids as [number, number][]) === emu(v.bids) && top(book.asks as [number, number][]) === emu(v.asks);
      },
      { timeoutMs: 10_000 },
    );

    // Ticker: the last price of a ticker event.
    const ticker = { ...(await c.watchTicker(symbol)) };
    const tk = ex.groundTruth(streamLike(ex, /^btcusdt@(mini)?[tT]icker$/)).map((e) => e.payload as P);
    expect(ticker.symbol).toBe(symbol);
    expect(tk.some((e) => Number(e['c']) === ticker.last && e['E'] === ticker.timestamp)).toBe(true);
  });
});
