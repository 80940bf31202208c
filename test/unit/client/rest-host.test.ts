/**
 * REST-backed features (backfill, order books) never call live Binance behind a stream URL that
 * points elsewhere: with `baseUrl` set to a non-Binance host and no `restBaseUrl`, they refuse
 * with ERR_INVALID_OPTION naming `restBaseUrl`. Binance's own hosts keep the default REST host.
 */
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient } from '../../../src/index';

function codeOf(fn: () => unknown): { code?: string; option?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; option?: string; message: string };
  }
  throw new Error('did not throw');
}

describe('REST host behind a custom baseUrl', () => {
  const custom = { baseUrl: 'ws://127.0.0.1:9' };

  it('backfill: true is refused at construction, naming restBaseUrl and the stream host', () => {
    const e = codeOf(() => new BinanceStreamClient({ ...custom, backfill: true }));
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.message).toMatch(/restBaseUrl/);
    expect(e.message).toMatch(/127\.0\.0\.1:9/);
  });

  it('subscribe(…, { backfill: true }) and orderBook() are refused; plain subscribe is fine', async () => {
    const client = new BinanceStreamClient(custom);
    expect(codeOf(() => client.subscribe('btcusdt@aggTrade', { backfill: true })).code).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => client.orderBook('BTCUSDT')).message).toMatch(/restBaseUrl.*orderBook/s);
    expect(() => client.subscribe('btcusdt@aggTrade')).not.toThrow();
    await client.stop();
  });

  it('futures and margin user data are refused before the API key goes anywhere; spot (WebSocket API) is not REST', async () => {
    const fetched: string[] = [];
    const fetch = (url: string): Promise<Response> => (fetched.push(url), Promise.reject(new Error('no network in tests')));
    for (const market of ['usdm', 'spot'] as const) {
      const client = new BinanceStreamClient({ ...custom, market, apiKey: 'k', apiSecret: 's', fetch });
      const product = market === 'usdm' ? 'usdm' : 'margin';
      await expect(client.subscribeUserData({ product })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/restBaseUrl/) });
      await client.stop();
    }
    expect(fetched).toEqual([]);
  });

  it('with restBaseUrl given, or a Binance stream host, REST features are allowed', async () => {
    const given = new BinanceStreamClient({ ...custom, restBaseUrl: 'http://127.0.0.1:9', backfill: true });
    expect(() => given.subscribe('btcusdt@aggTrade', { backfill: true })).not.toThrow();
    await given.stop();
    for (const baseUrl of ['wss://stream.binance.com:443', 'wss://data-stream.binance.vision', 'wss://stream.testnet.binance.vision']) {
      const c = new BinanceStreamClient({ baseUrl, backfill: true });
      expect(() => c.subscribe('btcusdt@aggTrade', { backfill: true })).not.toThrow();
      await c.stop();
    }
    const lookalike = codeOf(() => new BinanceStreamClient({ baseUrl: 'wss://binance.com.example.org', backfill: true }));
    expect(lookalike.code).toBe('ERR_INVALID_OPTION');
  });
});
