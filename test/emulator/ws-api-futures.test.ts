/**
 * The USD-M futures WebSocket API (`/ws-fapi/v1`) with a plain `ws` client: user data is managed
 * there (`userDataStream.start/ping/stop`, Binance §6.4) but delivered on a `/private` stream
 * connection; `order.place` there produces the same events as REST.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { Frames, KEY, SECRET } from './orders-helpers';

describe('futures WebSocket API', () => {
  it('userDataStream.start / ping / stop manage the listenKey; order.place events arrive on the /private stream', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const api = await Frames.open(`${ex.urls.ws}${ex.wsApi.futuresPath}`);
    onCleanup(() => api.close());
    const start = await api.request('userDataStream.start', { apiKey: KEY });
    expect(start.status).toBe(200);
    expect(start.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', limit: 2400, count: 5 });
    const key = start.result.listenKey;
    expect(ex.listenKeys()).toEqual([expect.objectContaining({ listenKey: key, state: 'active' })]);
    expect((await api.request('userDataStream.start', { apiKey: KEY })).result.listenKey).toBe(key);
    const s = await Frames.open(`${ex.urls.ws}/private/ws/${key}`);
    onCleanup(() => s.close());
    await until(() => ex.connections().some((c) => c.streams.includes(key)));
    const placed = await api.signedRequest('order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.002' });
    expect(placed).toMatchObject({ status: 200, result: { symbol: 'BTCUSDT', status: 'NEW', origQty: '0.002', positionSide: 'BOTH' } });
    await s.waitFor((f) => f.e === 'ORDER_TRADE_UPDATE' && f.o.X === 'FILLED');
    expect(s.frames.filter((f) => f.e === 'ORDER_TRADE_UPDATE').map((f) => f.o.i)).toEqual([placed.result.orderId, placed.result.orderId, placed.result.orderId]);
    const status = await api.signedRequest('order.status', { symbol: 'BTCUSDT', orderId: placed.result.orderId });
    expect(status.result).toMatchObject({ status: 'FILLED', executedQty: '0.002' });
    const ping = await api.request('userDataStream.ping', { apiKey: KEY });
    expect(ping.result).toEqual({ listenKey: key });
    expect(ex.listenKeys()[0]!.keepalives).toBe(2);
    expect((await api.request('userDataStream.stop', { apiKey: KEY })).status).toBe(200);
    await s.waitFor((f) => f.e === 'listenKeyExpired');
    expect(await api.request('userDataStream.ping', { apiKey: KEY })).toMatchObject({ status: 400, error: { code: -1125, msg: 'This listenKey does not exist.' } });
    expect(await api.request('userDataStream.start', {})).toMatchObject({ status: 400, error: { code: -1102 } });
  });

  it('is not served by a spot emulator', async () => {
    const ex = await startEmulator();
    const ws = new WebSocket(`${ex.urls.ws}/ws-fapi/v1`);
    ws.on('error', () => {});
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
    ws.terminate();
  });
});
