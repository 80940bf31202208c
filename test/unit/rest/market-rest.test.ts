import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from '../../../src/rest/http';
import { MarketRest } from '../../../src/rest/market-rest';
import type { RestAcquireOptions, RestWeightBudgetState, SharedRestWeightBudget } from '../../../src/rest/weight-budget';
import { RestWeightBudget } from '../../../src/rest/weight-budget';
import type { HeadersLike } from '../../../src/rest/weights';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

function scripted(answers: Answer[]) {
  const calls: { url: string; headers: Record<string, string>; at: number }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, headers: init.headers, at: Date.now() });
    const a = answers.shift() ?? { status: 200, body: [] };
    if (a instanceof Error) throw a;
    const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    return { status: a.status, headers: new Headers(a.headers ?? {}), text: async () => text };
  };
  return { fetch, calls };
}

/** A budget that grants everything and records what it was asked and told. */
function spyBudget() {
  const acquired: { weight: number; owner: string | undefined }[] = [];
  const observed: { status: number; used: string | null }[] = [];
  const budget: SharedRestWeightBudget = {
    acquire: async (weight: number, o: RestAcquireOptions = {}) => void acquired.push({ weight, owner: o.owner }),
    observe: (status: number, h?: HeadersLike) => void observed.push({ status, used: h && 'get' in h && typeof h.get === 'function' ? h.get('X-MBX-USED-WEIGHT-1M') : null }),
    pausedForMs: () => 0,
    state: () => ({}) as RestWeightBudgetState,
  };
  return { budget, acquired, observed };
}

const AGG = { a: 1, p: '1.0', q: '2', f: 1, l: 1, T: 5, m: true, M: true };

