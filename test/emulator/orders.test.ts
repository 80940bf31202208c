/**
 * The order simulation end to end, driven by small independent clients (signed fetch, plain `ws`):
 * REST and WS-API orders produce Binance's user-data events with Binance's field sets (tables
 * below, from Binance's "User Data Streams" and USD-M "Event: Order Update" / "Event: Trade Lite" /
 * "Event: Balance and Position Update" pages), and the balances add up.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/index';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { Frames, KEY, SECRET, signed } from './orders-helpers';

/** Fields every event carries, and fields Binance adds only sometimes. */
const FIELDS: Record<string, { always: string[]; sometimes?: string[] }> = {
  executionReport: { always: 'e E s c S o f q p P F g C x X r i l z L n N T t I w m M O Z Y Q V'.split(' '), sometimes: 'W d D j J A B u U v b a k uS gP gOT gOV gp eR Cs'.split(' ') },
  outboundAccountPosition: { always: ['e', 'E', 'u', 'B'] },
  'outboundAccountPosition.B': { always: ['a', 'f', 'l'] },
  balanceUpdate: { always: ['e', 'E', 'a', 'd', 'T'] },
  ORDER_TRADE_UPDATE: { always: ['e', 'E', 'T', 'o'] },
  'ORDER_TRADE_UPDATE.o': { always: 's c S o f q p ap sp x X i l z L T t b a m R wt ot ps cp rp pP si ss V pm gtd'.split(' '), sometimes: ['N', 'n', 'AP', 'cr', 'er'] },
  TRADE_LITE: { always: 'e E T s q p m c S L l t i'.split(' ') },
  ACCOUNT_UPDATE: { always: ['e', 'E', 'T', 'a'] },
  'ACCOUNT_UPDATE.a': { always: ['m', 'B', 'P'] },
  'ACCOUNT_UPDATE.a.B': { always: ['a', 'wb', 'cw', 'bc'] },
  'ACCOUNT_UPDATE.a.P': { always: 's pa ep bep cr up mt iw ps'.split(' ') },
};

function checkFields(name: string, obj: Record<string, unknown>): void {
  const t = FIELDS[name]!;
  const keys = Object.keys(obj);
  for (const k of t.always) expect(keys, `${name} lacks ${k}`).toContain(k);
  for (const k of keys) expect([...t.always, ...(t.sometimes ?? [])], `${name} has an undocumented field ${k}`).toContain(k);
}

function checkEvent(ev: any): void {
  checkFields(ev.e, ev);
  if (ev.e === 'outboundAccountPosition') for (const b of ev.B) checkFields('outboundAccountPosition.B', b);
  if (ev.e === 'ORDER_TRADE_UPDATE') checkFields('ORDER_TRADE_UPDATE.o', ev.o);
  if (ev.e === 'ACCOUNT_UPDATE') {
    checkFields('ACCOUNT_UPDATE.a', ev.a);
    for (const b of ev.a.B) checkFields('ACCOUNT_UPDATE.a.B', b);
    for (const p of ev.a.P) checkFields('ACCOUNT_UPDATE.a.P', p);
  }
}

/** Decimal strings as integers of 1e-8 (the test's own arithmetic). */
const n8 = (s: string): bigint => {
  const [i = '0', f = ''] = s.replace('-', '').split('.');
  const v = BigInt(i) * 100_000_000n + BigInt((f + '00000000').slice(0, 8));
  return s.startsWith('-') ? -v : v;
};
const times = (a: string, b: string): bigint => (n8(a) * n8(b)) / 100_000_000n;

async function spot(): Promise<{ ex: FakeBinance; c: Frames }> {
  const ex = await startEmulator({ symbols: ['btcusdt'] });
  ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
  const c = await Frames.open(ex.urls.wsApi);
  onCleanup(() => c.close());
  const sub = await c.signedRequest('userDataStream.subscribe.signature');
  expect(sub.result).toEqual({ subscriptionId: 0 });
  return { ex, c };
}

const events = (c: Frames, e?: string): any[] => c.frames.filter((f) => f.event && (!e || f.event.e === e)).map((f) => f.event);
const balance = (acct: any, asset: string): { free: bigint; locked: bigint } => {
  const b = acct.balances.find((x: any) => x.asset === asset);
  return { free: n8(b.free), locked: n8(b.locked) };
};

