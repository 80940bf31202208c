import { WebsocketClient } from 'binance';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { until } from '../helpers/wait';

/**
 * Third-party clients work against the emulator unchanged but for their base URL:
 * the npm `binance` package (tiagosiebler) with its `wsUrl` option.
 */
let ex: FakeBinance | undefined;
let client: WebsocketClient | undefined;
afterEach(async () => {
  client?.closeAll(true);
  client = undefined;
  await ex?.close();
  ex = undefined;
});

const quiet = { trace: () => {}, info: () => {}, error: () => {} };

describe('npm binance WebsocketClient against the emulator', () => {
  it('subscribes over SUBSCRIBE on the combined endpoint and receives aggTrade data', async () => {
    ex = await FakeBinance.start({ rates: { aggTrade: 50 } });
    client = new WebsocketClient({ wsUrl: ex.urls.ws }, quiet as never);
    const got: any[] = [];
    client.on('message', (m: any) => got.push(m));
    client.on('exception', () => {});
    await client.subscribe(['btcusdt@aggTrade'], 'main');
    await until(() => got.some((m) => m?.data?.e === 'aggTrade' || m?.e === 'aggTrade'), { timeoutMs: 5000 });
    const conn = ex.connections()[0]!;
    expect(conn.received.some((m) => m.method === 'SUBSCRIBE')).toBe(true);
    const trades = got.map((m) => m.data ?? m).filter((d) => d.e === 'aggTrade');
    const gt = new Map(ex.groundTruth('btcusdt@aggTrade').map((e) => [(e.payload as { a: number }).a, e.payload as Record<string, unknown>]));
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) expect(t).toMatchObject(gt.get(t.a)!);
  });
});
