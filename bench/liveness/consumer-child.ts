/**
 * The child side of the slow-consumer figure: this client on one busy stream, consumed by
 * a loop slower than the feed for `durationMs`, under one overflow policy of
 * `client.stream()` (the loop awaits `workMs` per message: I/O such as a database write),
 * or by a plain listener (`workMs` of synchronous work per message: the only way a listener
 * can be slow). Reports the delivery lag, what the policy dropped or coalesced, the
 * `lagging`/`caughtUp` events and the heap growth. Run with `--expose-gc`.
 */
import { BinanceStreamClient, type StreamMessage } from 'binance-stream-client';
import { performance } from 'node:perf_hooks';
import { clockOffsetMs, hrEpochMs } from '../lib/clock';
import { percentile } from '../lib/stats';
import { SENT_FIELD, type ConsumerChildMessage, type ConsumerJob, type ConsumerParentMessage, type ConsumerResult, type LagFigures } from './protocol';
/** Fast consumption after the first message, before the baseline and the slow loop. */
const SETTLE_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function send(m: ConsumerChildMessage): void {
  if (process.send) process.send(m);
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function figures(samples: Float64Array, n: number): LagFigures {
  const sorted = samples.subarray(0, n).sort();
  return { p50: percentile(sorted, n, 50), p99: percentile(sorted, n, 99), max: n ? (sorted[n - 1] ?? NaN) : NaN };
}

function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // synchronous work
  }
}

async function run(): Promise<void> {
  const job = await new Promise<ConsumerJob>((resolve) => {
    process.once('message', (m: ConsumerParentMessage) => resolve(m.job));
    send({ type: 'ready' });
  });
  setTimeout(() => {
    send({ type: 'failed', reason: `timed out after ${job.timeoutMs} ms` });
    process.exit(2);
  }, job.timeoutMs).unref();

  // Sample buffers first, so that they are in the baseline.
  const cap = Math.ceil(job.expectedRate * (job.durationMs / 1000 + SETTLE_MS / 1000 + 5));
  const receivedLag = new Float64Array(cap);
  const eventLag = new Float64Array(cap);
  let n = 0;
  const correction = job.emulatorOffsetMs - clockOffsetMs();
  let measuring = false;
  let endAt = Infinity;
  let consumed = 0;
  let peak = 0;
  /** Counts one consumed message; false once the window is over (checked here too: a blocking listener starves the timers). */
  const record = (m: StreamMessage): boolean => {
    if (performance.now() >= endAt) measuring = false;
    if (!measuring) return false;
    consumed++;
    if (consumed % 50 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    if (n >= cap) return true;
    const sent = (m.data as Record<string, unknown>)[SENT_FIELD];
    receivedLag[n] = Date.now() - m.receivedAt;
    eventLag[n] = typeof sent === 'number' ? hrEpochMs() - (sent - correction) : NaN;
    n++;
    return true;
  };

  const client = new BinanceStreamClient({ baseUrl: job.wsBase });
  const lagging = { iterator: 0, listener: 0 };
  const caughtUp = { iterator: 0, listener: 0 };
  let loopBlocked = 0;
  let loopBlockedMaxMs = 0;
  client.on('lagging', (e) => lagging[e.consumer]++);
  client.on('caughtUp', (e) => caughtUp[e.consumer]++);
  client.on('loopBlocked', (e) => {
    loopBlocked++;
    loopBlockedMaxMs = Math.max(loopBlockedMaxMs, e.blockedMs);
  });
  client.on('error', () => undefined);

  let first!: () => void;
  const flowing = new Promise<void>((r) => (first = r));
  let it: ReturnType<BinanceStreamClient['stream']> | undefined;
  let loop: Promise<void> = Promise.resolve();

  if (job.mode === 'listener') {
    client.on('message', (m) => {
      first();
      if (record(m)) busyFor(job.workMs);
    });
    client.subscribe([job.stream]);
  } else {
    const stream = client.stream([job.stream], { highWaterMark: job.highWaterMark, overflow: job.mode });
    it = stream;
    loop = (async () => {
      for await (const m of stream) {
        first();
        if (record(m)) await sleep(job.workMs);
      }
    })();
  }
  await client.start();
  await flowing;
  await sleep(SETTLE_MS);
  const baseline = heapAfterGc();
  measuring = true;
  endAt = performance.now() + job.durationMs;
  await sleep(job.durationMs);
  measuring = false;
  const end = heapAfterGc();
  const s = it?.stats();
  const result: ConsumerResult = {
    mode: job.mode,
    consumed,
    receivedLag: figures(receivedLag, n),
    eventLag: figures(eventLag, n),
    dropped: s?.dropped ?? 0,
    coalesced: s?.coalesced ?? 0,
    buffered: s?.buffered ?? 0,
    lagging,
    caughtUp,
    loopBlocked,
    loopBlockedMaxMs,
    heapDelta: end - baseline,
    heapPeakDelta: Math.max(0, peak - baseline),
  };
  it?.close();
  await Promise.race([client.stop(), sleep(2000)]);
  await Promise.race([loop, sleep(500)]);
  send({ type: 'result', result });
  setTimeout(() => process.exit(0), 50);
}

/** Entry point of one slow-consumer child. */
export function consumerMain(): void {
  run().catch((err: unknown) => {
    send({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
    setTimeout(() => process.exit(1), 50);
  });
}
