/** The activity model's options (activity.ts), their defaults and their validation. */
import { normalizeSeed } from '../data/rng';

/** `steady`: every stream at its fixed rate (the default). `realistic`: the activity model of activity.ts. */
export type ActivityMode = 'steady' | 'realistic';

/** A market-wide lull: every symbol's activity × `factor` from `startMs` for `durationMs` (profile time). */
export interface ActivityLull {
  /** @default 14_400_000 (4 h into the profile) */
  readonly startMs: number;
  /** @default 3_600_000 (1 h) */
  readonly durationMs: number;
  /** In [0, 1]. @default 0.2 */
  readonly factor: number;
}

/** The 24 h activity curve: × (1 + amplitude·cos(2π(t − peakMs)/24 h)). */
export interface ActivityIntraday {
  /** In [0, 1]: 0.5 = peak 3× the trough. @default 0.5 */
  readonly amplitude: number;
  /** Profile time of day (ms) of the busiest moment. @default 50_400_000 (14:00, the US open) */
  readonly peakMs: number;
}

/** Bursts (per symbol, one chance per 1-minute window) or quiet spells (one chance per 5-minute window). */
export interface ActivityEpisodes {
  /** Probability that a window holds one, in [0, 1]. @default 0.1 (bursts) / 0.15 (quiet) */
  readonly chance: number;
  /** Activity multiplier while it lasts. @default 5 (bursts) / 0.1 (quiet) */
  readonly factor: number;
  /** Longest one (each lasts 25–100% of it); at most the window. @default 10_000 (bursts) / 240_000 (quiet) */
  readonly durationMs: number;
}

/**
 * Tuning of the realistic activity model (`activity: { mode: 'realistic', ...these }`, or `FakeBinance.activityModel()` offline): per-symbol liquidity, the intraday curve, a market-wide lull, bursts and quiet spells, all seeded. Every field is optional.
 */
export interface ActivityProfileOptions {
  /** Seeds the tail's liquidity, the bursts and quiet spells, and every stream's draws. @default 0x5eed (FakeBinance: its own `seed`) */
  seed?: number | string | undefined;
  /** Liquidity per symbol overriding the model's (1 = as busy as btcusdt, 0 = never trades). */
  levels?: Readonly<Record<string, number>> | undefined;
  /** The 24 h curve (fields default separately), or `false` for a flat day. */
  intraday?: Partial<ActivityIntraday> | false | undefined;
  /** The market-wide lull (fields default separately), or `false` for none. */
  lull?: Partial<ActivityLull> | false | undefined;
  /** Short bursts of activity, or `false`. */
  bursts?: Partial<ActivityEpisodes> | false | undefined;
  /** Quiet minutes, or `false`. */
  quiet?: Partial<ActivityEpisodes> | false | undefined;
  /** Jitter of periodic streams, as a fraction of their period, in [0, 0.5]. @default 0.02 */
  jitter?: number | undefined;
}

/** The FakeBinance `activity` option: a mode, or the realistic mode with its profile. */
export type ActivityOption = ActivityMode | (ActivityProfileOptions & { mode: 'realistic' });

export interface ResolvedActivityProfile {
  readonly seed: number;
  readonly levels: Readonly<Record<string, number>>;
  readonly intraday: ActivityIntraday | false;
  readonly lull: ActivityLull | false;
  readonly bursts: ActivityEpisodes | false;
  readonly quiet: ActivityEpisodes | false;
  readonly jitter: number;
}

const H = 3_600_000;
export const BURST_WINDOW_MS = 60_000;
export const QUIET_WINDOW_MS = 300_000;
const DEFAULTS = {
  intraday: { amplitude: 0.5, peakMs: 14 * H },
  lull: { startMs: 4 * H, durationMs: H, factor: 0.2 },
  bursts: { chance: 0.1, factor: 5, durationMs: 10_000 },
  quiet: { chance: 0.15, factor: 0.1, durationMs: 240_000 },
} as const;

type Check = (path: string, v: unknown) => number;

