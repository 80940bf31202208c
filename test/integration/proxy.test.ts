/**
 * Through a proxy, as the README's "Proxies" section says: WebSockets via `webSocketFactory`
 * with an agent (https-proxy-agent over HTTP CONNECT, socks-proxy-agent over SOCKS5), REST via
 * the `fetch` option (undici's fetch with a ProxyAgent dispatcher). The proxies
 * (test/helpers/proxy.ts) count their tunnels and their targets: each test checks that every
 * connection to the emulator's WebSocket and HTTP ports went through a tunnel. The bundled
 * examples/09-proxy.ts runs too.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { BinanceStreamClientOptions } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { startConnectProxy, startSocksProxy } from '../helpers/proxy';
import type { TestProxy } from '../helpers/proxy';
import { until } from '../helpers/wait';

type Agent = ConstructorParameters<typeof WebSocket>[2] extends infer O ? (O extends { agent?: infer A } ? A : never) : never;

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function proxied(fake: FakeBinance, agent: Agent, fetch?: BinanceStreamClientOptions['fetch']): BinanceStreamClient {
  const client = new BinanceStreamClient({
    ...fake.clientOptions(),
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 100 }),
    // autoPong: false, as the default factory: the client answers pings itself.
    webSocketFactory: (url) => new WebSocket(url, { agent, autoPong: false }),
    ...(fetch ? { fetch } : {}),
  });
  onCleanup(() => client.stop());
  return client;
}

async function proxy(kind: 'connect' | 'socks'): Promise<TestProxy> {
  const p = kind === 'connect' ? await startConnectProxy() : await startSocksProxy();
  onCleanup(() => p.close());
  return p;
}

describe('proxies', () => {
  it('HTTP CONNECT: market data over https-proxy-agent, REST (order-book snapshot) over undici ProxyAgent', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 20 } });
    const p = await proxy('connect');
    const dispatcher = new ProxyAgent(p.url);
    onCleanup(() => dispatcher.close());
    const rest: string[] = [];
    const fetch: BinanceStreamClientOptions['fetch'] = (url, init) => {
      rest.push(`${init.method} ${new URL(url).pathname}`);
      return undiciFetch(url, { ...init, signal: init.signal as AbortSignal, dispatcher });
    };
    const client = proxied(fake, new HttpsProxyAgent(p.url), fetch);
    let trades = 0;
    client.on('aggTrade', () => void trades++);
    client.subscribe('btcusdt@aggTrade');
    const book = client.orderBook('btcusdt');
    await client.start();
    await client.ready({ timeoutMs: 10_000 });
    await book.ready();
    await until(() => trades > 0, { timeoutMs: 10_000, message: 'an aggTrade through the proxy' });

    // The emulator serves WebSocket and REST on one port: one tunnel for the market-data
    // connection (combined streams) and one per REST connection undici opened (keep-alive).
    const port = portOf(fake.urls.ws);
    expect(rest).toContain('GET /api/v3/depth'); // the order-book snapshot went through the fetch option
    expect(p.tunnels.length).toBeGreaterThanOrEqual(2);
    expect(p.tunnels.every((t) => t.host === '127.0.0.1' && t.port === port)).toBe(true);
    expect(book.stats().snapshots).toBeGreaterThanOrEqual(1);

    // A reconnect goes through the proxy again.
    const before = p.tunnels.length;
    fake.faults.close({ all: true }, { code: 1006 });
    await until(() => p.tunnels.length > before, { timeoutMs: 10_000, message: 'a new tunnel after the drop' });
    await client.ready({ timeoutMs: 10_000 });
  }, 30_000);

  it('SOCKS5: market data over socks-proxy-agent', async () => {
    const fake = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 20 } });
    const p = await proxy('socks');
    const client = proxied(fake, new SocksProxyAgent(p.url));
    let trades = 0;
    client.on('aggTrade', () => void trades++);
    client.subscribe('btcusdt@aggTrade');
    await client.start();
    await until(() => trades > 0, { timeoutMs: 10_000, message: 'an aggTrade through the SOCKS proxy' });
    expect(p.tunnels).toEqual([{ host: '127.0.0.1', port: portOf(fake.urls.ws) }]);
  }, 20_000);

  it('the fetch option reaches user-data REST too (USD-M listenKey created through the proxy)', async () => {
    const fake = await startEmulator({ market: 'usdm', symbols: ['btcusdt'] });
    const p = await proxy('connect');
    const dispatcher = new ProxyAgent(p.url);
    onCleanup(() => dispatcher.close());
    const calls: string[] = [];
    const fetch: BinanceStreamClientOptions['fetch'] = (url, init) => {
      calls.push(`${init.method} ${new URL(url).pathname}`);
      return undiciFetch(url, { ...init, signal: init.signal as AbortSignal, dispatcher });
    };
    const client = new BinanceStreamClient({ ...fake.clientOptions(), apiKey: 'proxy-test-key-0123456789', connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }), fetch });
    onCleanup(() => client.stop());
    await client.subscribeUserData();
    expect(calls).toContain('POST /fapi/v1/listenKey');
    expect(p.tunnels.some((t) => t.port === portOf(fake.urls.http))).toBe(true);
  }, 20_000);

  it('a bad fetch option is ERR_INVALID_OPTION naming it', () => {
    expect(() => new BinanceStreamClient({ fetch: 'https://proxy' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/fetch/) }));
  });
});

describe('examples/09-proxy.ts', () => {
  it('runs through its demo proxy: the WebSocket and the REST snapshot both tunnelled', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/09-proxy.ts', '--duration', '1'], { cwd: root, env: { ...process.env, FORCE_COLOR: '0', HTTPS_PROXY: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    onCleanup(() => void child.kill('SIGKILL'));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).toBe(0);
    expect(out.match(/proxy: tunnel to 127\.0\.0\.1:\d+/g)?.length, out).toBeGreaterThanOrEqual(2);
    expect(out).toMatch(/live through the proxy; best bid \d/);
    expect(out).toMatch(/order-book snapshots: [1-9]/);
  }, 40_000);
});
