/**
 * Gap-free trades and candles: every aggTrade and every closed kline exactly once and in
 * order across connection faults, the missed ones filled from REST (`backfill: true`).
 * Runs against the local emulator (which drops the connection abruptly, then stalls it);
 * `--live` connects to Binance instead and reports what it saw.
 *
 *   npx tsx examples/04-gap-free-trades.ts [--duration 10] [--live] [--symbol btcusdt]
 *
 * What it prints: trades and closed candles received, how many came from REST, every `gap`
 * event (its exact range, cause and whether it was filled), and a final check that the
 * aggTrade ids are consecutive (0 lost, 0 duplicated).
 */
import { parseArgs } from 'node:util';
import { BinanceStreamClient, consoleLogger } from 'binance-stream-client';
import type { GapEvent, StreamMessage } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    live: { type: 'boolean', default: false },
    symbol: { type: 'string', default: 'btcusdt' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npx tsx examples/04-gap-free-trades.ts [--duration s] [--live] [--symbol btcusdt]');
  process.exit(0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const seconds = Math.max(3, Number(args.duration));
  const symbol = String(args.symbol).toLowerCase();
  const fake = args.live ? undefined : await FakeBinance.start({ market: 'spot', symbols: [symbol], rates: { aggTrade: 50, kline: 1 } });
  const client = new BinanceStreamClient({ ...(fake?.clientOptions() ?? {}), backfill: true, logger: consoleLogger('warn') });

  const ids: number[] = [];
  let restTrades = 0;
  let closedCandles = 0;
  let restCandles = 0;
  client.on('aggTrade', (t, m: StreamMessage & { backfilled?: boolean }) => {
    ids.push(t.a);
    if (m.backfilled) restTrades++;
  });
  client.on('kline', (k, m: StreamMessage & { backfilled?: boolean }) => {
    if (!k.k.x) return;
    closedCandles++;
    if (m.backfilled) restCandles++;
  });
  client.on('gap', (g: GapEvent) => {
    const range =
      g.kind === 'kline' ? `${g.count} candle(s) from ${new Date(g.fromOpenTime).toISOString()}` : g.kind === 'depth' ? `after update ${g.lastUpdateId}` : `ids ${g.fromId}–${g.toId} (${g.count})`;
    console.log(`gap on ${g.stream}: ${range}, cause ${g.cause}, ${g.filled ? 'filled from REST' : `NOT filled: ${g.reason}`}`);
  });

  client.subscribe([`${symbol}@aggTrade`, `${symbol}@kline_1s`]);
  await client.start();
  console.log(`connected to ${fake ? 'the emulator' : 'Binance'}; running ${seconds} s`);

  if (fake) {
    await sleep(Math.min(2_000, (seconds * 1000) / 3));
    console.log('fault: abrupt drop of every connection (1006)');
    fake.faults.close({ all: true }, { code: 1006 });
    await sleep(Math.min(2_000, (seconds * 1000) / 3));
    console.log('fault: a 1.5 s stall (data stops, pings answered)');
    fake.faults.stall({ all: true }, { durationMs: 1_500 });
  }
  await sleep(seconds * 1000 - (fake ? Math.min(4_000, (seconds * 2000) / 3) : 0));
  await client.stop();
  await fake?.close();

  let lost = 0;
  let duplicated = 0;
  for (let i = 1; i < ids.length; i++) {
    const d = (ids[i] as number) - (ids[i - 1] as number);
    if (d <= 0) duplicated++;
    else lost += d - 1;
  }
  console.log(`aggTrades: ${ids.length} received (${restTrades} from REST), ${lost} lost, ${duplicated} duplicated`);
  console.log(`closed 1 s candles: ${closedCandles} (${restCandles} from REST)`);
  process.exitCode = lost === 0 && duplicated === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
