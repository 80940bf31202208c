/**
 * The market's history, driven by raw `ws` + `fetch` clients on 127.0.0.1: trades, aggTrades and
 * klines exist in time whether or not anyone subscribes, REST serves exactly what the streams
 * carry (same ids), a client that was away backfills its gap with `fromId`, and the window,
 * limits and errors follow Binance.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/index';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { openSocket, sleep } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';
import { until } from '../helpers/wait';

async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  onCleanup(() => s.close());
  return s;
}
async function rest(ex: FakeBinance, path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${ex.urls.http}${path}`);
  return { status: r.status, body: await r.json() };
}
const contiguous = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1);
const PREFIX = { spot: '/api/v3', usdm: '/fapi/v1', coinm: '/dapi/v1' } as const;
const SYMBOL = { spot: 'btcusdt', usdm: 'btcusdt', coinm: 'btcusd_perp' } as const;
const ROUTE = { spot: '', usdm: '/market', coinm: '' } as const;

describe('history: a client away for a while backfills exactly what the stream would have carried', () => {
  for (const market of ['spot', 'usdm', 'coinm'] as const) {
    it(`${market}: aggTrades fromId fills the gap with the same ids and payloads; the live ids continue in time`, async () => {
      const ex = await startEmulator({ market, symbols: [SYMBOL[market]], rates: { aggTrade: 100 }, generatorLingerMs: 0 });
      const stream = `${SYMBOL[market]}@aggTrade`;
      const a = await open(`${ex.urls.ws}${ROUTE[market]}/ws/${stream}`);
      await until(() => a.messages.length >= 10, { timeoutMs: 3000 });
      a.close();
      await until(() => ex.generatingStreams().length === 0, { timeoutMs: 3000 });
      const last = a.messages.at(-1) as any;
      await sleep(300); // away: trades go on happening meanwhile
      const b = await open(`${ex.urls.ws}${ROUTE[market]}/ws/${stream}`);
      await until(() => b.messages.length >= 3, { timeoutMs: 3000 });
      const next = b.messages[0] as any;
      expect(next.a).toBeGreaterThan(last.a + 10); // ~30 trades in 300 ms at 100/s
      const sym = SYMBOL[market].toUpperCase();
      const { body } = await rest(ex, `${PREFIX[market]}/aggTrades?symbol=${sym}&fromId=${last.a + 1}&limit=1000`);
      const missed = (body as any[]).filter((r) => r.a < next.a);
      expect(missed.map((r) => r.a)).toEqual(Array.from({ length: next.a - last.a - 1 }, (_, i) => last.a + 1 + i));
      // Trade times lie between the two sides of the gap; trade ids chain through it.
      expect(missed.every((r) => r.T >= last.T && r.T <= next.T)).toBe(true);
      expect(missed[0].f).toBe(last.l + 1);
      expect(next.f).toBe(missed.at(-1).l + 1);
      // The rows for ids the stream did carry are the stream's payloads.
      const row = (body as any[]).find((r) => r.a === next.a);
      const { e: _e, E: _E, s: _s, st: _st, ...payload } = next; // `st` (symbol type) is stream-only
      if (market === 'coinm') delete payload.nq; // COIN-M's REST rows have no nq
      expect(row).toEqual(payload);
    });
  }

  it('history exists before anyone subscribes: REST has the recent trades at once, the stream continues them', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 50, trade: 50 } });
    const recent = (await rest(ex, '/api/v3/aggTrades?symbol=BTCUSDT')).body as any[];
    expect(recent).toHaveLength(500); // default limit; the history reaches 48 h before the start
    expect(contiguous(recent.map((r) => r.a))).toBe(true);
    expect(recent.every((r, i) => i === 0 || r.T >= recent[i - 1].T)).toBe(true);
    expect(recent.at(-1).T).toBeLessThanOrEqual(Date.now());
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    const first = (await s.next((m) => m.e === 'aggTrade')) as any;
    expect(first.a).toBeGreaterThan(recent.at(-1).a);
    const between = (await rest(ex, `/api/v3/aggTrades?symbol=BTCUSDT&fromId=${recent.at(-1).a}&limit=1000`)).body as any[];
    expect(between.map((r) => r.a).slice(0, first.a - recent.at(-1).a + 1)).toEqual(Array.from({ length: first.a - recent.at(-1).a + 1 }, (_, i) => recent.at(-1).a + i));
    // Trades: /trades (recent) and /historicalTrades (fromId) from the @trade tape.
    const trades = (await rest(ex, '/api/v3/trades?symbol=BTCUSDT&limit=3')).body as any[];
    expect(trades).toHaveLength(3);
    expect(Object.keys(trades[0]).sort()).toEqual(['id', 'isBestMatch', 'isBuyerMaker', 'price', 'qty', 'quoteQty', 'time']);
    const old = (await rest(ex, `/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${trades[0].id - 5}&limit=8`)).body as any[];
    expect(old.map((t) => t.id)).toEqual(Array.from({ length: 8 }, (_, i) => trades[0].id - 5 + i));
    expect(old.slice(5)).toEqual(trades);
  });

  it('the same seed gives the same trade for an id in any emulator', async () => {
    const a = await startEmulator({ seed: 3, symbols: ['btcusdt'], rates: { aggTrade: 20 } });
    const b = await startEmulator({ seed: 3, symbols: ['btcusdt'], rates: { aggTrade: 20 } });
    const ra = (await rest(a, '/api/v3/aggTrades?symbol=BTCUSDT&limit=50')).body as any[];
    const rb = (await rest(b, `/api/v3/aggTrades?symbol=BTCUSDT&fromId=${ra[0].a}&limit=50`)).body as any[];
    const strip = ({ T: _t, ...r }: any): any => r;
    expect(rb.slice(0, 40).map(strip)).toEqual(ra.slice(0, 40).map(strip));
  });
});

describe('history: REST parameters as Binance takes them', () => {
  it('aggTrades: limit default 500 / max 1000, a time range returns its oldest first, fromId wins', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'], rates: { aggTrade: 100 } });
    const q = async (p: string): Promise<any[]> => (await rest(ex, `/api/v3/aggTrades?symbol=BTCUSDT${p}`)).body;
    expect(await q('&limit=5000')).toHaveLength(1000);
    const now = Date.now();
    const range = await q(`&startTime=${now - 60_000}&endTime=${now - 55_000}&limit=1000`);
    expect(range.length).toBeGreaterThanOrEqual(500); // 100/s × 5 s, both ends inclusive
    expect(range.length).toBeLessThanOrEqual(501);
    expect(contiguous(range.map((r) => r.a))).toBe(true);
    expect(range.every((r) => r.T >= now - 60_000 && r.T <= now - 55_000)).toBe(true);
    expect((await q(`&startTime=${now - 60_000}&endTime=${now - 55_000}&limit=10`)).map((r) => r.a)).toEqual(range.slice(0, 10).map((r) => r.a));
    const wins = await q(`&fromId=${range[300].a}&startTime=${now - 60_000}&limit=3`);
    expect(wins.map((r) => r.a)).toEqual(range.slice(300, 303).map((r) => r.a));
    const toEnd = await q(`&endTime=${now - 55_000}&limit=4`);
    expect(toEnd.map((r) => r.a)).toEqual(range.slice(-4).map((r) => r.a));
    // Spot has no 1-hour rule (its current docs state none).
    expect(await q(`&startTime=${now - 7_200_000}&endTime=${now}&limit=1`)).toHaveLength(1);
  });

  it('futures: a range over 1 hour is -1127; older than the window is -4166; fromId older than the window starts at the window', async () => {
    // A 1 h window (emulator time) at timeScale 60: 60 s on the wall clock.
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'], rates: { aggTrade: 10 }, historyRetentionMs: 3_600_000, timeScale: 60 });
    const now = Date.now();
    expect(await rest(ex, `/fapi/v1/aggTrades?symbol=BTCUSDT&startTime=${now - 3_700_000}&endTime=${now}`)).toEqual({
      status: 400,
      body: { code: -1127, msg: 'More than 1 hours between startTime and endTime.' },
    });
    expect(await rest(ex, `/fapi/v1/aggTrades?symbol=BTCUSDT&startTime=${now - 120_000}&endTime=${now}`)).toEqual({
      status: 400,
      body: { code: -4166, msg: 'Search window is restricted to recent 1 hours only.' },
    });
    const inWindow = (await rest(ex, `/fapi/v1/aggTrades?symbol=BTCUSDT&startTime=${now - 30_000}&limit=5`)).body as any[];
    expect(inWindow).toHaveLength(5);
    const all = (await rest(ex, `/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=1&limit=3`)).body as any[];
    expect(all[0].T).toBeGreaterThanOrEqual(now - 61_000);
    expect(contiguous(all.map((r) => r.a))).toBe(true);
    // historicalTrades: futures default 100, max 500.
    expect((await rest(ex, '/fapi/v1/historicalTrades?symbol=BTCUSDT')).body).toHaveLength(100);
    expect((await rest(ex, '/fapi/v1/historicalTrades?symbol=BTCUSDT&limit=900')).body).toHaveLength(500);
  });

  it('klines: default 500; max 1000 spot (cut), 1500 futures (more is -1130); COIN-M takes the newest of a range', async () => {
    const spot = await startEmulator({ market: 'spot', symbols: ['btcusdt'] });
    expect((await rest(spot, '/api/v3/klines?symbol=BTCUSDT&interval=1m')).body).toHaveLength(500);
    expect((await rest(spot, '/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1200')).body).toHaveLength(1000);
    const um = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    expect((await rest(um, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500')).body).toHaveLength(1500);
    expect(await rest(um, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1501')).toEqual({ status: 400, body: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." } });
    const t = Math.floor(Date.now() / 60_000) * 60_000 - 100 * 60_000;
    const first = (await rest(um, `/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${t}&endTime=${t + 9 * 60_000}&limit=3`)).body as any[];
    expect(first.map((k) => k[0])).toEqual([t, t + 60_000, t + 120_000]);
    const cm = await startEmulator({ market: 'coinm', symbols: ['btcusd_perp'] });
    const newest = (await rest(cm, `/dapi/v1/klines?symbol=BTCUSD_PERP&interval=1m&startTime=${t}&endTime=${t + 9 * 60_000}&limit=3`)).body as any[];
    expect(newest.map((k) => k[0])).toEqual([t + 7 * 60_000, t + 8 * 60_000, t + 9 * 60_000]);
  });
});

describe('history: klines', () => {
  it('REST rows equal the kline stream’s closed candles; n, f and L are the @trade tape’s trades in the bar', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'], rates: { kline: 20, trade: 40 } });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@kline_1s`);
    await until(() => s.messages.filter((m: any) => m.k.x).length >= 2, { timeoutMs: 5000 });
    const closed = s.messages.filter((m: any) => m.k.x).map((m: any) => m.k);
    await until(() => Date.now() > closed.at(-1).T + 300); // so that the trade after the last bar has happened
    const rows = (await rest(ex, `/api/v3/klines?symbol=BTCUSDT&interval=1s&startTime=${closed[0].t}&limit=${closed.length}`)).body as any[];
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]])).toEqual(closed.map((k: any) => [k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q]));
    for (const k of closed) {
      expect(k.n).toBeGreaterThan(0);
      const trades = (await rest(ex, `/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${k.f}&limit=${k.n + 1}`)).body as any[];
      expect(trades.slice(0, k.n).every((t) => t.time >= k.t && t.time <= k.T)).toBe(true);
      expect(trades[k.n - 1].id).toBe(k.L);
      expect(trades[k.n].time).toBeGreaterThan(k.T);
    }
    // The open bar is served too, and its open matches the stream's last update.
    const cur = (s.messages.at(-1) as any).k;
    const latest = (await rest(ex, '/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=1')).body as any[];
    expect(latest[0][0]).toBeGreaterThanOrEqual(cur.t);
  });
});

describe('history: floods and realistic activity', () => {
  it('flooded aggTrades are part of the history: REST serves them with the ids the stream carried, and paced ones continue after', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 100 }, groundTruthLimit: 10_000 });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    await until(() => s.messages.length >= 5, { timeoutMs: 3000 });
    await ex.flood({ stream: 'btcusdt@aggTrade', count: 3000 });
    await until(() => s.messages.length >= 3000 + 20, { timeoutMs: 10_000 });
    s.close();
    const got = (s.raw as string[]).map((r) => JSON.parse(r) as any);
    expect(contiguous(got.map((m) => m.a))).toBe(true);
    const rows: any[] = [];
    for (let from = got[0].a; rows.length < got.length;) {
      const page = (await rest(ex, `/api/v3/aggTrades?symbol=BTCUSDT&fromId=${from}&limit=1000`)).body as any[];
      rows.push(...page);
      from = page.at(-1).a + 1;
    }
    const { e: _e, E: _E, s: _s, ...shape } = got[0];
    expect(Object.keys(rows[0]).sort()).toEqual(Object.keys(shape).sort());
    expect(rows.slice(0, got.length)).toEqual(got.map(({ e: _x, E: _y, s: _z, ...r }) => r));
  });

  it('realistic activity at a high timeScale: bursty tape times, and a trade stream backfills from historicalTrades', async () => {
    const ex = await startEmulator({
      symbols: ['btcusdt', 'sym0002usdt'],
      timeScale: 600,
      rates: { trade: 0.5 },
      activity: { mode: 'realistic', lull: false, levels: { sym0002usdt: 0 } },
      generatorLingerMs: 0,
    });
    const a = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => a.messages.length >= 50, { timeoutMs: 10_000 });
    a.close();
    await until(() => ex.generatingStreams().length === 0, { timeoutMs: 3000 });
    const last = a.messages.at(-1) as any;
    await sleep(200);
    const b = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => b.messages.length >= 1, { timeoutMs: 10_000 });
    const next = b.messages[0] as any;
    const rows = (await rest(ex, `/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${last.t + 1}&limit=1000`)).body as any[];
    const missed = rows.filter((r) => r.id < next.t);
    expect(missed.map((r) => r.id)).toEqual(Array.from({ length: next.t - last.t - 1 }, (_, i) => last.t + 1 + i));
    // Not evenly spaced: gaps vary like a Poisson process's.
    const gaps = (a.messages as any[]).slice(1).map((m, i) => m.T - (a.messages[i] as any).T);
    expect(new Set(gaps).size).toBeGreaterThan(5);
    // A symbol that never trades has no history.
    expect((await rest(ex, '/api/v3/trades?symbol=SYM0002USDT')).body).toEqual([]);
  });
});
