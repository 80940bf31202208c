/**
 * binance-stream-client/metrics with a stub client (its stats and events set by
 * the test): the documented name table, scrape-time figures (counters that survive a
 * stream's removal, maxima, zero-filled states), event counters, per-stream labels, option
 * checks. The adapters against a real client: test/integration/metrics.test.ts.
 */
import { EventEmitter } from 'eventemitter3';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ClientStats, GapEvent, PoolStreamStats } from 'binance-stream-client';
import { METRIC_DEFS, openTelemetryMetrics, otelName, prometheusMetrics, promName } from 'binance-stream-client/metrics';
import type { MetricsClient } from 'binance-stream-client/metrics';
import { Collector } from '../../../src/metrics/collect';
import { resolveMetricsOptions } from '../../../src/metrics/options';
import { LabelMaker } from '../../../src/metrics/series';

function stream(name: string, messages: number, extra: Partial<PoolStreamStats> = {}): PoolStreamStats {
  return { stream: name, messages, duplicatesDropped: 0, lagMs: undefined, lastMessageAt: undefined, state: 'live', ...extra } as PoolStreamStats;
}

class StubClient extends EventEmitter {
  readonly market = { id: 'spot' as const };
  streams: PoolStreamStats[] = [];
  sockets: { state: string }[] = [{ state: 'open' }];
  userData: { product: string; state: string; events: number; gaps: number; socket: { state: string } }[] = [];
  budget: Record<string, number> | undefined = { attemptsInWindow: 3, effectiveLimit: 270, queued: 0, pausedUntil: 0, granted: 7, rejections: 1 };
  statsCalls = 0;
  stats(): ClientStats {
    this.statsCalls++;
    return {
      market: 'spot',
      pool: { streams: this.streams, sockets: this.sockets, budget: this.budget },
      userData: this.userData,
      rest: { usedWeight: 12, limit: 6000, effectiveLimit: 5400, queued: 0, owners: 0, pausedUntil: 0, granted: 4, rejected429: 2, banned418: 0 },
    } as unknown as ClientStats;
  }
}
const asClient = (s: StubClient): MetricsClient => s as unknown as MetricsClient;

function collector(stub: StubClient, perStreamLabels: boolean | ((s: string) => boolean) = false, now = () => 10_000): Collector {
  const o = resolveMetricsOptions(asClient(stub), { perStreamLabels, labels: { bot: 'b1' } });
  return new Collector(o, new LabelMaker(o), now);
}

describe('the metric table', () => {
  it('documented names, unique, valid; labels from a bounded set; stream only on per-stream metrics', () => {
    const prom = Object.values(METRIC_DEFS).map((d) => promName(d, 'binance_stream_'));
    expect(new Set(prom).size).toBe(prom.length);
    for (const n of prom) expect(n).toMatch(/^binance_stream_[a-z_]+$/);
    expect(prom).toContain('binance_stream_messages_total');
    expect(prom).toContain('binance_stream_stream_lag_seconds');
    expect(prom).toContain('binance_stream_reconnect_downtime_seconds');
    expect(prom).toContain('binance_stream_rest_weight_used');
    expect(otelName(METRIC_DEFS.messages, 'binance_stream.')).toBe('binance_stream.messages');
    const bounded = new Set(['market', 'kind', 'cause', 'filled', 'state', 'scope', 'action', 'purpose', 'code', 'reason', 'consumer', 'status', 'product']);
    for (const d of Object.values(METRIC_DEFS)) for (const l of d.labels) expect(bounded.has(l), `${d.base}: ${l}`).toBe(true);
    expect(
      Object.values(METRIC_DEFS)
        .filter((d) => d.perStream)
        .map((d) => d.base),
    ).toEqual(['messages', 'duplicates_dropped', 'gaps', 'missed_events', 'stream_lag', 'stream_silence']);
  });
});

