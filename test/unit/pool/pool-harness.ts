/** A StreamPool on FakeSockets with a fast budget and a fixed jitter, for the pool's unit tests. */
import { MARKETS } from '../../../src/core/markets';
import { ConnectionBudget } from '../../../src/pool/connection-budget';
import type { StreamPoolOptions } from '../../../src/pool/options';
import { StreamPool } from '../../../src/pool/stream-pool';
import type { StreamMessage } from '../../../src/streams/types';
import { fakeFactory } from './fake-socket';
import type { FakeSocket } from './fake-socket';
import { unsafeShortTimings } from '../../../src/connection/options';

export const klines = (n: number): string[] => Array.from({ length: n }, (_, i) => `sym${i}usdt@kline_1h`);

/** 2026-11-22 06:00 UTC: the tests' fixed start. */
export const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);

export function makePool(extra: Partial<StreamPoolOptions> = {}) {
  const { sockets, factory } = fakeFactory();
  const delivered: StreamMessage[] = [];
  const pool = new StreamPool({
    ...unsafeShortTimings,
    market: MARKETS.spot,
    baseUrl: 'ws://127.0.0.1:1',
    sink: (m) => delivered.push(m),
    socketFactory: factory,
    budget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    random: () => 0,
    ...extra,
  });
  return { pool, sockets, delivered };
}

/** Open every started socket that is not open yet. */
export function openAll(sockets: FakeSocket[]): void {
  for (const s of sockets) if (s.started && s.state !== 'open' && !s.stopped) s.open();
}
