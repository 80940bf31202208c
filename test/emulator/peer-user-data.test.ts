/**
 * Binance's official connectors' user-data paths against the emulator, changed only in their base
 * URLs: `@binance/spot` subscribes over the WebSocket API (`userDataStream.subscribe.signature`)
 * and places an order with its own `order.place`; `@binance/derivatives-trading-usds-futures`
 * gets a listenKey over REST, opens its user-data stream and places an order over signed REST.
 * Each receives the order's events (executionReport / ORDER_TRADE_UPDATE).
 */
import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import { Spot } from '@binance/spot';
import { describe, expect, it } from 'vitest';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { KEY, SECRET } from './orders-helpers';

const plain = (x: unknown): any => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));

describe('@binance/spot WebSocket API user data against the emulator', () => {
  it('userDataStream.subscribe.signature, then order.place: the stream gets NEW, PARTIALLY_FILLED and FILLED executionReports', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const client = new Spot({ configurationWebsocketAPI: { apiKey: KEY, apiSecret: SECRET, wsURL: ex.urls.wsApi } });
    const conn = await client.websocketAPI.connect();
    onCleanup(() => conn.disconnect());
    const { response, stream } = await conn.userDataStreamSubscribeSignature();
    expect(plain(response.data)).toEqual({ subscriptionId: 0 });
    expect(plain(response.rateLimits)).toEqual([expect.objectContaining({ rateLimitType: 'REQUEST_WEIGHT', count: 4 })]); // 2 to connect + 2
    const got: any[] = [];
    stream.on('message', (m: unknown) => void got.push(plain(m)));
    const placed = await conn.orderPlace({ symbol: 'BTCUSDT', side: 'BUY' as never, type: 'MARKET' as never, quantity: 0.01 });
    expect(plain(placed.data)).toMatchObject({ symbol: 'BTCUSDT', status: 'FILLED' });
    await until(() => got.some((e) => e.e === 'executionReport' && e.X === 'FILLED'), { message: () => JSON.stringify(got) });
    const reports = got.filter((e) => e.e === 'executionReport');
    expect(reports.map((e) => e.X)).toEqual(['NEW', 'PARTIALLY_FILLED', 'FILLED']);
    expect(reports.every((e) => e.i === plain(placed.data).orderId && e.s === 'BTCUSDT')).toBe(true);
    expect(got.filter((e) => e.e === 'outboundAccountPosition')).toHaveLength(3);
    // What the emulator saw: a signed subscribe and a signed order, signatures not recorded.
    expect(ex.wsApi.requests().map((r) => [r.method, r.status])).toEqual([
      ['userDataStream.subscribe.signature', 200],
      ['order.place', 200],
    ]);
  });
});

describe('@binance/derivatives-trading-usds-futures user data against the emulator', () => {
  it('startUserDataStream, userData(listenKey), newOrder: ORDER_TRADE_UPDATE, TRADE_LITE and ACCOUNT_UPDATE arrive', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const client = new DerivativesTradingUsdsFutures({
      configurationRestAPI: { apiKey: KEY, apiSecret: SECRET, basePath: ex.urls.http },
      configurationWebsocketStreams: { wsURL: ex.urls.ws },
    });
    const lk = plain(await (await client.restAPI.startUserDataStream()).data());
    expect(lk.listenKey).toMatch(/^[A-Za-z0-9]{64}$/);
    const conn = await client.websocketStreams.connect();
    onCleanup(() => conn.disconnect());
    const got: any[] = [];
    conn.userData(lk.listenKey).on('message', (m: unknown) => void got.push(plain(m)));
    await until(() => ex.connections().some((c) => c.streams.includes(lk.listenKey)), { message: () => JSON.stringify(ex.connections()) });
    const res = await client.restAPI.newOrder({ symbol: 'BTCUSDT', side: 'BUY' as never, type: 'MARKET' as never, quantity: 0.01 });
    const order = plain(await res.data());
    expect(order).toMatchObject({ symbol: 'BTCUSDT', status: 'NEW' });
    await until(() => got.some((e) => e.e === 'ORDER_TRADE_UPDATE' && e.o.X === 'FILLED'), { message: () => JSON.stringify(got) });
    expect(got.filter((e) => e.e === 'ORDER_TRADE_UPDATE').map((e) => e.o.X)).toEqual(['NEW', 'PARTIALLY_FILLED', 'FILLED']);
    expect(got.filter((e) => e.e === 'TRADE_LITE')).toHaveLength(2);
    await until(() => got.filter((e) => e.e === 'ACCOUNT_UPDATE').length === 2);
    expect(got.every((e) => e.e !== 'ORDER_TRADE_UPDATE' || e.o.i === order.orderId)).toBe(true);
    expect(ex.listenKeys()[0]).toMatchObject({ state: 'active' });
    expect(ex.connections().find((c) => c.streams.includes(lk.listenKey))!.path).toMatch(/^\/private\//);
  });
});
