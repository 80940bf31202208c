/**
 * Learned cadence: how long a stream may stay silent before it is suspected, learned from
 * the stream's own arrivals (never per stream *type* alone).
 *
 * The model, per stream, O(1) per message and a fixed handful of numbers per stream:
 *
 * - an EWMA of the inter-arrival gap and of its variance (weight {@link CADENCE.alpha} per
 *   sample; `mean + z·sd` is where a normal-ish stream stops being plausible, the
 *   accrual-detector idea of Akka and Cassandra without the log);
 * - a decaying peak gap: the longest gap seen, halved every {@link CADENCE.peakHalfLifeMs}
 *   (decayed by the sweep, not per message). Trades and diff depth are bursty and
 *   heavy-tailed, so the normal bound alone would call every quiet minute a stall; the
 *   peak remembers the longest pause the stream really had lately, and a silence is only
 *   improbable past `peakFactor` times that;
 * - a floor per stream (at least `minStaleAfterMs`; 3 update periods, at least 1 s, for a
 *   stream with a nominal update speed), and, for a periodic stream, Binance's nominal
 *   cadence until {@link CADENCE.warmupSamples} gaps are known.
 *
 * Event-driven streams (trades, bookTicker, diff depth: pushed only when something
 * changed) are judged only once they have shown themselves busy: at least the warm-up
 * samples with a mean gap of at most {@link CADENCE.busyMeanGapMs} (or 1.2 update periods).
 * Before that, a stream whose first {@link CADENCE.provisionalSamples} gaps or more were all
 * that busy is judged provisionally, after {@link CADENCE.provisionalMs} of silence (a feed
 * that stalls in its first seconds is still caught). Otherwise, and whenever they turn
 * illiquid, silence alone never makes them stale. Quiet-by-nature kinds
 * (liquidations, `!contractInfo`, block trades) never are.
 *
 * Gaps that span an interruption of the connection (a reconnect, a hold, a stall of our
 * own process) are not learned: the pool sets `learnSkip` and the next gap is ignored, so a
 * second stall is detected as fast as the first. A gap that spans a per-stream repair IS
 * learned: if the stream was merely quiet, that is what it is like.
 */
import type { StreamInfo } from './classify';

/** The detector's constants, documented defaults (exported for tests, the bench and the README). */
export const CADENCE = Object.freeze({
  /** EWMA weight of one new gap (1/32: about the last 32 gaps). */
  alpha: 1 / 32,
  /** Standard deviations above the mean gap that are still plausible. */
  z: 6,
  /** A silence is improbable beyond this many times the stream's decayed peak gap. */
  peakFactor: 4,
  /** The peak gap halves every 15 minutes (a quiet hour is remembered for about an hour). */
  peakHalfLifeMs: 15 * 60_000,
  /** Gaps needed before the learned figures replace a periodic stream's nominal cadence… */
  warmupSamples: 8,
  /** …and before an event-driven stream can count as busy (more evidence: its gaps are bursty). */
  eventWarmupSamples: 32,
  /** Until then, a stream with a nominal cadence is suspected after this many periods. */
  warmupFactor: 10,
  /** An event-driven stream counts as busy (judged by silence) when its mean gap is at most this… */
  busyMeanGapMs: 300,
  /** …or at most this many of its nominal update periods (kline_1s pushing every second is busy). */
  busyPeriods: 1.2,
  /** Floor for streams with a nominal cadence: at least this many periods… */
  floorPeriods: 3,
  /** …and never under this (ms). */
  minFloorMs: 1_000,
  /** Floor for event-driven streams (trades, bookTicker) once they are busy. */
  eventFloorMs: 1_200,
  /** A stream that never delivered yet is suspected after at least this long (Binance sends the first update within a few periods). */
  firstMessageMs: 10_000,
  /** An event-driven stream whose first gaps were all busy is judged before its warm-up ends, after this long silent… */
  provisionalMs: 10_000,
  /** …once it has shown this many busy gaps (its longest gap within the busy bound). */
  provisionalSamples: 4,
});

