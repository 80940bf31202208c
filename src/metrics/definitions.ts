/**
 * The metrics `binance-stream-client/metrics` publishes: one table, shared by the
 * prom-client and the OpenTelemetry adapters, so both publish the same names, labels and
 * meanings. Every label takes values from a bounded set (markets, stream kinds, states,
 * error codes, causes), except `stream`, which is opt-in (`perStreamLabels`).
 *
 * Names: prom-client `binance_stream_<base>[_seconds][_total]`, OpenTelemetry
 * `binance_stream.<base>` with the unit beside it (an OpenTelemetry → Prometheus exporter
 * turns the one into the other).
 *
 * Sources: `event` metrics are counted from the client's events as they happen; `scrape`
 * metrics are read from `client.stats()` when the registry is scraped
 * (or the OpenTelemetry reader collects), so nothing is added to the per-message path.
 */

/** The kind of a metric: a counter only goes up, a gauge is read as it is, a histogram counts observations into buckets. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * One entry of {@link METRIC_DEFS}: everything both adapters need to publish a metric (the published name is
 * built from it by {@link promName} and {@link otelName}).
 */
export interface MetricDef {
  /** Name without prefix or unit (`messages`, `stream_lag`). */
  readonly base: string;
  /** Counter, gauge or histogram. */
  readonly type: MetricType;
  /** `s` gets `_seconds` in Prometheus names; others are UCUM annotations for OpenTelemetry. */
  readonly unit: string;
  /** The description published with the metric (prom-client `help`, OpenTelemetry `description`). */
  readonly help: string;
  /** Label names, `market` first; every series carries all of them (`''` when one does not apply). The opt-in `stream` label is not listed here. */
  readonly labels: readonly string[];
  /** `event`: counted by listeners as the client emits; `scrape`: read from `client.stats()` at each scrape or collection. */
  readonly source: 'event' | 'scrape';
  /** Whether the metric gets the opt-in `stream` label when `perStreamLabels` is set (messages, duplicates, gaps, missed events, lag, silence). */
  readonly perStream?: boolean;
}

/** Label set a series carries (`market` and the constant labels come on top). */
const M = ['market'] as const;

function def(base: string, type: MetricType, unit: string, source: MetricDef['source'], labels: readonly string[], help: string, perStream = false): MetricDef {
  return Object.freeze({ base, type, unit, help, labels: Object.freeze([...M, ...labels]), source, perStream });
}

