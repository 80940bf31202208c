/**
 * The liveness section of `npm run bench` (issue 11), `--only=liveness` on its own:
 *
 *   7a. stall → detection per stream kind, this client and the peers, two stalls per client;
 *   7b. false alarms over a 24 h replay of 1,000 streams (the real detector in virtual time);
 *   7c. a slow consumer under each overflow policy (lag, drops, events, heap).
 *
 * Full: 4 kinds × 3 repetitions × 2 stalls, a 24 h replay, 24 s consumers (about 3 min).
 * Quick: depth@100ms and aggTrade, one repetition, one stall, a 2 h replay, 12 s consumers.
 */
import { readFileSync } from 'node:fs';
import { CONSUMER_CASES, measureConsumers } from './consumer';
import type { DetectSubject } from './protocol';
import { REPLAY_DEFAULTS, replay } from './replay';
import { judge, renderLivenessMarkdown, renderLivenessTable, type LivenessSection } from './report';
import { STALL_KINDS, measureStalls } from './stall';

export { renderLivenessMarkdown, renderLivenessTable, type LivenessSection };

export const LIVENESS_FIGURE = 'liveness';

export interface LivenessRunOptions {
  quick: boolean;
  reps: number;
  /** The bench's `--subjects` (raw is reported as having no detector). */
  subjects: readonly string[];
  log: (line: string) => void;
}

const DETECTORS: readonly DetectSubject[] = ['ours', 'binance', 'binance-spot'];

export async function runLiveness(o: LivenessRunOptions): Promise<LivenessSection> {
  const t0 = Date.now();
  const q = o.quick;
  const kinds = q ? STALL_KINDS.filter((k) => k.stream.endsWith('@depth@100ms') || k.stream.endsWith('@aggTrade')) : STALL_KINDS;
  const stallSettings = {
    kinds,
    subjects: DETECTORS.filter((s) => o.subjects.includes(s)),
    raw: o.subjects.includes('raw'),
    reps: q ? 1 : Math.min(o.reps, 3),
    stalls: q ? 1 : 2,
    warmupMs: 20_000,
    windowMs: 30_000,
  };
  o.log(`\n${'7a. Liveness: silent stall → detection'} (${kinds.length} kinds × ${stallSettings.subjects.length} subjects × ${stallSettings.reps} at once, ${stallSettings.stalls} stall(s) each)`);
  const stallRuns = stallSettings.subjects.length ? await measureStalls({ ...stallSettings, log: o.log }) : [];
  for (const r of stallRuns) {
    const s = r.stalls.map((x) => `stall ${x.n}: ${x.detectedMs === undefined ? 'not detected' : `${Math.round(x.detectedMs)} ms (${x.by ?? '?'})`}`).join(', ');
    o.log(`  [${r.stream} · ${r.subject} · rep ${r.rep}] ${r.failed ? `failed: ${r.failed}` : s}`);
  }

  // 24 s: a 1,000-message buffer fills in about 10 s at a net 100 msgs/s, then the policy acts.
  const consumerSettings = { rate: 200, workMs: 10, durationMs: q ? 12_000 : 24_000 };
  o.log(`\n7c. Liveness: slow consumer (${CONSUMER_CASES.length} cases at once, ${consumerSettings.durationMs / 1000} s)`);
  const consumerRuns = o.subjects.includes('ours') ? await measureConsumers({ cases: CONSUMER_CASES, ...consumerSettings }) : [];

  const hours = q ? 2 : REPLAY_DEFAULTS.hours;
  o.log(`\n7b. Liveness: ${hours} h replay of 1,000 streams in virtual time`);
  const replayed = replay({ hours });
  o.log(`  ${replayed.messages.toLocaleString('en-US')} messages, ${replayed.falseAlarms.toLocaleString('en-US')} false alarms, ${(replayed.wallMs / 1000).toFixed(1)} s`);

  const partial = {
    date: new Date().toISOString(),
    mode: q ? ('quick' as const) : ('full' as const),
    elapsedSeconds: (Date.now() - t0) / 1000,
    stall: { ...stallSettings, runs: stallRuns },
    consumer: { ...consumerSettings, runs: consumerRuns, heapTargetBytes: 2 * 2 ** 20 },
    replay: replayed,
  };
  const section: LivenessSection = { ...partial, targets: judge(partial) };
  o.log(`\n${renderLivenessTable(section)}`);
  return section;
}

/** The results file as written by the runner (only the parts the merge needs). */
export interface ResultsFile {
  meta?: Record<string, unknown> | undefined;
  figures?: unknown[] | undefined;
  runs?: unknown[] | undefined;
  liveness?: LivenessSection | undefined;
}

/** The previous results file, if any (a run of some figures keeps the other figures' last results). */
export function readResults(file: string): ResultsFile | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  } catch {
    return undefined;
  }
}
