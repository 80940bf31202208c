/**
 * `npm run bench` — binance-stream-client side by side with the raw-socket limit and the
 * Binance clients users would otherwise pick, all fed identical data by an emulator on
 * 127.0.0.1. Each subject runs in its own process (CPU and heap are its own); runs are
 * interleaved A B C A B C; medians and spreads go to bench/results/latest.{json,md}.
 *
 *   npm run bench                    every figure (< 10 min on 2 cores), then the liveness section (~3.5 min)
 *   npm run bench -- --quick         a ~1-minute subset (throughput 200, latency, memory at 20k, cold start 280; 2 repetitions)
 *                                    and the liveness subset (~70 s: depth@100ms and aggTrade stalls once, a 2 h replay)
 *   npm run bench -- --only=liveness the liveness section alone (stall detection, 24 h replay, slow consumers; < 4 min),
 *                                    merged into the results files (the other figures' last results are kept)
 *   npm run bench -- --only=books    local order books alone (bench/order-book.ts: 100 books at Binance rates, structures)
 *   npm run bench -- --only=soak     the soak alone (bench/soak.ts: a time-compressed 24 h, the heap's slope; ~150 s, quick ~30 s)
 *   npm run bench -- --only=sbe      SBE vs JSON vs a bare socket alone (bench/sbe.ts, per message and core; target client sbe ≥ 2× bare)
 *   subjects: raw (bare ws + JSON.parse), ours, binance, binance-spot, ccxt (ccxt pro watchTradesForSymbols:
 *             throughput, latency and drop recovery only; "–" elsewhere). The recovery figure's mass drop
 *             (300 connections of one stream each) runs ours only.
 *   options: --only=throughput,latency  --subjects=raw,ours  --reps=3
 *            --profile=ours (writes .cpuprofile files)
 *            --no-write (print only)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bundleEntry } from './lib/bundle';
import { clockOffsetMs, hrEpochMs } from './lib/clock';
import { startEmulator, type BenchEmulator, type EmulatorConfig } from './lib/emulator';
import type { ChildMessage, Job, ParentMessage, Scenario, SubjectName, SubjectResult } from './lib/protocol';
import { renderMarkdown, renderTable, summarize, type FigureResult, type RunRecord } from './lib/report';
import { SBE_FIGURE, renderSbeMarkdown, runSbe, type SbeFigure } from './lib/sbe-section';
import { SOAK_FIGURE, renderSoakMarkdown, runSoak, type SoakResult } from './soak';
import { LIVENESS_FIGURE, readResults, renderLivenessMarkdown, runLiveness } from './liveness';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'bsc-bench');
const STAMP = 'bsT';

// ---- arguments -------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = flag('quick');
const onlyFigures = opt('only')?.split(',');
const reps = Math.max(1, Math.min(10, Number(opt('reps') ?? (quick ? 2 : 3))));
const profileSubject = opt('profile') as SubjectName | undefined;
const ALL_SUBJECTS: SubjectName[] = ['raw', 'ours', 'binance', 'binance-spot', 'ccxt'];
const subjects = (opt('subjects')?.split(',') as SubjectName[] | undefined) ?? ALL_SUBJECTS;

// ---- children ----------------------------------------------------------------

const live = new Set<ChildProcess>();
function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

interface Entry {
  file: string;
  nodeArgs: string[];
}
const entries = new Map<SubjectName, Entry | { failed: string }>();

/** Bundle each subject (src included, dependencies external) like the published build; fall back to tsx. */
async function buildEntries(): Promise<void> {
  for (const s of subjects) {
    const src = join(ROOT, 'bench', 'entries', `${s}.ts`);
    if (!existsSync(src)) {
      entries.set(s, { failed: `no bench entry for ${s}` });
      continue;
    }
    try {
      entries.set(s, await bundleEntry(ROOT, src, BUILD_DIR, s, { sourcemap: profileSubject !== undefined }));
    } catch (err) {
      const first = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors?.[0];
      const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
      entries.set(s, { failed: `build: ${first?.text ?? (err as Error).message}${where}` });
    }
  }
}

