/** The learned-cadence detector (streams/cadence.ts): warm-up from nominal, learning, variance, peaks, quiet streams. */
import { describe, expect, it } from 'vitest';
import { CADENCE, LEARNED, learnGap, peakDecay, suspectAfterMs } from '../../../src/streams/cadence';
import type { CadenceState } from '../../../src/streams/cadence';
import { classifyStream } from '../../../src/streams/classify';

function state(stream: string, futures = false): CadenceState {
  return { info: classifyStream(stream, futures), gapMean: 0, gapVar: 0, gapPeak: 0, gapSamples: 0, learnSkip: false };
}
const feed = (st: CadenceState, gaps: number[]): void => gaps.forEach((g) => learnGap(st, g));
const repeat = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('learned cadence', () => {
  it('warm-up: a periodic stream starts from its nominal cadence (depth5@100ms: 10 periods, at least the floor); diff depth waits until it has shown itself busy', () => {
    const st = state('btcusdt@depth5@100ms');
    expect(st.info).toMatchObject({ cadenceMs: 100, periodic: true });
    expect(suspectAfterMs(st, LEARNED, true)).toBe(Math.max(CADENCE.minFloorMs, CADENCE.warmupFactor * 100));
    const diff = state('btcusdt@depth@100ms');
    expect(diff.info).toMatchObject({ cadenceMs: 100, periodic: false }); // pushed only when the book changed
    expect(suspectAfterMs(diff, LEARNED, true)).toBe(Infinity);
    feed(
      diff,
      repeat(CADENCE.warmupSamples, () => 100),
    );
    // Not warmed up yet, but every gap so far was busy: judged provisionally, as generously as the first release.
    expect(suspectAfterMs(diff, LEARNED, true)).toBe(CADENCE.provisionalMs);
    const slowStart = state('ethusdt@depth@100ms');
    feed(slowStart, [100, 100, 100, 900, 100]); // one gap past the busy bound: maybe an illiquid book, quiet until warmed up
    expect(suspectAfterMs(slowStart, LEARNED, true)).toBe(Infinity);
    const young = state('bnbusdt@depth@100ms');
    feed(
      young,
      repeat(CADENCE.provisionalSamples - 1, () => 100),
    );
    expect(suspectAfterMs(young, LEARNED, true)).toBe(Infinity); // too few gaps to say anything
    feed(
      diff,
      repeat(CADENCE.eventWarmupSamples, () => 100),
    );
    expect(suspectAfterMs(diff, LEARNED, true)).toBe(CADENCE.minFloorMs);
    const illiquid = state('xyzusdt@depth@100ms');
    feed(
      illiquid,
      repeat(20, () => 5_000),
    );
    expect(suspectAfterMs(illiquid, LEARNED, true)).toBe(Infinity);
    // kline_1s is a 1 s stream, other spot klines 2 s, futures klines 250 ms.
    // Klines may skip a push when nothing traded: judged like trades, once shown busy.
    expect(suspectAfterMs(state('btcusdt@kline_1s'), LEARNED, true)).toBe(Infinity);
    const k1s = state('btcusdt@kline_1s');
    feed(
      k1s,
      repeat(CADENCE.eventWarmupSamples, () => 1_000),
    );
    expect(suspectAfterMs(k1s, LEARNED, true)).toBe(4_000); // 4 × its steady 1 s gap; the bench target is ≤ 5 s
    expect(state('btcusdt@kline_1m', true).info.cadenceMs).toBe(250);
  });

  it('learns a busy depth@100ms stream: suspected after about a second, not 10 s', () => {
    const st = state('btcusdt@depth@100ms');
    feed(
      st,
      repeat(200, (i) => 100 + ((i * 37) % 21) - 10),
    ); // 90–110 ms
    expect(st.gapSamples).toBe(200);
    expect(st.gapMean).toBeGreaterThan(95);
    expect(st.gapMean).toBeLessThan(105);
    const t = suspectAfterMs(st, LEARNED, true);
    expect(t).toBe(CADENCE.minFloorMs); // 4 × peak (110) and mean + 6 sd are below the 1 s floor
  });

  it('variance and peaks: a bursty aggTrade stream gets a threshold from its own longest recent pause', () => {
    const st = state('btcusdt@aggTrade');
    expect(suspectAfterMs(st, LEARNED, true)).toBe(Infinity); // event-driven, not shown busy yet: quiet
    feed(
      st,
      repeat(500, (i) => (i % 50 === 49 ? 700 : 20)),
    ); // 50 msg/s with a 0.7 s pause every second
    const t = suspectAfterMs(st, LEARNED, true);
    expect(t).toBeCloseTo(CADENCE.peakFactor * 700, 0);
    expect(t).toBeLessThanOrEqual(3_000); // the bench target for a busy aggTrade stream
    // A steadier stream of the same rate is judged faster.
    const steady = state('ethusdt@aggTrade');
    feed(
      steady,
      repeat(500, () => 20),
    );
    expect(suspectAfterMs(steady, LEARNED, true)).toBe(CADENCE.eventFloorMs);
  });

  it('the peak decays (half-life), so one old pause does not blunt the detector for ever', () => {
    const st = state('btcusdt@aggTrade');
    feed(st, [...repeat(100, () => 20), 2_000, ...repeat(100, () => 20)]);
    expect(st.gapPeak).toBe(2_000);
    expect(suspectAfterMs(st, LEARNED, true)).toBe(CADENCE.peakFactor * 2_000);
    st.gapPeak *= peakDecay(CADENCE.peakHalfLifeMs);
    expect(st.gapPeak).toBeCloseTo(1_000, 6);
    expect(peakDecay(0)).toBe(1);
  });

  it('a skipped gap (it spans a reconnect, a repair or our own stall) is not learned', () => {
    const st = state('btcusdt@depth@100ms');
    feed(
      st,
      repeat(50, () => 100),
    );
    st.learnSkip = true;
    learnGap(st, 30_000);
    expect(st.gapPeak).toBe(100);
    expect(st.learnSkip).toBe(false);
    expect(suspectAfterMs(st, LEARNED, true)).toBe(CADENCE.minFloorMs); // the second stall is caught as fast as the first
  });

  it('quiet by nature: liquidations, !contractInfo, block trades, and trades of an illiquid symbol are never stale by silence', () => {
    for (const s of ['btcusdt@forceOrder', '!forceOrder@arr', '!contractInfo', 'btcusdt@blockTrade']) {
      const st = state(s, true);
      expect(st.info.quiet).toBe(true);
      feed(
        st,
        repeat(50, () => 1_000),
      );
      expect(suspectAfterMs(st, LEARNED, true)).toBe(Infinity);
    }
    const illiquid = state('xyzusdt@trade');
    feed(
      illiquid,
      repeat(50, () => 30_000),
    );
    expect(suspectAfterMs(illiquid, LEARNED, true)).toBe(Infinity);
    expect(classifyStream('!forceOrder@arr', true).staleAfterMs).toBe(Infinity); // a standalone socket's watch ignores them too
  });

  it('overrides: a fixed threshold wins; false never; the floor lifts learned thresholds; a stream that never delivered gets at least 10 s', () => {
    const st = state('btcusdt@depth@100ms');
    feed(
      st,
      repeat(50, () => 100),
    );
    expect(suspectAfterMs(st, { fixed: 2_500, floorMs: 0 }, true)).toBe(2_500);
    expect(suspectAfterMs(st, { fixed: false, floorMs: 0 }, true)).toBe(Infinity);
    expect(suspectAfterMs(st, { fixed: undefined, floorMs: 4_000 }, true)).toBe(4_000);
    expect(suspectAfterMs(st, LEARNED, false)).toBe(CADENCE.firstMessageMs);
  });

  it('memory per stream is a fixed handful of numbers; a negative or NaN gap is ignored', () => {
    const st = state('btcusdt@trade');
    feed(st, [-5, NaN, 10]);
    expect(st.gapSamples).toBe(1);
    expect(Object.keys(st)).toHaveLength(6);
  });
});