/** Every metric, in the order they are documented (README "Metrics"). */
export const METRIC_DEFS = Object.freeze({
  messages: def('messages', 'counter', '{message}', 'scrape', ['kind'], 'Market-data messages received (per stream record; counts since the last scrape are lost when a stream is unsubscribed)', true),
  duplicates: def('duplicates_dropped', 'counter', '{message}', 'scrape', ['kind'], 'Duplicate market-data messages dropped (handover overlap, replays)', true),
  gaps: def('gaps', 'counter', '{gap}', 'event', ['kind', 'cause', 'filled'], 'Gaps found by sequence tracking (aggTrade/trade ids, diff-depth update ids, kline candles)', true),
  missed: def('missed_events', 'counter', '{event}', 'event', ['kind'], 'Events or candles the gaps missed (trade and kline gaps; diff-depth gaps have no count)', true),
  lag: def('stream_lag', 'gauge', 's', 'scrape', ['kind'], "Receive time minus Binance's event time E of the last message; the largest over the streams of the series", true),
  silence: def('stream_silence', 'gauge', 's', 'scrape', ['kind'], 'Time since the last message; the largest over the streams of the series that delivered at least once', true),
  streams: def('streams', 'gauge', '{stream}', 'scrape', ['state'], 'Subscribed market-data streams by health state (live, degraded, down, pending)'),
  stale: def('stale_detections', 'counter', '{detection}', 'event', ['scope', 'action'], 'Silence detections: a whole connection or one stream went quiet (scope), and what was done (action)'),
  streamDown: def('stream_down', 'counter', '{event}', 'event', ['cause'], 'Streams that went down (silent after every repair, or their socket gave up)'),
  connections: def('connections', 'gauge', '{connection}', 'scrape', ['purpose', 'state'], 'WebSocket connections by purpose (market, user_data) and state'),
  reconnectAttempts: def('reconnect_attempts', 'counter', '{attempt}', 'event', ['code'], 'Reconnect attempts scheduled, by the error code that ended the previous connection or attempt'),
  reconnects: def('reconnects', 'counter', '{reconnect}', 'event', [], 'Connections restored after a loss'),
  downtime: def('reconnect_downtime', 'histogram', 's', 'event', [], 'From losing a connection to the new one being open'),
  gaveUp: def('gave_up', 'counter', '{event}', 'event', [], 'Connections whose retry policy gave up'),
  rotations: def('rotations', 'counter', '{rotation}', 'event', ['reason'], 'Make-before-break connection replacements (lifetime, serverShutdown, manual)'),
  loopBlocked: def('loop_blocked', 'counter', '{event}', 'event', [], 'Event-loop stalls of this process at least `loopBlockedMs` long'),
  lagging: def('lagging', 'counter', '{event}', 'event', ['consumer'], 'Lagging episodes: a consumer (listener, iterator) fell behind the feed'),
  degraded: def('rest_fallback', 'counter', '{event}', 'event', [], 'Connections whose streams went to REST polling (REST fallback)'),
  budgetAttempts: def(
    'connection_budget_attempts',
    'gauge',
    '{attempt}',
    'scrape',
    [],
    'Connection attempts granted within the current window (process-wide budget; Binance allows 300 per 5 min per IP)',
  ),
  budgetLimit: def('connection_budget_limit', 'gauge', '{attempt}', 'scrape', [], 'Attempts the connection budget lets through per window (limit × headroom)'),
  budgetQueued: def('connection_budget_queued', 'gauge', '{dial}', 'scrape', [], 'Dials waiting for the connection budget'),
  budgetPaused: def('connection_budget_paused', 'gauge', 's', 'scrape', [], 'How long every dial stays paused after a rejection (0: not paused)'),
  budgetGranted: def('connection_attempts', 'counter', '{attempt}', 'scrape', [], 'Connection attempts granted by the budget (process-wide)'),
  budgetRejections: def('connection_rejections', 'counter', '{rejection}', 'scrape', [], 'Handshake rejections reported to the budget (429, 418, 403)'),
  restUsed: def('rest_weight_used', 'gauge', '{weight}', 'scrape', [], 'REST request weight used in the rolling minute (the server figure when it said more; process-wide per host)'),
  restLimit: def('rest_weight_limit', 'gauge', '{weight}', 'scrape', [], 'REST weight the budget lets through per minute (limit × (1 − headroom))'),
  restQueued: def('rest_queued', 'gauge', '{request}', 'scrape', [], 'REST requests waiting for weight'),
  restPaused: def('rest_paused', 'gauge', 's', 'scrape', [], 'How long every REST request stays paused after a 429/418 (0: not paused)'),
  restRequests: def('rest_requests', 'counter', '{request}', 'scrape', [], 'REST requests granted by the weight budget'),
  restRejections: def('rest_rejections', 'counter', '{answer}', 'scrape', ['status'], 'REST answers 429 (rate limited) and 418 (IP banned)'),
  userDataLive: def('user_data_live', 'gauge', '1', 'scrape', ['product'], 'User-data stream is live (1) or not (0)'),
  userDataEvents: def('user_data_events', 'counter', '{event}', 'scrape', ['product'], 'User-data events delivered'),
  userDataGaps: def('user_data_gaps', 'counter', '{gap}', 'scrape', ['product'], 'User-data gaps (userDataGap events)'),
} satisfies Record<string, MetricDef>);

/** The key of a metric in {@link METRIC_DEFS} (`messages`, `lag`, `budgetPaused`…): the library's own handle, not the published name. */
export type MetricKey = keyof typeof METRIC_DEFS;

/** Histogram buckets of `reconnect_downtime`, seconds. */
export const DOWNTIME_BUCKETS: readonly number[] = Object.freeze([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]);

/** The label names of `d` with the opt-in `stream` label. */
export function labelNames(d: MetricDef, perStream: boolean, constant: readonly string[]): string[] {
  return [...constant, ...d.labels, ...(perStream && d.perStream ? ['stream'] : [])];
}

/** `binance_stream_stream_lag_seconds`, `binance_stream_messages_total`. */
export function promName(d: MetricDef, prefix: string): string {
  return `${prefix}${d.base}${d.unit === 's' ? '_seconds' : ''}${d.type === 'counter' ? '_total' : ''}`;
}

/** `binance_stream.stream_lag` (unit `s` beside it). */
export function otelName(d: MetricDef, prefix: string): string {
  return `${prefix}${d.base}`;
}
