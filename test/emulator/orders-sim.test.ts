/**
 * The order simulator alone, over a book the test moves: resting orders fill when the book crosses
 * them (half, then the rest, as maker at their price), the ORDERS limit answers 429 -1015, and USD-M
 * positions average in, realize PnL and flip as arithmetic says.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/testing/clock';
import { Ledger } from '../../src/testing/orders/ledger';
import { OrderSimulator } from '../../src/testing/orders/order-simulator';
import { until } from '../helpers/wait';

const E8 = 100_000_000n;
const px = (s: string): bigint => BigInt(Math.round(Number(s) * 1e8));

function setup(flavour: 'spot' | 'futures') {
  const clock = new Clock();
  const book = { bid: px('100'), ask: px('101') };
  const events: any[] = [];
  const ledger = new Ledger(() => [
    { asset: 'USDT', free: '10000.00000000' },
    { asset: 'BTC', free: '1.00000000' },
  ]);
  const sim = new OrderSimulator({
    clock,
    flavour,
    symbols: new Set(['btcusdt']),
    ledger,
    assets: () => ({ base: 'BTC', quote: 'USDT' }),
    best: (_s, side) => (side === 'bid' ? book.bid : book.ask),
    sink: (_k, e) => events.push(e),
  });
  return { clock, book, events, ledger, sim };
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup) f();
  cleanup = [];
});

describe('order simulator', () => {
  it('a resting BUY fills when the ask comes down to it: half, then the rest, maker, at its price; nothing is left locked', async () => {
    const { clock, book, events, ledger, sim } = setup('spot');
    cleanup.push(() => (sim.dispose(), clock.dispose()));
    const o = sim.place('k', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '2', price: '95' });
    expect(o.status).toBe('NEW');
    expect(ledger.asset('k', 'USDT')).toEqual({ free: 10_000n * E8 - 190n * E8, locked: 190n * E8 });
    book.ask = px('94.5');
    await until(() => o.status === 'FILLED', { message: () => `status ${o.status}` });
    expect(o.fills.map((f) => [f.qty, f.price, f.maker])).toEqual([
      [1n * E8, 95n * E8, true],
      [1n * E8, 95n * E8, true],
    ]);
    expect(events.filter((e) => e.e === 'executionReport').map((e) => e.X)).toEqual(['NEW', 'PARTIALLY_FILLED', 'FILLED']);
    expect(ledger.asset('k', 'USDT')).toEqual({ free: 10_000n * E8 - 190n * E8, locked: 0n });
    // 0.1 % commission in BTC on 2 BTC bought.
    expect(ledger.asset('k', 'BTC')).toEqual({ free: 3n * E8 - 2n * (E8 / 1000n), locked: 0n });
    expect(clock.pending).toBe(0);
  });

  it('IOC that cannot fill expires; GTX that would take expires; the ORDERS limit answers 429 -1015', () => {
    const { clock, sim } = setup('futures');
    cleanup.push(() => (sim.dispose(), clock.dispose()));
    expect(sim.place('k', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', quantity: '1', price: '90' }).status).toBe('EXPIRED');
    expect(sim.place('k', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTX', quantity: '1', price: '102' }).status).toBe('EXPIRED');
    let err: any;
    try {
      for (let i = 0; i < 400; i++) sim.place('k', { symbol: 'BTCUSDT', side: i % 2 ? 'SELL' : 'BUY', type: 'MARKET', quantity: '0.001' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ status: 429, code: -1015, message: 'Too many new orders; current limit is 300 orders per 10 SECOND.' });
    expect(sim.orderRateLimits('k')).toEqual([
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300, count: 300 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200, count: 300 },
    ]);
  });

  it('USD-M: entry price averages in, a reduction realizes PnL, a flip opens at the fill price', () => {
    const { clock, book, ledger, sim } = setup('futures');
    cleanup.push(() => (sim.dispose(), clock.dispose()));
    sim.place('k', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1' }); // 1 @ 101
    book.ask = px('103');
    sim.place('k', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1' }); // 1 @ 103
    const p = ledger.position('k', 'BTCUSDT');
    expect([p.amount, p.entryPrice]).toEqual([2n * E8, 102n * E8]);
    book.bid = px('110');
    const sell = sim.place('k', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '3' }); // close 2 (+16), open -1 @ 110
    expect(sell.fills.reduce((a, f) => a + f.realizedPnl, 0n)).toBe(16n * E8);
    expect([p.amount, p.entryPrice, p.realized]).toEqual([-1n * E8, 110n * E8, 16n * E8]);
    const fees = [...[101n, 103n].map((x) => (x * E8 * 5n) / 10_000n), (110n * 3n * E8 * 5n) / 10_000n].reduce((a, b) => a + b, 0n);
    expect(ledger.wallet('k').balance).toBe(10_000n * E8 + 16n * E8 - fees);
    expect(ledger.wallet('k').orderMargin).toBe(0n);
  });
});
