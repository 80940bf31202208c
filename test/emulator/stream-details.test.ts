/**
 * The rules of the newer streams beyond their field sets: `@+08:00` kline boundaries, rolling-window
 * ticker windows, referencePrice, spot `timeUnit` (µs time fields; invalid values refused with
 * -1194; futures ignore it), rare event-driven streams staying rare at the default rate.
 */
import { describe, expect, it } from 'vitest';
import { openSocket, tryUpgrade } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const H = 3_600_000;
const D = 24 * H;

async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  onCleanup(() => s.close());
  return s;
}
const dataOf = (s: TestSocket, stream: string): any[] => (s.messages as any[]).filter((m) => m.stream === stream).map((m) => m.data);

describe('spot kline @+08:00', () => {
  it('bars open and close on UTC+8 boundaries; t/T stay UTC epoch ms', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { kline: 20 } });
    const names = ['btcusdt@kline_1d@+08:00', 'btcusdt@kline_12h@+08:00', 'btcusdt@kline_1M@+08:00', 'btcusdt@kline_1d'];
    const s = await open(`${ex.urls.ws}/stream?streams=${names.map(encodeURIComponent).join('/')}`);
    await until(() => names.every((n) => dataOf(s, n).length >= 2));
    const k = (n: string): any => dataOf(s, n)[0].k;
    const d8 = k('btcusdt@kline_1d@+08:00');
    expect((d8.t + 8 * H) % D).toBe(0);
    expect(d8.T).toBe(d8.t + D - 1);
    expect(d8.i).toBe('1d');
    const h12 = k('btcusdt@kline_12h@+08:00');
    expect((h12.t + 8 * H) % (12 * H)).toBe(0);
    expect(h12.t % (12 * H)).not.toBe(0);
    const m8 = k('btcusdt@kline_1M@+08:00');
    const local = new Date(m8.t + 8 * H);
    expect([local.getUTCDate(), local.getUTCHours(), local.getUTCMinutes()]).toEqual([1, 0, 0]);
    const nextLocal = new Date(m8.T + 1 + 8 * H);
    expect([nextLocal.getUTCDate(), nextLocal.getUTCHours()]).toEqual([1, 0]);
    // The UTC stream's day starts 8 h later (or earlier) than the UTC+8 one.
    expect((((k('btcusdt@kline_1d').t - d8.t) % D) + D) % D).toBe(8 * H);
    // A raw `+` in the query (decoded as a space by URL parsers) is the same stream.
    const raw = await open(`${ex.urls.ws}/stream?streams=btcusdt@kline_1d@+08:00`);
    expect((await raw.next((m) => m.stream === 'btcusdt@kline_1d@+08:00')).data.k.t).toBe(d8.t);
  });
});

describe('spot rolling-window tickers and referencePrice', () => {
  it('O starts on a minute, C is the event time, the window is its size up to 59 999 ms wider', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt', 'ethusdt'], rates: { rollingTicker: 20, '!rollingTicker@arr': 20, referencePrice: 20 } });
    const names = ['btcusdt@ticker_1h', 'btcusdt@ticker_4h', 'btcusdt@ticker_1d', '!ticker_4h@arr', 'btcusdt@referencePrice'];
    const s = await open(`${ex.urls.ws}/stream?streams=${names.join('/')}`);
    await until(() => names.every((n) => dataOf(s, n).length >= 2));
    const span: Record<string, number> = { '1h': H, '4h': 4 * H, '1d': D };
    for (const w of ['1h', '4h', '1d']) {
      for (const t of dataOf(s, `btcusdt@ticker_${w}`)) {
        expect(t.e).toBe(`${w}Ticker`);
        expect(t.O % 60_000).toBe(0);
        expect(t.C).toBe(t.E);
        expect(t.C - t.O).toBeGreaterThanOrEqual(span[w]!);
        expect(t.C - t.O).toBeLessThan(span[w]! + 60_000);
        expect(Number(t.h)).toBeGreaterThanOrEqual(Math.max(Number(t.o), Number(t.c)));
        expect(Number(t.l)).toBeLessThanOrEqual(Math.min(Number(t.o), Number(t.c)));
        expect(t.n).toBe(t.n ? t.L - t.F + 1 : 0);
      }
    }
    const arr = dataOf(s, '!ticker_4h@arr')[0];
    expect(arr.map((t: any) => t.s).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const r of dataOf(s, 'btcusdt@referencePrice')) {
      expect(r).not.toHaveProperty('E');
      expect(r.s).toBe('BTCUSDT');
      expect(Number(r.r)).toBeGreaterThan(1000);
    }
  });
});

