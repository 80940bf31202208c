/**
 * Local order books: `client.orderBook()` keeps a book in sync from the diff-depth stream and
 * REST snapshots, by Binance's procedure, and rebuilds it by itself after any break.
 *
 * By default it runs against the bundled emulator and plays two faults (an abrupt drop of the
 * connection, then a lost event) while printing the top of the book; each is repaired with a
 * `bookResync`, and at the end the local book is compared with the emulator's own book. With
 * `--live` it reads Binance's public market data (no keys needed). Exits by itself after
 * `--duration` seconds.
 *
 *   npx tsx examples/05-order-book.ts --duration 10
 *   npx tsx examples/05-order-book.ts --live --market usdm --symbol BTCUSDT --duration 30
 */
import { parseArgs } from 'node:util';
import { BinanceStreamClient, consoleLogger, describeError } from 'binance-stream-client';
import type { LocalOrderBook, MarketId } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    symbol: { type: 'string', default: 'BTCUSDT' },
    market: { type: 'string', default: 'spot' },
    depth: { type: 'string', default: '1000' },
    live: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npx tsx examples/05-order-book.ts [--duration s] [--symbol BTCUSDT] [--market spot|usdm|coinm] [--depth N] [--live] [--verbose]');
  process.exit(0);
}
const durationMs = Number(args.duration) * 1000;
const market = args.market as MarketId;
if (!Number.isFinite(durationMs) || durationMs < 3000 || !['spot', 'usdm', 'coinm'].includes(market)) {
  console.error('--duration: seconds >= 3; --market: spot, usdm or coinm');
  process.exit(2);
}
const symbol = args.symbol.toLowerCase();

const ex = args.live ? undefined : await FakeBinance.start({ market, symbols: [symbol], rates: { 'depth@100ms': 20, depth: 10 } });
const client = new BinanceStreamClient({ ...(ex ? ex.clientOptions() : { market }), logger: consoleLogger(args.verbose ? 'debug' : 'warn') });

const t0 = Date.now();
const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
let updates = 0;
client.on('book', (e) => {
  updates++;
  if (e.snapshot) console.log(at(), `book ${e.symbol} (re)built from a snapshot at ${e.lastUpdateId}: ${e.changed.bids.length} bids, ${e.changed.asks.length} asks`);
});
client.on('bookResync', (e) => console.log(at(), `RESYNC #${e.resyncs} ${e.symbol} (${e.reason}): ${e.detail}`));
client.on('error', (e) => console.log(at(), 'error', describeError(e.error)));

const book: LocalOrderBook = client.orderBook(symbol, { depth: Number(args.depth), speed: 100 });
const top = (b: LocalOrderBook) => {
  const { bid, bidQty, ask, askQty } = b.best();
  return `${b.state.padEnd(9)} id ${b.lastUpdateId}  bid ${bid ?? '-'} × ${bidQty ?? '-'}  ask ${ask ?? '-'} × ${askQty ?? '-'}  (${b.size.bids}/${b.size.asks} levels)`;
};

let exitCode = 0;
const timers: ReturnType<typeof setTimeout>[] = [];
const printer = setInterval(() => console.log(at(), top(book)), 1000);
try {
  await client.start();
  await book.ready();
  console.log(at(), 'live:', top(book));
  if (ex) {
    timers.push(setTimeout(() => console.log(at(), 'fault: abrupt drop (1006):', ex.faults.close({ all: true }, { code: 1006 }), 'connection(s)'), durationMs * 0.3));
    timers.push(setTimeout(() => console.log(at(), 'fault: one diff event lost:', ex.faults.breakDepthChain(symbol), 'stream(s)'), durationMs * 0.6));
  }
  await new Promise((r) => setTimeout(r, durationMs));
  if (ex) {
    // Compare with the emulator's own book at the same update id (both read in one tick).
    const deadline = Date.now() + 5_000;
    let same = false;
    while (!same && Date.now() < deadline) {
      const want = ex.orderBook(symbol);
      same = book.state === 'live' && book.lastUpdateId === want.lastUpdateId && JSON.stringify([book.bids(), book.asks()]) === JSON.stringify([want.bids, want.asks]);
      if (!same) await new Promise((r) => setTimeout(r, 5));
    }
    console.log(at(), same ? 'local book equals the emulator book' : 'MISMATCH with the emulator book');
    if (!same) exitCode = 1;
  }
  const s = book.stats();
  console.log(at(), `stats: ${s.updatesApplied} updates applied, ${updates} book events, ${s.snapshots} snapshots, ${s.resyncs} resyncs`, s.resyncsByReason);
} catch (err) {
  console.error(at(), 'failed:', describeError(err));
  exitCode = 1;
} finally {
  clearInterval(printer);
  for (const t of timers) clearTimeout(t);
  await client.stop();
  await ex?.close();
}
process.exit(exitCode);
