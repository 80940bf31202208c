/** The process's own stalls (core/loop-monitor.ts): drift → blocks, merged, reported once, subtracted. */
import { describe, expect, it } from 'vitest';
import { LoopMonitor } from '../../../src/core/loop-monitor';
import type { LoopBlock } from '../../../src/core/loop-monitor';

describe('LoopMonitor', () => {
  it('a timer on time is noise; a late one is a stall, reported once it reaches the threshold', () => {
    const seen: LoopBlock[] = [];
    const m = new LoopMonitor(100, 1_000, (b) => seen.push(b));
    expect(m.observe(0, 100, 150)).toBe(false); // 50 ms late: noise
    expect(m.observe(1_000, 100, 1_400)).toBe(true); // 300 ms late: a stall, below the report threshold
    expect(seen).toEqual([]);
    expect(m.observe(5_000, 100, 17_100)).toBe(true); // 12 s late
    expect(seen).toEqual([{ from: 5_000, to: 17_100 }]);
    expect(m.lastBlockEnd).toBe(17_100);
  });

  it('two timers late for the same stall merge into one block, reported once', () => {
    const seen: LoopBlock[] = [];
    const m = new LoopMonitor(100, 1_000, (b) => seen.push(b));
    m.observe(0, 100, 5_000);
    m.observe(50, 200, 5_001);
    expect(seen).toHaveLength(1);
    expect(m.blockedSince(0)).toBe(5_001);
  });

  it('blockedSince: only the part after t counts', () => {
    const m = new LoopMonitor(100);
    m.observe(1_000, 100, 4_100); // [1000, 4100]
    m.observe(10_000, 100, 12_100); // [10000, 12100]
    expect(m.blockedSince(0)).toBe(3_100 + 2_100);
    expect(m.blockedSince(3_000)).toBe(1_100 + 2_100);
    expect(m.blockedSince(5_000)).toBe(2_100);
    expect(m.blockedSince(13_000)).toBe(0);
  });

  it('a throwing reporter never breaks the timer; memory is bounded', () => {
    const m = new LoopMonitor(1, 1, () => {
      throw new Error('boom');
    });
    for (let i = 0; i < 1_000; i++) expect(m.observe(i * 1_000, 1, i * 1_000 + 500)).toBe(true);
    expect(m.blockedSince(0)).toBeLessThanOrEqual(32 * 501);
  });
});