describe('scrape-time figures', () => {
  it('messages by kind; a removed stream keeps its count, a re-created one adds its own', () => {
    const stub = new StubClient();
    stub.streams = [stream('btcusdt@aggTrade', 10), stream('ethusdt@aggTrade', 5), stream('btcusdt@bookTicker', 2)];
    const c = collector(stub);
    const total = (kind: string): number => (c.snapshot().get('messages') ?? []).filter((s) => s.labels.kind === kind).reduce((n, s) => n + s.value, 0);
    expect(total('aggTrade')).toBe(15);
    stub.streams = [stream('btcusdt@aggTrade', 12), stream('btcusdt@bookTicker', 2)]; // eth removed
    expect(total('aggTrade')).toBe(17);
    stub.streams = [stream('btcusdt@aggTrade', 13), stream('ethusdt@aggTrade', 1), stream('btcusdt@bookTicker', 2)]; // eth back, new record
    expect(total('aggTrade')).toBe(19);
    expect(total('bookTicker')).toBe(2);
    const labels = c.snapshot().get('messages')![0]!.labels;
    expect(labels).toEqual({ bot: 'b1', market: 'spot', kind: 'aggTrade' }); // no stream label by default
  });

  it('lag and silence: the largest over the streams of a series; silence only for streams that delivered', () => {
    const stub = new StubClient();
    stub.streams = [stream('btcusdt@aggTrade', 1, { lagMs: 40, lastMessageAt: 9_000 }), stream('ethusdt@aggTrade', 1, { lagMs: 250, lastMessageAt: 9_900 }), stream('btcusdt@depth', 0)];
    const snap = collector(stub).snapshot();
    expect(snap.get('lag')).toEqual([{ labels: { bot: 'b1', market: 'spot', kind: 'aggTrade' }, value: 0.25 }]);
    expect(snap.get('silence')).toEqual([{ labels: { bot: 'b1', market: 'spot', kind: 'aggTrade' }, value: 1 }]);
  });

  it('streams by health state, every state present', () => {
    const stub = new StubClient();
    stub.streams = [stream('a@aggTrade', 1), stream('b@aggTrade', 1, { state: 'down' }), stream('c@aggTrade', 0, { state: 'pending' })];
    expect(
      collector(stub)
        .snapshot()
        .get('streams')!
        .map((s) => [s.labels.state, s.value]),
    ).toEqual([
      ['live', 1],
      ['degraded', 0],
      ['down', 1],
      ['pending', 1],
    ]);
  });

  it('per-stream labels: chosen streams get their own series, the others share stream=""', () => {
    const stub = new StubClient();
    stub.streams = [stream('btcusdt@aggTrade', 10, { lagMs: 5 }), stream('ethusdt@aggTrade', 5, { lagMs: 7 }), stream('solusdt@aggTrade', 1, { lagMs: 1 })];
    const snap = collector(stub, (s) => s.startsWith('btc')).snapshot();
    expect(snap.get('messages')!.map((s) => [s.labels.stream, s.value])).toEqual([
      ['btcusdt@aggTrade', 10],
      ['', 6],
    ]);
    expect(snap.get('lag')!.map((s) => [s.labels.stream, s.value])).toEqual([
      ['btcusdt@aggTrade', 0.005],
      ['', 0.007],
    ]);
    expect(snap.get('streams')![0]!.labels).not.toHaveProperty('stream');
  });

  it('connections zero-filled per purpose and state; budgets; user data; no budget series without a budget', () => {
    const stub = new StubClient();
    stub.sockets = [{ state: 'open' }, { state: 'reconnecting' }, { state: 'open' }];
    stub.userData = [{ product: 'usdm', state: 'live', events: 3, gaps: 0, socket: { state: 'open' } }];
    const c = collector(stub);
    let snap = c.snapshot();
    const conn = snap.get('connections')!;
    expect(conn).toHaveLength(14);
    expect(conn.find((s) => s.labels.purpose === 'market' && s.labels.state === 'open')?.value).toBe(2);
    expect(conn.find((s) => s.labels.purpose === 'market' && s.labels.state === 'reconnecting')?.value).toBe(1);
    expect(conn.find((s) => s.labels.purpose === 'user_data' && s.labels.state === 'open')?.value).toBe(1);
    expect(conn.filter((s) => s.value === 0)).toHaveLength(11);
    expect(snap.get('budgetGranted')![0]!.value).toBe(7);
    expect(snap.get('restRejections')!.map((s) => [s.labels.status, s.value])).toEqual([
      ['429', 2],
      ['418', 0],
    ]);
    expect(snap.get('userDataLive')![0]).toEqual({ labels: { bot: 'b1', market: 'spot', product: 'usdm' }, value: 1 });
    expect(snap.get('userDataEvents')![0]!.value).toBe(3);
    stub.budget = undefined;
    snap = c.snapshot();
    expect(snap.get('budgetGranted')).toBeUndefined();
  });
});

