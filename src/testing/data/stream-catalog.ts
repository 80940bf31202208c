/**
 * Every stream Binance documents, per market (protocol reference §1 and §4; spot "WebSocket
 * Streams", USD-M "Websocket Market Streams", COIN-M "Websocket Market Streams"), as a name
 * template and a concrete example built from the emulator's symbols. The emulator generates data
 * for each (stream-factory.ts); `test/emulator/stream-catalog.test.ts` walks the list.
 */
import type { MarketId, Route } from '../profile';

export interface DocumentedStream {
  /** Binance's name template. */
  readonly template: string;
  /** A concrete name for the emulator's symbols. */
  readonly example: string;
  /** USD-M route it is documented on (`''` elsewhere). */
  readonly route: Route;
  /** Event-driven and rare at the default rate (liquidations, contract changes, block trades). */
  readonly rare?: boolean;
}

/** Names the examples are built from: a symbol (`btcusdt` / `btcusd_perp`), its pair, its asset-index name. */
export interface CatalogSymbols {
  readonly symbol: string;
  readonly pair: string;
  readonly asset: string;
}

const SPOT_INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
const FUTURES_INTERVALS = SPOT_INTERVALS.slice(1);

type Entry = [template: string, example: (c: CatalogSymbols) => string[], route?: Route, rare?: boolean];

const SPOT: readonly Entry[] = [
  ['<symbol>@aggTrade', (c) => [`${c.symbol}@aggTrade`]],
  ['<symbol>@trade', (c) => [`${c.symbol}@trade`]],
  ['<symbol>@blockTrade', (c) => [`${c.symbol}@blockTrade`], '', true],
  ['<symbol>@kline_<interval>', (c) => SPOT_INTERVALS.map((i) => `${c.symbol}@kline_${i}`)],
  ['<symbol>@kline_<interval>@+08:00', (c) => SPOT_INTERVALS.map((i) => `${c.symbol}@kline_${i}@+08:00`)],
  ['<symbol>@miniTicker', (c) => [`${c.symbol}@miniTicker`]],
  ['!miniTicker@arr', () => ['!miniTicker@arr']],
  ['<symbol>@ticker', (c) => [`${c.symbol}@ticker`]],
  ['<symbol>@ticker_<window>', (c) => ['1h', '4h', '1d'].map((w) => `${c.symbol}@ticker_${w}`)],
  ['!ticker_<window>@arr', () => ['1h', '4h', '1d'].map((w) => `!ticker_${w}@arr`)],
  ['<symbol>@bookTicker', (c) => [`${c.symbol}@bookTicker`]],
  ['<symbol>@avgPrice', (c) => [`${c.symbol}@avgPrice`]],
  ['<symbol>@referencePrice', (c) => [`${c.symbol}@referencePrice`]],
  ['<symbol>@depth<levels>[@100ms]', (c) => ['5', '10', '20'].flatMap((n) => [`${c.symbol}@depth${n}`, `${c.symbol}@depth${n}@100ms`])],
  ['<symbol>@depth[@100ms]', (c) => [`${c.symbol}@depth`, `${c.symbol}@depth@100ms`]],
];

const FUTURES_COMMON = (route: (r: Route) => Route): Entry[] => [
  ['<symbol>@aggTrade', (c) => [`${c.symbol}@aggTrade`], route('market')],
  ['<symbol>@markPrice[@1s]', (c) => [`${c.symbol}@markPrice`, `${c.symbol}@markPrice@1s`], route('market')],
  ['!markPrice@arr[@1s]', () => ['!markPrice@arr', '!markPrice@arr@1s'], route('market')],
  ['<symbol>@kline_<interval>', (c) => FUTURES_INTERVALS.map((i) => `${c.symbol}@kline_${i}`), route('market')],
  [
    '<pair>_<contractType>@continuousKline_<interval>',
    (c) => [...SPOT_INTERVALS.map((i) => `${c.pair}_perpetual@continuousKline_${i}`), `${c.pair}_current_quarter@continuousKline_1m`, `${c.pair}_next_quarter@continuousKline_1m`],
    route('market'),
  ],
  ['<symbol>@miniTicker', (c) => [`${c.symbol}@miniTicker`], route('market')],
  ['!miniTicker@arr', () => ['!miniTicker@arr'], route('market')],
  ['<symbol>@ticker', (c) => [`${c.symbol}@ticker`], route('market')],
  ['!ticker@arr', () => ['!ticker@arr'], route('market')],
  ['<symbol>@forceOrder', (c) => [`${c.symbol}@forceOrder`], route('market'), true],
  ['!forceOrder@arr', () => ['!forceOrder@arr'], route('market'), true],
  ['!contractInfo', () => ['!contractInfo'], route('market'), true],
  ['<symbol>@bookTicker', (c) => [`${c.symbol}@bookTicker`], route('public')],
  ['!bookTicker', () => ['!bookTicker'], route('public')],
  ['<symbol>@depth<levels>[@500ms|@100ms]', (c) => ['5', '10', '20'].flatMap((n) => [`${c.symbol}@depth${n}`, `${c.symbol}@depth${n}@500ms`, `${c.symbol}@depth${n}@100ms`]), route('public')],
  ['<symbol>@depth[@500ms|@100ms]', (c) => [`${c.symbol}@depth`, `${c.symbol}@depth@500ms`, `${c.symbol}@depth@100ms`], route('public')],
];

const USDM: readonly Entry[] = [
  ...FUTURES_COMMON((r) => r),
  ['<symbol>@rpiDepth@500ms', (c) => [`${c.symbol}@rpiDepth@500ms`], 'public'],
  ['<symbol>@compositeIndex', (c) => [`${c.symbol}@compositeIndex`], 'market'],
  ['!assetIndex@arr', () => ['!assetIndex@arr'], 'market'],
  ['<assetSymbol>@assetIndex', (c) => [`${c.asset}@assetIndex`], 'market'],
  ['tradingSession', () => ['tradingSession'], 'market'],
];

const COINM: readonly Entry[] = [
  ...FUTURES_COMMON(() => ''),
  ['<pair>@indexPrice[@1s]', (c) => [`${c.pair}@indexPrice`, `${c.pair}@indexPrice@1s`]],
  ['<pair>@markPrice[@1s]', (c) => [`${c.pair}@markPrice`, `${c.pair}@markPrice@1s`]],
  ['<pair>@indexPriceKline_<interval>', (c) => FUTURES_INTERVALS.map((i) => `${c.pair}@indexPriceKline_${i}`)],
  ['<symbol>@markPriceKline_<interval>', (c) => FUTURES_INTERVALS.map((i) => `${c.symbol}@markPriceKline_${i}`)],
];

const TABLES: Readonly<Record<MarketId, readonly Entry[]>> = { spot: SPOT, usdm: USDM, coinm: COINM };

/** The documented streams of a market, with examples for `c`, in the order of Binance's pages. */
export function documentedStreams(market: MarketId, c: CatalogSymbols): DocumentedStream[] {
  return TABLES[market].flatMap(([template, example, route = '', rare]) => example(c).map((e) => ({ template, example: e, route, ...(rare ? { rare } : {}) })));
}

/** The example names for a market's first symbol (`btcusdt`, or COIN-M `btcusd_perp`). */
export function catalogSymbols(symbol: string): CatalogSymbols {
  const pair = symbol.split('_')[0] ?? symbol;
  const asset = `${symbol.replace(/(usdt|usdc|busd)$/, '')}usd`;
  return { symbol, pair, asset };
}
