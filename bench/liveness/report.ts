/**
 * The liveness section of the results: its JSON shape, the pass/fail of each target, and
 * its tables (console and Markdown, in the style of the main figures: median (min–max),
 * the target with ✔/✘ beside the figure).
 */
import { spread, type Spread } from '../lib/stats';
import type { ConsumerRun } from './consumer';
import type { DetectSubject } from './protocol';
import type { ReplayResult } from './replay';
import type { StallKind, StallRun } from './stall';

export interface StallSettings {
  kinds: readonly StallKind[];
  subjects: readonly DetectSubject[];
  /** Raw `ws` is in the comparison (no detector: reported as such, not run). */
  raw: boolean;
  reps: number;
  stalls: number;
  warmupMs: number;
  windowMs: number;
}

export interface ConsumerSettings {
  rate: number;
  workMs: number;
  durationMs: number;
}

export interface LivenessSection {
  date: string;
  mode: 'full' | 'quick';
  elapsedSeconds: number;
  stall: StallSettings & { runs: StallRun[] };
  consumer: ConsumerSettings & { runs: ConsumerRun[]; heapTargetBytes: number };
  replay: ReplayResult;
  /** Every target, with its figure and whether it is met. */
  targets: { figure: string; value: string; target: string; met: boolean | undefined }[];
}

const SUBJECT_ORDER = ['raw', 'ours', 'binance', 'binance-spot'] as const;
type Column = (typeof SUBJECT_ORDER)[number];

function fmt(x: number, d = 0): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function spreadText(s: Spread | undefined, d = 0): string | undefined {
  if (!s) return undefined;
  return s.n > 1 ? `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})` : fmt(s.median, d);
}

const kindOf = (stream: string): string => stream.slice(stream.indexOf('@') + 1);
const mark = (met: boolean | undefined): string => (met === undefined ? '' : met ? ' ✔' : ' ✘');

/** Detection of stall `n` by one subject on one kind, over the repetitions. */
function detection(runs: StallRun[], stream: string, subject: DetectSubject, n: number, windowMs: number): { text: string; spread?: Spread | undefined; by: string[] } {
  const mine = runs.filter((r) => r.stream === stream && r.subject === subject);
  const failed = mine.filter((r) => r.failed !== undefined);
  const obs = mine.filter((r) => r.failed === undefined).map((r) => r.stalls.find((s) => s.n === n));
  const values = obs.flatMap((o) => (o?.detectedMs !== undefined ? [o.detectedMs] : []));
  const by = [...new Set(obs.flatMap((o) => (o?.by ? [o.by] : [])))];
  const s = spread(values);
  const missed = obs.length - values.length;
  let text = spreadText(s) ?? (failed.length && !obs.length ? `failed: ${failed[0]?.failed ?? ''}` : `not detected in ${windowMs / 1000} s`);
  if (s && missed) text += ` [${missed} not detected]`;
  if (s && failed.length) text += ` [${failed.length} failed]`;
  return { text, spread: s, by };
}

function dataAgain(runs: StallRun[], stream: string, subject: DetectSubject, n: number): string {
  const values = runs.filter((r) => r.stream === stream && r.subject === subject).flatMap((r) => r.stalls.find((s) => s.n === n)?.dataAgainMs ?? []);
  return spreadText(spread(values)) ?? '—';
}

interface Table {
  head: string[];
  body: string[][];
  notes: string[];
}

function stallTable(sec: LivenessSection): Table {
  const st = sec.stall;
  const cols: Column[] = SUBJECT_ORDER.filter((c) => (c === 'raw' ? st.raw : st.subjects.includes(c)));
  const head = ['Figure', 'Metric', ...cols, 'Target (ours)'];
  const body: string[][] = [];
  const notes: string[] = [];
  for (const k of st.kinds) {
    const fig = `stall: ${kindOf(k.stream)} @ ${fmt(k.rate)} msg/s`;
    for (let n = 1; n <= st.stalls; n++) {
      const cells = cols.map((c) => (c === 'raw' ? 'none (no detector)' : detection(st.runs, k.stream, c, n, st.windowMs).text));
      const target = sec.targets.find((t) => t.figure === `${fig} · stall ${n}`);
      body.push([fig, `stall ${n} → the library's signal (ms)`, ...cells, target ? `${target.target}${mark(target.met)}` : '']);
    }
    for (let n = 1; n <= st.stalls; n++) {
      body.push([fig, `stall ${n} → data again (ms)`, ...cols.map((c) => (c === 'raw' ? '— (no detector)' : dataAgain(st.runs, k.stream, c, n))), '']);
    }
    for (const c of st.subjects) {
      const by = new Set([...Array.from({ length: st.stalls }, (_, i) => detection(st.runs, k.stream, c, i + 1, st.windowMs).by).flat()]);
      if (by.size) notes.push(`${fig} · ${c}: signal ${[...by].join(', ')}`);
    }
  }
  return { head, body, notes };
}

