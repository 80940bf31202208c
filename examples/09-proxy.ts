/**
 * Market data and REST through an HTTP(S) proxy (Node):
 *
 *   HTTPS_PROXY=http://proxy.internal:3128 npx tsx examples/09-proxy.ts --live   # Binance via your proxy
 *   npx tsx examples/09-proxy.ts                                                 # emulator + a local demo proxy
 *
 * - WebSockets: `webSocketFactory` opens each one with `ws` and an agent that tunnels through
 *   the proxy (`https-proxy-agent` for HTTP CONNECT proxies; `socks-proxy-agent` for
 *   `socks5://` ones). `autoPong: false` as the default factory: the client answers pings itself.
 * - REST (backfill, REST fallback, order-book snapshots, listenKeys): the `fetch` option, here
 *   undici's `fetch` with a `ProxyAgent` dispatcher.
 * Without `--live` it starts the emulator and a tiny CONNECT proxy on 127.0.0.1 that prints
 * each tunnel, so you can see both paths go through it. Exits after `--duration` s (default 5).
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import WebSocket from 'ws';
import { BinanceStreamClient } from 'binance-stream-client';
import type { BinanceStreamClientOptions } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

/** The two options that route a client through `proxyUrl`. */
function viaProxy(proxyUrl: string): Pick<BinanceStreamClientOptions, 'webSocketFactory' | 'fetch'> {
  const agent = new HttpsProxyAgent(proxyUrl); // socks5://…: new SocksProxyAgent(proxyUrl) from 'socks-proxy-agent'
  const dispatcher = new ProxyAgent(proxyUrl);
  return {
    webSocketFactory: (url) => new WebSocket(url, { agent, autoPong: false }),
    fetch: (url, init) => undiciFetch(url, { ...init, signal: init.signal as AbortSignal, dispatcher }),
  };
}

/** Demo scaffolding: a CONNECT-only proxy on 127.0.0.1 that logs its tunnels (use a real one in production). */
async function demoProxy(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('data', (head: Buffer) => {
      const m = /^CONNECT 127\.0\.0\.1:(\d+) /.exec(head.toString('latin1'));
      if (!m) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      client.pause();
      const upstream = connect(Number(m[1]), '127.0.0.1', () => {
        console.log(`proxy: tunnel to 127.0.0.1:${m[1]}`);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--duration');
  const durationMs = (i > 0 ? Number(process.argv[i + 1]) : 5) * 1000;
  const live = process.argv.includes('--live');
  const proxyUrl = live ? process.env.HTTPS_PROXY : undefined;
  if (live && !proxyUrl) throw new Error('--live needs HTTPS_PROXY=http://host:port');
  const fake = live ? undefined : await FakeBinance.start({ symbols: ['btcusdt'], rates: { aggTrade: 20 } });
  const demo = live ? undefined : await demoProxy();
  try {
    await using client = new BinanceStreamClient({ ...fake?.clientOptions(), ...viaProxy(proxyUrl ?? demo!.url) });
    let trades = 0;
    client.on('aggTrade', () => void trades++);
    client.subscribe('btcusdt@aggTrade');
    const book = client.orderBook('btcusdt'); // its REST snapshot goes through `fetch`
    await client.start();
    await client.ready({ timeoutMs: 15_000 });
    await book.ready();
    console.log(`live through the proxy; best bid ${book.best()?.bid?.[0] ?? '-'}`);
    await new Promise((r) => setTimeout(r, durationMs));
    console.log(`aggTrades received: ${trades}; order-book snapshots: ${book.stats().snapshots}`);
  } finally {
    await demo?.close();
    await fake?.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
