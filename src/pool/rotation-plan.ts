/**
 * When to rotate a connection before Binance's 24-hour cut. Pure due-time math: the pool's
 * sweep calls `rotationDue` for each open socket (the window itself is validated by
 * `resolvePoolOptions`, ./options.ts).
 *
 * Without a window: a socket rotates at `rotateAfterMs − jitter` of age, where each socket
 * draws its own jitter in [0, rotationJitterMs) so that sockets opened together do not
 * rotate together (the budget spaces their dials as well). The jitter is capped at
 * `MAX_JITTER_SHARE` of `rotateAfterMs` (see `effectiveJitterMs`): the 30-min
 * default jitter with a 60 s `rotateAfterMs` would otherwise make the due age negative and
 * rotate at every sweep.
 *
 * With a window (`{ startHourUtc, endHourUtc }`, may wrap midnight): rotations happen inside
 * the window. A socket that will not live until the next window opens (its deadline,
 * `lifetime − rotationSafetyMs`, comes first) rotates in the current window, as late
 * as it can (near the window's end, staggered by jitter, or at its deadline if that comes
 * first). A socket that is in the window and can make it to the next one waits. Outside the
 * window a socket rotates only at its deadline (a planned handover beats Binance's cut).
 * Because connections live less than 24 h, rotations drift earlier by about
 * `rotationSafetyMs` a day; when the drift reaches the window's start a socket rotates twice
 * in that window (once at the start, once near the end) and the cycle restarts.
 */

export interface RotationWindow {
  /** UTC hour (0–23) the window opens. */
  startHourUtc: number;
  /** UTC hour (1–24) the window closes; may be smaller than `startHourUtc` (wraps midnight). */
  endHourUtc: number;
}

export interface RotationPlan {
  /** Age at which a socket is rotated, or false (never; Binance then cuts it at 24 h and the socket reconnects). */
  rotateAfterMs: number | false;
  /** Each socket rotates up to this much earlier, at random. */
  rotationJitterMs: number;
  window: RotationWindow | undefined;
  /** Binance's connection lifetime (24 h). */
  maxLifetimeMs: number;
  /** With a window: the deadline is this long before the cut. */
  rotationSafetyMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** If `t` is inside the window, the end of that window occurrence; otherwise undefined. */
export function windowEndIfInside(t: number, w: RotationWindow): number | undefined {
  const dayStart = Math.floor(t / DAY) * DAY;
  const start = w.startHourUtc * HOUR;
  const end = w.endHourUtc * HOUR;
  const tod = t - dayStart;
  if (start < end) return tod >= start && tod < end ? dayStart + end : undefined;
  // Wraps midnight: [start, 24h) ∪ [0, end)
  if (tod >= start) return dayStart + DAY + end;
  if (tod < end) return dayStart + end;
  return undefined;
}

/** Start of the next window occurrence strictly after `t`'s current one (or the next one if outside). */
export function nextWindowStart(t: number, w: RotationWindow): number {
  const dayStart = Math.floor(t / DAY) * DAY;
  let s = dayStart + w.startHourUtc * HOUR;
  while (s <= t) s += DAY;
  return s;
}

/** The largest share of `rotateAfterMs` the jitter may take (a socket rotates at ≥ 90 % of its configured age). */
export const MAX_JITTER_SHARE = 0.1;

/** The jitter range actually used: `rotationJitterMs`, capped at MAX_JITTER_SHARE × rotateAfterMs. */
export function effectiveJitterMs(plan: Pick<RotationPlan, 'rotateAfterMs' | 'rotationJitterMs'>): number {
  if (plan.rotateAfterMs === false) return 0;
  return Math.min(plan.rotationJitterMs, plan.rotateAfterMs * MAX_JITTER_SHARE);
}

/**
 * Should a socket that connected at `connectedAt` rotate now?
 * @param jitter this socket's draw in [0, 1)
 */
export function rotationDue(now: number, connectedAt: number, plan: RotationPlan, jitter: number): boolean {
  if (plan.rotateAfterMs === false) return false;
  const offset = jitter * effectiveJitterMs(plan);
  const w = plan.window;
  if (w === undefined) return now - connectedAt >= plan.rotateAfterMs - offset;
  // With a window the deadline is the cut minus the safety margin (rotateAfterMs only applies without a
  // window): the later the deadline, the slower rotations drift out of the window.
  const deadline = connectedAt + plan.maxLifetimeMs - plan.rotationSafetyMs;
  if (now >= deadline) return true;
  const end = windowEndIfInside(now, w);
  if (end === undefined) return false;
  if (deadline >= nextWindowStart(now, w)) return false; // it can wait for the next window
  // Rotate as late as possible in this window, staggered by jitter.
  const windowLen = w.startHourUtc < w.endHourUtc ? (w.endHourUtc - w.startHourUtc) * HOUR : (24 - w.startHourUtc + w.endHourUtc) * HOUR;
  const slack = Math.min(windowLen / 2, 5 * 60_000 + jitter * Math.min(plan.rotationJitterMs, windowLen / 2));
  return now >= Math.min(deadline, end - slack);
}
