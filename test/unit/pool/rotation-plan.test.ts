import { describe, expect, it } from 'vitest';
import type { RotationPlan } from '../../../src/pool/rotation-plan';
import { nextWindowStart, rotationDue, windowEndIfInside } from '../../../src/pool/rotation-plan';

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 10, 22);
const plan = (p: Partial<RotationPlan> = {}): RotationPlan => ({
  rotateAfterMs: 23 * H,
  rotationJitterMs: 30 * 60_000,
  window: undefined,
  maxLifetimeMs: 24 * H,
  rotationSafetyMs: 10 * 60_000,
  ...p,
});

/** Simulate one socket rotating whenever due, checked every minute, for `days`. */
function simulate(p: RotationPlan, firstConnect: number, days: number, jitter = 0.3): number[] {
  const rotations: number[] = [];
  let connectedAt = firstConnect;
  for (let t = firstConnect; t < firstConnect + days * 24 * H; t += 60_000) {
    if (rotationDue(t, connectedAt, p, jitter)) {
      rotations.push(t);
      connectedAt = t;
    }
  }
  return rotations;
}

describe('rotation schedule', () => {
  it('without a window: at rotateAfterMs minus this socket’s jitter', () => {
    expect(rotationDue(DAY0 + 22 * H, DAY0, plan(), 0)).toBe(false);
    expect(rotationDue(DAY0 + 23 * H, DAY0, plan(), 0)).toBe(true);
    expect(rotationDue(DAY0 + 22.5 * H, DAY0, plan(), 1)).toBe(true);
    expect(rotationDue(DAY0 + 100 * H, DAY0, plan({ rotateAfterMs: false }), 0)).toBe(false);
  });

  it('window helpers handle wrap-around', () => {
    const w = { startHourUtc: 22, endHourUtc: 2 };
    expect(windowEndIfInside(DAY0 + 23 * H, w)).toBe(DAY0 + 26 * H);
    expect(windowEndIfInside(DAY0 + 1 * H, w)).toBe(DAY0 + 2 * H);
    expect(windowEndIfInside(DAY0 + 12 * H, w)).toBeUndefined();
    expect(nextWindowStart(DAY0 + 23 * H, w)).toBe(DAY0 + 46 * H);
  });

  it('with a window: every rotation but forced ones lands inside it, and no connection outlives the cut', () => {
    const w = { startHourUtc: 2, endHourUtc: 4 };
    const p = plan({ window: w });
    const rotations = simulate(p, DAY0 + 9.5 * H, 30);
    let prev = DAY0 + 9.5 * H;
    let outside = 0;
    for (const t of rotations) {
      expect(t - prev).toBeLessThanOrEqual(24 * H - 10 * 60_000);
      if (windowEndIfInside(t, w) === undefined) outside++;
      prev = t;
    }
    // The first one may be forced (connected mid-day, deadline before the first window); the rest are inside.
    expect(outside).toBeLessThanOrEqual(1);
    // Roughly once a day, with an occasional second rotation when the drift reaches the window start.
    expect(rotations.length).toBeGreaterThanOrEqual(29);
    expect(rotations.length).toBeLessThanOrEqual(36);
  });
});
