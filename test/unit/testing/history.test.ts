/**
 * The emulator's history as pure functions (src/testing/data/: price-path, schedule, tape, klines,
 * history): no server, a fake clock. Times, ids and payloads are functions of the seed and the
 * index; nothing per event is stored; flood runs shift the ids after them and stay bounded.
 */
import { describe, expect, it } from 'vitest';
import type { LazyEvents } from '../../../src/testing/data/ground-truth';
import { MarketData } from '../../../src/testing/data/market-data';
import type { MarketClock } from '../../../src/testing/data/market-data';
import { ActivityIntegral } from '../../../src/testing/data/schedule';
import { MAX_RUNS } from '../../../src/testing/data/tape';
import { ActivityModel } from '../../../src/testing/streams/activity';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

function market(o: Partial<MarketClock> & { seed?: number; rate?: number } = {}): { data: MarketData; clock: { t: number } } {
  const clock = { t: T0 };
  const data = new MarketData(
    'spot',
    ['btcusdt', 'ethusdt'],
    o.seed ?? 1,
    { aggTrade: o.rate ?? 10, trade: o.rate ?? 10 },
    {
      origin: T0,
      timeScale: o.timeScale ?? 1,
      retentionMs: o.retentionMs ?? 3_600_000,
      autoGenerate: o.autoGenerate ?? true,
      activity: o.activity,
      now: () => clock.t,
    },
  );
  return { data, clock };
}

const lazy = (texts: string[]): LazyEvents => ({ payload: (i) => texts[i] as string });

describe('price path', () => {
  it('is a function of the seed, the symbol and the time; whole steps; near the reference price', () => {
    const a = market().data;
    const b = market().data;
    const c = market({ seed: 2 }).data;
    const p = (d: MarketData, s: string, t: number): number => d.history.createPath(d.symbol(s)!).at(t);
    const sym = a.symbol('btcusdt')!;
    for (let t = T0 - 7_200_000; t < T0 + 7_200_000; t += 60_123) {
      expect(p(a, 'btcusdt', t)).toBe(p(b, 'btcusdt', t));
      expect(p(a, 'btcusdt', t) % sym.stepTicks).toBe(0);
      expect(Math.abs(p(a, 'btcusdt', t) * sym.tickSize - 65_000) / 65_000).toBeLessThan(0.03);
    }
    const diff = [0, 1, 2, 3].filter((i) => p(a, 'btcusdt', T0 + i * 600_000) !== p(c, 'btcusdt', T0 + i * 600_000));
    expect(diff.length).toBeGreaterThan(0);
  });
});

