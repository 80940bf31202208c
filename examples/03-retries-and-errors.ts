/**
 * A custom retry policy: subclass a built-in (or RetryPolicy itself) and the client
 * uses your delays for every reconnect. Runs against the local emulator:
 *
 *   npx tsx examples/03-retries-and-errors.ts
 *
 * What it shows: the emulator drops the connection a few times (abrupt reset, then a
 * 1008 "too many requests"); the policy below logs its decisions and waits its own
 * curve. A server's Retry-After would still win over whatever delayMs() returns.
 */
import { BinanceStreamClient, ExponentialBackoff, consoleLogger, failureKind } from 'binance-stream-client';
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

async function main(): Promise<void> {
  const fake = await FakeBinance.start({ market: 'spot', symbols: ['btcusdt', 'ethusdt'] });
  const client = new BinanceStreamClient({
    ...fake.clientOptions(),
    retryPolicy: new TradingBotPolicy(),
    logger: consoleLogger('info'),
  });
  let trades = 0;
  client.on('aggTrade', () => void trades++);
  client.on('reconnecting', (e) => console.log(`reconnecting: retry ${e.attempt} in ${e.delayMs} ms (${e.error.code})`));
  client.on('reconnected', (e) => console.log(`reconnected after ${e.attempts} attempt(s), ${e.downtimeMs} ms down`));

  client.subscribe(['btcusdt@aggTrade', 'ethusdt@aggTrade']);
  await client.start();

  await new Promise((r) => setTimeout(r, 1_000));
  fake.faults.close({ all: true }, { code: 1006 }); // abrupt TCP reset
  await new Promise((r) => setTimeout(r, 1_500));
  fake.faults.close({ all: true }, { code: 1008, reason: 'Too many requests' }); // throttled
  await new Promise((r) => setTimeout(r, 3_000));

  console.log(`received ${trades} aggTrades; stats:`, client.stats());
  await client.stop();
  await fake.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
