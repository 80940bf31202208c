/**
 * Soak: a time-compressed 24 h run, sampling the client's heap after forced GC once per
 * simulated hour and fitting a least-squares line (heap against simulated hours), to show
 * that nothing accumulates: no per-message, per-reconnect, per-rotation or per-backfill
 * leftovers.
 *
 * The emulator (FakeBinance, `timeScale`) runs here; the client runs in a child process
 * (`--expose-gc`: its heap is its own) with 150 symbols × (aggTrade, bookTicker) = 300
 * streams, 50 per connection (6 connections), backfill on. Over the simulated day:
 * - the emulator cuts every connection after 12 simulated hours (Binance's 24 h cut,
 *   doubled in frequency): reconnects, gaps, backfills;
 * - the full run's client also rotates each connection make-before-break after 60 s of
 *   real time (its shortest `rotateAfterMs`, ~9 simulated hours);
 * - faults at fixed simulated hours (`FAULTS`): one connection dropped (1006), or every
 *   connection dropped (a mass reconnect: the aggTrade gaps filled from REST within its
 *   weight limit).
 *
 * Verdict "flat": the slope (samples from the 12th simulated hour on: the first half is the
 * warm-up, in which every kind of event happens once and the lazily built parts appear: the
 * REST client, a stream's gap filler at its first gap, learned cadences, compiled code) is
 * below 0.5% of the mean heap per simulated hour (12% a day), or within two standard errors
 * of zero (noise).
 *
 *   node --expose-gc --import tsx bench/soak.ts [--quick]      full: ~150 s; quick: ~30 s
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { bundleEntry } from './lib/bundle';

/** `npm run bench -- --only=soak`. */
export const SOAK_FIGURE = 'soak';

const HOUR = 3_600_000;
/** Simulated hour → the fault then: one connection dropped (1006), or all of them. */
const FAULTS: Readonly<Record<number, 'one' | 'all'>> = { 3: 'one', 6: 'all', 9: 'one', 13: 'one', 16: 'one', 20: 'all', 22: 'one' };
/** Samples from this simulated hour on are fitted: by then every kind of event has happened (a drop, a mass drop, the cut, a rotation in the full run). */
const FIT_FROM_HOUR = 12;
const MiB = 2 ** 20;

export interface SoakOptions {
  /** ~30 s instead of ~150 s (the same simulated day, compressed 5× more). */
  quick?: boolean | undefined;
  /** Symbols (2 streams each). @default 150 */
  symbols?: number | undefined;
  log?: ((line: string) => void) | undefined;
  /** Write heap snapshots here at the fit's first and last hour (diagnosis). */
  snapshotDir?: string | undefined;
}

export interface SoakSample {
  simHour: number;
  realMinute: number;
  heapUsed: number;
}

export interface SoakCounts {
  messages: number;
  backfilled: number;
  gapsFilled: number;
  gapsLost: number;
  reconnects: number;
  rotations: number;
  faults: number;
}

export interface SoakResult {
  quick: boolean;
  simulatedHours: number;
  realSeconds: number;
  timeScale: number;
  streams: number;
  samples: SoakSample[];
  /** Samples from this simulated hour on are fitted. */
  fitFromHour: number;
  /** Least-squares slope of heap used, bytes per simulated hour, and its standard error. */
  slopePerSimHour: number;
  slopeStdErr: number;
  /** The same slope per real minute of the run. */
  slopePerRealMinute: number;
  meanHeap: number;
  verdict: 'flat' | 'growing';
  rule: string;
  counts: SoakCounts;
}

/** Least-squares fit of y on x: slope and its standard error. */
export function fitLine(xs: readonly number[], ys: readonly number[]): { slope: number; stdErr: number; mean: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += ((ys[i] as number) - my - slope * ((xs[i] as number) - mx)) ** 2;
  const stdErr = n > 2 && sxx > 0 ? Math.sqrt(ssr / (n - 2) / sxx) : Infinity;
  return { slope, stdErr, mean: my };
}

export const FLAT_RULE = 'slope < 0.5% of the mean heap per simulated hour, or within 2 standard errors of 0';

export function verdictOf(slope: number, stdErr: number, mean: number): 'flat' | 'growing' {
  return slope < 0.005 * mean || Math.abs(slope) <= 2 * stdErr ? 'flat' : 'growing';
}

// ---- the child: the client under test ------------------------------------------------

type ToChild = { type: 'sample'; snapshot?: string | undefined } | { type: 'stop' };
type FromChild = { type: 'ready' } | { type: 'sample'; heapUsed: number; counts: Omit<SoakCounts, 'faults'> } | { type: 'failed'; reason: string };

