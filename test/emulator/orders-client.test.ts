/**
 * A bot's order tracking end to end: this library's BinanceStreamClient follows user data while
 * orders go to the emulator over signed REST (spot: WS-API subscription; USD-M: listenKey stream).
 */
import { BinanceStreamClient } from 'binance-stream-client';
import { describe, expect, it } from 'vitest';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';
import { KEY, SECRET, signed } from './orders-helpers';

describe('BinanceStreamClient follows orders placed on the emulator', () => {
  it('spot: executionReport NEW → PARTIALLY_FILLED → FILLED and the balances after each fill', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const client = new BinanceStreamClient({ ...ex.clientOptions(), apiKey: KEY, apiSecret: SECRET });
    onCleanup(() => client.stop());
    const statuses: string[] = [];
    const usdt: string[] = [];
    client.on('executionReport', (e) => void statuses.push(e.X));
    client.on('outboundAccountPosition', (e) => void usdt.push(e.B.find((b) => b.a === 'USDT')?.f ?? '-'));
    await client.start();
    await client.subscribeUserData();
    const r = await signed(ex.urls.http, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    expect(r.body.status).toBe('FILLED');
    await until(() => statuses.length === 3 && usdt.length === 3, { message: () => `${statuses} / ${usdt}` });
    expect(statuses).toEqual(['NEW', 'PARTIALLY_FILLED', 'FILLED']);
    const spent = r.body.fills.reduce((a: number, f: any) => a + Number(f.price) * Number(f.qty), 0);
    expect(Number(usdt.at(-1))).toBeCloseTo(10_000 - spent, 6);
  });

  it('USD-M: orderUpdate, tradeLite and accountUpdate for a MARKET order', async () => {
    const ex = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    ex.wsApi.addAccount({ apiKey: KEY, secret: SECRET });
    const client = new BinanceStreamClient({ ...ex.clientOptions(), apiKey: KEY });
    onCleanup(() => client.stop());
    const got: string[] = [];
    client.on('orderUpdate', (e) => void got.push(`order:${e.o.X}`));
    client.on('tradeLite', () => void got.push('lite'));
    client.on('accountUpdate', (e) => void got.push(`account:${e.a.P?.[0]?.pa}`));
    await client.start();
    await client.subscribeUserData();
    const r = await signed(ex.urls.http, 'POST', '/fapi/v1/order', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.004' });
    expect(r.status).toBe(200);
    await until(() => got.length === 7, { message: () => got.join(' ') });
    expect(got).toEqual(['order:NEW', 'lite', 'order:PARTIALLY_FILLED', 'account:-0.002', 'lite', 'order:FILLED', 'account:-0.004']);
  });
});
