/**
 * The child-process side of one measurement: runs one subject (raw limit, this client or
 * a peer) through one scenario and reports over IPC. Run with `--expose-gc`. Every wait
 * is bounded by the job's `timeoutMs`; the process exits when done.
 */
import { performance } from 'node:perf_hooks';
import { clockOffsetMs } from './lib/clock';
import type { ChildMessage, Job, MemorySample, ParentMessage, SubjectResult } from './lib/protocol';
import { percentile } from './lib/stats';
import type { Payload, Signal, SubjectFactory, SubjectHandle } from './subjects/types';

function send(msg: ChildMessage): void {
  if (process.send) process.send(msg);
}

function memory(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `check()` is true (polled), or after `ms` with false. */
async function until(check: () => boolean, ms: number, every = 2): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await sleep(every);
  }
  return true;
}

/** The stream a payload belongs to, from its own fields (works for every subject alike). */
function streamKey(d: Payload): string {
  const s = typeof d.s === 'string' ? d.s.toLowerCase() : '?';
  if (d.e === 'kline') {
    const k = d.k as { i?: unknown } | undefined;
    return `${s}@kline_${String(k?.i)}`;
  }
  return `${s}@${String(d.e)}`;
}

export async function runSubject(create: SubjectFactory): Promise<void> {
  const job = await new Promise<Job>((resolve) => {
    const onMsg = (m: ParentMessage): void => {
      if (m.type === 'job') {
        process.off('message', onMsg);
        resolve(m.job);
      }
    };
    process.on('message', onMsg);
    send({ type: 'ready' });
  });

  let measureRequested = false;
  let markAt: number | undefined;
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'measure') measureRequested = true;
    else if (m.type === 'mark') markAt = m.at;
    else if (m.type === 'stop') process.exit(0);
  });

  const hardStop = setTimeout(() => {
    send({ type: 'failed', reason: `timed out after ${job.timeoutMs} ms` });
    process.exit(2);
  }, job.timeoutMs);
  hardStop.unref();

  // Stamps are hrEpochMs in the emulator process; convert to this process's clock.
  const correction = job.emulatorOffsetMs - clockOffsetMs();
  const origin = performance.timeOrigin;
  const stampField = job.stampField;
  const notes: string[] = [];

  // ---- listener state (kept flat: the listener is part of what is measured) ----
  let count = 0;
  let firstAt = 0;
  let recording = false;
  const capacity = job.scenario === 'latency' ? Math.ceil(((job.expectedRate ?? 20_000) * (job.measureMs + 2000)) / 1000) : 0;
  const lat = new Float64Array(capacity);
  let latN = 0;
  const seen = job.scenario === 'coldstart' ? new Set<string>() : undefined;
  let allSeenAt = 0;
  const target = job.streams.length;
  let recoveredAt = 0;
  let detectedAt = 0;
  let detectedBy: string | undefined;
  let retryDelayMs: number | undefined;
  // Mass drop: when each stream first delivered an event sent after the fault.
  const recoveredAtByStream = job.scenario === 'massdrop' ? new Map<string, number>() : undefined;

  let onData: (d: Payload) => void;
  if (job.scenario === 'latency' && stampField) {
    onData = (d) => {
      count++;
      if (recording && latN < capacity) {
        const st = d[stampField];
        if (typeof st === 'number') lat[latN++] = origin + performance.now() - (st - correction);
      }
    };
  } else if (job.scenario === 'coldstart') {
    onData = (d) => {
      count++;
      if (firstAt === 0) firstAt = performance.now();
      if (seen && seen.size < target) {
        seen.add(streamKey(d));
        if (seen.size === target) allSeenAt = performance.now();
      }
    };
  } else if ((job.scenario === 'recovery' || job.scenario === 'stall') && stampField) {
    onData = (d) => {
      count++;
      if (markAt !== undefined && recoveredAt === 0) {
        const st = d[stampField];
        // Sent after the fault: necessarily on a new connection.
        if (typeof st === 'number' && st - correction > markAt - correction) recoveredAt = origin + performance.now();
      }
    };
  } else if (recoveredAtByStream && stampField) {
    onData = (d) => {
      count++;
      if (markAt === undefined) return;
      const st = d[stampField];
      if (typeof st === 'number' && st > markAt) {
        const k = streamKey(d);
        if (!recoveredAtByStream.has(k)) recoveredAtByStream.set(k, origin + performance.now());
      }
    };
  } else {
    onData = () => {
      count++;
    };
  }
  // Signals are kept with their time (bounded) and matched to the fault afterwards: the
  // runner's mark can arrive after a fast subject already reacted.
  const signals: { t: number; s: Signal; delayMs: number | undefined }[] = [];
  const onSignal = (s: Signal, detail?: { delayMs?: number | undefined }): void => {
    if (s === 'open' || signals.length >= 1000) return;
    signals.push({ t: origin + performance.now(), s, delayMs: detail?.delayMs });
  };
  const firstSignalAfter = (at: number): void => {
    const hit = signals.find((x) => x.t >= at);
    detectedAt = hit ? hit.t : 0;
    detectedBy = hit?.s;
    retryDelayMs = signals.find((x) => x.t >= at && x.delayMs !== undefined)?.delayMs;
  };

  let handle: SubjectHandle;
  const baseline = job.scenario === 'memory' || job.scenario === 'universe' ? memory() : undefined;
  try {
    handle = await create({
      wsBase: job.wsBase,
      streams: job.streams,
      onData,
      onSignal,
      maxStreamsPerConnection: job.maxStreamsPerConnection ?? 1024,
      setupOutsideWindow: job.setupOutsideWindow,
    });
  } catch (err) {
    send({ type: 'failed', reason: `create: ${(err as Error).message}` });
    process.exit(1);
  }

  const result: SubjectResult = { subject: job.subject, scenario: job.scenario };
  const t0 = performance.now();
  try {
    await handle.start();
  } catch (err) {
    send({ type: 'failed', reason: `start: ${(err as Error).message}` });
    await handle.stop().catch(() => undefined);
    process.exit(1);
  }
  result.startResolvedMs = performance.now() - t0;
  send({ type: 'started' });

  const cpuSpan = async (ms: number): Promise<{ msgs: number; wallMs: number; cpuMs: number }> => {
    send({ type: 'window', phase: 'begin' });
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const n0 = count;
    await sleep(ms);
    const c = process.cpuUsage(c0);
    send({ type: 'window', phase: 'end' });
    return { msgs: count - n0, wallMs: performance.now() - w0, cpuMs: (c.user + c.system) / 1000 };
  };

  switch (job.scenario) {
    case 'throughput': {
      if (!(await until(() => count > 0, 5000))) throw new Error('no message within 5 s');
      send({ type: 'flowing' });
      await sleep(job.warmupMs);
      const s = await cpuSpan(job.measureMs);
      Object.assign(result, s, {
        rate: (s.msgs / s.wallMs) * 1000,
        cpuPer100k: s.msgs ? (s.cpuMs / 1000 / s.msgs) * 1e5 : undefined,
        cpuShare: s.cpuMs / s.wallMs,
      });
      break;
    }
    case 'latency': {
      if (!(await until(() => count > 0, 5000))) throw new Error('no message within 5 s');
      send({ type: 'flowing' });
      await sleep(job.warmupMs);
      recording = true;
      const s = await cpuSpan(job.measureMs);
      recording = false;
      const sorted = lat.subarray(0, latN).sort();
      Object.assign(result, s, {
        rate: (s.msgs / s.wallMs) * 1000,
        samples: latN,
        p50: percentile(sorted, latN, 50),
        p99: percentile(sorted, latN, 99),
        max: latN ? sorted[latN - 1] : undefined,
        cpuShare: s.cpuMs / s.wallMs,
      });
      if (latN === 0) notes.push(`no "${String(stampField)}" stamp in payloads`);
      break;
    }
    case 'memory':
    case 'universe': {
      if (job.waitForMeasure && !(await until(() => measureRequested, job.timeoutMs - 3000, 10))) notes.push('subscriptions not confirmed by the emulator');
      await sleep(job.warmupMs);
      if (job.scenario === 'universe') {
        const s = await cpuSpan(job.measureMs);
        Object.assign(result, s, { rate: (s.msgs / s.wallMs) * 1000, cpuShare: s.cpuMs / s.wallMs });
      }
      result.baseline = baseline;
      result.memory = memory();
      result.msgs = count;
      break;
    }
    case 'coldstart': {
      const ok = await until(() => seen !== undefined && seen.size >= target, job.measureMs, 1);
      result.firstMessageMs = firstAt ? firstAt - t0 : undefined;
      result.allStreamsMs = ok ? allSeenAt - t0 : undefined;
      result.streamsSeen = seen?.size ?? 0;
      if (!ok) notes.push(`only ${seen?.size ?? 0}/${target} streams delivered within ${job.measureMs} ms`);
      break;
    }
    case 'recovery':
    case 'stall': {
      if (!(await until(() => count > 0, 5000))) throw new Error('no message within 5 s');
      await sleep(job.warmupMs);
      send({ type: 'flowing' });
      const marked = await until(() => markAt !== undefined, 10_000, 1);
      if (!marked || markAt === undefined) throw new Error('no fault mark from the runner');
      const at = markAt - correction; // this process's hrEpochMs
      const want = (): boolean => (job.scenario === 'stall' ? signals.some((x) => x.t >= at) && recoveredAt > 0 : recoveredAt > 0);
      await until(want, job.measureMs, 1);
      firstSignalAfter(at);
      if (recoveredAt) result.recoveryMs = recoveredAt - at;
      if (detectedAt) {
        result.detectedMs = detectedAt - at;
        result.detectedBy = detectedBy;
      }
      if (retryDelayMs !== undefined) result.retryDelayMs = retryDelayMs;
      else if (job.subject === 'raw') result.retryDelayMs = 0; // re-dials at once, by construction
      if (job.scenario === 'stall' && !detectedAt) notes.push(`stall never detected within ${job.measureMs / 1000} s`);
      else if (!recoveredAt) notes.push(`no data after the fault within ${job.measureMs / 1000} s`);
      break;
    }
    case 'massdrop': {
      if (!(await until(() => count > 0, 5000))) throw new Error('no message within 5 s');
      await sleep(job.warmupMs);
      send({ type: 'flowing' });
      if (!(await until(() => markAt !== undefined, 15_000, 1)) || markAt === undefined) throw new Error('no fault mark from the runner');
      const at = markAt - correction;
      const map = recoveredAtByStream ?? new Map<string, number>();
      await until(() => map.size >= target, job.measureMs, 5);
      const times = Float64Array.from([...map.values()].map((t) => t - at)).sort();
      Object.assign(result, {
        streams: target,
        recovered: times.length,
        recoveryP50: percentile(times, times.length, 50),
        recoveryP90: percentile(times, times.length, 90),
        recoveryMax: times.length ? times[times.length - 1] : undefined,
        allRecoveredMs: times.length >= target ? times[times.length - 1] : undefined,
      });
      if (times.length < target) notes.push(`${target - times.length} of ${target} streams without data within ${job.measureMs / 1000} s`);
      break;
    }
  }
  if (notes.length) result.notes = notes;
  await Promise.race([handle.stop().catch(() => undefined), sleep(2000)]);
  send({ type: 'result', result });
  setTimeout(() => process.exit(0), 50);
}

export function main(create: SubjectFactory): void {
  runSubject(create).catch((err: unknown) => {
    send({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
    setTimeout(() => process.exit(1), 50);
  });
}
