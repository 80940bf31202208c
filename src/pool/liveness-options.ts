/**
 * The pool's liveness options (learned silence thresholds, the process's own stalls, lag),
 * each documented once with its default, and their resolution (core/validate.ts checks;
 * every bad value is an ERR_INVALID_OPTION naming the option as the caller wrote it).
 */
import { numOrFalse, num, optObject } from '../core/validate';
import type { StreamStaleSetting } from './stream-silence';

export type { StreamStaleSetting };

export interface LivenessOptions {
  /**
   * Fixed silence threshold instead of the learned one (streams/cadence.ts), in ms: one for
   * every stream, a map by stream name, or a function of the stream (return undefined to
   * keep the learned threshold). `false` = never stale by silence (heartbeats only). A
   * `subscribe(…, { staleAfterMs })` call overrides it for its streams. At least 1.
   * @default learned per stream
   */
  streamStaleAfterMs?: StreamStaleSetting;
  /** Learned thresholds never go below this (ms). @default 0 (the kind's own floor: 1 s, or 3 periods) */
  minStaleAfterMs?: number | undefined;
  /** Period of the liveness pass (silence, lag, stalls of the process). At least 10. @default 100 */
  livenessTickMs?: number | undefined;
  /** Emit `loopBlocked` when this process stalled at least this long. At least 100. @default 1_000 */
  loopBlockedMs?: number | undefined;
  /** Emit `lagging` when a consumer is this far behind the feed (ms); `false` disables. At least 1. @default 1_000 */
  lagThresholdMs?: number | false | undefined;
}

export const LIVENESS_DEFAULTS = Object.freeze({ minStaleAfterMs: 0, livenessTickMs: 100, loopBlockedMs: 1_000, lagThresholdMs: 1_000 });

export const LIVENESS_KEYS = ['streamStaleAfterMs', 'minStaleAfterMs', 'livenessTickMs', 'loopBlockedMs', 'lagThresholdMs'] as const;

export interface ResolvedLiveness {
  readonly streamStaleAfterMs: StreamStaleSetting;
  readonly minStaleAfterMs: number;
  readonly livenessTickMs: number;
  readonly loopBlockedMs: number;
  /** 0: off. */
  readonly lagThresholdMs: number;
}

const threshold = (name: string, v: unknown): number | false => numOrFalse(name, v, undefined, { min: 1, unit: 'ms' }) as number | false;

/** `n` names an option as the caller wrote it. `fallbackFixed`: the socket tuning's `staleAfterMs`, used when `streamStaleAfterMs` is not set. */
export function resolveLiveness(input: LivenessOptions, n: (key: string) => string, fallbackFixed: number | false | undefined, short: boolean): ResolvedLiveness {
  let setting = input.streamStaleAfterMs ?? fallbackFixed;
  if (typeof setting === 'object' && setting !== null) {
    const map = optObject(n('streamStaleAfterMs'), setting, 'a number, false, a function or an object of stream → ms') ?? {};
    const out: Record<string, number | false> = {};
    for (const [stream, v] of Object.entries(map)) out[stream.toLowerCase()] = threshold(`${n('streamStaleAfterMs')}.${stream}`, v);
    setting = Object.freeze(out);
  } else if (typeof setting !== 'function' && setting !== undefined) {
    setting = threshold(n('streamStaleAfterMs'), setting);
  }
  const lag = numOrFalse(n('lagThresholdMs'), input.lagThresholdMs, LIVENESS_DEFAULTS.lagThresholdMs, { min: 1, unit: 'ms' });
  return Object.freeze({
    streamStaleAfterMs: setting,
    minStaleAfterMs: num(n('minStaleAfterMs'), input.minStaleAfterMs, LIVENESS_DEFAULTS.minStaleAfterMs, { min: 0, unit: 'ms' }),
    livenessTickMs: num(n('livenessTickMs'), input.livenessTickMs, LIVENESS_DEFAULTS.livenessTickMs, { min: short ? 1 : 10, unit: 'ms' }),
    loopBlockedMs: num(n('loopBlockedMs'), input.loopBlockedMs, LIVENESS_DEFAULTS.loopBlockedMs, { min: short ? 1 : 100, unit: 'ms' }),
    lagThresholdMs: lag === false ? 0 : (lag as number),
  });
}
