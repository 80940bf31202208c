/**
 * OpenTelemetry adapter: instruments on a `Meter` you pass (from `@opentelemetry/api`'s
 * `metrics.getMeter('my-bot')` or your `MeterProvider`), so this package needs only your
 * meter, never a particular SDK. Event metrics are synchronous counters/histograms; scrape metrics are observable gauges and
 * counters, all observed by ONE batch callback that reads one snapshot per collection.
 */
import { BinanceStreamError } from '../index';
import type { MetricDef, MetricKey } from './definitions';
import { DOWNTIME_BUCKETS, METRIC_DEFS, otelName } from './definitions';
import { Collector } from './collect';
import { listen } from './listen';
import { resolveMetricsOptions } from './options';
import type { ClientMetrics, MetricsClient, MetricsOptions } from './options';
import { LabelMaker } from './series';
import type { Labels } from './series';

/** An observable instrument (opaque to the adapter). */
export type OtelObservableLike = object;
/** The options the adapter passes when it creates an instrument (a subset of `@opentelemetry/api`'s `MetricOptions`). */
export interface OtelInstrumentOptions {
  /** The metric's help text. */
  description: string;
  /** `s` for durations, otherwise a UCUM annotation such as `{message}`. */
  unit: string;
  /** Histograms only: the bucket boundaries, in seconds, suggested to the SDK. */
  advice?: { explicitBucketBoundaries?: number[] };
}
/** What a batch observable callback receives (`BatchObservableResult` of `@opentelemetry/api`). */
export interface OtelBatchResultLike {
  /** Report the current value of one series of an observable instrument. */
  observe(observable: OtelObservableLike, value: number, attributes?: Labels): void;
}
/** The adapter's one batch callback: it observes every scrape metric from one snapshot of the clients' stats. */
export type OtelBatchCallback = (result: OtelBatchResultLike) => void;
/** The part of an `@opentelemetry/api` `Meter` the adapter uses. */
export interface OtelMeterLike {
  /** A synchronous counter (event counters); `add` is called by the adapter's listeners. */
  createCounter(
    name: string,
    options: OtelInstrumentOptions,
  ): {
    /** Add `value` to the series of `attributes`. */
    add(value: number, attributes?: Labels): void;
  };
  /** A synchronous histogram (`reconnect_downtime`). */
  createHistogram(
    name: string,
    options: OtelInstrumentOptions,
  ): {
    /** Record one observation (seconds) in the series of `attributes`. */
    record(value: number, attributes?: Labels): void;
  };
  /** An observable gauge (scrape gauges such as lag or connections by state). */
  createObservableGauge(name: string, options: OtelInstrumentOptions): OtelObservableLike;
  /** An observable counter (scrape counters such as messages), observed with the running total. */
  createObservableCounter(name: string, options: OtelInstrumentOptions): OtelObservableLike;
  /** Register the batch callback for all observable instruments (called once per collection). */
  addBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservableLike[]): void;
  /** Unregister it (by `close()`). */
  removeBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservableLike[]): void;
}

/** Options of {@link openTelemetryMetrics}. */
export interface OpenTelemetryMetricsOptions extends MetricsOptions {
  /** The meter the instruments are created on. */
  meter: OtelMeterLike;
  /** Prefix of every instrument name. @default 'binance_stream.' */
  prefix?: string | undefined;
}

/**
 * Publish the client's (or clients') metrics as OpenTelemetry instruments; names and labels
 * (attributes): README "Metrics" (./definitions.ts). Throws ERR_INVALID_OPTION for bad options.
 * Returns the instrument names and `close()`, which removes the listeners and the batch callback.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { openTelemetryMetrics } from 'binance-stream-client/metrics';
 *
 * const otel = openTelemetryMetrics(client, { meter: metrics.getMeter('my-bot'), labels: { bot: 'arb-1' } });
 * // … on shutdown
 * otel.close();
 * ```
 */
export function openTelemetryMetrics(clients: MetricsClient | readonly MetricsClient[], options: OpenTelemetryMetricsOptions): ClientMetrics {
  const meter = options?.meter;
  if (!meter || typeof meter.createObservableGauge !== 'function' || typeof meter.addBatchObservableCallback !== 'function') {
    throw new BinanceStreamError('ERR_INVALID_OPTION', "openTelemetryMetrics: options.meter must be an OpenTelemetry Meter (metrics.getMeter('name') of @opentelemetry/api)", { permanent: true });
  }
  const o = resolveMetricsOptions(clients, options);
  const prefix = options.prefix ?? 'binance_stream.';
  if (typeof prefix !== 'string' || !/^[a-zA-Z][a-zA-Z0-9_.\-/]*$|^$/.test(prefix))
    throw new BinanceStreamError('ERR_INVALID_OPTION', `openTelemetryMetrics: options.prefix must be an instrument-name prefix (got ${JSON.stringify(prefix)})`, { permanent: true });
  const L = new LabelMaker(o);
  const collector = new Collector(o, L);

  const entries = Object.entries(METRIC_DEFS) as [MetricKey, MetricDef][];
  const counters = new Map<MetricKey, { add(value: number, attributes?: Labels): void }>();
  const histograms = new Map<MetricKey, { record(value: number, attributes?: Labels): void }>();
  const observables = new Map<MetricKey, OtelObservableLike>();
  for (const [key, d] of entries) {
    const name = otelName(d, prefix);
    const opts = { description: d.help, unit: d.unit };
    if (d.source === 'event') {
      if (d.type === 'histogram') histograms.set(key, meter.createHistogram(name, { ...opts, advice: { explicitBucketBoundaries: [...DOWNTIME_BUCKETS] } }));
      else counters.set(key, meter.createCounter(name, opts));
    } else {
      observables.set(key, d.type === 'gauge' ? meter.createObservableGauge(name, opts) : meter.createObservableCounter(name, opts));
    }
  }
  const observed = [...observables.values()];
  const callback: OtelBatchCallback = (result) => {
    for (const [key, series] of collector.snapshot()) {
      const inst = observables.get(key);
      if (inst) for (const s of series) result.observe(inst, s.value, s.labels);
    }
  };
  meter.addBatchObservableCallback(callback, observed);
  const detach = listen(o, L, {
    inc: (key, labels, by) => counters.get(key)?.add(by, labels),
    observe: (key, labels, value) => histograms.get(key)?.record(value, labels),
  });
  let closed = false;
  return {
    names: entries.map(([, d]) => otelName(d, prefix)),
    close: () => {
      if (closed) return;
      closed = true;
      detach();
      meter.removeBatchObservableCallback(callback, observed);
    },
  };
}