describe('trade tape', () => {
  for (const realistic of [false, true]) {
    it(`${realistic ? 'realistic' : 'steady'}: indexAfter(t) is the first index with T > t; ids and trade ids chain; item(id) finds it`, () => {
      const { data } = market(realistic ? { activity: { seed: 1, lull: false } } : {});
      const tape = data.history.tape('btcusdt', 'aggTrade')!;
      const first = tape.first;
      expect(tape.time(first)).toBeGreaterThanOrEqual(data.history.start);
      expect(tape.time(first - 1)).toBeLessThan(data.history.start);
      let prev = tape.event(first);
      for (let k = first + 1; k < first + 3000; k++) {
        const e = tape.event(k);
        expect(e.T).toBeGreaterThanOrEqual(prev.T);
        expect(e.id).toBe(prev.id + 1);
        expect(e.f).toBe(prev.f + prev.n);
        expect(e.n).toBeGreaterThanOrEqual(1);
        expect(e.n).toBeLessThanOrEqual(3);
        prev = e;
      }
      for (let i = 0; i < 200; i++) {
        const t = tape.time(first) + Math.floor(((i * 7919) % 1000) * 100.3);
        const k = tape.indexAfter(t);
        expect(tape.time(k)).toBeGreaterThan(t);
        expect(tape.time(k - 1)).toBeLessThanOrEqual(t);
        expect(tape.nextId(t)).toBe(tape.idOf(k));
      }
      const k = first + 1234;
      expect(tape.item(tape.idOf(k))).toEqual({ run: undefined, k, id: tape.idOf(k) });
      expect(tape.item(tape.idOf(first) - 1)).toBeUndefined();
    });
  }

  it('steady: event 0 is the first after the start and has the stream’s first id; 10/s means 36,000 an hour', () => {
    const { data } = market();
    const tape = data.history.tape('btcusdt', 'trade')!;
    expect(tape.indexAfter(T0 - 1)).toBe(0);
    expect(tape.indexAfter(T0 + 3_600_000 - 1) - tape.indexAfter(T0 - 1)).toBe(36_000);
    expect(tape.first).toBe(-36_000); // a 1 h window before the start
    const off = market({ autoGenerate: false }).data.history.tape('btcusdt', 'trade')!;
    expect([off.indexAfter(T0 + 3_600_000), off.time(0), off.nextId(T0)]).toEqual([0, Infinity, off.o.firstId]);
  });

  it('flood runs go in at the present: later ids shift by their size, their payloads are served; the count of runs is bounded', () => {
    const { data, clock } = market();
    const tape = data.history.tape('btcusdt', 'trade')!;
    clock.t = T0 + 10_000;
    tape.cursor = tape.indexAfter(clock.t);
    const before = tape.peekIds().id;
    expect(before).toBe(tape.idOf(tape.cursor));
    const texts = ['{"t":1}', '{"t":2}', '{"t":3}'];
    tape.commitRun(3, lazy(texts), clock.t);
    const it = tape.item(before + 1);
    expect(it && it.run && it.i).toBe(1);
    expect(it && tape.itemTime(it)).toBe(clock.t);
    // The next tape event comes after the run: its id moved by 3.
    expect(tape.item(before + 3)).toMatchObject({ run: undefined, k: tape.cursor });
    expect(tape.idOf(tape.cursor)).toBe(before + 3);
    expect(tape.nextId(clock.t)).toBe(before + 3);
    expect(tape.nextId(clock.t - 1)).toBe(before);
    const runs = MAX_RUNS + 10;
    for (let i = 0; i < runs; i++) tape.commitRun(1, lazy(['{}']), clock.t + 1 + i);
    // Past MAX_RUNS the oldest half is dropped and the history starts after them.
    expect(tape.floor).toBeGreaterThan(clock.t);
    // Every id still counts: the next one is past the tape events of those 4 s and every run.
    const lastAt = clock.t + runs;
    expect(tape.cursor).toBe(tape.indexAfter(lastAt));
    expect(tape.peekIds().id).toBe(tape.o.firstId + tape.cursor + 3 + runs);
    expect(tape.idOf(tape.cursor)).toBe(tape.peekIds().id);
  });
});

describe('activity integral', () => {
  it('M and its inverse agree on both sides of the start; M is non-decreasing', () => {
    const model = new ActivityModel('spot', { seed: 5 });
    const m = new ActivityIntegral(model, 'ethusdt', -86_400_000, () => -86_400_000);
    let prev = -Infinity;
    for (let p = -86_000_000; p < 86_000_000; p += 1_234_567) {
      const v = m.value(p);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
      expect(Math.abs(m.inverse(v) - p)).toBeLessThan(1e-3);
    }
    expect(m.value(0)).toBe(0);
  });
});

describe('klines', () => {
  it('a live bar sampled call by call equals the bar computed at its close; REST selection by start, end and limit', () => {
    const { data } = market({ rate: 20 });
    const k = data.history.klines('btcusdt', '1m')!;
    const open = Math.floor((T0 + 120_000) / 60_000) * 60_000;
    const live = { open: NaN, until: 0, h: 0, l: 0 };
    for (let t = open; t <= open + 60_000; t += 1_730) k.bar(open, t, live);
    expect(k.bar(open, open + 59_999, live)).toEqual(k.bar(open, open + 70_000));
    const bar = k.bar(open, open + 70_000);
    expect(bar.n).toBe(1200); // 20 trades/s
    expect(bar.L - bar.f + 1).toBe(bar.n);
    expect(bar.h).toBeGreaterThanOrEqual(Math.max(bar.o, bar.c));
    const now = open + 600_000;
    const first = k.select(open, undefined, 3, now, data.history.floor(now), false);
    expect(first.map((b) => b.t)).toEqual([open, open + 60_000, open + 120_000]);
    const last = k.select(undefined, undefined, 2, now, data.history.floor(now), false);
    expect(last.map((b) => b.t)).toEqual([now - 60_000, now]);
    expect(k.select(open, open + 300_000, 2, now, data.history.floor(now), true).map((b) => b.t)).toEqual([open + 240_000, open + 300_000]);
    expect(k.select(undefined, undefined, 1000, now, data.history.floor(now), false)[0]!.t).toBe(Math.floor(data.history.floor(now) / 60_000) * 60_000);
    expect(data.history.klines('btcusdt', '7m')).toBeUndefined();
  });
});