function num(min: number, max: number): Check {
  return (path, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
      throw new TypeError(`${path}: expected a finite number ${range}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
}
const anyNum = num(-Infinity, Infinity);
const nonNeg = num(0, Infinity);

function section<T extends object>(path: string, v: unknown, defaults: T, checks: Record<keyof T, Check>): T | false {
  if (v === false) return false;
  if (v === undefined) return defaults;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${path}: expected an object or false, got ${JSON.stringify(v)}`);
  const out: Record<string, number> = {};
  for (const k of Object.keys(v)) if (!(k in defaults)) throw new TypeError(`${path}: unknown field ${JSON.stringify(k)} (expected ${Object.keys(defaults).join(', ')})`);
  for (const k of Object.keys(defaults) as (keyof T & string)[]) {
    const given = (v as Record<string, unknown>)[k];
    out[k] = given === undefined ? (defaults[k] as number) : checks[k](`${path}.${k}`, given);
  }
  return out as T;
}

const PROFILE_KEYS = ['seed', 'levels', 'intraday', 'lull', 'bursts', 'quiet', 'jitter'];

/**
 * Validate and complete a profile; errors are TypeErrors naming the field after `prefix`
 * (`'ActivityModel option '` → `ActivityModel option lull.factor`, `'FakeBinance option activity.'`).
 */
export function resolveActivityProfile(o: ActivityProfileOptions | undefined, prefix: string): ResolvedActivityProfile {
  const p = o ?? {};
  const whole = prefix.replace(/[ .]$/, '');
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new TypeError(`${whole}: expected an object, got ${JSON.stringify(o)}`);
  for (const k of Object.keys(p)) if (!PROFILE_KEYS.includes(k)) throw new TypeError(`${whole}: unknown field ${JSON.stringify(k)} (expected ${PROFILE_KEYS.join(', ')})`);
  if (p.seed !== undefined && typeof p.seed !== 'number' && typeof p.seed !== 'string') throw new TypeError(`${prefix}seed: expected a number or string`);
  const levels: Record<string, number> = {};
  if (p.levels !== undefined) {
    if (p.levels === null || typeof p.levels !== 'object' || Array.isArray(p.levels)) throw new TypeError(`${prefix}levels: expected an object of symbol → level`);
    for (const [s, v] of Object.entries(p.levels)) levels[s] = nonNeg(`${prefix}levels.${s}`, v);
  }
  const lull = section(`${prefix}lull`, p.lull, DEFAULTS.lull, { startMs: anyNum, durationMs: nonNeg, factor: num(0, 1) });
  const episodes = (windowMs: number) => ({ chance: num(0, 1), factor: nonNeg, durationMs: num(0, windowMs) });
  return {
    seed: normalizeSeed(p.seed),
    levels,
    intraday: section(`${prefix}intraday`, p.intraday, DEFAULTS.intraday, { amplitude: num(0, 1), peakMs: anyNum }),
    lull,
    bursts: section(`${prefix}bursts`, p.bursts, DEFAULTS.bursts, episodes(BURST_WINDOW_MS)),
    quiet: section(`${prefix}quiet`, p.quiet, DEFAULTS.quiet, episodes(QUIET_WINDOW_MS)),
    jitter: p.jitter === undefined ? 0.02 : num(0, 0.5)(`${prefix}jitter`, p.jitter),
  };
}

/**
 * Validate the FakeBinance `activity` option: undefined for `steady`, else the profile for the
 * hub's ActivityModel, seeded by the emulator's `seed` unless it has its own (so
 * `new ActivityModel(market, { seed })` reproduces an emulator started with that seed).
 */
export function resolveActivityOption(v: unknown, emulatorSeed: number | string | undefined): ActivityProfileOptions | undefined {
  const name = 'FakeBinance option activity';
  const fields = `${name}.`;
  if (v === undefined || v === 'steady') return undefined;
  if (v === 'realistic') return { seed: emulatorSeed };
  if (v === null || typeof v !== 'object' || Array.isArray(v) || (v as { mode?: unknown }).mode !== 'realistic') {
    throw new TypeError(`${name}: expected "steady", "realistic" or { mode: "realistic", …profile }, got ${JSON.stringify(v)}`);
  }
  const { mode: _mode, ...profile } = v as ActivityProfileOptions & { mode: string };
  resolveActivityProfile(profile, fields);
  return { ...profile, seed: profile.seed ?? emulatorSeed };
}
