/**
 * The options both adapters share, validated once: which clients, per-stream labels
 * (opt-in: a `stream` label multiplies series by the number of streams), constant labels.
 */
import { BinanceStreamError } from '../index';
import type { BinanceStreamClient } from '../index';
import { METRIC_DEFS } from './definitions';

/** What the adapters read from a client: its events, `stats()` and market. */
export type MetricsClient = Pick<BinanceStreamClient, 'on' | 'off' | 'stats' | 'market'>;

/** Options both adapters take (besides their own: the prom-client module or the meter, and a name prefix). */
export interface MetricsOptions {
  /**
   * Add a `stream` label (the stream name) to the per-stream metrics (messages, duplicates,
   * gaps, missed events, lag, silence): `true` for every stream, or a function choosing
   * streams (the others share `stream=""`). Each labelled stream adds a series per metric.
   * @default false: per-stream metrics are aggregated by `kind` (aggTrade, depth, kline…)
   */
  perStreamLabels?: boolean | ((stream: string) => boolean) | undefined;
  /** Labels with a fixed value on every series (e.g. `{ bot: 'arb-1' }`). @default none */
  labels?: Readonly<Record<string, string>> | undefined;
}

/** A running adapter. */
export interface ClientMetrics {
  /** The metric names registered (prom-client) or created (OpenTelemetry). */
  readonly names: readonly string[];
  /** Remove the listeners and the metrics (prom-client: unregistered; OpenTelemetry: no longer observed). Idempotent. */
  close(): void;
}

export interface ResolvedMetricsOptions {
  readonly clients: readonly MetricsClient[];
  /** Whether any stream gets its own label (the `stream` label exists). */
  readonly perStream: boolean;
  /** Whether this stream gets its own `stream` value. */
  readonly labelStream: (stream: string) => boolean;
  readonly constant: Readonly<Record<string, string>>;
  readonly constantNames: readonly string[];
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED = new Set(['stream', ...Object.values(METRIC_DEFS).flatMap((d) => d.labels)]);

function invalid(name: string, expected: string, value: unknown): BinanceStreamError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
  return new BinanceStreamError('ERR_INVALID_OPTION', `metrics option ${name} must be ${expected} (got ${shown})`, { permanent: true });
}

export function resolveMetricsOptions(clients: MetricsClient | readonly MetricsClient[], o: MetricsOptions): ResolvedMetricsOptions {
  const list = Array.isArray(clients) ? [...(clients as readonly MetricsClient[])] : [clients as MetricsClient];
  if (!list.length) throw invalid('clients', 'a BinanceStreamClient or a non-empty array of them', '[]');
  for (const c of list) if (!c || typeof c.stats !== 'function' || typeof c.on !== 'function') throw invalid('clients', 'a BinanceStreamClient or an array of them', c);
  const p = o.perStreamLabels ?? false;
  if (typeof p !== 'boolean' && typeof p !== 'function') throw invalid('perStreamLabels', 'true, false or a function (stream) => boolean', p);
  const constant: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.labels ?? {})) {
    if (!LABEL.test(k) || k.startsWith('__')) throw invalid(`labels.${k}`, 'a label name [a-zA-Z_][a-zA-Z0-9_]* not starting with __', k);
    if (RESERVED.has(k)) throw invalid(`labels.${k}`, `a name the library does not use itself (${[...RESERVED].join(', ')})`, k);
    if (typeof v !== 'string') throw invalid(`labels.${k}`, 'a string', v);
    constant[k] = v;
  }
  return {
    clients: list,
    perStream: p !== false,
    labelStream: typeof p === 'function' ? p : () => p,
    constant,
    constantNames: Object.keys(constant),
  };
}
