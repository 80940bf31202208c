/**
 * Liveness figure 3: a slow consumer under each overflow policy. One emulator sends
 * btcusdt@aggTrade and btcusdt@bookTicker at `rate` msgs/s each (with a send stamp); one
 * process per case, all at once: `client.stream()` with `'block'` and `'drop-oldest'`
 * (aggTrade: every message counts), `'coalesce'` (bookTicker: snapshots), and a plain
 * listener on aggTrade, each taking `workMs` per message (~100 msgs/s, half the feed).
 */
import { FakeBinance } from 'binance-stream-client/testing';
import { clockOffsetMs } from '../lib/clock';
import { build, start } from './spawn';
import { SENT_FIELD, type ConsumerChildMessage, type ConsumerMode, type ConsumerParentMessage, type ConsumerResult } from './protocol';

export interface ConsumerCase {
  mode: ConsumerMode;
  stream: string;
  highWaterMark: number;
}

export const CONSUMER_CASES: readonly ConsumerCase[] = [
  { mode: 'block', stream: 'btcusdt@aggTrade', highWaterMark: 1000 },
  { mode: 'coalesce', stream: 'btcusdt@bookTicker', highWaterMark: 1000 },
  { mode: 'drop-oldest', stream: 'btcusdt@aggTrade', highWaterMark: 1000 },
  { mode: 'listener', stream: 'btcusdt@aggTrade', highWaterMark: 0 },
];

export interface ConsumerOptions {
  cases: readonly ConsumerCase[];
  rate: number;
  workMs: number;
  durationMs: number;
}

export type ConsumerRun = ConsumerCase & { result?: ConsumerResult | undefined; failed?: string | undefined };

export async function measureConsumers(o: ConsumerOptions): Promise<ConsumerRun[]> {
  const streams = new Set(o.cases.map((c) => c.stream));
  const emu = await FakeBinance.start({ symbols: ['btcusdt'], rates: (s: string) => (streams.has(s) ? o.rate : 0), stampField: SENT_FIELD, tickMs: 1 });
  const entry = await build('consumer');
  const offset = clockOffsetMs();
  const timeoutMs = o.durationMs + 30_000;
  try {
    return await Promise.all(
      o.cases.map(
        (c) =>
          new Promise<ConsumerRun>((resolve) => {
            const child = start<ConsumerParentMessage, ConsumerChildMessage>(entry);
            const timer = setTimeout(() => resolve({ ...c, failed: `no result within ${timeoutMs} ms` }), timeoutMs + 2000);
            const done = (r: ConsumerRun): void => {
              clearTimeout(timer);
              resolve(r);
            };
            child.onMessage((m) => {
              if (m.type === 'ready') {
                child.send({
                  type: 'job',
                  job: {
                    mode: c.mode,
                    wsBase: emu.urls.ws,
                    stream: c.stream,
                    highWaterMark: c.highWaterMark || 1,
                    workMs: o.workMs,
                    durationMs: o.durationMs,
                    expectedRate: o.rate,
                    emulatorOffsetMs: offset,
                    timeoutMs,
                  },
                });
              } else if (m.type === 'result') done({ ...c, result: m.result });
              else done({ ...c, failed: m.reason });
            });
            void child.exited.then((why) => done({ ...c, failed: why }));
          }),
      ),
    );
  } finally {
    await emu.close().catch(() => undefined);
  }
}
