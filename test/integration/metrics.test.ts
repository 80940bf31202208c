/**
 * binance-stream-client/metrics against a real client on the emulator: the real prom-client
 * registry (text exposition parsed back) and the real OpenTelemetry SDK (MeterProvider with a
 * reader collected on demand). A drop (1006) moves the reconnect and gap counters; per-stream
 * labels appear only when asked for; close() leaves no listener and no metric; the bundled
 * example serves /metrics and a request gets the client's metrics.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { openTelemetryMetrics, prometheusMetrics } from 'binance-stream-client/metrics';
import type { FakeBinance } from 'binance-stream-client/testing';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const STREAMS = ['btcusdt@aggTrade', 'ethusdt@aggTrade', 'btcusdt@bookTicker'];

async function setup(): Promise<{ fake: FakeBinance; client: BinanceStreamClient; gaps: () => number }> {
  const fake = await startEmulator({ symbols: ['btcusdt', 'ethusdt'], rates: { aggTrade: 40 } });
  const client = new BinanceStreamClient({
    ...fake.clientOptions(),
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 200 }),
  });
  onCleanup(() => client.stop());
  let gaps = 0;
  client.on('gap', () => void gaps++);
  client.subscribe(STREAMS);
  await client.start();
  await client.ready({ timeoutMs: 10_000 });
  return { fake, client, gaps: () => gaps };
}

/** `name{a="x",b="y"} 3` lines → series. */
function parse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function pick(series: ReturnType<typeof parse>, name: string, labels: Record<string, string> = {}): number[] {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
}
const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);

describe('prometheusMetrics (real prom-client registry)', () => {
  it('messages, streams, connections, budgets at scrape; reconnects and gaps from events; no stream label by default', async () => {
    const { fake, client, gaps } = await setup();
    const registry = new promClient.Registry();
    const metrics = prometheusMetrics(client, { promClient, registry, labels: { bot: 'test' } });
    onCleanup(() => metrics.close());
    await until(() => client.stats().pool.streams.every((s) => s.messages > 0), { timeoutMs: 10_000, message: 'a message on every stream' });

    let s = parse(await registry.metrics());
    const firstMessages = sum(pick(s, 'binance_stream_messages_total', { market: 'spot', kind: 'aggTrade', bot: 'test' }));
    expect(firstMessages).toBeGreaterThan(0);
    expect(pick(s, 'binance_stream_messages_total', { kind: 'bookTicker' })[0]).toBeGreaterThan(0);
    expect(s.filter((x) => x.name.startsWith('binance_stream_') && 'stream' in x.labels)).toEqual([]);
    expect(pick(s, 'binance_stream_streams', { state: 'live' })).toEqual([3]);
    expect(pick(s, 'binance_stream_streams', { state: 'down' })).toEqual([0]);
    expect(pick(s, 'binance_stream_connections', { purpose: 'market', state: 'open' })).toEqual([1]);
    expect(pick(s, 'binance_stream_reconnects_total')).toEqual([0]); // exists from the start
    expect(pick(s, 'binance_stream_connection_attempts_total')[0]).toBeGreaterThanOrEqual(1);
    expect(pick(s, 'binance_stream_rest_weight_limit')[0]).toBe(client.stats().rest.effectiveLimit);
    expect(pick(s, 'binance_stream_stream_lag_seconds', { kind: 'aggTrade' })).toHaveLength(1);
    expect(pick(s, 'binance_stream_stream_silence_seconds', { kind: 'aggTrade' })[0]).toBeGreaterThanOrEqual(0);

    const before = client.stats().pool.streams.reduce((n, x) => n + x.messages, 0);
    fake.faults.close({ all: true }, { code: 1006 });
    await until(() => client.stats().pool.sockets[0]?.reconnects === 1 && gaps() > 0, { timeoutMs: 10_000, message: 'a reconnect and a gap' });
    s = parse(await registry.metrics());
    expect(pick(s, 'binance_stream_reconnects_total')).toEqual([1]);
    expect(sum(pick(s, 'binance_stream_reconnect_attempts_total'))).toBeGreaterThanOrEqual(1);
    expect(pick(s, 'binance_stream_reconnect_downtime_seconds_count')).toEqual([1]);
    expect(sum(pick(s, 'binance_stream_gaps_total', { kind: 'aggTrade', cause: 'reconnect', filled: 'false' }))).toBe(gaps());
    expect(sum(pick(s, 'binance_stream_missed_events_total', { kind: 'aggTrade' }))).toBeGreaterThan(0);
    expect(sum(pick(s, 'binance_stream_messages_total'))).toBeGreaterThanOrEqual(before); // counters never go back
    expect(pick(s, 'binance_stream_connection_attempts_total')[0]).toBeGreaterThanOrEqual(2);

    // An unsubscribed stream keeps what it counted.
    const counted = sum(pick(s, 'binance_stream_messages_total', { kind: 'bookTicker' }));
    client.unsubscribe('btcusdt@bookTicker');
    await until(() => client.streams.length === 2);
    s = parse(await registry.metrics());
    expect(sum(pick(s, 'binance_stream_messages_total', { kind: 'bookTicker' }))).toBe(counted);

    const listeners = client.listenerCount('reconnected');
    metrics.close();
    expect(client.listenerCount('reconnected')).toBe(listeners - 1);
    expect(parse(await registry.metrics()).filter((x) => x.name.startsWith('binance_stream_'))).toEqual([]);
  }, 40_000);

  it('perStreamLabels: a stream label only for the chosen streams; one adapter per registry and prefix', async () => {
    const { client } = await setup();
    const registry = new promClient.Registry();
    const metrics = prometheusMetrics(client, { promClient, registry, perStreamLabels: (st) => st === 'btcusdt@aggTrade' });
    onCleanup(() => metrics.close());
    await until(() => client.stats().pool.streams.every((x) => x.messages > 0), { timeoutMs: 10_000 });
    const s = parse(await registry.metrics());
    const msgs = s.filter((x) => x.name === 'binance_stream_messages_total');
    expect(msgs.map((x) => x.labels.stream).sort()).toEqual(['', '', 'btcusdt@aggTrade']); // ethusdt@aggTrade, bookTicker share stream=""
    expect(pick(s, 'binance_stream_messages_total', { stream: 'btcusdt@aggTrade' })[0]).toBeGreaterThan(0);
    expect(s.filter((x) => x.name === 'binance_stream_streams' && 'stream' in x.labels)).toEqual([]); // not a per-stream metric
    expect(() => prometheusMetrics(client, { promClient, registry })).toThrow(/binance_stream_messages_total.* already registered/);
    const other = prometheusMetrics(client, { promClient, registry, prefix: 'second_' });
    other.close();
  }, 30_000);
});

