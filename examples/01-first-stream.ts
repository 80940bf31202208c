/**
 * Your first stream: five BTCUSDT aggregate trades, then stop.
 *
 *   npx tsx examples/01-first-stream.ts          # the bundled emulator: offline, no keys
 *   npx tsx examples/01-first-stream.ts --live   # real Binance (public market data, no keys)
 */
import { BinanceStreamClient, type AggTradeEvent } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

// The emulator is a local Binance; its clientOptions() are the URLs that point the client at it.
const fake = process.argv.includes('--live') ? undefined : await FakeBinance.start({ symbols: ['btcusdt'] });
const client = new BinanceStreamClient(fake?.clientOptions() ?? { market: 'spot' });

await client.start(); // the constructor does no I/O; start() connects
let n = 0;
for await (const { data: t } of client.stream<AggTradeEvent>('btcusdt@aggTrade')) {
  console.log(`trade #${t.a}: ${t.q} BTC at ${t.p} USDT`);
  if (++n === 5) break; // leaving the loop unsubscribes the stream
}
await client.stop(); // closes every socket and timer: the process exits by itself
await fake?.close();