function consumerTable(sec: LivenessSection): Table {
  const head = [
    'Case',
    'consumed',
    'wait in buffer p50 / p99 / max (ms)',
    'behind the feed (now − E) p50 / p99 / max (ms)',
    'dropped',
    'coalesced',
    'buffered at end',
    'lagging / caughtUp (iterator; listener)',
    'loopBlocked (longest ms)',
    'heap Δ after GC (KiB)',
    'heap peak Δ (KiB)',
    'Target: memory bounded',
  ];
  const body: string[][] = [];
  const lag = (l: { p50: number; p99: number; max: number }): string => `${fmt(l.p50)} / ${fmt(l.p99)} / ${fmt(l.max)}`;
  for (const r of sec.consumer.runs) {
    const name = r.mode === 'listener' ? `listener, ${kindOf(r.stream)}` : `stream() '${r.mode}', ${kindOf(r.stream)}, highWaterMark ${fmt(r.highWaterMark)}`;
    if (!r.result) {
      body.push([name, `failed: ${r.failed ?? '?'}`, ...head.slice(2).map(() => '')]);
      continue;
    }
    const x = r.result;
    const target = sec.targets.find((t) => t.figure === `consumer: ${r.mode}`);
    body.push([
      name,
      fmt(x.consumed),
      lag(x.receivedLag),
      lag(x.eventLag),
      fmt(x.dropped),
      fmt(x.coalesced),
      fmt(x.buffered),
      `${x.lagging.iterator} / ${x.caughtUp.iterator}; ${x.lagging.listener} / ${x.caughtUp.listener}`,
      x.loopBlocked ? `${fmt(x.loopBlocked)} (${fmt(x.loopBlockedMaxMs)})` : '0',
      fmt(x.heapDelta / 1024),
      fmt(x.heapPeakDelta / 1024),
      target ? `${target.target}${mark(target.met)}` : '',
    ]);
  }
  const c = sec.consumer;
  const notes = [
    `one busy btcusdt stream at ${c.rate} msg/s for ${c.durationMs / 1000} s; the consumer takes ${c.workMs} ms per message (stream(): awaited, like I/O; the listener: synchronous, the only way a listener is slow), about half the feed`,
    'now − E: the emulator stamps every payload with its send time (spot bookTicker has no E); wait in buffer: now − receivedAt',
    'the listener row: a blocking listener starves the timers too (Node reads the socket in batches while it keeps up), so the backlog waits upstream in the socket, not in our heap; every liveness pass then runs late, and a late pass judges nothing, lag included',
  ];
  return { head, body, notes };
}

function replayTable(sec: LivenessSection): Table {
  const r = sec.replay;
  const target = sec.targets.find((t) => t.figure.startsWith('replay'));
  const kinds = Object.entries(r.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const liq = Object.entries(r.byLiquidity)
    .map(([k, v]) => `${k}: ${fmt(v.alarms)} on ${fmt(v.streams)} streams`)
    .join('; ');
  const body: string[][] = [
    ['false stale events (connection verdicts + reported re-subscribes and moves)', fmt(r.falseAlarms), target ? `${target.target}${mark(target.met)}` : ''],
    ['quiet probes (first re-subscribe of an episode, no event)', fmt(r.probes), ''],
    ['connection verdicts (of which on a moved stream’s own connection)', `${fmt(r.connectionVerdicts)} (${fmt(r.verdictsOnMoved)})`, ''],
    ['re-subscribe steps / moves / streams down', `${fmt(r.resubscribes)} / ${fmt(r.moves)} / ${fmt(r.down)}`, ''],
    ['streams with an alarm', `${fmt(r.streamsAlarmed)} of ${fmt(r.streams)}`, ''],
    ['alarms by kind', kinds || '—', ''],
    ['alarms by liquidity', liq, ''],
    ['messages replayed (lost while a falsely stale connection was down)', `${fmt(r.messages)} (${fmt(r.lostWhileDown)})`, ''],
    ['liveness passes (every 100 ms of virtual time)', fmt(r.passes), ''],
    ['wall time (s)', fmt(r.wallMs / 1000, 1), ''],
  ];
  const notes = [`${fmt(r.virtualHours)} h of ${fmt(r.streams)} streams on ${fmt(r.symbols)} symbols, ${fmt(r.connections)} connections of up to 200 streams; arrivals: ${r.activity}`];
  for (const a of r.first.slice(0, 3)) {
    notes.push(`first alarms: ${a.what} ${a.stream} (liquidity ${a.level.toPrecision(2)}) at ${fmt(a.atMs / 1000, 1)} s, silent ${fmt(a.silentMs)} ms, threshold ${fmt(a.thresholdMs)} ms`);
  }
  return { head: ['Metric', 'Value', 'Target'], body, notes };
}

function markdownTable(t: Table): string[] {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`| ${t.head.map(esc).join(' | ')} |`, `| ${t.head.map(() => '---').join(' | ')} |`, ...t.body.map((r) => `| ${r.map(esc).join(' | ')} |`)];
  if (t.notes.length) out.push('', ...t.notes.map((n) => `- ${esc(n)}`));
  return out;
}

