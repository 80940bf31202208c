/**
 * Diff depth as Binance serves it, driven by raw `ws` + `fetch` clients on 127.0.0.1: a local book
 * built with Binance's documented procedure (futures: `pu` chains events while `U` jumps; spot:
 * `U` = previous `u` + 1) stays equal to the emulator's book (`fake.orderBook()`); the chain can
 * be broken on purpose (`faults.breakDepthChain`); depth `limit` is validated like Binance's.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/index';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { openSocket } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';
import { until } from '../helpers/wait';

async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  onCleanup(() => s.close());
  return s;
}

interface DiffEvent {
  U: number;
  u: number;
  pu?: number;
  b: [string, string][];
  a: [string, string][];
}

/** A local book kept the documented way; `problems` lists every broken rule it saw. */
class LocalBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  lastU = 0;
  applied = 0;
  readonly problems: string[] = [];
  private started = false;

  constructor(
    private readonly futures: boolean,
    snap: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] },
  ) {
    for (const [p, q] of snap.bids) this.bids.set(p, q);
    for (const [p, q] of snap.asks) this.asks.set(p, q);
    this.lastU = snap.lastUpdateId;
  }

  apply(e: DiffEvent): void {
    if (!this.started) {
      // Futures: drop u < lastUpdateId, the first has U <= lastUpdateId <= u. Spot: drop u <= lastUpdateId, the first has U <= lastUpdateId + 1 <= u.
      if (this.futures ? e.u < this.lastU : e.u <= this.lastU) return;
      const ok = this.futures ? e.U <= this.lastU && this.lastU <= e.u : e.U <= this.lastU + 1 && this.lastU + 1 <= e.u;
      if (!ok) this.problems.push(`first event [${e.U}, ${e.u}] does not cover ${this.lastU}`);
      this.started = true;
    } else if (this.futures ? e.pu !== this.lastU : e.U !== this.lastU + 1) {
      this.problems.push(this.futures ? `pu ${e.pu} after u ${this.lastU}` : `U ${e.U} after u ${this.lastU}`);
    }
    for (const [p, q] of e.b) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of e.a) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
    this.lastU = e.u;
    this.applied++;
  }
}

async function syncedBook(ex: FakeBinance, market: 'spot' | 'usdm', s: TestSocket): Promise<LocalBook> {
  await until(() => s.messages.length >= 2, { timeoutMs: 3000 });
  const path = market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth';
  const snap = (await (await fetch(`${ex.urls.http}${path}?symbol=BTCUSDT&limit=1000`)).json()) as any;
  const book = new LocalBook(market !== 'spot', snap);
  let next = 0;
  const drain = (): void => {
    for (; next < s.messages.length; next++) book.apply(s.messages[next] as DiffEvent);
  };
  s.ws.on('message', () => queueMicrotask(drain));
  drain();
  return book;
}

describe('diff depth: a local book kept by Binance’s procedure equals the emulator’s book', () => {
  for (const market of ['usdm', 'spot'] as const) {
    it(`${market}: snapshot + stream, chained ${market === 'spot' ? 'by U = previous u + 1' : 'by pu while U jumps'}`, async () => {
      const ex = await startEmulator({ market, rates: { 'depth@100ms': 50 } });
      const s = await open(`${ex.urls.ws}${market === 'usdm' ? '/public' : ''}/ws/btcusdt@depth@100ms`);
      const book = await syncedBook(ex, market, s);
      await until(() => book.applied >= 20, { timeoutMs: 5000, message: () => `20 events applied (${book.applied})` });
      // The book only changes when an event is generated: it matches once we have applied the latest one.
      await until(() => book.lastU === ex.orderBook('btcusdt').lastUpdateId, { timeoutMs: 3000 });
      const view = ex.orderBook('BTCUSDT');
      expect(book.problems).toEqual([]);
      expect(book.bids).toEqual(new Map(view.bids));
      expect(book.asks).toEqual(new Map(view.asks));
      expect(view.bids.length).toBeGreaterThan(50);
      expect(Number(view.bids[0]![0])).toBeLessThan(Number(view.asks[0]![0]));
      expect(ex.orderBook('btcusdt', 5).bids).toEqual(view.bids.slice(0, 5));
      const d = s.messages as DiffEvent[];
      if (market === 'usdm') expect(d.some((e, i) => i > 0 && e.U > d[i - 1]!.u + 1)).toBe(true);
      else expect(d.every((e, i) => i === 0 || e.U === d[i - 1]!.u + 1)).toBe(true);
    });
  }

  it('orderBook() rejects an unknown symbol', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'] });
    expect(() => ex.orderBook('ethusdt')).toThrow(RangeError);
  });
});

