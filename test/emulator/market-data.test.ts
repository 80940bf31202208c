import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep } from '../helpers/emulator-client';
import { until } from '../helpers/wait';
import type { TestSocket } from '../helpers/emulator-client';

const exs: FakeBinance[] = [];
const socks: TestSocket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.close();
  await Promise.all(exs.splice(0).map((e) => e.close()));
});
async function start(o: Parameters<typeof FakeBinance.start>[0]): Promise<FakeBinance> {
  const ex = await FakeBinance.start(o);
  exs.push(ex);
  return ex;
}
async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  socks.push(s);
  return s;
}
function strip(x: any): any {
  const { E: _e, T: _t, ...rest } = x;
  return rest;
}

describe('generated market data', () => {
  it('is deterministic per seed (same ids, prices, quantities) and differs across seeds', async () => {
    // Trades exist in time (the history tape): which ids a subscriber sees first depends on when
    // it subscribes, but an id carries the same trade in every run with the same seed.
    const run = async (seed: number): Promise<Map<number, any>> => {
      const ex = await start({ seed, rates: { aggTrade: 200 } });
      const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
      await until(() => s.messages.length >= 60, { timeoutMs: 3000 });
      return new Map(s.messages.map((m: any) => [m.a, strip(m)]));
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    const common = [...a.keys()].filter((id) => b.has(id));
    expect(common.length).toBeGreaterThanOrEqual(5);
    for (const id of common) expect(b.get(id)).toEqual(a.get(id));
    expect([...a.values()].slice(0, 10)).not.toEqual([...c.values()].slice(0, 10));
  });

  it('spot payloads carry Binance field names; sequences are continuous', async () => {
    const ex = await start({ rates: { aggTrade: 100, trade: 100, 'depth@100ms': 50, depthN: 50, kline: 50, miniTicker: 50, ticker: 50, bookTicker: 100 } });
    const streams = ['btcusdt@aggTrade', 'btcusdt@trade', 'btcusdt@depth@100ms', 'btcusdt@depth5', 'btcusdt@kline_1m', 'btcusdt@miniTicker', 'btcusdt@ticker', 'btcusdt@bookTicker', '!miniTicker@arr'];
    const s = await open(`${ex.urls.ws}/stream?streams=${streams.join('/')}`);
    await until(() => streams.every((st) => s.messages.filter((m: any) => m.stream === st).length >= 3), { timeoutMs: 3000 });
    const of = (st: string): any[] => s.messages.filter((m: any) => m.stream === st).map((m: any) => m.data);
    const keys = (st: string): string[] => Object.keys(of(st)[0]).sort();
    expect(keys('btcusdt@aggTrade')).toEqual(['E', 'M', 'T', 'a', 'e', 'f', 'l', 'm', 'p', 'q', 's'].sort());
    expect(keys('btcusdt@trade')).toEqual(['E', 'M', 'T', 'e', 'm', 'p', 'q', 's', 't'].sort());
    expect(keys('btcusdt@depth@100ms')).toEqual(['E', 'U', 'a', 'b', 'e', 's', 'u'].sort());
    expect(keys('btcusdt@depth5')).toEqual(['asks', 'bids', 'lastUpdateId']);
    expect(of('btcusdt@depth5')[0].bids).toHaveLength(5);
    expect(keys('btcusdt@miniTicker')).toEqual(['E', 'c', 'e', 'h', 'l', 'o', 'q', 's', 'v'].sort());
    expect(of('btcusdt@ticker')[0]).toMatchObject({ e: '24hrTicker', s: 'BTCUSDT' });
    expect(Object.keys(of('btcusdt@kline_1m')[0].k).sort()).toEqual(['B', 'L', 'Q', 'T', 'V', 'c', 'f', 'h', 'i', 'l', 'n', 'o', 'q', 's', 't', 'v', 'x'].sort());
    expect(Array.isArray(of('!miniTicker@arr')[0])).toBe(true);
    const inc = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1);
    expect(inc(of('btcusdt@aggTrade').map((d) => d.a))).toBe(true);
    expect(inc(of('btcusdt@trade').map((d) => d.t))).toBe(true);
    const d = of('btcusdt@depth@100ms');
    for (let i = 1; i < d.length; i++) expect(d[i].U).toBe(d[i - 1].u + 1);
    for (const k of of('btcusdt@kline_1m')) {
      expect(k.k.t % 60_000).toBe(0);
      expect(k.k.T).toBe(k.k.t + 59_999);
    }
    for (const p of of('btcusdt@aggTrade')) expect(typeof p.p).toBe('string');
    const bt = of('btcusdt@bookTicker');
    expect(Number(bt[0].b)).toBeLessThan(Number(bt[0].a));
  });

  it('futures depth carries pu = previous u (U may jump); markPrice, aggTrade nq', async () => {
    const ex = await start({ market: 'usdm', rates: { 'depth@100ms': 50, markPrice: 50, aggTrade: 100 } });
    const pub = await open(`${ex.urls.ws}/public/ws/ethusdt@depth@100ms`);
    const mkt = await open(`${ex.urls.ws}/market/stream?streams=ethusdt@markPrice/ethusdt@aggTrade`);
    await until(() => pub.messages.length >= 10 && mkt.messages.length >= 6, { timeoutMs: 3000 });
    const d = pub.messages as any[];
    expect(Object.keys(d[0]).sort()).toEqual(['E', 'T', 'U', 'a', 'b', 'e', 'ps', 'pu', 's', 'st', 'u'].sort());
    // Binance's futures ids are not consecutive across events: only pu chains them.
    for (let i = 1; i < d.length; i++) {
      expect(d[i].pu).toBe(d[i - 1].u);
      expect(d[i].U).toBeGreaterThan(d[i - 1].u);
      expect(d[i].u).toBeGreaterThanOrEqual(d[i].U);
    }
    expect(d.some((e, i) => i > 0 && e.U > d[i - 1].u + 1)).toBe(true);
    const mp = (mkt.messages as any[]).find((m) => m.stream === 'ethusdt@markPrice').data;
    expect(Object.keys(mp).sort()).toEqual(['E', 'P', 'T', 'ap', 'e', 'i', 'p', 'r', 's', 'st'].sort());
    expect((mkt.messages as any[]).find((m) => m.stream === 'ethusdt@aggTrade').data).toHaveProperty('nq');
  });

  it('ground truth = what a subscriber received: nothing lost, nothing twice', async () => {
    const ex = await start({ rates: { aggTrade: 300 } });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    await until(() => s.messages.length >= 30, { timeoutMs: 3000 });
    s.close();
    await until(() => ex.connections().length === 0, { timeoutMs: 3000 });
    const received = s.raw;
    const gt = ex.groundTruth('btcusdt@aggTrade');
    // the generator lingers after the disconnect, so the ground truth may be longer
    expect(gt.length).toBeGreaterThanOrEqual(received.length);
    expect(gt.slice(0, received.length).map((e) => e.raw)).toEqual(received);
    expect(gt.map((e) => e.seq)).toEqual(gt.map((_, i) => i + 1));
    expect(gt[0]!.publishedAt).toBeGreaterThan(0);
  });

  it('groundTruthLimit bounds the ring per stream; publishedCount keeps the total', async () => {
    const ex = await start({ autoGenerate: false, groundTruthLimit: 3 });
    for (let i = 1; i <= 5; i++) ex.publish('x@trade', { t: i });
    expect(ex.groundTruth('x@trade').map((e) => [e.seq, (e.payload as any).t])).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(ex.publishedCount('x@trade')).toBe(5);
  });

  it('generates only for subscribed streams (and stops after the linger time)', async () => {
    const ex = await start({ symbolCount: 3000, rates: { trade: 100 }, generatorLingerMs: 50 });
    expect(ex.options.symbols[2999]).toBe('sym2980usdt');
    expect(ex.generatingStreams()).toEqual([]);
    const s = await open(`${ex.urls.ws}/ws/sym2980usdt@trade`);
    await s.next((x) => x.s === 'SYM2980USDT');
    expect(ex.generatingStreams()).toEqual(['sym2980usdt@trade']);
    s.close();
    await until(() => ex.generatingStreams().length === 0, { timeoutMs: 1000 });
    const n = ex.publishedCount('sym2980usdt@trade');
    await sleep(60);
    expect(ex.publishedCount('sym2980usdt@trade')).toBe(n);
  });

  it('autoGenerate:false publishes only test events; rates accepts a function; stampField adds a hi-res send time', async () => {
    const quiet = await start({ autoGenerate: false });
    const q = await open(`${quiet.urls.ws}/ws/btcusdt@trade`);
    await sleep(100);
    expect(q.messages).toEqual([]);
    const ex = await start({ rates: (stream) => (stream.startsWith('eth') ? 200 : 0), stampField: 'X' });
    const s = await open(`${ex.urls.ws}/stream?streams=ethusdt@aggTrade/btcusdt@aggTrade`);
    const m = await s.next((x) => x.stream === 'ethusdt@aggTrade');
    expect(typeof m.data.X).toBe('number');
    expect(Math.abs(m.data.X - Date.now())).toBeLessThan(1000);
    expect(m.data.X % 1).not.toBe(0);
    await sleep(100);
    expect(s.messages.some((x: any) => x.stream === 'btcusdt@aggTrade')).toBe(false);
    await expect(FakeBinance.start({ stampField: 'a b' })).rejects.toThrow(TypeError);
    await expect(FakeBinance.start({ market: 'nope' as never })).rejects.toThrow(/market/);
    await expect(FakeBinance.start({ rates: { trade: -1 } })).rejects.toThrow(/rates\.trade/);
  });

  it('flood: publishes count events as fast as the subscriber drains, identical bytes for all subscribers', async () => {
    const ex = await start({ autoGenerate: false, groundTruthLimit: 50_000 });
    const a = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    const b = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    await until(() => ex.connections().length === 2, { timeoutMs: 3000 });
    const res = await ex.flood({ stream: 'btcusdt@aggTrade', count: 20_000 });
    expect(res.sent).toBe(20_000);
    await until(() => a.raw.length === 20_000 && b.raw.length === 20_000, { timeoutMs: 10_000 });
    expect(a.raw).toEqual(b.raw);
    const ids = a.raw.map((r) => (JSON.parse(r) as { a: number }).a);
    expect(ids.every((x, i) => i === 0 || x === ids[i - 1]! + 1)).toBe(true);
    await expect(ex.flood({ stream: 'nosuch@aggTrade', count: 1 })).rejects.toThrow(RangeError);
  });

  it('rate Infinity streams continuously at full speed while subscribed', async () => {
    const ex = await start({ rates: { trade: Infinity }, generatorLingerMs: 0 });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => s.messages.length >= 5000, { timeoutMs: 5000 });
    s.close();
    await until(() => ex.generatingStreams().length === 0, { timeoutMs: 3000 });
  });
});