/** The learned figures of one stream (fields of the pool's StreamState; the router updates them per message). */
export interface CadenceState {
  readonly info: StreamInfo;
  /** EWMA of the gap between two arrivals, ms (0 until the first gap). */
  gapMean: number;
  /** EWMA of the squared deviation, ms². */
  gapVar: number;
  /** Longest recent gap, decayed by {@link decayPeak}. */
  gapPeak: number;
  /** Gaps learned so far. */
  gapSamples: number;
  /** Skip the next gap (it spans an interruption). */
  learnSkip: boolean;
}

/** The part of a stream's silence setting a user can fix (pool options and per-subscribe). */
export interface StaleOverride {
  /** Fixed threshold in ms (learning off for the stream), `false` = never stale by silence, undefined = learned. */
  readonly fixed: number | false | undefined;
  /** Learned thresholds never go below this (ms). */
  readonly floorMs: number;
}

/** No override: learned threshold, the kind's floor. */
export const LEARNED: StaleOverride = Object.freeze({ fixed: undefined, floorMs: 0 });

/**
 * Learn one gap. Inlined by hand in the router's hot path too (keep the two in step);
 * this copy is the reference the unit tests and the bench replay use.
 */
export function learnGap(st: CadenceState, gap: number): void {
  if (st.learnSkip) {
    st.learnSkip = false;
    return;
  }
  if (!(gap >= 0)) return;
  if (st.gapSamples === 0) {
    st.gapMean = gap;
    st.gapVar = 0;
  } else {
    const d = gap - st.gapMean;
    st.gapMean += d * CADENCE.alpha;
    st.gapVar = (1 - CADENCE.alpha) * (st.gapVar + CADENCE.alpha * d * d);
  }
  if (gap > st.gapPeak) st.gapPeak = gap;
  st.gapSamples++;
}

/** The factor that decays a peak over `elapsedMs` (computed once per sweep for every stream). */
export function peakDecay(elapsedMs: number): number {
  return elapsedMs > 0 ? 2 ** (-elapsedMs / CADENCE.peakHalfLifeMs) : 1;
}

/**
 * How long `st` may stay silent before it is suspected, ms (Infinity: never by silence).
 * `delivered`: it delivered at least once since it was (re)placed.
 */
export function suspectAfterMs(st: CadenceState, o: StaleOverride, delivered: boolean): number {
  if (o.fixed !== undefined) return o.fixed === false ? Infinity : o.fixed;
  const info = st.info;
  if (info.quiet) return Infinity;
  const c = info.cadenceMs;
  const floor = Math.max(o.floorMs, c === undefined ? CADENCE.eventFloorMs : Math.max(CADENCE.minFloorMs, CADENCE.floorPeriods * c));
  const n = st.gapSamples;
  const learned = n === 0 ? 0 : Math.max(st.gapMean + CADENCE.z * Math.sqrt(st.gapVar), CADENCE.peakFactor * st.gapPeak);
  let t: number;
  const busyGapMs = Math.max(CADENCE.busyMeanGapMs, CADENCE.busyPeriods * (c ?? 0));
  if (!info.periodic && n < CADENCE.eventWarmupSamples) {
    // Not warmed up yet. A stream that started busy (every gap so far within the busy bound) and then
    // goes silent is judged provisionally, as the first release judged every stream; one that started
    // slow may be an illiquid symbol's: quiet.
    if (n < CADENCE.provisionalSamples || st.gapPeak > busyGapMs) return Infinity;
    return Math.max(floor, CADENCE.provisionalMs, learned);
  }
  if (n < CADENCE.warmupSamples) {
    if (c === undefined) return Infinity;
    t = Math.max(floor, CADENCE.warmupFactor * c, learned);
  } else {
    if (!info.periodic && st.gapMean > busyGapMs) return Infinity; // an illiquid symbol's trades or book: quiet
    t = Math.max(floor, learned);
  }
  return delivered ? t : Math.max(t, CADENCE.firstMessageMs);
}
