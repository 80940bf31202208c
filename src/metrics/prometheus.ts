/**
 * prom-client adapter. You pass the prom-client module you use (so the metrics live in your
 * copy's registry, and this package needs prom-client only when you ask for it). Event metrics are prom-client counters/histograms incremented by listeners; scrape metrics
 * are gauges/counters whose `collect()` reads one snapshot of the clients' stats per scrape.
 */
import { BinanceStreamError } from '../index';
import type { MetricDef, MetricKey } from './definitions';
import { DOWNTIME_BUCKETS, METRIC_DEFS, promName } from './definitions';
import { Collector } from './collect';
import { listen } from './listen';
import { resolveMetricsOptions } from './options';
import type { ClientMetrics, MetricsClient, MetricsOptions } from './options';
import { LabelMaker } from './series';
import type { Labels, Snapshot } from './series';

/** The part of a prom-client metric the adapter uses. */
export interface PromMetricLike {
  /** Drop every series (a scrape metric's `collect()` resets, then sets the current series). */
  reset(): void;
}
/** The part of a prom-client `Counter` the adapter uses. */
export interface PromCounterLike extends PromMetricLike {
  /** Add `value` (default 1) to the series of `labels`. */
  inc(labels: Labels, value?: number): void;
}
/** The part of a prom-client `Gauge` the adapter uses. */
export interface PromGaugeLike extends PromMetricLike {
  /** Set the series of `labels` to `value`. */
  set(labels: Labels, value: number): void;
}
/** The part of a prom-client `Histogram` the adapter uses. */
export interface PromHistogramLike extends PromMetricLike {
  /** Count one observation (seconds) in the series of `labels`. */
  observe(labels: Labels, value: number): void;
}
/** The part of a prom-client `Registry` the adapter uses. */
export interface PromRegistryLike {
  /** Unregister a metric (by `close()`). */
  removeSingleMetric(name: string): void;
  /** The metric registered under `name`, or `undefined` (checked first: the adapter never replaces a metric). */
  getSingleMetric(name: string): unknown;
}
/** The configuration the adapter passes to the prom-client constructors. */
export interface PromMetricConfig {
  /** The full metric name (prefix, base, `_seconds`, `_total`). */
  name: string;
  /** The metric's help text. */
  help: string;
  /** Constant labels, the metric's labels, then `stream` when per-stream labels apply. */
  labelNames: string[];
  /** The one registry of the adapter. */
  registers: PromRegistryLike[];
  /** Scrape metrics only: called by prom-client at each scrape; reads the clients' stats and sets the series. */
  collect?: () => void;
  /** Histograms only: bucket upper bounds in seconds ({@link DOWNTIME_BUCKETS}). */
  buckets?: number[];
}
/**
 * The prom-client module (`import * as promClient from 'prom-client'`), or the part of it used.
 * The constructors take a {@link PromMetricConfig} (typed `never` here so that prom-client's
 * own, more precise, configuration types fit).
 */
export interface PromClientLike {
  Counter: new (config: never) => PromCounterLike;
  Gauge: new (config: never) => PromGaugeLike;
  Histogram: new (config: never) => PromHistogramLike;
  register: PromRegistryLike;
}

type Ctor<T> = new (config: PromMetricConfig) => T;

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions extends MetricsOptions {
  /** The prom-client module: `import * as promClient from 'prom-client'`. */
  promClient: PromClientLike;
  /** Where the metrics are registered. @default promClient.register */
  registry?: PromRegistryLike | undefined;
  /** Prefix of every metric name. @default 'binance_stream_' */
  prefix?: string | undefined;
}

/**
 * Publish the client's (or clients') metrics in a prom-client registry; names and labels:
 * README "Metrics" (./definitions.ts). Throws ERR_INVALID_OPTION for bad options, or when a
 * metric of the same name is registered already (one adapter per registry and prefix).
 * Returns the metric names and `close()`, which removes the listeners and unregisters the metrics.
 *
 * @example
 * ```ts
 * import * as promClient from 'prom-client';
 * import { prometheusMetrics } from 'binance-stream-client/metrics';
 *
 * const metrics = prometheusMetrics(client, { promClient }); // registered in promClient.register
 * // GET /metrics → res.end(await promClient.register.metrics())
 * metrics.close(); // listeners off, metrics unregistered
 * ```
 */
