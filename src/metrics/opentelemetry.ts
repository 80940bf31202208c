/**
 * OpenTelemetry adapter: instruments on a `Meter` you pass (from `@opentelemetry/api`'s
 * `metrics.getMeter('my-bot')` or your `MeterProvider`), so this package needs only your
 * meter, never a particular SDK:
 *
 *   const metrics = openTelemetryMetrics(client, { meter: metrics.getMeter('bot') });
 *
 * Event metrics are synchronous counters/histograms; scrape metrics are observable gauges and
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
export interface OtelInstrumentOptions {
  description: string;
  unit: string;
  advice?: { explicitBucketBoundaries?: number[] };
}
export interface OtelBatchResultLike {
  observe(observable: OtelObservableLike, value: number, attributes?: Labels): void;
}
export type OtelBatchCallback = (result: OtelBatchResultLike) => void;
/** The part of an `@opentelemetry/api` `Meter` the adapter uses. */
export interface OtelMeterLike {
  createCounter(name: string, options: OtelInstrumentOptions): { add(value: number, attributes?: Labels): void };
  createHistogram(name: string, options: OtelInstrumentOptions): { record(value: number, attributes?: Labels): void };
  createObservableGauge(name: string, options: OtelInstrumentOptions): OtelObservableLike;
  createObservableCounter(name: string, options: OtelInstrumentOptions): OtelObservableLike;
  addBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservableLike[]): void;
  removeBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservableLike[]): void;
}

export interface OpenTelemetryMetricsOptions extends MetricsOptions {
  /** The meter the instruments are created on. */
  meter: OtelMeterLike;
  /** Prefix of every instrument name. @default 'binance_stream.' */
  prefix?: string | undefined;
}

/**
 * Publish the client's (or clients') metrics as OpenTelemetry instruments; names and labels
 * (attributes): README "Metrics" (./definitions.ts). Throws ERR_INVALID_OPTION for bad options.
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
