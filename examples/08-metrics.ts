/**
 * Prometheus metrics of a client, served on /metrics. Runs against the local emulator:
 *
 *   npx tsx examples/08-metrics.ts              # then: curl http://127.0.0.1:<port>/metrics
 *   npx tsx examples/08-metrics.ts --duration 5 --port 9464
 *
 * What it shows: `prometheusMetrics(client, { promClient })` registers the metrics
 * (README "Metrics") in prom-client's default registry; the HTTP handler answers with
 * `register.metrics()`. Halfway through, the emulator drops the connection, so the
 * reconnect and gap counters move. Exits by itself after `--duration` seconds (default 30).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as promClient from 'prom-client';
import { BinanceStreamClient } from 'binance-stream-client';
import { prometheusMetrics } from 'binance-stream-client/metrics';
import { FakeBinance } from 'binance-stream-client/testing';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const durationMs = arg('duration', 30) * 1000;
  const fake = await FakeBinance.start({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], rates: { aggTrade: 20 } });
  try {
    // `await using`: client.stop() runs when this block ends (before the emulator closes).
    await using client = new BinanceStreamClient(fake.clientOptions());
    client.subscribe(['btcusdt@aggTrade', 'ethusdt@aggTrade', 'btcusdt@bookTicker']);
    const metrics = prometheusMetrics(client, { promClient, labels: { bot: 'example' } });
    promClient.collectDefaultMetrics(); // process metrics beside the client's (optional)

    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('try /metrics\n');
        return;
      }
      promClient.register.metrics().then(
        (text) => res.writeHead(200, { 'content-type': promClient.register.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => server.listen(arg('port', 0), '127.0.0.1', resolve));
    console.log(`metrics at http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    try {
      await client.start();
      await client.ready({ timeoutMs: 10_000 });
      console.log('every stream is live');
      await new Promise((r) => setTimeout(r, durationMs / 2));
      fake.faults.close({ all: true }, { code: 1006 }); // the reconnect and gap counters move
      await new Promise((r) => setTimeout(r, durationMs / 2));
      const text = await promClient.register.getSingleMetricAsString('binance_stream_reconnects_total');
      console.log(
        text
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .join('\n'),
      );
    } finally {
      metrics.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  } finally {
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
