/**
 * The ONE set of option checks. Every layer's `resolve…Options()` is built from these,
 * so every bad option, at any depth, fails the same way: a `BinanceStreamError` with
 * code `ERR_INVALID_OPTION` whose message names the option (with its path, e.g.
 * `groups.fast.maxStreamsPerConnection`), the expected form and the value given.
 *
 * A resolved options object is frozen and marked, so a building block handed an
 * already-resolved object (the client resolves once, then builds the pool and sockets)
 * uses it as it is instead of validating it again.
 */
import { BinanceStreamError, invalidOption } from './errors';

export interface NumberRule {
  min?: number | undefined;
  max?: number | undefined;
  /** Require an integer. */
  integer?: boolean | undefined;
  /** Accept Infinity (e.g. maxRetries). */
  infinity?: boolean | undefined;
  /** The unit shown in the message (`ms`). */
  unit?: string | undefined;
}

function describeRule(r: NumberRule): string {
  const kind = r.integer ? 'an integer' : 'a number';
  const unit = r.unit ? ` ${r.unit}` : '';
  const range = r.min !== undefined && r.max !== undefined ? ` from ${r.min} to ${r.max}${unit}` : r.min !== undefined ? ` >= ${r.min}${unit}` : r.max !== undefined ? ` <= ${r.max}${unit}` : '';
  return `${kind}${range}${r.infinity ? ' (or Infinity)' : ''}`;
}

/** A number within the rule; `fallback` when undefined. */
export function num(name: string, value: unknown, fallback: number, rule: NumberRule = {}): number {
  if (value === undefined) return fallback;
  return requireNum(name, value, rule);
}

/** A number within the rule, or undefined. */
export function optNum(name: string, value: unknown, rule: NumberRule = {}): number | undefined {
  return value === undefined ? undefined : requireNum(name, value, rule);
}

export function requireNum(name: string, value: unknown, rule: NumberRule = {}): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (rule.infinity === true && value === Infinity)) &&
    (!rule.integer || !Number.isFinite(value) || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) throw invalidOption(name, describeRule(rule), value);
  return value;
}

/** `false` (feature off) or a number within the rule; `fallback` when undefined. */
export function numOrFalse<F extends number | false | undefined>(name: string, value: unknown, fallback: F, rule: NumberRule = {}): number | F | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== 'number') throw invalidOption(name, `false or ${describeRule(rule)}`, value);
  return requireNum(name, value, rule);
}

/** One of `values`; `fallback` when undefined. */
export function oneOf<T extends string>(name: string, value: unknown, values: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidOption(name, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, value);
  }
  return value as T;
}

/** A boolean; `fallback` when undefined. */
export function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
}

/** A URL string with one of `protocols` (`['ws:', 'wss:']`); `fallback` when undefined. */
export function url(name: string, value: unknown, protocols: readonly string[], fallback: string): string {
  if (value === undefined) return fallback;
  const expected = `a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`;
  if (typeof value !== 'string') throw invalidOption(name, expected, value);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidOption(name, expected, value);
  }
  if (!protocols.includes(parsed.protocol)) throw invalidOption(name, expected, value);
  return value;
}

/** A plain object (not null, not an array), or undefined. */
export function optObject(name: string, value: unknown, expected = 'an object'): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption(name, expected, value);
  return value as Record<string, unknown>;
}

/** A function, or undefined. */
export function optFunction<F extends (...args: never[]) => unknown>(name: string, value: unknown, expected = 'a function'): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidOption(name, expected, value);
  return value as F;
}

/** An object whose listed methods are functions (a duck-typed interface), or undefined. */
export function optImplementation<T>(name: string, value: unknown, methods: readonly string[], expected: string): T | undefined {
  if (value === undefined) return undefined;
  const o = value as Record<string, unknown> | null;
  if (!o || (typeof o !== 'object' && typeof o !== 'function') || methods.some((m) => typeof o[m] !== 'function')) throw invalidOption(name, expected, value);
  return value as T;
}

/** A non-empty string (never echoed when `secret`), or undefined. */
export function optString(name: string, value: unknown, opts: { secret?: boolean; expected?: string } = {}): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidOption(name, opts.expected ?? 'a non-empty string', value, { secret: opts.secret ?? false });
  return value;
}

/** Reject keys not in `known` (a typo in an option name must not pass silently). */
export function knownKeys(owner: string, value: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key) && value[key] !== undefined) {
      const name = owner ? `${owner}.${key}` : key;
      throw new BinanceStreamError('ERR_INVALID_OPTION', `option ${name}: unknown option (known: ${known.join(', ')})`, { permanent: true });
    }
  }
}

const RESOLVED = new WeakSet<object>();

/** Freeze and mark a resolved options object. */
export function markResolved<T extends object>(value: T): Readonly<T> {
  RESOLVED.add(Object.freeze(value));
  return value;
}

/** True for an object returned by `markResolved` (validated already). */
export function isResolved(value: unknown): boolean {
  return typeof value === 'object' && value !== null && RESOLVED.has(value);
}
