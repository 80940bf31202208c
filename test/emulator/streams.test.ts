import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep } from '../helpers/emulator-client';
import { until } from '../helpers/wait';
import type { TestSocket } from '../helpers/emulator-client';

let ex: FakeBinance | undefined;
const socks: TestSocket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.close();
  await ex?.close();
  ex = undefined;
});
async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  socks.push(s);
  return s;
}

describe('stream connections (spot)', () => {
  it('raw /ws/<stream> delivers unwrapped payloads', async () => {
    ex = await FakeBinance.start({ rates: { aggTrade: 100 } });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    const m = await s.next((x) => x.e === 'aggTrade');
    expect(m).toMatchObject({ e: 'aggTrade', s: 'BTCUSDT', M: true });
    expect(typeof m.a).toBe('number');
  });

  it('combined /stream?streams=a/b wraps payloads in {stream,data}', async () => {
    ex = await FakeBinance.start({ rates: { aggTrade: 100, trade: 100 } });
    const s = await open(`${ex.urls.ws}/stream?streams=btcusdt@aggTrade/ethusdt@trade`);
    const a = await s.next((x) => x.stream === 'btcusdt@aggTrade');
    const t = await s.next((x) => x.stream === 'ethusdt@trade');
    expect(a.data.e).toBe('aggTrade');
    expect(t.data).toMatchObject({ e: 'trade', s: 'ETHUSDT' });
  });

  it('/ws then SUBSCRIBE, LIST_SUBSCRIPTIONS, UNSUBSCRIBE with id echo', async () => {
    ex = await FakeBinance.start({ rates: { bookTicker: 100 } });
    const s = await open(`${ex.urls.ws}/ws`);
    s.send({ method: 'SUBSCRIBE', params: ['btcusdt@bookTicker', 'ethusdt@bookTicker'], id: 1 });
    expect(await s.next((x) => x.id === 1)).toEqual({ result: null, id: 1 });
    const bt = await s.next((x) => x.u !== undefined && x.s === 'BTCUSDT');
    expect(Object.keys(bt).sort()).toEqual(['A', 'B', 'a', 'b', 's', 'u']);
    s.send({ method: 'LIST_SUBSCRIPTIONS', id: 'abc' });
    expect(await s.next((x) => x.id === 'abc')).toEqual({ result: ['btcusdt@bookTicker', 'ethusdt@bookTicker'], id: 'abc' });
    await sleep(250); // stay under 5 msgs/s
    s.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@bookTicker', 'ethusdt@bookTicker'], id: 3 });
    await s.next((x) => x.id === 3);
    const n = s.messages.length;
    await sleep(150);
    expect(s.messages.length).toBe(n);
    expect(ex.connections()[0]?.streams).toEqual([]);
  });

  it('SET_PROPERTY/GET_PROPERTY combined switches the envelope', async () => {
    ex = await FakeBinance.start({ rates: { trade: 100 } });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    s.send({ method: 'GET_PROPERTY', params: ['combined'], id: 1 });
    expect(await s.next((x) => x.id === 1)).toEqual({ result: false, id: 1 });
    s.send({ method: 'SET_PROPERTY', params: ['combined', true], id: 2 });
    await s.next((x) => x.id === 2);
    const from = s.messages.length;
    expect((await s.next((x) => x.stream === 'btcusdt@trade', 2000, from)).data.e).toBe('trade');
    s.send({ method: 'GET_PROPERTY', params: ['combined'], id: 3 });
    expect(await s.next((x) => x.id === 3)).toEqual({ result: true, id: 3 });
  });

  it('answers bad requests with Binance error objects', async () => {
    ex = await FakeBinance.start({ maxIncomingMessagesPerSecond: 100 });
    const s = await open(`${ex.urls.ws}/ws`);
    const cases: [unknown, unknown][] = [
      ['{"method":', { code: 3, msg: expect.stringMatching(/^Invalid JSON: expected value at line 1 column \d+$/) }],
      [
        { method: 'FOO', id: 1 },
        { code: 2, msg: expect.stringContaining('Invalid request: unknown variant `FOO`, expected one of `SUBSCRIBE`') },
      ],
      [
        { method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: -1 },
        { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' },
      ],
      [
        { method: 'SUBSCRIBE', params: ['btcusdt@trade'] },
        { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' },
      ],
      [
        { params: [], id: 4 },
        { code: 2, msg: expect.stringContaining('missing field `method`') },
      ],
      [
        { method: 'SET_PROPERTY', params: ['foo', true], id: 5 },
        { code: 0, msg: 'Unknown property', id: 5 },
      ],
      [
        { method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 6 },
        { code: 1, msg: 'Invalid value type: expected Boolean' },
      ],
      [
        { method: 'GET_PROPERTY', params: [7], id: 7 },
        { code: 2, msg: 'Invalid request: property name must be a string' },
      ],
      [
        { method: 'LIST_SUBSCRIPTIONS', params: ['x'], id: 8 },
        { code: 2, msg: 'Invalid request: too many parameters' },
      ],
    ];
    for (const [req, expected] of cases) {
      const from = s.messages.length;
      s.send(req);
      const got = await s.next((x) => typeof x === 'object' && x !== null && 'code' in x, 2000, from);
      expect(got).toEqual(expected);
    }
    expect(s.ws.readyState).toBe(s.ws.OPEN);
  });

  it('acknowledges unknown stream names and never delivers them', async () => {
    ex = await FakeBinance.start();
    const s = await open(`${ex.urls.ws}/ws`);
    s.send({ method: 'SUBSCRIBE', params: ['nosuchcoin@aggTrade', 'btcusdt@notAKind', 'BTCUSDT@trade'], id: 9 });
    expect(await s.next((x) => x.id === 9)).toEqual({ result: null, id: 9 });
    await sleep(300);
    expect(s.messages.length).toBe(1);
  });

  it('publish() pushes test payloads to subscribers, same bytes for all, recorded in ground truth', async () => {
    ex = await FakeBinance.start({ autoGenerate: false });
    const a = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    const b = await open(`${ex.urls.ws}/stream?streams=btcusdt@aggTrade`);
    await until(() => ex!.connections().length === 2, { timeoutMs: 3000 });
    const payload = { e: 'aggTrade', E: 1, s: 'BTCUSDT', a: 42, p: '1.0', q: '2.0', f: 1, l: 1, T: 1, m: false, M: true };
    const seq = ex.publish('btcusdt@aggTrade', payload);
    expect(seq).toBe(1);
    expect(await a.next((x) => x.a === 42)).toEqual(payload);
    expect(await b.next((x) => x.data?.a === 42)).toEqual({ stream: 'btcusdt@aggTrade', data: payload });
    expect(b.raw[0]).toBe(`{"stream":"btcusdt@aggTrade","data":${a.raw[0]}}`);
    const gt = ex.groundTruth('btcusdt@aggTrade');
    expect(gt).toHaveLength(1);
    expect(gt[0]).toMatchObject({ seq: 1, payload, raw: a.raw[0] });
    expect(ex.stats().framesSent['btcusdt@aggTrade']).toBe(2);
  });

  it('answers client pings with pongs, and unknown paths with 404', async () => {
    ex = await FakeBinance.start();
    const s = await open(`${ex.urls.ws}/ws`);
    const pong = new Promise<string>((r) => s.ws.once('pong', (d) => r(d.toString())));
    s.ws.ping('hello');
    expect(await pong).toBe('hello');
    await expect(openSocket(`${ex.urls.ws}/nope`)).rejects.toMatchObject({ status: 404 });
  });

  it('inspection: connections() with streams and timestamped control messages; controlLog()', async () => {
    ex = await FakeBinance.start();
    const s = await open(`${ex.urls.ws}/stream?streams=btcusdt@trade`);
    const before = Date.now();
    s.send({ method: 'SUBSCRIBE', params: ['ethusdt@trade'], id: 5 });
    await s.next((x) => x.id === 5);
    const [c] = ex.connections();
    expect(c).toMatchObject({ id: 1, path: '/stream?streams=btcusdt@trade', route: '', combined: true, streams: ['btcusdt@trade', 'ethusdt@trade'], remoteAddress: '127.0.0.1' });
    expect(c?.received[0]).toMatchObject({ kind: 'text', method: 'SUBSCRIBE', id: 5, params: ['ethusdt@trade'], connectionId: 1 });
    expect(c!.received[0]!.at).toBeGreaterThanOrEqual(before - 5);
    expect(ex.controlLog()).toHaveLength(1);
  });

  it('close() is idempotent and leaves no timers or sockets', async () => {
    const local = await FakeBinance.start({ rates: { aggTrade: 50 } });
    const s = await openSocket(`${local.urls.ws}/ws/btcusdt@aggTrade`);
    await s.next((x) => x.e === 'aggTrade');
    await Promise.all([local.close(), local.close()]);
    await local.close();
    expect(local.clock.pending).toBe(0);
    expect((await s.closed).code).toBe(1006);
    expect(local.stats().connectionsOpen).toBe(0);
  });
});