describe('spot timeUnit on stream URLs', () => {
  it('MICROSECOND / microsecond: every time field in µs (ids untouched); MILLISECOND / millisecond: ms', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { trade: 50, kline: 20, ticker: 20, referencePrice: 20 } });
    const names = ['btcusdt@trade', 'btcusdt@kline_1m', 'btcusdt@ticker', 'btcusdt@referencePrice'];
    const us = await open(`${ex.urls.ws}/stream?streams=${names.join('/')}&timeUnit=MICROSECOND`);
    const us2 = await open(`${ex.urls.ws}/ws/btcusdt@trade?timeUnit=microsecond`);
    const ms = await open(`${ex.urls.ws}/ws/btcusdt@trade?timeUnit=millisecond`);
    const ms2 = await open(`${ex.urls.ws}/ws/btcusdt@trade?timeUnit=MILLISECOND`);
    await until(() => names.every((n) => dataOf(us, n).length >= 2) && us2.messages.length >= 2 && ms.messages.length >= 2 && ms2.messages.length >= 2);
    const truth = new Map(ex.groundTruth('btcusdt@trade').map((e) => [(e.payload as any).t, e.payload as any]));
    for (const t of [...dataOf(us, 'btcusdt@trade'), ...(us2.messages as any[])]) {
      const gt = truth.get(t.t)!;
      expect(gt, `trade ${t.t} in the ground truth`).toBeDefined();
      expect(t).toEqual({ ...gt, E: gt.E * 1000, T: gt.T * 1000 });
    }
    for (const t of [...(ms.messages as any[]), ...(ms2.messages as any[])]) expect(t).toEqual(truth.get(t.t));
    const k = dataOf(us, 'btcusdt@kline_1m')[0];
    expect(String(k.E)).toHaveLength(16);
    expect(k.k.t % 60_000_000).toBe(0);
    expect(k.k.T).toBe(k.k.t + 59_999_000);
    const tk = dataOf(us, 'btcusdt@ticker')[0];
    expect(tk.C - tk.O).toBe(D * 1000);
    expect(String(dataOf(us, 'btcusdt@referencePrice')[0].t)).toHaveLength(16);
  });

  it('an invalid timeUnit is refused at the handshake: HTTP 400, -1194; futures ignore timeUnit (always ms)', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'] });
    for (const bad of ['SECOND', 'Microsecond', 'us', '']) {
      const r = await tryUpgrade(`${ex.urls.ws}/ws/btcusdt@trade?timeUnit=${bad}`);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(400);
        expect(JSON.parse(r.body)).toEqual({ code: -1194, msg: 'Invalid value for time unit; expected either MICROSECOND or MILLISECOND.' });
      }
    }
    const fut = await startEmulator({ market: 'usdm', symbols: ['btcusdt'], rates: { markPrice: 20 } });
    const s = await open(`${fut.urls.ws}/market/ws/btcusdt@markPrice?timeUnit=MICROSECOND`);
    const m = await s.next((x) => x.e === 'markPriceUpdate');
    expect(String(m.E)).toHaveLength(13);
  });
});

describe('rare event-driven streams', () => {
  it('forceOrder, !contractInfo and blockTrade are rare at the default cadence and frequent with a rate override', async () => {
    const quiet = await startEmulator({ market: 'usdm', symbols: ['btcusdt'], rates: { bookTicker: 100 } });
    const q = await open(`${quiet.urls.ws}/market/stream?streams=btcusdt@forceOrder/!contractInfo/btcusdt@aggTrade`);
    await until(() => q.messages.length >= 5);
    // One check a second: at most a couple of events in the first second (chance 1/60 and 1/600 each).
    expect(quiet.publishedCount('btcusdt@forceOrder') + quiet.publishedCount('!contractInfo')).toBeLessThanOrEqual(2);
    const busy = await startEmulator({ market: 'usdm', symbols: ['btcusdt', 'ethusdt'], rates: { forceOrder: 1000, '!forceOrder@arr': 1000 } });
    const b = await open(`${busy.urls.ws}/market/stream?streams=btcusdt@forceOrder/!forceOrder@arr`);
    await until(() => dataOf(b, 'btcusdt@forceOrder').length >= 3 && dataOf(b, '!forceOrder@arr').length >= 3);
    for (const f of dataOf(b, 'btcusdt@forceOrder')) expect(f.o.s).toBe('BTCUSDT');
    expect(new Set(dataOf(b, '!forceOrder@arr').map((f) => f.o.s)).size).toBeGreaterThanOrEqual(1);
    const spot = await startEmulator({ symbols: ['btcusdt'], rates: { blockTrade: 1000 } });
    const bt = await open(`${spot.urls.ws}/ws/btcusdt@blockTrade`);
    await until(() => bt.messages.length >= 3);
    const ids = (bt.messages as any[]).map((m) => m.t);
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1] + 1)).toBe(true);
  });

  it('flood() on a rare stream sends that many events (each one fires), continuing its ids', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { blockTrade: 0 } });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@blockTrade`);
    expect(await ex.flood({ stream: 'btcusdt@blockTrade', count: 30 })).toMatchObject({ sent: 30 });
    await until(() => s.messages.length >= 30);
    const ids = (s.messages as any[]).map((m) => m.t);
    expect(new Set(ids).size).toBe(30);
    expect((s.messages as any[]).every((m) => m.e === 'blockTrade' && m.s === 'BTCUSDT')).toBe(true);
    const fut = await startEmulator({ market: 'usdm', symbols: ['btcusdt', 'ethusdt'], rates: { '!forceOrder@arr': 0 } });
    const f = await open(`${fut.urls.ws}/market/ws/!forceOrder@arr`);
    await fut.flood({ stream: '!forceOrder@arr', count: 10 });
    await until(() => f.messages.length >= 10);
    expect((f.messages as any[]).every((m) => m.e === 'forceOrder' && m.st === 1)).toBe(true);
  });
});