describe('prometheusMetrics with a stub client', () => {
  it('event counters with bounded labels; close() removes every listener and metric', async () => {
    const stub = new StubClient();
    const registry = new promClient.Registry();
    const m = prometheusMetrics(asClient(stub), { promClient, registry });
    expect(stub.listenerCount('gap')).toBe(1);
    expect(stub.listenerCount('message')).toBe(0);
    expect(stub.listenerCount('error')).toBe(0); // an error listener would change how the client logs listener faults
    const gap: GapEvent = { stream: 'btcusdt@aggTrade', kind: 'aggTrade', cause: 'reconnect', detectedAt: 1, filled: true, fromId: 5, toId: 9, count: 5 };
    stub.emit('gap', gap);
    stub.emit('gap', { ...gap, filled: false, reason: 'backfill off' });
    stub.emit('stale', { socketId: 'spot-1', scope: 'stream', streams: ['btcusdt@aggTrade'], silentMs: 5_000, action: 'resubscribe' });
    stub.emit('reconnecting', { socketId: 'spot-1', attempt: 1, maxRetries: Infinity, delayMs: 100, error: { code: 'ERR_CLOSED' }, streams: [] });
    stub.emit('rotated', { oldSocketId: 'spot-1', newSocketId: 'spot-2', reason: 'lifetime', handoverMs: 20, streams: 1 });
    stub.emit('reconnected', { socketId: 'spot-1', attempts: 1, downtimeMs: 1_500 });
    const text = await registry.metrics();
    expect(text).toContain('binance_stream_gaps_total{market="spot",kind="aggTrade",cause="reconnect",filled="true"} 1');
    expect(text).toContain('binance_stream_gaps_total{market="spot",kind="aggTrade",cause="reconnect",filled="false"} 1');
    expect(text).toContain('binance_stream_missed_events_total{market="spot",kind="aggTrade"} 10');
    expect(text).toContain('binance_stream_stale_detections_total{market="spot",scope="stream",action="resubscribe"} 1');
    expect(text).toContain('binance_stream_reconnect_attempts_total{market="spot",code="ERR_CLOSED"} 1');
    expect(text).toContain('binance_stream_rotations_total{market="spot",reason="lifetime"} 1');
    expect(text).toContain('binance_stream_reconnect_downtime_seconds_bucket{le="2.5",market="spot"} 1');
    expect(text).toContain('binance_stream_reconnect_downtime_seconds_bucket{le="1",market="spot"} 0');
    expect(text).toContain('binance_stream_gave_up_total{market="spot"} 0');
    m.close();
    m.close(); // idempotent
    expect(stub.eventNames()).toEqual([]);
    expect(await registry.metrics()).toBe('\n');
  });

  it('several clients in one adapter: series per market, events counted per client', async () => {
    const spot = new StubClient();
    const usdm = Object.assign(new StubClient(), { market: { id: 'usdm' } });
    spot.streams = [stream('btcusdt@aggTrade', 4)];
    usdm.streams = [stream('btcusdt@aggTrade', 6)];
    const registry = new promClient.Registry();
    const m = prometheusMetrics([asClient(spot), asClient(usdm as StubClient)], { promClient, registry });
    usdm.emit('reconnected', { socketId: 'usdm-1', attempts: 1, downtimeMs: 10 });
    const text = await registry.metrics();
    expect(text).toContain('binance_stream_messages_total{market="spot",kind="aggTrade"} 4');
    expect(text).toContain('binance_stream_messages_total{market="usdm",kind="aggTrade"} 6');
    expect(text).toContain('binance_stream_reconnects_total{market="usdm"} 1');
    expect(text).toContain('binance_stream_reconnects_total{market="spot"} 0');
    expect([spot.statsCalls, usdm.statsCalls]).toEqual([1, 1]); // one stats() per client per scrape, however many metrics
    await registry.metrics();
    expect([spot.statsCalls, usdm.statsCalls]).toEqual([2, 2]);
    m.close();
  });

  it('bad options are ERR_INVALID_OPTION naming the option', () => {
    const stub = asClient(new StubClient());
    const registry = new promClient.Registry();
    const bad = (fn: () => unknown, re: RegExp) => expect(fn).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(re) }));
    bad(() => prometheusMetrics(stub, {} as never), /options\.promClient must be the prom-client module/);
    bad(() => prometheusMetrics(stub, { promClient, registry, labels: { market: 'x' } }), /labels\.market must be a name the library does not use/);
    bad(() => prometheusMetrics(stub, { promClient, registry, labels: { 'bad-name': 'x' } }), /labels\.bad-name must be a label name/);
    bad(() => prometheusMetrics(stub, { promClient, registry, labels: { bot: 1 as never } }), /labels\.bot must be a string \(got 1\)/);
    bad(() => prometheusMetrics(stub, { promClient, registry, perStreamLabels: 'yes' as never }), /perStreamLabels must be true, false or a function/);
    bad(() => prometheusMetrics(stub, { promClient, registry, prefix: '9x' }), /options\.prefix must match/);
    bad(() => prometheusMetrics([], { promClient, registry }), /clients must be a BinanceStreamClient or a non-empty array/);
    bad(() => openTelemetryMetrics(stub, { meter: {} as never }), /options\.meter must be an OpenTelemetry Meter/);
    expect(registry.getMetricsAsArray()).toEqual([]); // nothing registered by a failed call
  });
});
