/**
 * USD-M futures user data: a listenKey created, refreshed every 30 min and replaced when
 * it dies; typed events; a `userDataGap` after every interruption.
 *
 * By default it runs against the bundled emulator and plays a few faults (a key expiry,
 * an abrupt drop) while pushing order updates. With `--live` it connects to the Binance
 * futures TESTNET with keys from the environment (BINANCE_API_KEY; a listenKey needs no
 * secret) and just listens. Exits by itself after `--duration` seconds.
 *
 *   npx tsx examples/07-user-data-futures.ts --duration 10
 *   BINANCE_API_KEY=… npx tsx examples/07-user-data-futures.ts --live --duration 60
 */
import { parseArgs } from 'node:util';
import { BinanceStreamClient, consoleLogger, describeError } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    live: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npx tsx examples/07-user-data-futures.ts [--duration s] [--live] [--verbose]');
  process.exit(0);
}
const durationMs = Number(args.duration) * 1000;
if (!Number.isFinite(durationMs) || durationMs < 1000) {
  console.error(`--duration: expected seconds >= 1, got ${JSON.stringify(args.duration)}`);
  process.exit(2);
}

const apiKey = args.live ? process.env.BINANCE_API_KEY : 'example-futures-api-key';
if (!apiKey) {
  console.error('--live needs BINANCE_API_KEY in the environment (a futures testnet key)');
  process.exit(2);
}

const ex = args.live ? undefined : await FakeBinance.start({ market: 'usdm' });
const client = new BinanceStreamClient({
  ...(ex ? ex.clientOptions() : { market: 'usdm' as const, environment: 'testnet' as const }),
  apiKey,
  logger: consoleLogger(args.verbose ? 'debug' : 'warn'),
});

const t0 = Date.now();
const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
client.on('orderUpdate', (e) => console.log(at(), 'order', e.o.s, e.o.S, e.o.X, `id=${e.o.i}`));
client.on('accountUpdate', (e) => console.log(at(), 'account update', e.a.m));
client.on('listenKey', (e) => console.log(at(), `listenKey ${e.action}`, e.listenKey, e.previous ? `(was ${e.previous})` : ''));
client.on('userDataState', (e) => console.log(at(), `user data: ${e.state}`, e.error ? describeError(e.error) : ''));
client.on('userDataGap', (e) => console.log(at(), `GAP ${e.to - e.from} ms (${e.reason}): reconcile orders and positions over REST`));
client.on('error', (e) => console.log(at(), 'error', describeError(e.error)));

let exitCode = 0;
const timers: ReturnType<typeof setTimeout>[] = [];
let pusher: ReturnType<typeof setInterval> | undefined;
try {
  await client.subscribeUserData({ product: 'usdm' });
  console.log(at(), 'subscribed');
  if (ex) {
    let i = 0;
    pusher = setInterval(() => {
      i++;
      ex.pushUserEvent(apiKey, {
        e: 'ORDER_TRADE_UPDATE',
        E: Date.now(),
        T: Date.now(),
        o: { s: 'BTCUSDT', c: `demo-${i}`, S: i % 2 ? 'BUY' : 'SELL', o: 'LIMIT', f: 'GTC', q: '0.001', p: '60000', x: 'NEW', X: 'NEW', i },
      });
    }, 700);
    timers.push(
      setTimeout(() => {
        const key = ex.listenKeys().find((k) => k.state === 'active');
        if (key) {
          console.log(at(), '[fault] the emulator expires the listenKey');
          ex.faults.expireListenKey(key.listenKey);
        }
      }, durationMs * 0.3),
    );
    timers.push(
      setTimeout(() => {
        console.log(at(), '[fault] the emulator drops the connection (1006)');
        ex.faults.close({ all: true }, { code: 1006 });
      }, durationMs * 0.6),
    );
  }
  await new Promise((r) => timers.push(setTimeout(r, durationMs)));
  const s = client.stats().userData[0];
  console.log(at(), `done: ${s?.events ?? 0} events, ${s?.gaps ?? 0} gaps, socket reconnects ${s?.socket.reconnects ?? 0}`);
} catch (err) {
  console.error(at(), 'failed:', describeError(err));
  exitCode = 1;
} finally {
  for (const t of timers) clearTimeout(t);
  if (pusher) clearInterval(pusher);
  await client.stop();
  await ex?.close();
}
process.exit(exitCode);
