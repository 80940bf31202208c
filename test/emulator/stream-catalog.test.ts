/**
 * Every documented stream generates data (the emulator's list, data/stream-catalog.ts, walked per
 * market), and every event type's payload has the field set and field types of Binance's
 * documented example (the tables below are written from Binance's pages and official SDK types,
 * not from the emulator's code). Rare, event-driven streams are sped up with a rate override.
 */
import { describe, expect, it } from 'vitest';
import type { MarketId } from '../../src/testing/profile';
import { routeOf } from '../../src/testing/profile';
import { catalogSymbols, documentedStreams } from '../../src/testing/data/stream-catalog';
import { openSocket, sleep } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const RARE = new Set(['blockTrade', 'forceOrder', '!forceOrder@arr', '!contractInfo']);
/** Rare streams checked ~1000×/s: a liquidation/contract change/block trade within a few ms. */
const fastRates = (stream: string): number | undefined => {
  const kind = stream.startsWith('!') ? stream : stream.slice(stream.indexOf('@') + 1);
  return RARE.has(kind) ? 1000 : undefined;
};

const SYMBOLS: Record<MarketId, string[]> = { spot: ['btcusdt', 'ethusdt'], usdm: ['btcusdt', 'ethusdt'], coinm: ['btcusd_perp', 'ethusd_perp'] };

async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  onCleanup(() => s.close());
  return s;
}

/** Subscribe to all of `streams` on combined connections (USD-M: one per documented route); data by stream. */
async function collect(market: MarketId, streams: { example: string; route: string }[]): Promise<{ data: Map<string, unknown[]>; socks: TestSocket[]; base: string }> {
  const ex = await startEmulator({ market, symbols: SYMBOLS[market], rates: fastRates as never, seed: 11 });
  const byRoute = new Map<string, string[]>();
  for (const s of streams) byRoute.set(s.route, [...(byRoute.get(s.route) ?? []), s.example]);
  const socks: TestSocket[] = [];
  for (const [route, names] of byRoute) {
    const sock = await open(`${ex.urls.ws}${route ? `/${route}` : ''}/stream?streams=${names.join('/')}`);
    socks.push(sock);
  }
  const data = new Map<string, unknown[]>();
  const read = (): void => {
    data.clear();
    for (const sock of socks) for (const m of sock.messages as { stream?: string; data?: unknown }[]) if (m.stream) data.set(m.stream, [...(data.get(m.stream) ?? []), m.data]);
  };
  const missing = (): string[] => (read(), streams.map((s) => s.example).filter((n) => !data.has(n)));
  await until(() => missing().length === 0, { timeoutMs: 8000, message: () => `data on ${missing().join(', ')}` });
  const conns = ex.connections();
  for (const c of conns) expect(c.silent).toEqual([]);
  return { data, socks, base: ex.urls.ws };
}

describe('every documented stream generates data', () => {
  for (const market of ['spot', 'usdm', 'coinm'] as const) {
    it(`${market}: the documented list, each on its documented route`, async () => {
      const list = documentedStreams(market, catalogSymbols(SYMBOLS[market][0]!));
      expect(list.length).toBeGreaterThan(40);
      // The catalog's routes are the emulator's route table (profile.ts).
      for (const s of list) expect(routeOf(market, s.example), s.example).toBe(s.route);
      const { data } = await collect(market, list);
      for (const s of list) expect(data.get(s.example)?.length, s.example).toBeGreaterThan(0);
    });
  }
});

// ---- field tables (Binance's documented examples) ---------------------------------------------

/** s: string, n: number, b: boolean, a: array, o: object, `?` suffix on the name: optional. */
type Leaf = 's' | 'n' | 'b' | 'a' | 'o';
interface Spec {
  [field: string]: Leaf | Spec | [Spec];
}