class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

type Point = { name: string; attributes: Record<string, unknown>; value: unknown };
function points(rm: ResourceMetrics): Point[] {
  return rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints.map((p) => ({ name: m.descriptor.name, attributes: p.attributes as Record<string, unknown>, value: p.value }))));
}

describe('openTelemetryMetrics (real @opentelemetry/sdk-metrics MeterProvider)', () => {
  it('observable gauges and counters per collection, event counters and the downtime histogram', async () => {
    const { fake, client } = await setup();
    const reader = new OnDemandReader();
    const provider = new MeterProvider({ readers: [reader] });
    onCleanup(() => provider.shutdown());
    const meter = provider.getMeter('test');
    let observed = 0;
    const add = meter.addBatchObservableCallback.bind(meter);
    const wrapped = new Map<unknown, Parameters<typeof add>[0]>();
    meter.addBatchObservableCallback = (cb, obs) => {
      const w: typeof cb = (r) => {
        observed++;
        return cb(r);
      };
      wrapped.set(cb, w);
      add(w, obs);
    };
    const remove = meter.removeBatchObservableCallback.bind(meter);
    meter.removeBatchObservableCallback = (cb, obs) => remove(wrapped.get(cb)!, obs);
    const metrics = openTelemetryMetrics(client, { meter });
    onCleanup(() => metrics.close());
    await until(() => client.stats().pool.streams.every((x) => x.messages > 0), { timeoutMs: 10_000 });

    let p = points((await reader.collect()).resourceMetrics);
    expect(observed).toBe(1); // one batch callback per collection
    const messages = p.filter((x) => x.name === 'binance_stream.messages');
    expect(messages.map((x) => x.attributes.kind).sort()).toEqual(['aggTrade', 'bookTicker']);
    expect(messages.every((x) => (x.value as number) > 0 && x.attributes.market === 'spot')).toBe(true);
    expect(p.find((x) => x.name === 'binance_stream.streams' && x.attributes.state === 'live')?.value).toBe(3);
    expect(p.find((x) => x.name === 'binance_stream.connections' && x.attributes.state === 'open' && x.attributes.purpose === 'market')?.value).toBe(1);

    fake.faults.close({ all: true }, { code: 1006 });
    await until(() => client.stats().pool.sockets[0]?.reconnects === 1, { timeoutMs: 10_000 });
    p = points((await reader.collect()).resourceMetrics);
    expect(p.find((x) => x.name === 'binance_stream.reconnects')?.value).toBe(1);
    const downtime = p.find((x) => x.name === 'binance_stream.reconnect_downtime')?.value as { count: number; sum: number };
    expect(downtime.count).toBe(1);
    expect(downtime.sum).toBeGreaterThan(0);

    const calls = observed;
    metrics.close();
    await reader.collect();
    expect(observed).toBe(calls); // the batch callback is no longer called
    expect(client.listenerCount('reconnected')).toBe(0);
  }, 30_000);
});

describe('examples/08-metrics.ts', () => {
  it('serves /metrics with the client metrics and exits 0', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/08-metrics.ts', '--duration', '4'], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    onCleanup(() => void child.kill('SIGKILL'));
    await until(() => out.includes('every stream is live'), { timeoutMs: 20_000, message: () => `the example to be ready; output:\n${out}` });
    const url = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    await until(async () => (await fetch(url!).then((r) => r.text())).includes('binance_stream_messages_total{bot="example",market="spot",kind="aggTrade"}'), { timeoutMs: 10_000 });
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/# TYPE binance_stream_stream_lag_seconds gauge/);
    expect(text).toMatch(/binance_stream_streams\{bot="example",market="spot",state="live"\} 3/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    expect(await exited, out).toBe(0);
    expect(out).toMatch(/binance_stream_reconnects_total\{bot="example",market="spot"\} 1/);
  }, 40_000);
});
