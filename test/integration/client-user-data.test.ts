/** User data through the client facade: subscribeUserData(), typed events, reconnect() with a gap, stop(). */
import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { BinanceStreamClient, ConstantBackoff, consoleLogger, type ListenKeyLifecycleEvent, type UserDataGapEvent } from 'binance-stream-client';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const API_KEY = 'client-facade-key-0123456789abcdef';
const API_SECRET = 'client-facade-secret-0123456789abcdef';

describe('BinanceStreamClient user data', () => {
  it('USD-M: listenKey lifecycle, typed events beside market data, reconnect() with a gap, key left to expire on stop (default)', async () => {
    const ex = await startEmulator({ market: 'usdm', rates: { aggTrade: 20 } });
    const lines: string[] = [];
    const sink = (l: string) => void lines.push(l);
    const client = new BinanceStreamClient({
      ...ex.clientOptions(),
      apiKey: API_KEY,
      connectionBudget: new ConnectionBudget(),
      retryPolicy: new ConstantBackoff({ delayMs: 20 }),
      logger: consoleLogger('debug', { console: { debug: sink, info: sink, warn: sink, error: sink } }),
    });
    onCleanup(() => client.stop());
    const keys: ListenKeyLifecycleEvent[] = [];
    const gaps: UserDataGapEvent[] = [];
    const orders: number[] = [];
    let trades = 0;
    client.on('listenKey', (e) => keys.push(e));
    client.on('userDataGap', (g) => gaps.push(g));
    client.on('orderUpdate', (o) => orders.push(o.o.i));
    client.on('aggTrade', () => trades++);

    client.subscribe(['btcusdt@aggTrade']);
    await client.start();
    await client.subscribeUserData();
    const key = ex.listenKeys()[0]!.listenKey;
    expect(keys.map((k) => k.action)).toEqual(['created']);
    expect(keys[0]!.listenKey).not.toBe(key); // masked
    expect(
      ex
        .connections()
        .map((c) => c.route)
        .sort(),
    ).toEqual(['market', 'private']);

    ex.pushUserEvent(API_KEY, { e: 'ORDER_TRADE_UPDATE', E: Date.now(), T: Date.now(), o: { s: 'BTCUSDT', i: 1, X: 'NEW', x: 'NEW' } });
    await until(() => orders.length === 1 && trades > 2, { timeoutMs: 3_000, message: 'an order update and trades' });

    client.reconnect('test');
    await until(() => gaps.length === 1, { timeoutMs: 3_000, message: 'a userDataGap' });
    expect(gaps[0]).toMatchObject({ source: 'usdm' });
    expect(gaps[0]!.to).toBeGreaterThanOrEqual(gaps[0]!.from);
    ex.pushUserEvent(API_KEY, { e: 'ORDER_TRADE_UPDATE', E: Date.now(), T: Date.now(), o: { s: 'BTCUSDT', i: 2, X: 'NEW', x: 'NEW' } });
    await until(() => orders.length === 2, { timeoutMs: 3_000, message: 'the order update after the reconnect' });
    expect(client.stats().userData[0]).toMatchObject({ product: 'usdm', state: 'live' });

    await client.stop();
    // Default closeListenKeyOnStop 'never': another process of the account may use the same key.
    expect(keys.map((k) => k.action)).toEqual(['created']);
    expect(ex.listenKeys()).toMatchObject([{ listenKey: key, state: 'active' }]);
    for (const l of lines) expect(l).not.toContain(key);
    for (const l of lines) expect(l).not.toContain(API_KEY);
  });

  it('spot: the WebSocket API subscription, with the API key and secret never in a log line', async () => {
    const ex = await startEmulator({ market: 'spot' });
    ex.wsApi.addAccount({ apiKey: API_KEY, secret: API_SECRET });
    const lines: string[] = [];
    const sink = (l: string) => void lines.push(l);
    const client = new BinanceStreamClient({
      ...ex.clientOptions(),
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      connectionBudget: new ConnectionBudget(),
      logger: consoleLogger('debug', { console: { debug: sink, info: sink, warn: sink, error: sink } }),
    });
    onCleanup(() => client.stop());
    const reports: string[] = [];
    client.on('executionReport', (r) => reports.push(r.c));
    await client.subscribeUserData();
    ex.wsApi.pushEvent(API_KEY, { e: 'executionReport', E: Date.now(), s: 'BTCUSDT', c: 'order-1', S: 'BUY', x: 'NEW', X: 'NEW' });
    await until(() => reports.length === 1, { timeoutMs: 3_000, message: 'an executionReport' });
    expect(reports).toEqual(['order-1']);
    await client.stop();
    for (const l of lines) {
      expect(l).not.toContain(API_KEY);
      expect(l).not.toContain(API_SECRET);
    }
  });

  it('needs an API key, and names the product it does not know', async () => {
    const client = new BinanceStreamClient({ market: 'usdm' });
    await expect(client.subscribeUserData()).rejects.toMatchObject({ code: 'ERR_AUTH' });
    const keyed = new BinanceStreamClient({ market: 'usdm', apiKey: 'k' });
    await expect(keyed.subscribeUserData({ product: 'options' as never })).rejects.toThrow(
      /option subscribeUserData.product: expected one of "spot", "margin", "usdm", "coinm", "portfolio", got "options"/,
    );
  });
});