const KLINE_K: Spec = { t: 'n', T: 'n', s: 's', i: 's', f: 'n', L: 'n', o: 's', c: 's', h: 's', l: 's', v: 's', n: 'n', x: 'b', q: 's', V: 's', Q: 's', B: 's' };
const { s: _ks, ...CONT_K } = KLINE_K;
const MINI: Spec = { e: 's', E: 'n', s: 's', c: 's', o: 's', h: 's', l: 's', v: 's', q: 's' };
const FUT_TICKER: Spec = { e: 's', E: 'n', s: 's', p: 's', P: 's', w: 's', c: 's', Q: 's', o: 's', h: 's', l: 's', v: 's', q: 's', O: 'n', C: 'n', F: 'n', L: 'n', n: 'n', ps: 's', st: 'n' };
const FUT_DEPTH: Spec = { e: 's', E: 'n', T: 'n', s: 's', ps: 's', U: 'n', u: 'n', pu: 'n', b: 'a', a: 'a', st: 'n' };
const FUT_BOOK: Spec = { e: 's', u: 'n', E: 'n', T: 'n', s: 's', ps: 's', b: 's', B: 's', a: 's', A: 's', st: 'n' };
const LIQ_O: Spec = { s: 's', S: 's', o: 's', f: 's', q: 's', p: 's', ap: 's', X: 's', l: 's', z: 's', T: 'n' };
const CONTRACT: Spec = { e: 's', E: 'n', s: 's', ps: 's', ct: 's', dt: 'n', ot: 'n', cs: 's', 'bks?': [{ bs: 'n', bnf: 'n', bnc: 'n', mmr: 'n', cf: 'n', mi: 'n', ma: 'n' }], st: 'n' };
const ROLLING: Spec = { e: 's', E: 'n', s: 's', p: 's', P: 's', o: 's', h: 's', l: 's', c: 's', w: 's', v: 's', q: 's', O: 'n', C: 'n', F: 'n', L: 'n', n: 'n' };

/** [stream example, expected `e` (undefined: none), spec]; arrays are checked element-wise. */
const TABLE: Record<MarketId, [string, string | undefined, Spec][]> = {
  spot: [
    ['btcusdt@aggTrade', 'aggTrade', { e: 's', E: 'n', s: 's', a: 'n', p: 's', q: 's', f: 'n', l: 'n', T: 'n', m: 'b', M: 'b' }],
    ['btcusdt@trade', 'trade', { e: 's', E: 'n', s: 's', t: 'n', p: 's', q: 's', T: 'n', m: 'b', M: 'b' }],
    ['btcusdt@blockTrade', 'blockTrade', { e: 's', E: 'n', s: 's', t: 'n', p: 's', q: 's', T: 'n', m: 'b' }],
    ['btcusdt@kline_1m', 'kline', { e: 's', E: 'n', s: 's', k: KLINE_K }],
    ['btcusdt@kline_1d@+08:00', 'kline', { e: 's', E: 'n', s: 's', k: KLINE_K }],
    ['btcusdt@miniTicker', '24hrMiniTicker', MINI],
    ['!miniTicker@arr', '24hrMiniTicker', MINI],
    [
      'btcusdt@ticker',
      '24hrTicker',
      { e: 's', E: 'n', s: 's', p: 's', P: 's', w: 's', x: 's', c: 's', Q: 's', b: 's', B: 's', a: 's', A: 's', o: 's', h: 's', l: 's', v: 's', q: 's', O: 'n', C: 'n', F: 'n', L: 'n', n: 'n' },
    ],
    ['btcusdt@ticker_1h', '1hTicker', ROLLING],
    ['btcusdt@ticker_4h', '4hTicker', ROLLING],
    ['!ticker_1d@arr', '1dTicker', ROLLING],
    ['btcusdt@bookTicker', undefined, { u: 'n', s: 's', b: 's', B: 's', a: 's', A: 's' }],
    ['btcusdt@avgPrice', 'avgPrice', { e: 's', E: 'n', s: 's', i: 's', w: 's', T: 'n' }],
    ['btcusdt@referencePrice', 'referencePrice', { e: 's', s: 's', r: 's', t: 'n' }],
    ['btcusdt@depth5', undefined, { lastUpdateId: 'n', bids: 'a', asks: 'a' }],
    ['btcusdt@depth@100ms', 'depthUpdate', { e: 's', E: 'n', s: 's', U: 'n', u: 'n', b: 'a', a: 'a' }],
  ],
  usdm: [
    ['btcusdt@aggTrade', 'aggTrade', { e: 's', E: 'n', s: 's', a: 'n', p: 's', q: 's', nq: 's', f: 'n', l: 'n', T: 'n', m: 'b', st: 'n' }],
    ['btcusdt@markPrice', 'markPriceUpdate', { e: 's', E: 'n', s: 's', p: 's', ap: 's', P: 's', i: 's', r: 's', T: 'n', st: 'n' }],
    ['!markPrice@arr@1s', 'markPriceUpdate', { e: 's', E: 'n', s: 's', p: 's', ap: 's', P: 's', i: 's', r: 's', T: 'n', st: 'n' }],
    ['btcusdt@kline_1m', 'kline', { e: 's', E: 'n', s: 's', k: KLINE_K }],
    ['btcusdt_perpetual@continuousKline_1m', 'continuous_kline', { e: 's', E: 'n', ps: 's', ct: 's', k: CONT_K }],
    ['btcusdt@miniTicker', '24hrMiniTicker', { ...MINI, ps: 's', st: 'n' }],
    ['!ticker@arr', '24hrTicker', FUT_TICKER],
    ['btcusdt@forceOrder', 'forceOrder', { e: 's', E: 'n', o: LIQ_O }],
    ['!forceOrder@arr', 'forceOrder', { e: 's', E: 'n', o: LIQ_O, ps: 's', st: 'n' }],
    ['!contractInfo', 'contractInfo', CONTRACT],
    ['btcusdt@bookTicker', 'bookTicker', FUT_BOOK],
    ['!bookTicker', 'bookTicker', FUT_BOOK],
    ['btcusdt@depth10@100ms', 'depthUpdate', FUT_DEPTH],
    ['btcusdt@depth', 'depthUpdate', FUT_DEPTH],
    ['btcusdt@rpiDepth@500ms', 'depthUpdate', FUT_DEPTH],
    ['btcusdt@compositeIndex', 'compositeIndex', { e: 's', E: 'n', s: 's', p: 's', C: 's', c: [{ b: 's', q: 's', w: 's', W: 's', i: 's' }] }],
    ['!assetIndex@arr', 'assetIndexUpdate', { e: 's', E: 'n', s: 's', i: 's', b: 's', a: 's', B: 's', A: 's', q: 's', g: 's', Q: 's', G: 's' }],
    ['tradingSession', undefined, { e: 's', E: 'n', t: 'n', T: 'n', S: 's' }],
  ],
  coinm: [
    ['btcusd_perp@aggTrade', 'aggTrade', { e: 's', E: 'n', a: 'n', s: 's', p: 's', q: 's', f: 'n', l: 'n', T: 'n', m: 'b', st: 'n' }],
    ['btcusd_perp@markPrice', 'markPriceUpdate', { e: 's', E: 'n', s: 's', p: 's', P: 's', i: 's', r: 's', T: 'n', st: 'n' }],
    ['btcusd@markPrice@1s', 'markPriceUpdate', { e: 's', E: 'n', s: 's', p: 's', P: 's', i: 's', r: 's', T: 'n', st: 'n' }],
    ['btcusd@indexPrice', 'indexPriceUpdate', { e: 's', E: 'n', i: 's', p: 's' }],
    ['btcusd@indexPriceKline_1m', 'indexPrice_kline', { e: 's', E: 'n', ps: 's', k: KLINE_K }],
    ['btcusd_perp@markPriceKline_1m', 'markPrice_kline', { e: 's', E: 'n', ps: 's', k: KLINE_K }],
    ['btcusd_perpetual@continuousKline_1m', 'continuous_kline', { e: 's', E: 'n', ps: 's', ct: 's', k: CONT_K }],
    ['btcusd_perp@ticker', '24hrTicker', FUT_TICKER],
    ['!miniTicker@arr', '24hrMiniTicker', { ...MINI, ps: 's', st: 'n' }],
    ['btcusd_perp@forceOrder', 'forceOrder', { e: 's', E: 'n', o: { ...LIQ_O, ps: 's' } }],
    ['!contractInfo', 'contractInfo', CONTRACT],
    ['btcusd_perp@bookTicker', 'bookTicker', FUT_BOOK],
    ['btcusd_perp@depth20', 'depthUpdate', FUT_DEPTH],
  ],
};

