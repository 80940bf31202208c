/**
 * Retries and errors: a custom retry policy, and what the client's events say when the
 * connection breaks. Runs against the local emulator:
 *
 *   npx tsx examples/03-retries-and-errors.ts
 *
 * What it shows: the emulator breaks the connection three ways: an abrupt reset (1006),
 * a 1008 "too many requests", then a silent stall (the socket stays open, pings are
 * answered, no data comes). The policy below logs its decisions and waits its own curve
 * (a server's Retry-After would still win over whatever delayMs() returns). The events
 * tell the story: `close` (code, reason, the error with its `code`), `reconnecting`
 * (attempt, delay), `reconnected` (downtime), `stale` (the stall noticed), and `gaveUp`
 * if the policy ever says stop. Every error has a stable `code` to match on, and
 * `describeError()` turns any error into one readable line. The WARN "data lost" lines are
 * the trades missed while disconnected: 04-gap-free-trades.ts fills them from REST.
 */
import { BinanceStreamClient, ExponentialBackoff, consoleLogger, describeError, failureKind } from 'binance-stream-client';
import type { RetryContext } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

/**
 * Patient on throttling, quick on routine drops, and never more than 10 tries in a row
 * (the first field report's cap) for anything that is not a clean close.
 */
class TradingBotPolicy extends ExponentialBackoff {
  constructor() {
    // 200 ms first retry after an abnormal drop, capped at 30 s; counter resets after 60 s up.
    super({ initialDelayMs: 200, maxDelayMs: 30_000, resetAfterMs: 60_000, maxRetries: Infinity });
  }

  override shouldRetry(ctx: RetryContext): boolean {
    const kind = failureKind(ctx.error);
    if (kind === 'permanent') return false;
    if (kind === 'clean') return true; // 24 h cut, serverShutdown, restarts: always come back
    return ctx.attempt <= 10;
  }

  override delayMs(ctx: RetryContext): number {
    const kind = failureKind(ctx.error);
    // Binance pushed back: wait a flat 2 s here (demo); a real bot might choose minutes.
    const delay = kind === 'throttled' ? 2_000 : super.delayMs(ctx);
    console.log(`policy: attempt ${ctx.attempt} after ${kind} failure (${ctx.error.code}, up ${ctx.uptimeMs} ms) → wait ${delay} ms`);
    return delay;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const fake = await FakeBinance.start({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], rates: { aggTrade: 20 } });
  const client = new BinanceStreamClient({
    ...fake.clientOptions(),
    retryPolicy: new TradingBotPolicy(),
    logger: consoleLogger('warn'), // the same story as log lines; 'info' adds every open and close
  });
  let trades = 0;
  let staleAt = -1;
  client.on('aggTrade', () => void trades++);
  client.on('close', (e) => console.log(`close ${e.code} "${e.reason}"${e.error ? ` (${describeError(e.error)})` : ''}, will reconnect: ${e.willReconnect}`));
  client.on('reconnecting', (e) => console.log(`reconnecting: retry ${e.attempt} in ${e.delayMs} ms (${e.error.code})`));
  client.on('reconnected', (e) => console.log(`reconnected after ${e.attempts} attempt(s), ${e.downtimeMs} ms down`));
  client.on('stale', (e) => {
    staleAt = trades;
    console.log(`stale: the ${e.scope} was silent for ${e.silentMs} ms (${e.streams.join(', ')}) → ${e.action}`);
  });
  client.on('gaveUp', (e) => console.log(`gave up after ${e.attempts} attempts: ${describeError(e.error)}`));
  // Anything unexpected that the client recovered from (a malformed frame, a failed SUBSCRIBE…).
  client.on('error', (e) => console.log(`error: ${describeError(e.error)}`));

  client.subscribe(['btcusdt@aggTrade', 'ethusdt@aggTrade']);
  try {
    await client.start();
    await sleep(2_000); // long enough for the client to learn how busy the streams are
    console.log('fault: abrupt drop (1006, no close frame)');
    fake.faults.close({ all: true }, { code: 1006 });
    await sleep(1_500);
    console.log('fault: 1008 "Too many requests"');
    fake.faults.close({ all: true }, { code: 1008, reason: 'Too many requests' });
    await sleep(3_000);
    console.log('fault: silent stall (the socket stays open and answers pings, no data)');
    const stallFrom = trades;
    fake.faults.stall({ all: true }); // lasts until the client notices and dials a new connection
    const recovered = () => staleAt >= stallFrom && trades > staleAt; // a stale after the stall began, then data again
    const deadline = Date.now() + 30_000;
    while (!recovered() && Date.now() < deadline) await sleep(50);
    if (!recovered()) throw new Error('the stall was not noticed and recovered within 30 s');
    console.log(`data flows again after the stall (${trades - staleAt} more aggTrades)`);

    const sockets = client.stats().pool.sockets;
    console.log(`received ${trades} aggTrades; ${sockets.length} connection(s), ${sockets.reduce((n, s) => n + s.reconnects, 0)} reconnects`);
  } finally {
    await client.stop(); // always: a client left running keeps the process alive
    await fake.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