describe('order simulation: spot', () => {
  it('a MARKET order over REST: NEW → PARTIALLY_FILLED → FILLED executionReports, outboundAccountPosition after each, balances consistent', async () => {
    const { ex, c } = await spot();
    const before = (await c.signedRequest('account.status')).result;
    const r = await signed(ex.urls.http, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ symbol: 'BTCUSDT', status: 'FILLED', executedQty: '0.01000000', side: 'BUY', type: 'MARKET', orderListId: -1 });
    expect(r.body.fills).toHaveLength(2);
    expect([r.headers['x-mbx-order-count-10s'], r.headers['x-mbx-order-count-1d']]).toEqual(['1', '1']);
    await c.waitFor((f) => f.event?.e === 'executionReport' && f.event.X === 'FILLED');
    await until(() => events(c, 'outboundAccountPosition').length === 3);
    const reports = events(c, 'executionReport');
    expect(reports.map((e) => [e.x, e.X])).toEqual([
      ['NEW', 'NEW'],
      ['TRADE', 'PARTIALLY_FILLED'],
      ['TRADE', 'FILLED'],
    ]);
    for (const ev of events(c)) checkEvent(ev);
    expect(events(c).map((e) => e.e)).toEqual(['executionReport', 'outboundAccountPosition', 'executionReport', 'outboundAccountPosition', 'executionReport', 'outboundAccountPosition']);
    const trades = reports.filter((e) => e.x === 'TRADE');
    expect(trades.map((t) => [t.L, t.l, t.t])).toEqual(r.body.fills.map((f: any) => [f.price, f.qty, f.tradeId]));
    expect(trades.reduce((s, t) => s + n8(t.l), 0n)).toBe(n8('0.01'));
    const quote = trades.reduce((s, t) => s + times(t.L, t.l), 0n);
    expect(n8(trades.at(-1).Z)).toBe(quote);
    const fee = trades.reduce((s, t) => s + n8(t.n), 0n);
    expect(trades.every((t) => t.N === 'BTC' && t.i === r.body.orderId && t.w === false)).toBe(true);
    const after = (await c.signedRequest('account.status')).result;
    expect(balance(after, 'USDT').free).toBe(balance(before, 'USDT').free - quote);
    expect(balance(after, 'BTC').free).toBe(balance(before, 'BTC').free + n8('0.01') - fee);
    expect(balance(after, 'USDT').locked).toBe(0n);
    // The last outboundAccountPosition says the same.
    const last = events(c, 'outboundAccountPosition').at(-1);
    expect(Object.fromEntries(last.B.map((b: any) => [b.a, n8(b.f)]))).toEqual({ BTC: balance(after, 'BTC').free, USDT: balance(after, 'USDT').free });
    // And so does REST's account (what peers such as ccxt read): the same ledger.
    const rest = await signed(ex.urls.http, 'GET', '/api/v3/account', {});
    const restFree = (a: string) => n8(rest.body.balances.find((b: any) => b.asset === a).free);
    expect([restFree('BTC'), restFree('USDT')]).toEqual([balance(after, 'BTC').free, balance(after, 'USDT').free]);
  });

  it('a resting LIMIT order: locked, filled in part by ex.orders.fill, canceled over REST; the rest is unlocked', async () => {
    const { ex, c } = await spot();
    const bid = ex.orderBook('btcusdt', 1).bids[0]![0];
    const price = (Number(bid) / 2).toFixed(2);
    const r = await signed(ex.urls.http, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.02', price, newClientOrderId: 'my-order-1' });
    expect(r.body).toMatchObject({ status: 'NEW', clientOrderId: 'my-order-1', executedQty: '0.00000000', fills: [] });
    const newReport = await c.waitFor((f) => f.event?.e === 'executionReport');
    expect(newReport.event).toMatchObject({ x: 'NEW', X: 'NEW', c: 'my-order-1', w: true, p: n8ToStr(n8(price)) });
    expect(newReport.event.W).toBeTypeOf('number');
    const lockedNow = ex.orders.openOrders(KEY)[0]!.locked;
    expect(lockedNow).toBe(times(price, '0.02'));
    ex.orders.fill(r.body.orderId, { quantity: '0.005' });
    const part = await c.waitFor((f) => f.event?.x === 'TRADE');
    expect(part.event).toMatchObject({ X: 'PARTIALLY_FILLED', l: '0.00500000', z: '0.00500000', L: n8ToStr(n8(price)), m: true, w: true });
    const q = await signed(ex.urls.http, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'my-order-1' });
    expect(q.body).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.00500000', isWorking: true });
    const d = await signed(ex.urls.http, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: String(r.body.orderId) });
    expect(d.body).toMatchObject({ status: 'CANCELED', origClientOrderId: 'my-order-1', executedQty: '0.00500000' });
    const canceled = await c.waitFor((f) => f.event?.x === 'CANCELED');
    expect(canceled.event).toMatchObject({ X: 'CANCELED', C: 'my-order-1', c: d.body.clientOrderId, w: false });
    for (const ev of events(c)) checkEvent(ev);
    const acct = (await c.signedRequest('account.status')).result;
    expect(balance(acct, 'USDT')).toEqual({ free: n8('10000') - times(price, '0.005'), locked: 0n });
    expect((await signed(ex.urls.http, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: String(r.body.orderId) })).body).toEqual({ code: -2011, msg: 'Unknown order sent.' });
    // A resting order keeps a poll timer; close() leaves none.
    ex.orders.place(KEY, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price });
    c.close();
    await ex.close();
    expect(ex.clock.pending).toBe(0);
  });

  it('order.place over the WS API: FULL answer with fills and ORDERS rateLimits; deposits give balanceUpdate', async () => {
    const { ex, c } = await spot();
    const r = await c.signedRequest('order.place', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.5' });
    expect(r.status).toBe(200);
    expect(r.result).toMatchObject({ status: 'FILLED', side: 'SELL', origQty: '0.50000000' });
    expect(r.rateLimits).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: 5 }, // 2 to connect, 2 to subscribe, 1 for the order
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100, count: 1 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000, count: 1 },
    ]);
    await c.waitFor((f) => f.event?.X === 'FILLED');
    expect(events(c, 'executionReport').every((e) => e.S === 'SELL')).toBe(true);
    ex.orders.deposit(KEY, 'BTC', '2');
    const bu = await c.waitFor((f) => f.event?.e === 'balanceUpdate');
    checkEvent(bu.event);
    expect(bu.event).toMatchObject({ a: 'BTC', d: '2.00000000' });
    const acct = (await c.signedRequest('account.status')).result;
    expect(balance(acct, 'BTC').free).toBe(n8('1') - n8('0.5') + n8('2'));
  });

  it('a session.logon (Ed25519) session places orders with a timestamp alone; a stale timestamp is -1021', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'] });
    const ed = generateKeyPairSync('ed25519');
    ex.wsApi.addAccount({ apiKey: 'ed-key', publicKeyPem: ed.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    const c = await Frames.open(ex.urls.wsApi);
    onCleanup(() => c.close());
    const p = { apiKey: 'ed-key', timestamp: Date.now() };
    const signature = sign(null, Buffer.from(`apiKey=${p.apiKey}&timestamp=${p.timestamp}`), ed.privateKey).toString('base64');
    expect((await c.request('session.logon', { ...p, signature })).status).toBe(200);
    expect((await c.request('userDataStream.subscribe')).status).toBe(200);
    const r = await c.request('order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', timestamp: Date.now() });
    expect(r).toMatchObject({ status: 200, result: { status: 'FILLED' } });
    await c.waitFor((f) => f.event?.X === 'FILLED');
    expect((await c.request('order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', timestamp: Date.now() - 60_000 })).error.code).toBe(-1021);
    expect(ex.orders.order(r.result.orderId)).toMatchObject({ apiKey: 'ed-key', status: 'FILLED' });
  });

  it('refuses what Binance refuses: bad signature, unknown key, insufficient balance, missing params', async () => {
    const { ex, c } = await spot();
    const base = ex.urls.http;
    const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' };
    expect(await signed(base, 'POST', '/api/v3/order', order, { secret: 'wrong' })).toMatchObject({ status: 400, body: { code: -1022, msg: 'Signature for this request is not valid.' } });
    expect((await signed(base, 'POST', '/api/v3/order', order, { key: 'nobody' })).body.code).toBe(-2015);
    expect((await signed(base, 'POST', '/api/v3/order', { ...order, quantity: '1000' })).body).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });
    expect((await signed(base, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '1' })).body.code).toBe(-1102);
    expect((await signed(base, 'POST', '/api/v3/order', { ...order, symbol: 'NOPEUSDT' })).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    const ws = await c.signedRequest('order.place', { ...order, quantity: '1000' });
    expect(ws).toMatchObject({ status: 400, error: { code: -2010 } });
    expect(events(c)).toEqual([]);
  });
});

