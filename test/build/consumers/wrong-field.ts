/**
 * Consumer fixture that MUST NOT compile: `k.closePrice` is not a field of a kline
 * (the close price is `k.c`). If typed events were lost (listener parameters of type
 * `any`, or `client.on` missing), tsc would report something else or nothing, and the
 * matrix fails. Expected: TS2339 naming `closePrice`.
 */
import { BinanceStreamClient } from 'binance-stream-client';

const client = new BinanceStreamClient({ market: 'spot' });
client.on('kline', (data) => {
  // @ts-expect-error -- consumer-matrix: strip (the repo's own typecheck proves the error; consumers must report it)
  const close: string = data.k.closePrice;
  void close;
});