async function child(): Promise<void> {
  const send = (m: FromChild): void => void process.send?.(m);
  const { BinanceStreamClient, ConstantBackoff } = await import('../src/index');
  const { ConnectionBudget } = await import('../src/advanced');
  const cfg = JSON.parse(String(process.env.SOAK_CONFIG)) as { ws: string; http: string; streams: string[]; rotateAfterMs: number | false };
  const counts = { messages: 0, backfilled: 0, gapsFilled: 0, gapsLost: 0, reconnects: 0, rotations: 0 };
  const client = new BinanceStreamClient({
    market: 'spot',
    baseUrl: cfg.ws,
    restBaseUrl: cfg.http,
    backfill: true,
    maxStreamsPerConnection: 50,
    rotateAfterMs: cfg.rotateAfterMs,
    retryPolicy: new ConstantBackoff({ delayMs: 100 }),
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
  });
  client.on('message', (m) => {
    counts.messages++;
    if ((m as { backfilled?: boolean }).backfilled) counts.backfilled++;
  });
  client.on('gap', (g) => void (g.filled ? counts.gapsFilled++ : counts.gapsLost++));
  client.on('reconnecting', () => void counts.reconnects++);
  client.on('rotated', () => void counts.rotations++);
  client.on('error', () => undefined);
  client.subscribe(cfg.streams);
  try {
    await client.start();
  } catch (err) {
    send({ type: 'failed', reason: `start: ${(err as Error).message}` });
    process.exit(1);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: ToChild) => {
    if (m.type === 'sample') {
      gc?.();
      gc?.();
      if (m.snapshot) v8.writeHeapSnapshot(m.snapshot);
      send({ type: 'sample', heapUsed: process.memoryUsage().heapUsed, counts: { ...counts } });
    } else {
      void client.stop().finally(() => setTimeout(() => process.exit(0), 20));
    }
  });
  send({ type: 'ready' });
}

// ---- the parent: emulator, faults, samples ------------------------------------------

export async function runSoak(opts: SoakOptions = {}): Promise<SoakResult> {
  const quick = opts.quick ?? false;
  const log = opts.log ?? (() => undefined);
  const nSymbols = opts.symbols ?? 150;
  const realSeconds = quick ? 30 : 150;
  const simulatedHours = 24;
  const timeScale = (simulatedHours * HOUR) / (realSeconds * 1000);
  const realHourMs = HOUR / timeScale;
  const symbols = Array.from({ length: nSymbols }, (_, i) => `soak${i.toString(36).padStart(2, '0')}usdt`);
  const streams = symbols.flatMap((s) => [`${s}@aggTrade`, `${s}@bookTicker`]);
  const { FakeBinance } = await import('../src/testing/index');
  const ex = await FakeBinance.start({
    symbols,
    rates: (s: string) => (s.endsWith('@aggTrade') ? 2 : 1),
    timeScale,
    maxConnectionLifetimeMs: 12 * HOUR,
    groundTruthLimit: 16,
  });
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const built = await bundleEntry(root, fileURLToPath(import.meta.url), join(root, 'node_modules', '.cache', 'bsc-bench'), 'soak');
  const config = { ws: ex.urls.ws, http: ex.urls.http, streams, rotateAfterMs: quick ? false : 60_000 };
  const c = spawn(process.execPath, ['--expose-gc', ...built.nodeArgs, built.file, '--soak-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, SOAK_CONFIG: JSON.stringify(config) },
  });
  const waiters: ((m: FromChild) => void)[] = [];
  let exited = false;
  c.on('message', (m: FromChild) => waiters.shift()?.(m));
  c.on('exit', () => {
    exited = true;
    for (const w of waiters.splice(0)) w({ type: 'failed', reason: 'the soak child exited' });
  });
  const next = (): Promise<FromChild> => new Promise((resolve) => (exited ? resolve({ type: 'failed', reason: 'the soak child exited' }) : waiters.push(resolve)));
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  try {
    const first = await next();
    if (first.type !== 'ready') throw new Error(`soak: ${first.type === 'failed' ? first.reason : 'unexpected message'}`);
    const t0 = performance.now();
    const samples: SoakSample[] = [];
    let counts: Omit<SoakCounts, 'faults'> | undefined;
    let faults = 0;
    for (let h = 1; h <= simulatedHours; h++) {
      // Real time the next simulated hour ends (a sample that took long does not shift the schedule).
      await sleep(Math.max(0, t0 + h * realHourMs - performance.now()));
      const fault = FAULTS[h];
      if (fault !== undefined) {
        faults++;
        if (fault === 'all') ex.faults.close({ all: true }, { code: 1006 });
        else ex.faults.close({ stream: streams[(h * 53) % streams.length] as string }, { code: 1006 });
      }
      // --snapshots: heap snapshots at the fit's first hour and the last, and what grew between them.
      const snapshot = opts.snapshotDir && (h === FIT_FROM_HOUR || h === simulatedHours) ? join(opts.snapshotDir, `soak-${h}h.heapsnapshot`) : undefined;
      c.send({ type: 'sample', snapshot } satisfies ToChild);
      const m = await next();
      if (m.type !== 'sample') throw new Error(`soak: ${m.type === 'failed' ? m.reason : 'unexpected message'}`);
      counts = m.counts;
      samples.push({ simHour: h, realMinute: (performance.now() - t0) / 60_000, heapUsed: m.heapUsed });
      log(
        `  soak: ${h} h simulated, heap ${(m.heapUsed / MiB).toFixed(2)} MiB, ${m.counts.messages} messages, ${m.counts.reconnects} reconnects, ${m.counts.rotations} rotations, ${m.counts.gapsFilled} gaps filled`,
      );
    }
    const elapsed = (performance.now() - t0) / 1000;
    const fitFromHour = FIT_FROM_HOUR;
    const fitted = samples.filter((s) => s.simHour >= fitFromHour);
    const { slope, stdErr, mean } = fitLine(
      fitted.map((s) => s.simHour),
      fitted.map((s) => s.heapUsed),
    );
    return {
      quick,
      simulatedHours,
      realSeconds: elapsed,
      timeScale,
      streams: streams.length,
      samples,
      fitFromHour,
      slopePerSimHour: slope,
      slopeStdErr: stdErr,
      slopePerRealMinute: slope * (simulatedHours / (elapsed / 60)),
      meanHeap: mean,
      verdict: verdictOf(slope, stdErr, mean),
      rule: FLAT_RULE,
      counts: { ...(counts as Omit<SoakCounts, 'faults'>), faults },
    };
  } finally {
    if (!exited) {
      c.send({ type: 'stop' } satisfies ToChild);
      await Promise.race([new Promise((r) => c.once('exit', r)), sleep(3000)]);
      if (!exited) c.kill('SIGKILL');
    }
    await ex.close();
  }
}