interface JobHooks {
  onStarted?: (send: (m: ParentMessage) => void) => void;
  onFlowing?: (send: (m: ParentMessage) => void) => void;
}

interface RunningJob {
  done: Promise<SubjectResult | { failed: string }>;
  send: (m: ParentMessage) => void;
  flowing: Promise<boolean>;
}

function startJob(job: Job, hooks: JobHooks = {}): RunningJob {
  const entry = entries.get(job.subject);
  if (!entry || 'failed' in entry) {
    const failed = { failed: entry && 'failed' in entry ? entry.failed : 'not built' };
    return { done: Promise.resolve(failed), send: () => undefined, flowing: Promise.resolve(false) };
  }
  const args = ['--expose-gc', '--max-semi-space-size=16', ...entry.nodeArgs];
  if (profileSubject === job.subject && (job.scenario === 'throughput' || job.scenario === 'universe')) {
    const dir = join(ROOT, 'bench', 'results', 'profiles');
    mkdirSync(dir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${job.subject}-${job.scenario}-${job.streams.length}-${Date.now()}.cpuprofile`);
  }
  args.push(entry.file);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const send = (m: ParentMessage): void => {
    if (child.connected) child.send(m);
  };
  let markFlowing: (v: boolean) => void = () => undefined;
  const flowing = new Promise<boolean>((r) => (markFlowing = r));
  const done = new Promise<SubjectResult | { failed: string }>((resolveDone) => {
    let settled = false;
    const finish = (v: SubjectResult | { failed: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      markFlowing(false);
      live.delete(child);
      if (child.exitCode === null) setTimeout(() => child.kill('SIGKILL'), 300).unref();
      resolveDone(v);
    };
    const timer = setTimeout(() => finish({ failed: `no result within ${job.timeoutMs + 5000} ms` }), job.timeoutMs + 5000);
    let win: { cpu: NodeJS.CpuUsage; t: number } | undefined;
    let emulatorCpuShare: number | undefined;
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'window') {
        if (m.phase === 'begin') win = { cpu: process.cpuUsage(), t: performance.now() };
        else if (win) {
          const c = process.cpuUsage(win.cpu);
          emulatorCpuShare = (c.user + c.system) / 1000 / (performance.now() - win.t);
        }
      } else if (m.type === 'ready') send({ type: 'job', job });
      else if (m.type === 'started') hooks.onStarted?.(send);
      else if (m.type === 'flowing') {
        markFlowing(true);
        hooks.onFlowing?.(send);
      } else if (m.type === 'result') finish(emulatorCpuShare === undefined ? m.result : { ...m.result, emulatorCpuShare });
      else if (m.type === 'failed') finish({ failed: m.reason });
    });
    child.on('exit', (code) => {
      const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
      finish({ failed: `exited with ${code}${last ? `: ${last.slice(0, 200)}` : ''}` });
    });
    child.on('error', (err) => finish({ failed: err.message }));
  });
  return { done, send, flowing };
}

// ---- figures -------------------------------------------------------------------

const WELL_KNOWN = ['btc', 'eth', 'bnb', 'sol', 'xrp', 'doge', 'ada', 'trx', 'link', 'avax', 'dot', 'ltc', 'bch', 'near', 'uni', 'atom', 'etc', 'fil', 'apt', 'arb'];
/** Same names as the emulator's `generateSymbols('spot', n)`. */
function symbols(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${i < WELL_KNOWN.length ? WELL_KNOWN[i] : `sym${String(i - WELL_KNOWN.length + 1).padStart(4, '0')}`}usdt`);
  return out;
}

type Mode = 'sequential' | 'group' | 'massdrop';

interface Variant {
  label: string;
  scenario: Scenario;
  streams: string[];
  emulator: EmulatorConfig;
  job: Partial<Job> & { warmupMs: number; measureMs: number; timeoutMs: number };
  mode?: Mode | undefined;
  /** Fault injected once every subject of a group is flowing. */
  fault?: 'drop' | 'stall' | undefined;
  /** Group mode: run every repetition at the same time too. */
  parallelReps?: boolean | undefined;
  /** ccxt pro runs this variant (it watches trades only: throughput, latency, drop recovery). */
  ccxt?: boolean | undefined;
  /** Only these subjects (the mass drop: ours). */
  only?: SubjectName[] | undefined;
  /** Repetitions of this variant when more than `--reps` (figures whose targets sit within the machine's noise). */
  minReps?: number | undefined;
}

/** Repetitions of the throughput and full-universe figures in a full run: their targets are a few percent, the machine's noise more. */
const NOISY_FIGURE_REPS = 5;

/** The subjects a variant runs: the selected ones it can measure (the others show "–"). */
function subjectsFor(v: Variant): SubjectName[] {
  return subjects.filter((s) => (v.only ? v.only.includes(s) : s !== 'ccxt' || v.ccxt === true));
}

interface Figure {
  id: string;
  title: string;
  variants: Variant[];
}

function figures(): Figure[] {
  const q = quick;
  const agg = (n: number): string[] => symbols(n).map((s) => `${s}@aggTrade`);
  const flood = { rateFor: () => Number.POSITIVE_INFINITY };
  const figs: Figure[] = [
    {
      id: 'throughput',
      title: '1. Throughput at saturation (one connection; 1 aggTrade stream, and 200 streams: 80% aggTrade, 20% kline_1m)',
      variants: [...(q ? [] : [{ label: '1 stream', n: 1 }]), { label: '200 streams', n: 200 }].map(({ label, n }) => ({
        label,
        scenario: 'throughput' as const,
        // The issue's mix: 160 aggTrade + 40 kline_1m streams (the emulator floods both kinds).
        streams:
          n === 200
            ? [
                ...agg(160),
                ...symbols(200)
                  .slice(160)
                  .map((s) => `${s}@kline_1m`),
              ]
            : agg(n),
        emulator: { symbols: symbols(n), ...flood },
        job: { warmupMs: q ? 400 : 600, measureMs: q ? 1200 : 2500, timeoutMs: 20_000 },
        ccxt: true,
        minReps: q ? undefined : NOISY_FIGURE_REPS,
      })),
    },
    {
      id: 'latency',
      title: '2. Delivery latency at 20k msg/s (200 aggTrade streams × 100 msg/s)',
      variants: [
        {
          label: '20k msg/s',
          scenario: 'latency',
          streams: agg(200),
          emulator: { symbols: symbols(200), rateFor: () => 100, stampField: STAMP },
          job: { warmupMs: q ? 300 : 500, measureMs: q ? 1500 : 3000, timeoutMs: 20_000, stampField: STAMP, expectedRate: 20_000 },
          ccxt: true,
        },
      ],
    },
    {
      id: 'memory',
      title: '3. Memory (after forced GC)',
      variants: [
        ...(q
          ? []
          : [
              { label: '1,000 streams idle', n: 1000, rate: 0 },
              { label: '10,000 streams idle', n: 10_000, rate: 0 },
            ]),
        { label: '1,000 streams at 20k msg/s', n: 1000, rate: 20 },
      ].map(({ label, n, rate }) => ({
        label,
        scenario: 'memory' as const,
        streams: agg(n),
        emulator: { symbols: symbols(n), rateFor: () => rate },
        job: { warmupMs: rate ? (q ? 1000 : 1500) : 700, measureMs: 0, timeoutMs: 45_000, waitForMeasure: true },
      })),
    },
    {
      id: 'coldstart',
      title: '4. Cold start: start() to the first message on every stream',
      variants: [
        {
          label: '280 × kline_1h',
          scenario: 'coldstart',
          streams: symbols(280).map((s) => `${s}@kline_1h`),
          emulator: { symbols: symbols(280) },
          job: { warmupMs: 0, measureMs: 10_000, timeoutMs: 20_000 },
        },
        ...(q
          ? []
          : [
              {
                label: '3,000 symbols × 2 (aggTrade + kline_1m)',
                scenario: 'coldstart' as const,
                streams: symbols(3000).flatMap((s) => [`${s}@aggTrade`, `${s}@kline_1m`]),
                emulator: { symbols: symbols(3000) },
                job: { warmupMs: 0, measureMs: 30_000, timeoutMs: 45_000 },
              },
            ]),
      ],
    },
    {
      id: 'recovery',
      title: '5. Recovery (10 streams; drop = TCP reset of every connection; stall = data stops, pings still answered)',
      variants: [
        {
          label: 'drop → data flowing again',
          scenario: 'recovery',
          streams: agg(10),
          emulator: { symbols: symbols(10), rateFor: () => 100, stampField: STAMP },
          job: { warmupMs: 300, measureMs: 12_000, timeoutMs: 25_000, stampField: STAMP },
          mode: 'group',
          fault: 'drop',
          ccxt: true,
        },
        ...(q
          ? []
          : [
              {
                label: 'silent stall → detection (depth@100ms)',
                scenario: 'stall' as const,
                streams: symbols(10).map((s) => `${s}@depth@100ms`),
                emulator: { symbols: symbols(10), rateFor: () => 10, stampField: STAMP },
                job: { warmupMs: 300, measureMs: 15_000, timeoutMs: 30_000, stampField: STAMP },
                mode: 'group' as const,
                fault: 'stall' as const,
                parallelReps: true,
              },
              {
                // One stream per connection: 300 sockets cut at once (TCP reset); their first dials
                // count as older than the 5-minute window, so the re-dials meet a full budget.
                label: 'mass drop of 300 connections',
                scenario: 'massdrop' as const,
                streams: agg(300),
                emulator: { symbols: symbols(300), rateFor: () => 5, stampField: STAMP },
                job: { warmupMs: 500, measureMs: 20_000, timeoutMs: 60_000, stampField: STAMP, maxStreamsPerConnection: 1, setupOutsideWindow: true },
                mode: 'massdrop' as const,
                only: ['ours' as const],
              },
            ]),
      ],
    },
    {
      id: 'universe',
      title: "6. Full universe at the emulator's realistic rates (3,000 symbols × aggTrade + kline_1m)",
      variants: [
        {
          label: '6,000 streams',
          scenario: 'universe',
          streams: symbols(3000).flatMap((s) => [`${s}@aggTrade`, `${s}@kline_1m`]),
          emulator: { symbols: symbols(3000) },
          job: { warmupMs: 1500, measureMs: q ? 2000 : 4000, timeoutMs: 60_000, waitForMeasure: true },
          minReps: NOISY_FIGURE_REPS,
        },
      ],
    },
  ];
  if (quick) return figs.filter((f) => f.id !== 'universe' && f.id !== 'recovery');
  return figs;
}

// ---- running -------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitSubscribed(emu: BenchEmulator, n: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (emu.subscribedCount() < n) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}

function makeJob(subject: SubjectName, v: Variant, emu: BenchEmulator, offset: number): Job {
  return { subject, scenario: v.scenario, wsBase: emu.wsBase, streams: v.streams, emulatorOffsetMs: offset, ...v.job };
}

function describe(r: SubjectResult | { failed: string }): string {
  if ('failed' in r) return `failed: ${r.failed}`;
  const f = (x: number | undefined, d = 0): string => (x === undefined ? '–' : x.toFixed(d));
  switch (r.scenario) {
    case 'throughput':
      return `${f((r.rate ?? 0) / 1000, 1)}k msg/s, ${f(r.cpuPer100k, 3)} CPU s/100k, subject ${f((r.cpuShare ?? 0) * 100)}% / emulator ${f((r.emulatorCpuShare ?? 0) * 100)}% CPU`;
    case 'latency':
      return `p50 ${f(r.p50, 3)} p99 ${f(r.p99, 3)} max ${f(r.max, 2)} ms (${r.samples} samples)`;
    case 'memory':
      return `heap ${f((r.memory?.heapUsed ?? 0) / 2 ** 20, 1)} MiB rss ${f((r.memory?.rss ?? 0) / 2 ** 20, 1)} MiB`;
    case 'coldstart':
      return `all ${f(r.allStreamsMs, 1)} ms (first ${f(r.firstMessageMs, 1)} ms)${r.notes ? ` ${r.notes.join('; ')}` : ''}`;
    case 'recovery':
    case 'stall':
      return `detected ${f(r.detectedMs)} ms${r.detectedBy ? ` (${r.detectedBy})` : ''}, data again ${f(r.recoveryMs)} ms${r.retryDelayMs !== undefined ? ` (policy delay ${f(r.retryDelayMs)} ms)` : ''}${r.notes ? ` — ${r.notes.join('; ')}` : ''}`;
    case 'universe':
      return `${f((r.cpuShare ?? 0) * 100, 1)}% of a core, ${f(r.rate)} msg/s, heap ${f((r.memory?.heapUsed ?? 0) / 2 ** 20, 1)} MiB`;
    case 'massdrop':
      return (
        `${f(r.recovered)}/${f(r.streams)} streams flowing again (p50 ${f(r.recoveryP50)} p90 ${f(r.recoveryP90)} max ${f(r.recoveryMax)} ms); ` +
        `re-dials first ${f(r.redialFirstMs)} median ${f(r.redialMedianMs)} last ${f(r.redialLastMs)} ms; ${f(r.attemptsAfterDrop)} attempts, ${f(r.attemptViolations)} over the limit, ${f(r.rejected429)} × 429`
      );
  }
}

/** Mass drop: one subject at a time; after the setup the emulator forgets its dials (as the budget does), then every connection is reset. */
async function runMassDrop(fig: Figure, v: Variant, emu: BenchEmulator, offset: number, s: SubjectName, rep: number): Promise<RunRecord> {
  emu.heal();
  let mid: ReturnType<BenchEmulator['limits']> | undefined;
  let dropAt = 0;
  // Connections opened after the drop (sampled while the subject runs: its stop() closes them).
  const redialAt = new Map<number, number>();
  let sampler: NodeJS.Timeout | undefined;
  const j = startJob(makeJob(s, v, emu, offset), {
    onFlowing: (send) => {
      emu.heal();
      mid = emu.limits();
      const at = hrEpochMs();
      dropAt = emu.now();
      emu.drop();
      send({ type: 'mark', at });
      sampler = setInterval(() => {
        for (const c of emu.opened()) if (c.openedAt >= dropAt && !redialAt.has(c.id)) redialAt.set(c.id, c.openedAt - dropAt);
      }, 20);
    },
  });
  const result = await j.done;
  clearInterval(sampler);
  if (!('failed' in result) && mid) {
    const after = emu.limits();
    const redials = [...redialAt.values()].sort((a, b) => a - b);
    Object.assign(result, {
      redialFirstMs: redials[0],
      redialMedianMs: redials[Math.floor(redials.length / 2)],
      redialLastMs: redials.at(-1),
      attemptsAfterDrop: after.connectionsOpened - mid.connectionsOpened + (after.rejected429 - mid.rejected429),
      attemptViolations: after.connectionAttemptViolations - mid.connectionAttemptViolations,
      rejected429: after.rejected429 - mid.rejected429,
    });
  }
  console.log(`  [${fig.id} · ${v.label}] rep ${rep} ${s}: ${describe(result)}`);
  return { figure: fig.id, variant: v.label, subject: s, rep, result };
}

async function runVariant(fig: Figure, v: Variant): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const subjects = subjectsFor(v);
  const emu = await startEmulator(v.emulator);
  const offset = clockOffsetMs();
  if (v.scenario === 'coldstart') {
    await emu.warm(v.streams, 15_000);
    await sleep(200);
  }
  try {
    const repsHere = Math.max(reps, v.minReps ?? 0);
    for (let rep = 1; rep <= repsHere; rep++) {
      if (v.mode === 'massdrop') {
        for (const s of subjects) records.push(await runMassDrop(fig, v, emu, offset, s, rep));
        await sleep(300);
        continue;
      }
      if (v.mode === 'group') {
        // Subjects at once (light load), one fault for all of them; with parallelReps every
        // repetition too (waiting for detections that never come is the long part).
        if (v.parallelReps && rep > 1) break;
        const repsNow = v.parallelReps ? Array.from({ length: reps }, (_, i) => i + 1) : [rep];
        const before = emu.limits();
        const running = repsNow.flatMap((r) => subjects.map((s) => ({ s, r, j: startJob(makeJob(s, v, emu, offset)) })));
        await Promise.race([Promise.all(running.map((x) => x.j.flowing)), sleep(10_000)]);
        // A stall one second after the data started: long enough for a few gaps (a detector that
        // learns per stream judges a young stream only once it has shown its pace), short of a warm-up.
        await sleep(v.fault === 'stall' ? 1_000 : 200);
        const at = hrEpochMs();
        if (v.fault === 'drop') emu.drop();
        else emu.stall();
        for (const x of running) x.j.send({ type: 'mark', at });
        for (const x of running) {
          const result = await x.j.done;
          records.push({ figure: fig.id, variant: v.label, subject: x.s, rep: x.r, result });
          console.log(`  [${fig.id} · ${v.label}] rep ${x.r} ${x.s}: ${describe(result)}`);
        }
        const after = emu.limits();
        if (after.messageRateViolations > before.messageRateViolations) console.log(`  note: ${after.messageRateViolations - before.messageRateViolations} message-rate violations`);
        await sleep(300);
        continue;
      }
      // Each repetition starts with the next subject (A B C, B C A, …): no subject always runs first.
      for (const s of subjects.map((_, i) => subjects[(i + rep - 1) % subjects.length] as SubjectName)) {
        const before = emu.limits();
        const job = makeJob(s, v, emu, offset);
        const j = startJob(job, {
          onStarted: (send) => {
            if (!job.waitForMeasure) return;
            void waitSubscribed(emu, v.streams.length, job.timeoutMs - 5000).then(() => send({ type: 'measure' }));
          },
        });
        const result = await j.done;
        const after = emu.limits();
        if (!('failed' in result)) {
          const extra = [
            `${after.messageRateViolations - before.messageRateViolations} message-rate violations`,
            `${after.streamCountViolations - before.streamCountViolations} stream-count violations`,
          ].filter((e) => !e.startsWith('0 '));
          if (v.scenario === 'coldstart' && v.streams.length > 1024) {
            extra.unshift(`${after.connectionsOpened - before.connectionsOpened} connections${extra.length ? '' : ', no limit violations'}`);
          }
          if (extra.length) result.notes = [...(result.notes ?? []), ...extra];
        }
        records.push({ figure: fig.id, variant: v.label, subject: s, rep, result });
        console.log(`  [${fig.id} · ${v.label}] rep ${rep} ${s}: ${describe(result)}`);
        // Let the emulator notice the closed sockets before the next subject.
        await sleep(150);
      }
    }
  } finally {
    await emu.close().catch(() => undefined);
  }
  return records;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(`binance-stream-client bench — ${quick ? 'quick' : 'full'}, ${reps} repetitions, emulator: FakeBinance (src/testing)`);
  await buildEntries();
  for (const [s, e] of entries) if ('failed' in e) console.log(`  ${s}: ${e.failed}`);

  const records: RunRecord[] = [];
  const figs = figures().filter((f) => !onlyFigures || onlyFigures.includes(f.id));
  for (const fig of figs) {
    console.log(`\n${fig.title}`);
    for (const v of fig.variants) records.push(...(await runVariant(fig, v)));
  }
  const liveness = !onlyFigures || onlyFigures.includes(LIVENESS_FIGURE) ? await runLiveness({ quick, reps, subjects, log: (line) => console.log(line) }) : undefined;
  if (!onlyFigures || onlyFigures.includes('books')) {
    // Local order books (bench/order-book.ts): updates applied per second and memory for 100 books, in its own process.
    console.log('\nLocal order books');
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'order-book.ts'), ...(quick ? ['--quick'] : [])], { stdio: 'inherit', cwd: ROOT });
  }

  let sbe: SbeFigure | undefined;
  if (!onlyFigures || onlyFigures.includes(SBE_FIGURE)) {
    // SBE vs JSON vs a bare socket, per message and core (bench/sbe.ts, in its own process).
    console.log('\nSBE vs JSON vs a bare socket (same stream mix; target: client sbe ≥ 2× bare ws + JSON.parse)');
    sbe = runSbe(ROOT, quick, (line) => console.log(line));
  }
  let soak: SoakResult | undefined;
  if (!onlyFigures || onlyFigures.includes(SOAK_FIGURE)) {
    // A time-compressed 24 h (bench/soak.ts): heap after GC per simulated hour, its slope (~150 s; quick ~30 s).
    console.log('\nSoak: a time-compressed 24 h with drops, cuts, rotations and backfills (target: heap flat)');
    soak = await runSoak({ quick, log: (line) => console.log(line) });
  }

  const summary: FigureResult[] = summarize(
    figs.map((f) => ({ id: f.id, title: f.title, emulator: 'FakeBinance', variants: f.variants.map((v) => ({ label: v.label, scenario: v.scenario })) })),
    records,
    subjects,
  );
  const elapsedS = (Date.now() - t0) / 1000;
  const cpu = cpus();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    mode: quick ? 'quick' : 'full',
    repetitions: reps,
    noisyRepetitions: quick ? reps : Math.max(reps, NOISY_FIGURE_REPS),
    emulator: 'FakeBinance (src/testing)',
    subjects,
    elapsedSeconds: Math.round(elapsedS),
  };
  if (figs.length) console.log(`\n${renderTable(summary)}`);
  console.log(`\n${cpu.length} cores (${meta.cpu}), Node ${meta.node}; ${Math.round(elapsedS)} s`);
  if (!flag('no-write')) {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const suffix = quick ? '-quick' : '';
    // A run of only some sections keeps the others' last results (each section is dated).
    const previous = readResults(join(dir, `latest${suffix}.json`));
    const base = figs.length ? { meta, figures: summary, runs: records } : { meta: previous?.meta ?? meta, figures: (previous?.figures ?? []) as FigureResult[], runs: previous?.runs ?? [] };
    const live = liveness ?? previous?.liveness;
    const sbeFig = sbe ?? (previous as { sbe?: SbeFigure } | undefined)?.sbe;
    const soakFig = soak ?? (previous as { soak?: SoakResult } | undefined)?.soak;
    writeFileSync(join(dir, `latest${suffix}.json`), `${JSON.stringify({ ...base, liveness: live, sbe: sbeFig, soak: soakFig }, null, 2)}\n`);
    const sections = [...(sbeFig ? [renderSbeMarkdown(sbeFig)] : []), ...(live ? [renderLivenessMarkdown(live)] : []), ...(soakFig ? [renderSoakMarkdown(soakFig)] : [])];
    writeFileSync(join(dir, `latest${suffix}.md`), renderMarkdown(base.meta, base.figures, sections));
    console.log(`wrote bench/results/latest${suffix}.json and .md`);
  }
}

main()
  .catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    killAll();
    // Bounded: never hang on a stray handle.
    setTimeout(() => process.exit(), 500).unref();
  });
