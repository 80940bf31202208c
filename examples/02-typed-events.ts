/**
 * Many streams on one client, each kind with its own typed event, and the connection's own events.
 *
 *   npx tsx examples/02-typed-events.ts [--duration 3]   # the bundled emulator
 *   npx tsx examples/02-typed-events.ts --live           # real Binance (public market data, no keys)
 *
 * What it shows: `streams.*` builds (and checks) stream names; `subscribe()` may be called before or
 * after `start()`; every payload arrives as the event of its kind with Binance's field names, plus
 * a `message` event for everything; `open`/`subscribed` say what the pool did; `ready()` resolves
 * when every stream is acknowledged. A bad stream name throws at once, naming what is wrong.
 */
import { BinanceStreamClient, describeError, streams } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

const live = process.argv.includes('--live');
const i = process.argv.indexOf('--duration');
const seconds = i > 0 ? Number(process.argv[i + 1]) : 3;

const fake = live ? undefined : await FakeBinance.start({ symbols: ['btcusdt', 'ethusdt'], rates: { aggTrade: 10, bookTicker: 5 } });
const client = new BinanceStreamClient(fake?.clientOptions() ?? { market: 'spot' });

// Typed listeners: `t`, `k` and `b` are AggTradeEvent, KlineEvent and BookTickerEvent; `msg.stream` says which stream.
let trades = 0;
client.on('aggTrade', (t, msg) => void (trades++ === 0 && console.log(`first aggTrade on ${msg.stream}: ${t.q} at ${t.p}`)));
client.on('kline', (k) => k.k.x && console.log(`candle ${k.s} ${k.k.i} closed at ${k.k.c} (${k.k.n} trades)`));
client.on('bookTicker', (b) => void (b.u % 20 === 0 && console.log(`best ${b.s}: bid ${b.b} × ${b.B}, ask ${b.a} × ${b.A}`)));
// `message` sees every market-data message, typed or not: here it counts them per stream.
const perStream = new Map<string, number>();
client.on('message', (m) => void perStream.set(m.stream, (perStream.get(m.stream) ?? 0) + 1));
// What the connection pool does.
client.on('open', (e) => console.log(`connection ${e.socketId} open (${e.url}), ${e.streams} stream(s) on it`));
client.on('subscribed', (e) => console.log(`subscribed: ${e.streams.join(', ')}`));

client.subscribe([streams.aggTrade('BTCUSDT'), streams.kline('BTCUSDT', '1s'), streams.bookTicker('ETHUSDT')]);
await client.start();
await client.ready({ timeoutMs: 15_000 });
client.subscribe('ethusdt@aggTrade'); // added to the open connection with a SUBSCRIBE

try {
  client.subscribe('btcusdt@kline_7m'); // no such interval: ERR_INVALID_STREAM, nothing sent
} catch (err) {
  console.log(`rejected: ${describeError(err)}`);
}

await new Promise((r) => setTimeout(r, seconds * 1000));
await client.stop();
await fake?.close();
for (const [stream, n] of [...perStream].sort()) console.log(`${stream.padEnd(20)} ${n} messages`);
console.log(`${trades} aggTrades in ${seconds} s`);