const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;

/** The soak's section of bench/results/latest.md. */
export function renderSoakMarkdown(r: SoakResult): string {
  const c = r.counts;
  const heaps = r.samples.map((s) => s.heapUsed);
  return [
    '## Soak: a time-compressed 24 h (issue 14)',
    '',
    `${r.streams} streams (150 symbols × aggTrade at 2 msg/s, bookTicker at 1 msg/s), 50 per connection, backfill on; 24 simulated hours in ${r.realSeconds.toFixed(0)} s (timeScale ${r.timeScale.toFixed(0)}). The emulator cuts every connection after 12 simulated hours; one connection drops (1006) at simulated hours 3, 9, 13, 16 and 22, all of them at 6 and 20${r.quick ? '' : '; the client also rotates each connection make-before-break after 60 s of real time'}. Heap used after forced GC in the client's own process, once per simulated hour.`,
    '',
    '| Figure | Value | Target |',
    '| --- | --- | --- |',
    `| heap slope (from hour ${r.fitFromHour}) | ${kib(r.slopePerSimHour)} per simulated hour (± ${kib(r.slopeStdErr)}), ${kib(r.slopePerRealMinute)} per real minute | flat: ${r.rule} ${r.verdict === 'flat' ? '✔' : '✘'} |`,
    `| heap used | mean ${(r.meanHeap / MiB).toFixed(2)} MiB, min ${(Math.min(...heaps) / MiB).toFixed(2)}, max ${(Math.max(...heaps) / MiB).toFixed(2)} MiB | |`,
    `| activity | ${c.messages.toLocaleString('en-US')} messages (${c.backfilled.toLocaleString('en-US')} backfilled), ${c.gapsFilled} gaps filled, ${c.gapsLost} lost, ${c.reconnects} reconnects, ${c.rotations} rotations, ${c.faults} faults | |`,
    '',
    `Verdict: **${r.verdict}**.`,
    '',
  ].join('\n');
}

if (process.argv.includes('--soak-child')) void child();
else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const snapshotDir = process.argv.includes('--snapshots') ? tmpdir() : undefined;
  const r = await runSoak({ quick, log: (l) => console.log(l), snapshotDir });
  console.log(renderSoakMarkdown(r));
  if (snapshotDir) {
    const { byOwner, bySelf, growth } = await import('./memory-probe');
    const [a, b] = [FIT_FROM_HOUR, r.simulatedHours].map((h) => join(snapshotDir, `soak-${h}h.heapsnapshot`)) as [string, string];
    console.log(`growth from hour ${FIT_FROM_HOUR} to ${r.simulatedHours}, by constructor:\n${growth(bySelf(a), bySelf(b), 20).join('\n')}`);
    console.log(`by holder:\n${growth(byOwner(a), byOwner(b), 30).join('\n')}`);
    for (const f of [a, b]) rmSync(f, { force: true });
  }
}
