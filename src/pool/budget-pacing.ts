/**
 * The budget's pacing rule: how long after the previous grant the next dial may go, given how
 * much of the window's budget is left. Pure, so it is unit-tested on its own.
 *
 * With `remaining` attempts left of `effectiveLimit` in the sliding window:
 *   gap = max(minIntervalMs, tailSpreadMs / (remaining * (remaining + 1)))
 * The second term is tiny while much is left (0.2 ms with 270 left, 6 ms with 110, 75 ms with
 * 30 on the defaults) and grows smoothly as the budget runs out (the last attempt waits
 * tailSpreadMs / 2). Its sum over remaining = R … 1 telescopes to tailSpreadMs * (1 - 1/(R+1)):
 * burning a whole window's budget back to back takes at least `tailSpreadMs`, so the end of the
 * budget is approached slowly instead of hitting the wall, and the hard cap (never more than
 * effectiveLimit grants in any window) is what guarantees Binance's limit.
 */

/** Fraction of the window over which the budget's tail is spread (see above). */
export const TAIL_SPREAD_FRACTION = 0.25;

export function pacingGapMs(remaining: number, minIntervalMs: number, tailSpreadMs: number): number {
  if (remaining <= 0) return Infinity;
  return Math.max(minIntervalMs, tailSpreadMs / (remaining * (remaining + 1)));
}
