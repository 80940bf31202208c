/**
 * Make-before-break rotation of an all-market stream (`!bookTicker`, USD-M) against the
 * emulator's ground truth. Its symbols interleave on one stream and each carries its own
 * order-book update id `u` (issue 10, item 9): de-duplication must order events per symbol,
 * not by one "last `u`" per stream.
 *
 * The events are published by the test (`fake.publish`), back to back in bursts, each with its
 * own per-symbol `u` from ranges far apart (as on Binance: BTCUSDT's `u` is not comparable
 * with ETHUSDT's). The emulator's `fake.flood()` cannot be used for `!bookTicker`: it has no
 * flood source of its own and cycles a few generated payloads with only `E` patched, so a
 * flood repeats the same `(s, u)` events.
 */
import { describe, expect, it } from 'vitest';
import type { RotatedEvent } from '../../src/pool/events';
import { unsafeShortTimings } from '../../src/connection/options';
import { MARKETS } from '../../src/core/markets';
import { ConnectionBudget } from '../../src/pool/connection-budget';
import { StreamPool } from '../../src/pool/stream-pool';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import type { StreamMessage } from '../../src/streams/types';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const STREAM = '!bookTicker';
/** Per-symbol start of `u`: far apart, and not in the order the symbols are published. */
const SYMBOLS: [string, number][] = [
  ['BTCUSDT', 9_100_000_000_000],
  ['ETHUSDT', 1_200_000_000_000],
  ['BNBUSDT', 5_300_000_000_000],
  ['SOLUSDT', 3_400_000_000_000],
  ['XRPUSDT', 7_500_000_000_000],
];

/** Publish interleaved bookTicker events in bursts (one burst per macrotask) until `stop()` is true. */
async function publishBursts(publish: (payload: object) => void, stop: () => boolean): Promise<number> {
  const u = SYMBOLS.map(([, start]) => start);
  let n = 0;
  while (!stop()) {
    for (let i = 0; i < 100; i++) {
      // A varying interleave: some symbols update several times in a row.
      const s = (n * 7 + (n >> 3)) % SYMBOLS.length;
      u[s]! += 1 + (n % 3);
      const now = Date.now();
      publish({ e: 'bookTicker', u: u[s], E: now, T: now, s: SYMBOLS[s]![0], b: `${100 + (n % 50)}.1`, B: '1.000', a: `${101 + (n % 50)}.2`, A: '2.000' });
      n++;
    }
    await new Promise((r) => setImmediate(r));
  }
  return n;
}

describe('all-market stream across a make-before-break handover', () => {
  it('delivers every !bookTicker event exactly once, in order per symbol, while the pool rotates', async () => {
    const fake = await startEmulator({ market: 'usdm', symbols: ['btcusdt'], autoGenerate: false, groundTruthLimit: 500_000 });
    const delivered: string[] = [];
    const pool = new StreamPool({
      ...unsafeShortTimings,
      market: MARKETS.usdm,
      baseUrl: fake.urls.ws,
      sink: (m: StreamMessage) => {
        if (m.stream === STREAM) delivered.push(JSON.stringify(m.data));
      },
      budget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
      retryPolicy: new ConstantBackoff({ delayMs: 50 }),
      rotateAfterMs: 250,
      rotationJitterMs: 0,
      sweepIntervalMs: 25,
      handoverSettleMs: 100,
    });
    onCleanup(() => pool.stop());
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe([STREAM]);
    await pool.start();
    await until(() => fake.connections().length === 1, { message: 'the first socket' });

    // Publish until three rotations are done and no handover is open (nothing held that could still come).
    const settled = (): boolean => {
      const sockets = pool.stats().sockets;
      return rotated.length >= 3 && sockets.length === 1 && !sockets[0]!.rotating;
    };
    const sent = await publishBursts((payload) => fake.publish(STREAM, payload), settled);
    await until(() => delivered.length >= sent, { timeoutMs: 5_000, message: () => `every event (${delivered.length}/${sent})` });

    const events = fake.groundTruth(STREAM);
    expect(events.length, 'ground-truth ring holds every event').toBe(fake.publishedCount(STREAM));
    expect(events.length).toBe(sent);
    expect(sent).toBeGreaterThan(1_000);
    const truth = events.map((e) => JSON.stringify(e.payload));
    expect(delivered.length, 'delivered count equals published count').toBe(truth.length);
    expect(delivered, 'same events in the same order').toEqual(truth);
    expect(rotated.every((r) => r.reason === 'lifetime')).toBe(true);
    const st = pool.stats();
    expect(st.duplicatesDropped).toBeGreaterThan(0); // the overlaps really carried both sockets
    expect(st.forcedSwitches).toBe(0);
  });
});