describe('faults.breakDepthChain', () => {
  for (const market of ['usdm', 'spot'] as const) {
    it(`${market}: the next event is lost, the one after it skips`, async () => {
      const ex = await startEmulator({ market, rates: { 'depth@100ms': 50 }, groundTruthLimit: 10_000 });
      expect(ex.faults.breakDepthChain('btcusdt')).toBe(0); // nothing generating yet
      const stream = 'btcusdt@depth@100ms';
      const s = await open(`${ex.urls.ws}${market === 'usdm' ? '/public' : ''}/ws/${stream}`);
      const book = await syncedBook(ex, market, s);
      await until(() => book.applied >= 5, { timeoutMs: 3000 });
      expect(ex.faults.breakDepthChain('BTCUSDT')).toBe(1);
      const n = s.messages.length;
      await until(() => s.messages.length >= n + 5, { timeoutMs: 3000 });
      const d = s.messages as DiffEvent[];
      const breaks = d.filter((e, i) => i > 0 && (market === 'usdm' ? e.pu !== d[i - 1]!.u : e.U !== d[i - 1]!.u + 1));
      expect(breaks).toHaveLength(1);
      expect(book.problems).toHaveLength(1);
      // What was sent is the ground truth: the lost event is in neither.
      const truth = ex.groundTruth(stream).map((e) => e.payload as DiffEvent);
      expect(truth.slice(0, d.length)).toEqual(d);
    });
  }

  it('validates its argument', async () => {
    const ex = await startEmulator({});
    expect(() => ex.faults.breakDepthChain('')).toThrow(TypeError);
  });
});

describe('REST depth limit, as Binance validates it', () => {
  it('spot: 1–5000, default 100, more is cut to 5000; 0 is -1130', async () => {
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'] });
    const get = async (q: string): Promise<{ status: number; body: any }> => {
      const r = await fetch(`${ex.urls.http}/api/v3/depth?symbol=BTCUSDT${q}`);
      return { status: r.status, body: await r.json() };
    };
    expect((await get('')).body.bids).toHaveLength(100);
    expect((await get('&limit=7')).body.bids).toHaveLength(7);
    expect((await get('&limit=9999')).status).toBe(200);
    expect(await get('&limit=0')).toEqual({ status: 400, body: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." } });
    expect(Object.keys((await get('')).body).sort()).toEqual(['asks', 'bids', 'lastUpdateId']);
  });

  it('futures: 5/10/20/50/100/500/1000, default 500; -4021 for another value, -1130 out of range; COIN-M adds symbol and pair', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    const get = async (q: string): Promise<{ status: number; body: any }> => {
      const r = await fetch(`${ex.urls.http}/fapi/v1/depth?symbol=BTCUSDT${q}`);
      return { status: r.status, body: await r.json() };
    };
    const all = await get('');
    expect(all.body.bids.length).toBeGreaterThan(5);
    expect(Object.keys(all.body).sort()).toEqual(['E', 'T', 'asks', 'bids', 'lastUpdateId']);
    expect((await get('&limit=5')).body.bids).toHaveLength(5);
    expect(await get('&limit=7')).toEqual({ status: 400, body: { code: -4021, msg: '7 is not valid depth limit' } });
    expect(await get('&limit=5000')).toEqual({ status: 400, body: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." } });
    const cm = await startEmulator({ market: 'coinm', symbols: ['btcusd_perp'] });
    const body = (await (await fetch(`${cm.urls.http}/dapi/v1/depth?symbol=BTCUSD_PERP&limit=10`)).json()) as any;
    expect(body).toMatchObject({ symbol: 'BTCUSD_PERP', pair: 'BTCUSD', lastUpdateId: expect.any(Number) });
    expect(body.asks).toHaveLength(10);
  });
});
