/**
 * Make-before-break rotation and serverShutdown handover against the emulator, proven
 * against its ground truth: no event lost or doubled across the handover.
 */
import { describe, expect, it } from 'vitest';
import type { RotatedEvent } from '../../src/pool/events';
import { MARKETS } from '../../src/core/markets';
import type { MarketId } from '../../src/core/markets';
import { ConnectionBudget } from '../../src/pool/connection-budget';
import { StreamPool } from '../../src/pool/stream-pool';
import type { StreamPoolOptions } from '../../src/pool/options';
import { ConstantBackoff } from '../../src/retry/constant-backoff';
import type { StreamMessage } from '../../src/streams/types';
import type { FakeBinance, FakeBinanceOptions } from '../../src/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';
import { unsafeShortTimings } from '../../src/connection/options';

async function setup(market: MarketId, fakeOpts: FakeBinanceOptions, poolOpts: Partial<StreamPoolOptions> = {}) {
  const fake = await startEmulator({ market, ...fakeOpts });
  const delivered = new Map<string, string[]>();
  const pool = new StreamPool({
    ...unsafeShortTimings,
    market: MARKETS[market],
    baseUrl: fake.urls.ws,
    // Record the exact payload text per stream, to compare with the emulator's ground truth.
    sink: (m: StreamMessage) => {
      let list = delivered.get(m.stream);
      if (!list) delivered.set(m.stream, (list = []));
      list.push(JSON.stringify(m.data));
    },
    budget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 50 }),
    ...poolOpts,
  });
  onCleanup(() => pool.stop());
  return { fake, pool, delivered };
}

/** Payload texts of every published event, oldest first (ring must hold them all). */
function truth(fake: FakeBinance, stream: string): string[] {
  const events = fake.groundTruth(stream);
  expect(events.length, `ground-truth ring holds every event of ${stream}`).toBe(fake.publishedCount(stream));
  return events.map((e) => JSON.stringify(e.payload));
}

describe('rotation under full-speed data', () => {
  it('rotates repeatedly during floods with every event delivered exactly once', async () => {
    const streams = ['btcusdt@aggTrade', 'ethusdt@depth@100ms', 'btcusdt@trade'];
    const { fake, pool, delivered } = await setup(
      'spot',
      { symbols: ['btcusdt', 'ethusdt'], autoGenerate: false, groundTruthLimit: 500_000 },
      { rotateAfterMs: 250, rotationJitterMs: 0, sweepIntervalMs: 25, handoverSettleMs: 100 },
    );
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe(streams);
    await pool.start();
    await Promise.all(streams.map((stream) => fake.flood({ stream, durationMs: 1_500 })));
    await until(() => streams.every((s) => (delivered.get(s)?.length ?? 0) >= fake.publishedCount(s)), { timeoutMs: 3_000, message: 'every flooded event' });
    await sleep(100); // no condition can show a duplicate that must not come: give a late one the time to arrive
    for (const s of streams) {
      const t = truth(fake, s);
      expect(t.length).toBeGreaterThan(1_000);
      const d = delivered.get(s) ?? [];
      expect(d.length, `${s}: delivered count equals published count`).toBe(t.length);
      expect(d, `${s}: same events in the same order`).toEqual(t);
    }
    expect(rotated.length).toBeGreaterThanOrEqual(2);
    expect(rotated.every((r) => r.reason === 'lifetime')).toBe(true);
    const st = pool.stats();
    expect(st.duplicatesDropped).toBeGreaterThan(0); // the overlap really carried both sockets
    expect(st.forcedSwitches).toBe(0);
    expect(st.rotations).toBe(rotated.length);
  });

  it('rotates a kline stream at Binance cadence without dropping a non-final update', async () => {
    const stream = 'btcusdt@kline_1m';
    const { fake, pool, delivered } = await setup(
      'usdm',
      { symbols: ['btcusdt'], rates: { kline: 100 }, groundTruthLimit: 100_000 },
      { rotateAfterMs: 300, rotationJitterMs: 0, sweepIntervalMs: 25, handoverSettleMs: 100 },
    );
    let rotations = 0;
    pool.on('rotated', () => rotations++);
    pool.subscribe([stream]);
    await pool.start();
    await until(() => rotations >= 2, { timeoutMs: 4_000, message: 'two rotations' });
    const firstDelivered = delivered.get(stream)![0]!;
    const lastDelivered = delivered.get(stream)!.at(-1)!;
    const t = truth(fake, stream);
    const from = t.indexOf(firstDelivered);
    const to = t.indexOf(lastDelivered);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(delivered.get(stream)).toEqual(t.slice(from, to + 1));
  });
});

describe('serverShutdown handover', () => {
  it('opens the replacement before the old connection closes; no event lost or doubled', async () => {
    const stream = 'btcusdt@aggTrade';
    const { fake, pool, delivered } = await setup('spot', { symbols: ['btcusdt'], rates: { aggTrade: 300 }, groundTruthLimit: 100_000 });
    const rotated: RotatedEvent[] = [];
    pool.on('rotated', (e) => rotated.push(e));
    pool.subscribe([stream]);
    await pool.start();
    await until(() => (delivered.get(stream)?.length ?? 0) > 20, { timeoutMs: 2_000, message: 'data' });
    fake.faults.serverShutdown({ all: true }, { closeAfterMs: 1_000 });
    await until(() => rotated.length === 1, { timeoutMs: 3_000, message: 'rotated' });
    expect(rotated[0]).toMatchObject({ oldSocketId: 'spot-1', newSocketId: 'spot-2', reason: 'serverShutdown', streams: 1 });
    expect(rotated[0]!.handoverMs).toBeLessThan(1_000); // before the server closed the old connection
    await until(() => fake.stats().connectionsOpen === 1 && fake.stats().connectionsOpened === 2, { timeoutMs: 2_000, message: 'old connection gone' });
    const n = delivered.get(stream)!.length;
    await until(() => delivered.get(stream)!.length > n + 20, { timeoutMs: 2_000, message: 'data on the replacement' });
    const d = delivered.get(stream)!;
    const t = truth(fake, stream);
    const from = t.indexOf(d[0]!);
    const to = t.indexOf(d.at(-1)!);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(d).toEqual(t.slice(from, to + 1));
    expect(pool.stats().duplicatesDropped).toBeGreaterThan(0);
  });
});
