import { describe, expect, it } from 'vitest';
import { fitLine, verdictOf } from '../../../bench/soak';

const hours = Array.from({ length: 13 }, (_, i) => 12 + i);
const MiB = 2 ** 20;
// A fixed ±64 KiB wiggle (no randomness: the test is the same every run).
const wiggle = (i: number): number => [0, 1, -1, 0.5, -0.5][i % 5]! * 64 * 1024;

describe('soak fit and verdict', () => {
  it('fits the exact slope of a line, with no error', () => {
    const f = fitLine(
      hours,
      hours.map((h) => 10 * MiB + h * 1000),
    );
    expect(f.slope).toBeCloseTo(1000, 6);
    expect(f.stdErr).toBeCloseTo(0, 6);
    expect(f.mean).toBeCloseTo(10 * MiB + 18 * 1000, 3);
  });

  it('a heap that only wiggles is flat; one that grows 1% per simulated hour is growing', () => {
    const flat = fitLine(
      hours,
      hours.map((h, i) => 12 * MiB + wiggle(i)),
    );
    expect(verdictOf(flat.slope, flat.stdErr, flat.mean)).toBe('flat');
    const leak = fitLine(
      hours,
      hours.map((h, i) => 12 * MiB * (1 + 0.01 * (h - 12)) + wiggle(i)),
    );
    expect(leak.slope).toBeGreaterThan(0.009 * 12 * MiB);
    expect(verdictOf(leak.slope, leak.stdErr, leak.mean)).toBe('growing');
    // Shrinking is never "growing".
    const shrink = fitLine(
      hours,
      hours.map((h) => 12 * MiB - h * 100 * 1024),
    );
    expect(verdictOf(shrink.slope, shrink.stdErr, shrink.mean)).toBe('flat');
  });
});