describe('REST market data consistent with streams', () => {
  it('depth snapshot lastUpdateId falls inside the diff stream [U;u] ranges (spot procedure)', async () => {
    const ex = await start({ rates: { 'depth@100ms': 50 }, generatorLingerMs: 0 });
    const stream = 'btcusdt@depth@100ms';
    const s = await open(`${ex.urls.ws}/ws/${stream}`);
    await until(() => s.messages.length >= 2, { timeoutMs: 3000 });
    const snap = (await (await fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT&limit=1000`)).json()) as any;
    await until(() => (s.messages as any[]).some((m) => m.u > snap.lastUpdateId), { timeoutMs: 3000 });
    // Stop the stream, then compare against everything it published (the ground truth): events
    // published while the client was closing never reach it, but they do change the book.
    s.close();
    await until(() => ex.connections().length === 0 && ex.generatingStreams().length === 0, { timeoutMs: 3000 });
    const published = ex.groundTruth(stream).map((e) => e.payload as any);
    expect(s.messages).toEqual(published.slice(0, s.messages.length));
    const events = published.filter((m) => m.u > snap.lastUpdateId);
    expect(events[0].U).toBeLessThanOrEqual(snap.lastUpdateId + 1);
    // Apply the events to the snapshot: the result equals a later snapshot at the same update id.
    const book = { bids: new Map<string, string>(snap.bids), asks: new Map<string, string>(snap.asks) };
    for (const e of events) {
      for (const [p, q] of e.b) q === '0.00000000' ? book.bids.delete(p) : book.bids.set(p, q);
      for (const [p, q] of e.a) q === '0.00000000' ? book.asks.delete(p) : book.asks.set(p, q);
    }
    const snap2 = (await (await fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json()) as any;
    expect(snap2.lastUpdateId).toBe(published.at(-1).u);
    expect(new Map(snap2.bids)).toEqual(book.bids);
    expect(new Map(snap2.asks)).toEqual(book.asks);
  });

  it('aggTrades returns the streamed trades (fromId backfill); klines match the stream bars', async () => {
    const ex = await start({ market: 'usdm', rates: { aggTrade: 200, kline: 50 } });
    const s = await open(`${ex.urls.ws}/market/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m`);
    await until(() => s.messages.filter((m: any) => m.stream === 'btcusdt@aggTrade').length >= 20 && s.messages.some((m: any) => m.stream === 'btcusdt@kline_1m'), { timeoutMs: 3000 });
    const trades = (s.messages as any[]).filter((m) => m.stream === 'btcusdt@aggTrade').map((m) => m.data);
    const from = trades[5].a;
    const rest = (await (await fetch(`${ex.urls.http}/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=${from}&limit=10`)).json()) as any[];
    expect(rest).toHaveLength(10);
    // USD-M REST rows carry nq like the stream (third-party measurement of fapi.binance.com).
    expect(rest[0]).toEqual({ a: from, p: trades[5].p, q: trades[5].q, nq: trades[5].nq, f: trades[5].f, l: trades[5].l, T: trades[5].T, m: trades[5].m });
    const k = (s.messages as any[]).filter((m) => m.stream === 'btcusdt@kline_1m').at(-1).data.k;
    const rows = (await (await fetch(`${ex.urls.http}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=3`)).json()) as any[];
    expect(rows).toHaveLength(3);
    const cur = rows.at(-1);
    expect(cur[0]).toBe(k.t);
    expect(cur[6]).toBe(k.T);
    expect(cur[1]).toBe(k.o);
    expect(rows[1][6] + 1).toBe(cur[0]);
  });

  it('validates parameters like Binance', async () => {
    const ex = await start({});
    const get = async (q: string): Promise<any> => (await fetch(`${ex.urls.http}/api/v3/${q}`)).json();
    expect(await get('klines?interval=1m')).toMatchObject({ code: -1102 });
    expect(await get('klines?symbol=NOPE&interval=1m')).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    expect(await get('klines?symbol=BTCUSDT&interval=7m')).toEqual({ code: -1120, msg: 'Invalid interval.' });
    expect(await get('ping')).toEqual({});
    expect((await get('time')).serverTime).toBeGreaterThan(0);
    expect((await get('exchangeInfo')).symbols[0]).toMatchObject({ symbol: 'BTCUSDT', status: 'TRADING' });
  });
});