/** Fields that carry decimals (as strings) at the top level of a payload and in a kline's `k`. */
const DECIMALS = new Set(['p', 'q', 'c', 'o', 'h', 'l', 'v', 'w', 'P', 'Q', 'ap', 'nq', 'r', 'A', 'V', 'g', 'G']);

function check(where: string, v: unknown, spec: Spec, decimals = true): void {
  expect(v !== null && typeof v === 'object' && !Array.isArray(v), `${where} is an object`).toBe(true);
  const obj = v as Record<string, unknown>;
  const required = Object.keys(spec).filter((k) => !k.endsWith('?'));
  const allowed = Object.keys(spec).map((k) => k.replace(/\?$/, ''));
  expect(
    Object.keys(obj).filter((k) => !allowed.includes(k)),
    `${where}: fields Binance does not document`,
  ).toEqual([]);
  expect(
    required.filter((k) => !(k in obj)),
    `${where}: documented fields missing`,
  ).toEqual([]);
  for (const [key, t] of Object.entries(spec)) {
    const k = key.replace(/\?$/, '');
    if (!(k in obj)) continue;
    const x = obj[k];
    const at = `${where}.${k}`;
    if (Array.isArray(t)) {
      expect(Array.isArray(x), `${at} is an array`).toBe(true);
      for (const [i, item] of (x as unknown[]).entries()) check(`${at}[${i}]`, item, t[0], false);
    } else if (typeof t === 'object') check(at, x, t, k === 'k');
    else if (t === 'a') expect(Array.isArray(x), `${at} is an array`).toBe(true);
    else expect(typeof x, at).toBe({ s: 'string', n: 'number', b: 'boolean', o: 'object' }[t as Exclude<Leaf, 'a'>]);
    if (decimals && t === 's' && DECIMALS.has(k)) expect(Number.isFinite(Number(x)) && x !== '', `${at} = ${JSON.stringify(x)} is a decimal string`).toBe(true);
  }
}

