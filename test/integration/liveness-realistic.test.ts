/**
 * Liveness on the emulator's realistic market (`activity: 'realistic'`, the activity profile):
 * busy majors beside a long tail whose trades come minutes apart. The client learns each
 * stream: the quiet tail raises no stale event however long it is silent, while a busy stream
 * that goes silent on its live connection (faults.muteStream) is found and reported by itself.
 * The 24 h no-false-alarm figure is the bench's replay (bench/liveness/replay.ts); this is the
 * same model in real time, end to end.
 */
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient } from 'binance-stream-client';
import type { StaleEvent, StreamMessage } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

describe('liveness on a realistic market', () => {
  it('the quiet tail is never called stale; a busy stream muted on its live connection is', async () => {
    const tail = ['sym0001usdt', 'sym0002usdt', 'sym0003usdt', 'sym0004usdt'];
    const ex = await startEmulator({ symbols: ['btcusdt', 'ethusdt', ...tail], activity: { mode: 'realistic', lull: false, bursts: false, quiet: false } });
    const busy = ['btcusdt@depth@100ms', 'btcusdt@bookTicker', 'ethusdt@depth@100ms'];
    const quiet = tail.flatMap((s) => [`${s}@aggTrade`, `${s}@kline_1m`, `${s}@ticker`]);
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }) });
    onCleanup(() => c.stop());
    const stale: StaleEvent[] = [];
    const seen = new Map<string, number>();
    c.on('stale', (e) => stale.push(e));
    c.on('message', (m: StreamMessage) => seen.set(m.stream, (seen.get(m.stream) ?? 0) + 1));
    c.subscribe([...busy, ...quiet]);
    await c.start();
    // Warm-up: the busy streams have learned their cadence (≥ 32 gaps each).
    await until(() => busy.every((s) => (seen.get(s) ?? 0) >= 40), { timeoutMs: 20_000, message: () => `warm-up ${JSON.stringify(Object.fromEntries(seen))}` });
    const quietHeard = quiet.filter((s) => (seen.get(s) ?? 0) > 0).length;
    expect(quietHeard).toBeLessThan(quiet.length); // the tail is quiet for real

    ex.faults.muteStream('btcusdt@depth@100ms', { durationMs: 60_000 });
    await until(() => stale.some((e) => e.scope === 'stream' && e.streams.includes('btcusdt@depth@100ms')), { timeoutMs: 20_000, message: 'the muted busy stream reported' });
    // Nothing else was called stale: not the silent tail, not the connection (its other streams talk).
    expect(stale.filter((e) => !e.streams.includes('btcusdt@depth@100ms'))).toEqual([]);
    expect(stale.some((e) => e.scope === 'connection')).toBe(false);
    expect(c.stats().pool.sockets.length).toBe(1);
  }, 60_000);
});
