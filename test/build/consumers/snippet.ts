/**
 * Consumer fixture for test/build/consumer-types.test.ts: compiled by tsc in fresh
 * projects (CJS, ESM node16/nodenext, bundler) against the packed tarball. It must
 * compile with 0 errors under strict, exactOptionalPropertyTypes, skipLibCheck false,
 * lib ES2022 only (no DOM) and `types: []` (no @types/node, no @types/ws).
 * Never executed: it only has to type-check.
 */
import { BinanceStreamClient, BinanceStreamError } from 'binance-stream-client';
import type { BinanceStreamClientOptions, ClientEvents, KlineEvent, StreamMessage } from 'binance-stream-client';

const options: BinanceStreamClientOptions = { market: 'spot', maxStreamsPerConnection: 100 };
const client = new BinanceStreamClient(options);

// Typed market-data payloads: (data, message) with the payload type on both.
client.on('kline', (data, msg) => {
  const close: string = data.k.c;
  const closed: boolean = data.k.x;
  const stream: string = msg.stream;
  const same: KlineEvent = msg.data;
  void [close, closed, stream, same];
});
client.on('aggTrade', (data) => {
  const price: string = data.p;
  void price;
});
client.on('bookTicker', (data) => {
  const bid: string = data.b;
  void bid;
});
client.on('message', (m: StreamMessage) => {
  const at: number = m.receivedAt;
  void at;
});

// Lifecycle events.
client.on('reconnecting', (e) => {
  const s: string = e.delayMs.toFixed();
  const attempt: number = e.attempt;
  void [s, attempt];
});
client.on('error', (e) => {
  const code: string = e.error.code;
  const isError: boolean = e.error instanceof BinanceStreamError;
  void [code, isError];
});
client.once('open', (e) => void e);
client.off('kline');

// The listener map is exported and usable by consumers.
const onKline: ClientEvents['kline'] = (data) => void data.k.o;
client.on('kline', onKline);

// Methods chain and return the documented types.
const chained: BinanceStreamClient = client.subscribe(['btcusdt@kline_1m']).unsubscribe('btcusdt@kline_1m');
const started: Promise<void> = client.start();
const stopped: Promise<void> = client.stop();
void [chained, started, stopped];

export { client };