function consoleTable(t: Table): string {
  // Every column but the last (the target and its ✔/✘) is capped.
  const widths = t.head.map((h, i) => Math.min(i === t.head.length - 1 ? Infinity : 48, Math.max(h.length, ...t.body.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]): string => r.map((c, i) => (c.length > (widths[i] ?? 0) ? `${c.slice(0, (widths[i] ?? 1) - 1)}…` : c.padEnd(widths[i] ?? 0))).join(' │ ');
  const out = [line(t.head), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...t.body.map(line)];
  if (t.notes.length) out.push(...t.notes.map((n) => `  ${n}`));
  return out.join('\n');
}

function sections(sec: LivenessSection): { title: string; table: Table }[] {
  return [
    { title: '7a. Liveness: silent stall → detection (one connection, one busy btcusdt stream; data stops, pings continue)', table: stallTable(sec) },
    { title: `7b. Liveness: false alarms over a ${fmt(sec.replay.virtualHours)} h replay (the real detector in virtual time, no stall)`, table: replayTable(sec) },
    { title: '7c. Liveness: a slow consumer under each overflow policy', table: consumerTable(sec) },
  ];
}

export function renderLivenessTable(sec: LivenessSection): string {
  return sections(sec)
    .map((s) => `${s.title}\n${consoleTable(s.table)}`)
    .join('\n\n');
}

export function renderLivenessMarkdown(sec: LivenessSection): string {
  const st = sec.stall;
  const lines = [
    `## Liveness (issue 11)`,
    '',
    `Measured ${sec.date.slice(0, 10)} (${sec.mode}, ${Math.round(sec.elapsedSeconds)} s). Stalls: ${st.reps} repetition${st.reps > 1 ? 's' : ''} at once, median (min–max); ` +
      `${st.warmupMs / 1000} s of data before each stall; the emulator sends each kind steadily at the rate shown (FakeBinance \`rates\`); ` +
      `a stall lasts ${st.windowMs / 1000} s and a signal is waited for that long. raw \`ws\` has no detector.`,
  ];
  for (const s of sections(sec)) lines.push('', `### ${s.title}`, '', ...markdownTable(s.table));
  return `${lines.join('\n')}\n`;
}

/** Every target of the section with its figure. */
export function judge(sec: Omit<LivenessSection, 'targets'>): LivenessSection['targets'] {
  const out: LivenessSection['targets'] = [];
  const st = sec.stall;
  if (st.subjects.includes('ours')) {
    for (const k of st.kinds) {
      const fig = `stall: ${kindOf(k.stream)} @ ${fmt(k.rate)} msg/s`;
      const first = detection(st.runs, k.stream, 'ours', 1, st.windowMs).spread?.median;
      for (let n = 1; n <= st.stalls; n++) {
        const d = detection(st.runs, k.stream, 'ours', n, st.windowMs);
        const v = d.spread?.median;
        const asFast = n === 1 || first === undefined || v === undefined ? true : v <= first * 1.2 + 100;
        out.push({
          figure: `${fig} · stall ${n}`,
          value: d.text,
          target: n === 1 ? `≤ ${fmt(k.targetMs)} ms` : `≤ ${fmt(k.targetMs)} ms, as fast as stall 1 (≤ 1.2× + 0.1 s)`,
          met: v === undefined ? false : v <= k.targetMs && asFast,
        });
      }
    }
  }
  const r = sec.replay;
  out.push({ figure: `replay: ${fmt(r.virtualHours)} h × ${fmt(r.streams)} streams`, value: fmt(r.falseAlarms), target: '0 false stale events', met: r.falseAlarms === 0 });
  for (const c of sec.consumer.runs) {
    const x = c.result;
    const limit = sec.consumer.heapTargetBytes;
    // 'block': what was read before the pause took effect is kept too (nothing is dropped).
    const cap = c.mode === 'listener' ? 0 : c.mode === 'block' ? 1.5 * c.highWaterMark : c.highWaterMark;
    out.push({
      figure: `consumer: ${c.mode}`,
      value: x ? `heap Δ ${fmt(x.heapDelta / 1024)} KiB, ${fmt(x.buffered)} buffered` : `failed: ${c.failed ?? '?'}`,
      target: `heap Δ ≤ ${fmt(limit / 2 ** 20)} MiB${c.mode === 'listener' ? '' : `, buffered ≤ ${fmt(cap)}`}`,
      met: x ? x.heapDelta <= limit && x.buffered <= cap : false,
    });
  }
  return out;
}
