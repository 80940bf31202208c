/**
 * subscribeUserData() loads the user-data code with import() (src/client/user-data.ts): calls
 * made while it loads share one stream, and options the user-data code refuses still reject
 * with their code, leaving nothing registered.
 */
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import { onCleanup, startEmulator } from '../helpers/emulator';

const API_KEY = 'lazy-user-data-key-0123456789abcdef';

describe('BinanceStreamClient user data, loaded on demand', () => {
  it('concurrent first calls share one stream (one listenKey, one private connection); a refused option rejects with its code', async () => {
    const ex = await startEmulator({ market: 'usdm' });
    const client = new BinanceStreamClient({ ...ex.clientOptions(), apiKey: API_KEY, retryPolicy: new ConstantBackoff({ delayMs: 20 }) });
    onCleanup(() => client.stop());
    await Promise.all([client.subscribeUserData(), client.subscribeUserData(), client.subscribeUserData({ product: 'usdm' })]);
    expect(ex.listenKeys()).toHaveLength(1);
    expect(ex.connections().filter((c) => c.route === 'private')).toHaveLength(1);
    expect(client.stats().userData).toMatchObject([{ product: 'usdm', state: 'live' }]);

    await expect(client.subscribeUserData({ product: 'coinm', events: ['ORDER_TRADE_UPDATE'] })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('events'),
    });
    expect(client.stats().userData).toHaveLength(1);
    await client.stop();
    expect(client.stats().userData).toEqual([]);
  });
});