describe('payload field sets and types match Binance’s documented examples', () => {
  for (const market of ['spot', 'usdm', 'coinm'] as const) {
    it(`${market}: every event type`, async () => {
      const rows = TABLE[market];
      const { data } = await collect(
        market,
        rows.map(([stream]) => ({ example: stream, route: routeOf(market, stream) })),
      );
      for (const [stream, e, spec] of rows) {
        const payloads = data.get(stream)!;
        for (const p of payloads.slice(0, 5)) {
          for (const [i, item] of (Array.isArray(p) ? p : [p]).entries()) {
            check(`${stream}${Array.isArray(p) ? `[${i}]` : ''}`, item, spec);
            if (e !== undefined) expect((item as { e: string }).e, stream).toBe(e);
          }
        }
      }
      // tradingSession: one message per underlying market, each with its own event type.
      if (market === 'usdm') {
        const kinds = new Set(data.get('tradingSession')!.map((m) => (m as { e: string }).e));
        expect([...kinds].sort()).toEqual(['CN_EquityUpdate', 'CommodityUpdate', 'EquityUpdate', 'FXUpdate', 'HK_EquityUpdate', 'KR_EquityUpdate']);
      }
    });
  }
});

describe('unknown and wrongly routed streams: acknowledged, silent, recorded', () => {
  it('spot: unknown kinds, unknown symbols and retired streams are recorded as unknown; documented ones deliver', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'], rates: { aggTrade: 50 } });
    const silentOnes = ['btcusdt@bogus', 'xyzusdt@aggTrade', '!ticker@arr', '!bookTicker', 'btcusdt@markPrice', 'btcusdt@kline_1m@+05:00'];
    const s = await open(`${ex.urls.ws}/ws`);
    s.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', ...silentOnes], id: 1 });
    expect(await s.next((m) => m.id === 1)).toEqual({ result: null, id: 1 });
    const conn = ex.connections()[0]!;
    expect(conn.silent).toEqual(silentOnes.map((stream) => ({ stream, reason: 'unknown' })));
    await until(() => s.messages.filter((m: any) => m.e === 'aggTrade').length >= 5);
    expect(s.messages.filter((m: any) => m.e && m.e !== 'aggTrade')).toEqual([]);
    for (const st of silentOnes) expect(ex.publishedCount(st), st).toBe(0);
  });

  it('usdm: a /market stream on /public is recorded as wrongRoute, and a futures name from COIN-M as unknown', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'], rates: { bookTicker: 50, aggTrade: 50 } });
    const s = await open(`${ex.urls.ws}/public/ws`);
    s.send({ method: 'SUBSCRIBE', params: ['btcusdt@bookTicker', 'btcusdt@aggTrade', 'btcusd@indexPrice', 'btcusdt@ticker_1h'], id: 7 });
    await s.next((m) => m.id === 7);
    expect(ex.connections()[0]!.silent).toEqual([
      { stream: 'btcusdt@aggTrade', reason: 'wrongRoute' },
      { stream: 'btcusd@indexPrice', reason: 'wrongRoute' },
      { stream: 'btcusdt@ticker_1h', reason: 'wrongRoute' },
    ]);
    const m = await open(`${ex.urls.ws}/market/ws/btcusd@indexPrice/btcusdt@ticker_1h/btcusdt@aggTrade`);
    await until(() => m.messages.filter((x: any) => x.e === 'aggTrade').length >= 3);
    expect(ex.connections()[1]!.silent).toEqual([
      { stream: 'btcusd@indexPrice', reason: 'unknown' },
      { stream: 'btcusdt@ticker_1h', reason: 'unknown' },
    ]);
    await until(() => s.messages.filter((x: any) => x.e === 'bookTicker').length >= 3);
    expect(s.messages.filter((x: any) => x.e === 'aggTrade')).toEqual([]);
    await sleep(50); // the aggTrade stream kept generating for /market meanwhile
    expect(m.messages.every((x: any) => x.e === 'aggTrade')).toBe(true);
  });
});
