/**
 * `binance-stream-client/metrics`: the client's health as metrics, for prom-client or
 * OpenTelemetry (optional peer dependencies: install the one you use; you pass its module or
 * meter in, so nothing here loads either by itself). Metric names, labels and sources:
 * `METRIC_DEFS` and the README's "Metrics" section. Start with `prometheusMetrics` or
 * `openTelemetryMetrics`.
 *
 * @packageDocumentation
 */
export { prometheusMetrics } from './prometheus';
export type { PrometheusMetricsOptions, PromClientLike, PromCounterLike, PromGaugeLike, PromHistogramLike, PromMetricConfig, PromMetricLike, PromRegistryLike } from './prometheus';
export { openTelemetryMetrics } from './opentelemetry';
export type { OpenTelemetryMetricsOptions, OtelBatchCallback, OtelBatchResultLike, OtelInstrumentOptions, OtelMeterLike, OtelObservableLike } from './opentelemetry';
export type { ClientMetrics, MetricsClient, MetricsOptions } from './options';
export { DOWNTIME_BUCKETS, METRIC_DEFS, otelName, promName } from './definitions';
export type { MetricDef, MetricKey, MetricType } from './definitions';
export type { Labels } from './series';