export function prometheusMetrics(clients: MetricsClient | readonly MetricsClient[], options: PrometheusMetricsOptions): ClientMetrics {
  const prom = options?.promClient;
  if (!prom || typeof prom.Counter !== 'function' || typeof prom.Gauge !== 'function' || typeof prom.Histogram !== 'function') {
    throw new BinanceStreamError('ERR_INVALID_OPTION', "prometheusMetrics: options.promClient must be the prom-client module (import * as promClient from 'prom-client')", { permanent: true });
  }
  const o = resolveMetricsOptions(clients, options);
  const registry = options.registry ?? prom.register;
  const prefix = options.prefix ?? 'binance_stream_';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw new BinanceStreamError('ERR_INVALID_OPTION', `prometheusMetrics: options.prefix must match [a-zA-Z_:][a-zA-Z0-9_:]* (got ${JSON.stringify(prefix)})`, { permanent: true });
  const L = new LabelMaker(o);
  const collector = new Collector(o, L);

  // One snapshot per scrape: prom-client calls every metric's collect() in one synchronous pass.
  let snap: Snapshot | undefined;
  const current = (): Snapshot => {
    if (!snap) {
      snap = collector.snapshot();
      queueMicrotask(() => (snap = undefined));
    }
    return snap;
  };

  const entries = Object.entries(METRIC_DEFS) as [MetricKey, MetricDef][];
  const names = entries.map(([, d]) => promName(d, prefix));
  const taken = names.filter((n) => registry.getSingleMetric(n) !== undefined);
  if (taken.length)
    throw new BinanceStreamError(
      'ERR_INVALID_OPTION',
      `prometheusMetrics: ${taken.join(', ')} already registered (one adapter per registry and prefix; pass several clients to one adapter, or another prefix)`,
      { permanent: true },
    );

  const counters = new Map<MetricKey, PromCounterLike>();
  const histograms = new Map<MetricKey, PromHistogramLike>();
  for (const [key, d] of entries) {
    const base = { name: promName(d, prefix), help: d.help, labelNames: [...L.namesOf(key)], registers: [registry] };
    if (d.source === 'event') {
      if (d.type === 'histogram') histograms.set(key, new (prom.Histogram as Ctor<PromHistogramLike>)({ ...base, buckets: [...DOWNTIME_BUCKETS] }));
      else counters.set(key, new (prom.Counter as Ctor<PromCounterLike>)(base));
    } else if (d.type === 'gauge') {
      const g: PromGaugeLike = new (prom.Gauge as Ctor<PromGaugeLike>)({
        ...base,
        collect: () => {
          g.reset();
          for (const s of current().get(key) ?? []) g.set(s.labels, s.value);
        },
      });
    } else {
      const c: PromCounterLike = new (prom.Counter as Ctor<PromCounterLike>)({
        ...base,
        collect: () => {
          c.reset();
          for (const s of current().get(key) ?? []) c.inc(s.labels, s.value);
        },
      });
    }
  }

  const detach = listen(o, L, {
    inc: (key, labels, by) => counters.get(key)?.inc(labels, by),
    observe: (key, labels, value) => histograms.get(key)?.observe(labels, value),
  });
  // Series that exist from the start (rate() needs a zero): event counters labelled by market only.
  for (const [key, c] of counters)
    if (METRIC_DEFS[key].labels.length === 1 && !(o.perStream && METRIC_DEFS[key].perStream)) for (const cl of o.clients) c.inc(L.make(key, { market: cl.market.id }), 0);
  let closed = false;
  return {
    names,
    close: () => {
      if (closed) return;
      closed = true;
      detach();
      for (const n of names) registry.removeSingleMetric(n);
    },
  };
}
