/**
 * The client loads the user-data code with `import()` (src/client/user-data.ts): a failed
 * load (a chunk missing or blocked) rejects subscribeUserData() with a coded
 * BinanceStreamError, never an unhandled rejection, and the next call tries again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamClient } from '../../../src/client/client';
import { BinanceStreamError } from '../../../src/core/errors';

const state = vi.hoisted(() => ({ loads: 0, fail: true }));

vi.mock('../../../src/user-data/user-data-stream', async (importOriginal) => {
  state.loads++;
  if (state.fail) throw new Error('Failed to fetch dynamically imported module: user-data-stream-X.js');
  return importOriginal();
});

const clients: BinanceStreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
});

function client(): BinanceStreamClient {
  const c = new BinanceStreamClient({ market: 'usdm', apiKey: 'k'.repeat(64), apiSecret: 's3cr3t-'.repeat(8) });
  clients.push(c);
  return c;
}

describe('subscribeUserData: lazily loaded user-data code', () => {
  it('a market-data client loads no user-data code; a failed load rejects with a coded error naming the cause, and is tried again', async () => {
    const c = client();
    c.subscribe('btcusdt@aggTrade');
    expect(state.loads).toBe(0);
    const err = await c.subscribeUserData().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BinanceStreamError);
    expect(err).toMatchObject({ code: 'ERR_UNEXPECTED', message: expect.stringMatching(/^could not load the user-data code \(.*\): Error: /) });
    expect((err as Error).cause, 'the import error, as cause').toBeInstanceOf(Error);
    expect(String(err)).not.toContain('s3cr3t');
    expect(c.stats().userData).toEqual([]);
    const again = await c.subscribeUserData().catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'ERR_UNEXPECTED' });
  });

  it('bad input is still refused before any load, with its code', async () => {
    const c = client();
    await expect(c.subscribeUserData({ product: 'futures' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('subscribeUserData.product') });
    const noKey = new BinanceStreamClient({ market: 'usdm' });
    clients.push(noKey);
    await expect(noKey.subscribeUserData()).rejects.toMatchObject({ code: 'ERR_AUTH' });
  });

  it('stop() while the code loads: subscribeUserData rejects with ERR_ABORTED and starts nothing', async () => {
    state.fail = false;
    const c = client();
    const p = c.subscribeUserData().catch((e: unknown) => e);
    const second = c.subscribeUserData().catch((e: unknown) => e);
    await c.stop();
    expect(await p).toMatchObject({ code: 'ERR_ABORTED' });
    expect(await second).toMatchObject({ code: 'ERR_ABORTED' });
    expect(c.stats().userData).toEqual([]);
  });
});