describe('MarketRest', () => {
  afterEach(() => vi.useRealTimers());

  it('builds the request, upper-cases the symbol and spends the table weight through the budget', async () => {
    const s = scripted([{ status: 200, body: [AGG], headers: { 'X-MBX-USED-WEIGHT-1M': '12' } }]);
    const spy = spyBudget();
    const rest = new MarketRest({ market: 'spot', baseUrl: 'https://api.test/', fetch: s.fetch, budget: spy.budget });
    await expect(rest.aggTrades({ symbol: 'btcusdt', fromId: 5, limit: 100 }, { owner: 'btcusdt@aggTrade' })).resolves.toEqual([AGG]);
    expect(s.calls[0]?.url).toBe('https://api.test/api/v3/aggTrades?symbol=BTCUSDT&fromId=5&limit=100');
    expect(s.calls[0]?.headers).toEqual({});
    expect(spy.acquired).toEqual([{ weight: 4, owner: 'btcusdt@aggTrade' }]);
    expect(spy.observed).toEqual([{ status: 200, used: '12' }]);
  });

  it('prices each market by its own table and sends the default depth limit explicitly', async () => {
    const book = { lastUpdateId: 1, bids: [], asks: [] };
    for (const [market, path, weight] of [
      ['spot', '/api/v3/depth?symbol=ETHUSDT&limit=100', 5],
      ['usdm', '/fapi/v1/depth?symbol=ETHUSDT&limit=500', 10],
      ['coinm', '/dapi/v1/depth?symbol=ETHUSDT&limit=500', 10],
    ] as const) {
      const s = scripted([{ status: 200, body: book }]);
      const spy = spyBudget();
      await new MarketRest({ market, baseUrl: 'https://x.test', fetch: s.fetch, budget: spy.budget }).depth({ symbol: 'ethusdt' });
      expect(s.calls[0]?.url).toBe(`https://x.test${path}`);
      expect(spy.acquired[0]?.weight).toBe(weight);
    }
    const s = scripted([{ status: 200, body: [] }]);
    const spy = spyBudget();
    const coinm = new MarketRest({ market: 'coinm', baseUrl: 'https://x.test', fetch: s.fetch, budget: spy.budget, weights: { '/dapi/v1/klines': 3 } });
    await coinm.klines({ symbol: 'btcusd_perp', interval: '1m', startTime: 0, endTime: 60_000, limit: 1500 });
    expect(s.calls[0]?.url).toBe('https://x.test/dapi/v1/klines?symbol=BTCUSD_PERP&interval=1m&startTime=0&endTime=60000&limit=1500');
    expect(spy.acquired[0]?.weight).toBe(3); // the override wins
    await coinm.get('/dapi/v1/ticker/price', { symbol: 'BTCUSD_PERP' }, { weight: 9 });
    expect(spy.acquired[1]?.weight).toBe(9); // and a per-call weight wins over both
  });

  it('validates parameters per market: ERR_INVALID_OPTION naming the parameter', async () => {
    const s = scripted([]);
    const spot = new MarketRest({ market: 'spot', baseUrl: 'https://x.test', fetch: s.fetch, budget: spyBudget().budget });
    const usdm = new MarketRest({ market: 'usdm', baseUrl: 'https://x.test', fetch: s.fetch, budget: spyBudget().budget });
    const bad = async (p: Promise<unknown>, name: string) => expect(p).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(`option ${name}:`) });
    await bad(usdm.depth({ symbol: 'BTCUSDT', limit: 7 }), 'depth.limit');
    await bad(spot.depth({ symbol: 'BTCUSDT', limit: 5001 }), 'depth.limit');
    await bad(usdm.klines({ symbol: 'BTCUSDT', interval: '1s' }), 'klines.interval');
    await bad(spot.klines({ symbol: 'BTCUSDT', interval: '1m', limit: 1001 }), 'klines.limit');
    await bad(spot.aggTrades({ symbol: 'BTCUSDT', limit: 0 }), 'aggTrades.limit');
    await bad(spot.aggTrades({ symbol: 'BTC USDT' }), 'aggTrades.symbol');
    await bad(spot.aggTrades({ symbol: 'BTCUSDT', fromId: 1.5 }), 'aggTrades.fromId');
    await bad(spot.aggTrades({ symbol: 'BTCUSDT', startTime: 10, endTime: 5 }), 'aggTrades.endTime');
    await bad(spot.aggTrades({ symbol: 'BTCUSDT', fromid: 1 } as never), 'aggTrades.fromid');
    await bad(spot.bookTicker({} as never), 'bookTicker.symbol');
    await bad(spot.get('/api/v3/somethingNew'), 'weight');
    await bad(spot.get('api/v3/depth'), 'path');
    expect(s.calls).toHaveLength(0);
    await expect(usdm.klines({ symbol: 'BTCUSDT', interval: '1m', limit: 1500 })).resolves.toEqual([]);
    await expect(spot.klines({ symbol: 'BTCUSDT', interval: '1s' })).resolves.toEqual([]);
    expect(() => new MarketRest({ market: 'margin' as never, baseUrl: 'https://x.test' })).toThrow(/option market/);
    expect(() => new MarketRest({ market: 'spot', baseUrl: 'wss://x.test' })).toThrow(/option baseUrl/);
    expect(() => new MarketRest({ market: 'spot', baseUrl: 'https://x.test', timeout: 5 } as never)).toThrow(/unknown option/);
  });

  it("a 429's Retry-After wins over the policy, and the budget pauses the host meanwhile", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = scripted([
      { status: 429, body: { code: -1003, msg: 'Too many requests' }, headers: { 'Retry-After': '3' } },
      { status: 200, body: [AGG] },
    ]);
    const budget = new RestWeightBudget();
    const rest = new MarketRest({ market: 'spot', baseUrl: 'https://x.test', fetch: s.fetch, budget });
    const p = rest.aggTrades({ symbol: 'BTCUSDT' });
    await vi.advanceTimersByTimeAsync(0);
    expect(budget.pausedForMs()).toBe(3000);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(s.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toEqual([AGG]);
    expect(s.calls[1]?.at).toBe(1_003_000);
    expect(budget.state()).toMatchObject({ rejected429: 1, granted: 2 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a 418 is never retried: ERR_HTTP permanent with the ban as retryAfterMs; the next call waits the ban out', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = scripted([
      { status: 418, body: { code: -1003, msg: 'Way too many requests; IP banned until 1000120000.' } },
      { status: 200, body: { lastUpdateId: 1, bids: [], asks: [] } },
    ]);
    const budget = new RestWeightBudget();
    const rest = new MarketRest({ market: 'spot', baseUrl: 'https://x.test', fetch: s.fetch, budget, retryPolicy: new ConstantBackoff({ delayMs: 0, maxRetries: 10 }) });
    const err = await rest.aggTrades({ symbol: 'BTCUSDT' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_HTTP', httpStatus: 418, binanceCode: -1003, permanent: true });
    expect((err as Error).message).toMatch(/GET \/api\/v3\/aggTrades answered HTTP 418 .*banned.*not retried/);
    expect(s.calls).toHaveLength(1);
    expect(budget.pausedForMs()).toBe(120_000); // 2 min without Retry-After
    const next = rest.depth({ symbol: 'BTCUSDT' });
    await vi.advanceTimersByTimeAsync(119_999);
    expect(s.calls).toHaveLength(1); // nothing is sent during the ban
    await vi.advanceTimersByTimeAsync(1);
    await expect(next).resolves.toMatchObject({ lastUpdateId: 1 });
  });

  it('retries 5xx and network errors under the policy; errors never carry the API key or the URL', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = scripted([
      { status: 503, body: '<html>busy</html>' },
      new TypeError('fetch failed https://x.test/fapi/v1/historicalTrades?symbol=X'),
      { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } },
    ]);
    const warn = vi.fn();
    const rest = new MarketRest({ market: 'usdm', baseUrl: 'https://x.test', fetch: s.fetch, budget: spyBudget().budget, apiKey: 'KEY-very-SECRET', logger: { warn } });
    const p = rest.get('/fapi/v1/historicalTrades', { symbol: 'X' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3_000);
    const err = (await p) as Error;
    expect(err).toMatchObject({ code: 'ERR_HTTP', httpStatus: 400, binanceCode: -1121, permanent: true, message: 'GET /fapi/v1/historicalTrades answered HTTP 400 (Binance -1121: Invalid symbol.)' });
    expect(s.calls.map((c) => c.headers['X-MBX-APIKEY'])).toEqual(['KEY-very-SECRET', 'KEY-very-SECRET', 'KEY-very-SECRET']);
    expect(warn).toHaveBeenCalledTimes(2);
    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).not.toContain('SECRET');
    expect(logged).not.toContain('https://');
  });

  it('ignores the X-MBX-USED-WEIGHT-1M of the endpoints Binance says are inaccurate, but not their Retry-After', async () => {
    const row = { symbol: 'BTCUSDT', bidPrice: '1', bidQty: '1', askPrice: '2', askQty: '1', time: 1 };
    const s = scripted([
      { status: 200, body: row, headers: { 'X-MBX-USED-WEIGHT-1M': '2000' } },
      { status: 200, body: { lastUpdateId: 1, bids: [], asks: [] }, headers: { 'X-MBX-USED-WEIGHT-1M': '700' } },
    ]);
    const budget = new RestWeightBudget({ limitPerMinute: 2400 });
    const rest = new MarketRest({ market: 'usdm', baseUrl: 'https://x.test', fetch: s.fetch, budget });
    await expect(rest.bookTicker({ symbol: 'btcusdt' })).resolves.toEqual(row);
    expect(budget.state().usedWeight).toBe(2);
    await rest.depth({ symbol: 'BTCUSDT', limit: 1000 });
    expect(budget.state().usedWeight).toBe(700);
  });

  it("returns COIN-M's one-symbol ticker arrays as the row", async () => {
    const row = { symbol: 'BTCUSD_PERP', pair: 'BTCUSD', priceChange: '1', lastPrice: '2', baseVolume: '3' };
    const s = scripted([
      { status: 200, body: [row] },
      { status: 200, body: [] },
    ]);
    const rest = new MarketRest({ market: 'coinm', baseUrl: 'https://x.test', fetch: s.fetch, budget: spyBudget().budget });
    await expect(rest.ticker24h({ symbol: 'btcusd_perp' })).resolves.toEqual(row);
    await expect(rest.ticker24h({ symbol: 'btcusd_perp' })).rejects.toMatchObject({ code: 'ERR_PARSE' });
  });

  it('aborting while waiting for the budget rejects with ERR_ABORTED and leaves no timer and no request', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = scripted([]);
    const budget = new RestWeightBudget({ limitPerMinute: 10, headroom: 0 });
    await budget.acquire(10);
    const rest = new MarketRest({ market: 'spot', baseUrl: 'https://x.test', fetch: s.fetch, budget });
    const ctrl = new AbortController();
    const p = rest.aggTrades({ symbol: 'BTCUSDT' }, { owner: 'a', signal: ctrl.signal });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(budget.state()).toMatchObject({ queued: 1, owners: 1 });
    ctrl.abort();
    await done;
    expect(s.calls).toHaveLength(0);
    expect(budget.state().queued).toBe(0);
    expect(budget.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('src/rest/ (browser, Bun, Deno)', () => {
  it('imports no Node-only module', () => {
    const dir = new URL('../../../src/rest/', import.meta.url);
    for (const f of readdirSync(dir)) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:|fs|http|https|net|crypto)['"]/);
    }
  });
});