function n8ToStr(v: bigint): string {
  return `${v / 100_000_000n}.${String(v % 100_000_000n).padStart(8, '0')}`;
}

describe('order simulation: USD-M', () => {
  it('MARKET orders over REST: TRADE_LITE, ORDER_TRADE_UPDATE and ACCOUNT_UPDATE on the listenKey stream; position and wallet add up', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const lk = await (await fetch(`${ex.urls.http}/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY } })).json();
    const s = await Frames.open(`${ex.urls.ws}/private/ws/${lk.listenKey}`);
    onCleanup(() => s.close());
    await until(() => ex.connections().some((x) => x.streams.includes(lk.listenKey)));
    const r = await signed(ex.urls.http, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.010' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ symbol: 'BTCUSDT', status: 'NEW', executedQty: '0', origQty: '0.01', positionSide: 'BOTH' });
    await s.waitFor((f) => f.e === 'ORDER_TRADE_UPDATE' && f.o.X === 'FILLED');
    await until(() => s.frames.filter((f) => f.e === 'ACCOUNT_UPDATE').length === 2);
    expect(s.frames.map((f) => (f.e === 'ORDER_TRADE_UPDATE' ? `${f.e}:${f.o.x}:${f.o.X}` : f.e))).toEqual([
      'ORDER_TRADE_UPDATE:NEW:NEW',
      'TRADE_LITE',
      'ORDER_TRADE_UPDATE:TRADE:PARTIALLY_FILLED',
      'ACCOUNT_UPDATE',
      'TRADE_LITE',
      'ORDER_TRADE_UPDATE:TRADE:FILLED',
      'ACCOUNT_UPDATE',
    ]);
    for (const f of s.frames) checkEvent(f);
    const lite = s.frames.filter((f) => f.e === 'TRADE_LITE');
    const otu = s.frames.filter((f) => f.e === 'ORDER_TRADE_UPDATE' && f.o.x === 'TRADE').map((f) => f.o);
    expect(lite.map((l) => [l.t, l.l, l.L, l.i])).toEqual(otu.map((o) => [o.t, o.l, o.L, r.body.orderId]));
    const fees = otu.reduce((a, o) => a + n8(o.n), 0n);
    const acct = s.frames.filter((f) => f.e === 'ACCOUNT_UPDATE').at(-1).a;
    expect(acct.m).toBe('ORDER');
    expect(n8(acct.B[0].wb)).toBe(n8('10000') - fees);
    expect(acct.P[0]).toMatchObject({ s: 'BTCUSDT', pa: '0.01', ps: 'BOTH' });
    // Close it: realized PnL and commission move the wallet.
    const close = await signed(ex.urls.http, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01', reduceOnly: 'true', newOrderRespType: 'RESULT' });
    expect(close.body).toMatchObject({ status: 'FILLED', reduceOnly: true, executedQty: '0.01' });
    await until(() => s.frames.filter((f) => f.e === 'ACCOUNT_UPDATE').length === 4);
    const closing = s.frames
      .filter((f) => f.e === 'ORDER_TRADE_UPDATE' && f.o.x === 'TRADE')
      .slice(2)
      .map((f) => f.o);
    const rp = closing.reduce((a, o) => a + n8(o.rp), 0n);
    const fees2 = closing.reduce((a, o) => a + n8(o.n), 0n);
    const final = s.frames.filter((f) => f.e === 'ACCOUNT_UPDATE').at(-1).a;
    expect(final.P[0]).toMatchObject({ pa: '0', ep: '0' });
    expect(n8(final.B[0].wb)).toBe(n8('10000') - fees - fees2 + rp);
    const bal = await signed(ex.urls.http, 'GET', '/fapi/v2/balance', {});
    expect(n8(bal.body[0].balance)).toBe(n8(final.B[0].wb));
    expect((await signed(ex.urls.http, 'GET', '/fapi/v2/positionRisk', {})).body).toEqual([]);
    const again = await signed(ex.urls.http, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01', reduceOnly: 'true' });
    expect(again.body).toEqual({ code: -2022, msg: 'ReduceOnly Order is rejected.' });
  });

  it('a LIMIT IOC through the ask takes at the ask; a far resting order fills as maker at its own price when the test fills it', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const ask = ex.orderBook('btcusdt', 1).asks[0]![0];
    const o = ex.orders.place(KEY, { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.002', price: (Number(ask) * 2).toFixed(1) });
    expect(o.status).toBe('NEW');
    // A buyer's limit above the ask crosses at once instead: the ask is the price.
    const taker = ex.orders.place(KEY, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', quantity: '0.004', price: (Number(ask) * 1.5).toFixed(1) });
    expect(taker.status).toBe('FILLED');
    expect(taker.fills.every((f) => f.maker === false)).toBe(true);
    // Nothing crosses the far SELL: the test moves it by hand.
    ex.orders.fill(o.orderId);
    expect(ex.orders.order(o.orderId)).toMatchObject({ status: 'FILLED' });
    expect(ex.orders.order(o.orderId)!.fills.map((f) => [f.maker, f.price])).toEqual([[true, o.req.price]]);
    expect(taker.fills.map((f) => f.price)).toEqual([BigInt(Math.round(Number(ask) * 1e8)), BigInt(Math.round(Number(ask) * 1e8))]);
  });
});
