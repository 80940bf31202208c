/** Turns the runs into medians/spreads, ratios and targets; renders the console and Markdown tables. */
import type { Scenario, SubjectName, SubjectResult } from './protocol';
import { spread, type Spread } from './stats';

export interface RunRecord {
  figure: string;
  variant: string;
  subject: SubjectName;
  rep: number;
  result: SubjectResult | { failed: string };
}

interface MetricDef {
  key: string;
  label: string;
  unit: string;
  get: (r: SubjectResult) => number | undefined;
  /** How `ours` is compared with the others: ratio of medians, or difference. */
  compare: 'ratio' | 'delta';
  decimals: number;
  /** What an absent value means (shown instead of a number). */
  missing?: string | undefined;
  /** Target for ours relative to raw (or absolute), and whether a value meets it. */
  target?: { text: string; met: (ours: number, raw: number | undefined) => boolean | undefined } | undefined;
}

const MiB = 2 ** 20;

function metricsFor(scenario: Scenario, variant: string): MetricDef[] {
  switch (scenario) {
    case 'throughput':
      return [
        {
          key: 'rate',
          label: 'msgs/s to the listener',
          unit: 'k/s',
          get: (r) => (r.rate === undefined ? undefined : r.rate / 1000),
          compare: 'ratio',
          decimals: 1,
          target: { text: '≥ 1.00× raw', met: (o, raw) => (raw ? o / raw >= 1 : undefined) },
        },
        {
          key: 'capacity',
          label: 'msgs per CPU-second (saturation rate on a free core)',
          unit: 'k',
          get: (r) => (r.cpuPer100k ? 100 / r.cpuPer100k : undefined),
          compare: 'ratio',
          decimals: 1,
          target: { text: '≥ 1.00× raw', met: (o, raw) => (raw ? o / raw >= 1 : undefined) },
        },
        {
          key: 'cpuPer100k',
          label: 'CPU per 100k msgs',
          unit: 's',
          get: (r) => r.cpuPer100k,
          compare: 'ratio',
          decimals: 3,
          target: { text: '≤ 1.00× raw', met: (o, raw) => (raw ? o / raw <= 1 : undefined) },
        },
      ];
    case 'latency':
      return [
        { key: 'p50', label: 'p50 latency', unit: 'ms', get: (r) => r.p50, compare: 'delta', decimals: 3 },
        {
          key: 'p99',
          label: 'p99 latency',
          unit: 'ms',
          get: (r) => r.p99,
          compare: 'delta',
          decimals: 3,
          target: { text: '≤ raw + 0.02 ms', met: (o, raw) => (raw === undefined ? undefined : o - raw <= 0.02) },
        },
        { key: 'max', label: 'max latency', unit: 'ms', get: (r) => r.max, compare: 'delta', decimals: 2 },
      ];
    case 'memory': {
      const active = !variant.includes('idle');
      const tenK = variant.startsWith('10,000');
      return [
        {
          key: 'heap',
          label: 'heap used',
          unit: 'MiB',
          get: (r) => (r.memory ? r.memory.heapUsed / MiB : undefined),
          compare: 'ratio',
          decimals: 1,
          ...(active ? { target: { text: '≤ 1.3× raw', met: (o: number, raw: number | undefined) => (raw ? o / raw <= 1.3 : undefined) } } : {}),
        },
        { key: 'rss', label: 'RSS', unit: 'MiB', get: (r) => (r.memory ? r.memory.rss / MiB : undefined), compare: 'ratio', decimals: 1 },
        {
          key: 'rssOverBase',
          label: 'RSS over the process baseline',
          unit: 'MiB',
          get: (r) => (r.memory && r.baseline ? (r.memory.rss - r.baseline.rss) / MiB : undefined),
          compare: 'ratio',
          decimals: 1,
          ...(tenK ? { target: { text: '< 30 MB', met: (o: number) => o * MiB < 30e6 } } : {}),
        },
        {
          key: 'heapOverBase',
          label: 'heap over the process baseline',
          unit: 'MiB',
          get: (r) => (r.memory && r.baseline ? (r.memory.heapUsed - r.baseline.heapUsed) / MiB : undefined),
          compare: 'ratio',
          decimals: 1,
        },
      ];
    }
    case 'coldstart':
      return [
        {
          key: 'all',
          label: 'start() → every stream delivered',
          unit: 'ms',
          get: (r) => r.allStreamsMs,
          compare: 'ratio',
          decimals: 1,
          target: variant.startsWith('280')
            ? { text: '≤ 1.5× raw', met: (o, raw) => (raw ? o / raw <= 1.5 : undefined) }
            : { text: 'as fast as the limits allow (no violations)', met: () => undefined },
        },
        { key: 'first', label: 'start() → first message', unit: 'ms', get: (r) => r.firstMessageMs, compare: 'ratio', decimals: 1 },
      ];
    case 'recovery':
      return [
        {
          key: 'recovery',
          label: 'drop → data flowing again',
          unit: 'ms',
          get: (r) => r.recoveryMs,
          compare: 'ratio',
          decimals: 1,
          target: { text: '≤ 150 ms', met: (o) => o <= 150 },
        },
        {
          key: 'policyDelay',
          label: "the policy's first delay (reported): the first redial",
          unit: 'ms',
          get: (r) => r.retryDelayMs,
          compare: 'ratio',
          decimals: 0,
          missing: 'not reported',
          target: { text: '≤ 100 ms (jittered 0–100)', met: (o) => o <= 100 },
        },
        {
          key: 'overhead',
          label: 'recovery minus that delay',
          unit: 'ms',
          get: (r) => (r.recoveryMs !== undefined && r.retryDelayMs !== undefined ? r.recoveryMs - r.retryDelayMs : undefined),
          compare: 'delta',
          decimals: 1,
        },
      ];
    case 'stall':
      return [
        { key: 'detected', label: 'stall → detected', unit: 'ms', get: (r) => r.detectedMs, compare: 'ratio', decimals: 0, missing: 'never detected within the window' },
        { key: 'recovery', label: 'stall → data flowing again', unit: 'ms', get: (r) => r.recoveryMs, compare: 'ratio', decimals: 0, missing: 'no data within the window' },
      ];
    case 'universe':
      return [
        {
          key: 'cpu',
          label: 'CPU share of one core',
          unit: '%',
          get: (r) => (r.cpuShare === undefined ? undefined : r.cpuShare * 100),
          compare: 'ratio',
          decimals: 1,
          target: { text: '≤ 1.05× raw', met: (o, raw) => (raw ? o / raw <= 1.05 : undefined) },
        },
        { key: 'rate', label: 'msgs/s delivered', unit: '/s', get: (r) => r.rate, compare: 'ratio', decimals: 0 },
        {
          // The rates differ a little from run to run (realistic, random): CPU per message alongside the share.
          key: 'cpuPer100k',
          label: 'CPU per 100k msgs',
          unit: 's',
          get: (r) => (r.cpuShare !== undefined && r.rate ? (r.cpuShare / r.rate) * 1e5 : undefined),
          compare: 'ratio',
          decimals: 3,
        },
        { key: 'heap', label: 'heap used', unit: 'MiB', get: (r) => (r.memory ? r.memory.heapUsed / MiB : undefined), compare: 'ratio', decimals: 1 },
        { key: 'rss', label: 'RSS', unit: 'MiB', get: (r) => (r.memory ? r.memory.rss / MiB : undefined), compare: 'ratio', decimals: 1 },
      ];
    case 'massdrop':
      return [
        {
          key: 'attempts',
          label: 'connection attempts after the drop (one 5-min window; Binance: 300)',
          unit: '',
          get: (r) => r.attemptsAfterDrop,
          compare: 'ratio',
          decimals: 0,
          target: { text: '≤ 300, 0 over the limit, 0 × 429', met: (o) => o <= 300 },
        },
        { key: 'violations', label: 'attempts over the limit / 429 answers (emulator)', unit: '', get: (r) => (r.attemptViolations ?? 0) + (r.rejected429 ?? 0), compare: 'delta', decimals: 0 },
        { key: 'redialFirst', label: 'drop → first connection open again (close seen, dial, handshake)', unit: 'ms', get: (r) => r.redialFirstMs, compare: 'ratio', decimals: 0 },
        { key: 'redialMedian', label: 'drop → median connection open again', unit: 'ms', get: (r) => r.redialMedianMs, compare: 'ratio', decimals: 0 },
        { key: 'redialLast', label: 'drop → last connection open again (within 20 s)', unit: 'ms', get: (r) => r.redialLastMs, compare: 'ratio', decimals: 0 },
        { key: 'recovered', label: 'streams flowing again within 20 s (of 300)', unit: '', get: (r) => r.recovered, compare: 'ratio', decimals: 0 },
        { key: 'recoveryP50', label: 'drop → data again, p50 of the streams', unit: 'ms', get: (r) => r.recoveryP50, compare: 'ratio', decimals: 0 },
        { key: 'recoveryP90', label: 'drop → data again, p90 of the streams', unit: 'ms', get: (r) => r.recoveryP90, compare: 'ratio', decimals: 0 },
        {
          key: 'allRecovered',
          label: 'drop → all 300 flowing again',
          unit: 'ms',
          get: (r) => r.allRecoveredMs,
          compare: 'ratio',
          decimals: 0,
          missing: "not within 20 s: the budget lets 270 of Binance's 300 through per window, the rest wait for it",
        },
      ];
  }
}

export interface Cell {
  spread?: Spread | undefined;
  /** Set when every run failed (the process could not measure). */
  failed?: string | undefined;
  /** Set when the runs worked but produced no value (e.g. never detected). */
  missing?: string | undefined;
  /** Runs that failed while others succeeded. */
  failedRuns?: number | undefined;
  notes?: string[] | undefined;
}

export interface MetricRow {
  key: string;
  label: string;
  unit: string;
  decimals: number;
  compare: 'ratio' | 'delta';
  cells: Partial<Record<SubjectName, Cell>>;
  /** ours compared with each other subject (ratio of medians or difference). */
  oursVs: Partial<Record<SubjectName, number>>;
  target?: string | undefined;
  targetMet?: boolean | undefined;
}

export interface FigureResult {
  id: string;
  title: string;
  emulator: string;
  variants: { label: string; scenario: Scenario; metrics: MetricRow[] }[];
}

export function summarize(figs: { id: string; title: string; emulator: string; variants: { label: string; scenario: Scenario }[] }[], records: RunRecord[], subjects: SubjectName[]): FigureResult[] {
  return figs.map((f) => ({
    id: f.id,
    title: f.title,
    emulator: f.emulator,
    variants: f.variants.map((v) => {
      const runs = records.filter((r) => r.figure === f.id && r.variant === v.label);
      const metrics = metricsFor(v.scenario, v.label).map((m): MetricRow => {
        const cells: MetricRow['cells'] = {};
        for (const s of subjects) {
          const mine = runs.filter((r) => r.subject === s);
          if (mine.length === 0) continue; // not run for this variant: "–"
          const ok = mine.flatMap((r) => ('failed' in r.result ? [] : [r.result]));
          const failures = mine.flatMap((r) => ('failed' in r.result ? [r.result.failed] : []));
          const values = ok.map((r) => m.get(r)).filter((x): x is number => x !== undefined && Number.isFinite(x));
          const notes = [...new Set(ok.flatMap((r) => r.notes ?? []))];
          const sp = spread(values);
          cells[s] = {
            ...(sp ? { spread: sp } : failures.length ? { failed: failures[0] } : { missing: m.missing ?? notes[0] ?? 'no value' }),
            ...(sp && failures.length ? { failedRuns: failures.length } : {}),
            ...(notes.length ? { notes } : {}),
          };
        }
        const ours = cells.ours?.spread?.median;
        const oursVs: MetricRow['oursVs'] = {};
        for (const s of subjects) {
          if (s === 'ours') continue;
          const other = cells[s]?.spread?.median;
          if (ours === undefined || other === undefined || (m.compare === 'ratio' && other === 0)) continue;
          oursVs[s] = m.compare === 'delta' ? ours - other : ours / other;
        }
        const raw = cells.raw?.spread?.median;
        return {
          key: m.key,
          label: m.label,
          unit: m.unit,
          decimals: m.decimals,
          compare: m.compare,
          cells,
          oursVs,
          ...(m.target ? { target: m.target.text, targetMet: ours === undefined ? undefined : m.target.met(ours, raw) } : {}),
        };
      });
      return { label: v.label, scenario: v.scenario, metrics };
    }),
  }));
}

function fmt(x: number, d: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function cellText(c: Cell | undefined, d: number): string {
  if (!c) return '–';
  if (!c.spread) return c.failed !== undefined ? `failed: ${c.failed}` : `— (${c.missing ?? 'no value'})`;
  const s = c.spread;
  const base = s.n > 1 ? `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})` : fmt(s.median, d);
  return c.failedRuns ? `${base} [${c.failedRuns} failed]` : base;
}

function compareText(row: MetricRow, s: SubjectName): string {
  const v = row.oursVs[s];
  if (v === undefined) return '–';
  if (row.compare === 'delta') return `${v >= 0 ? '+' : ''}${fmt(v, row.decimals)} ${row.unit}`;
  return `${fmt(v, 2)}×`;
}

function rows(figs: FigureResult[]): { head: string[]; body: string[][]; notes: string[] } {
  const subjects = [...new Set(figs.flatMap((f) => f.variants.flatMap((v) => v.metrics.flatMap((m) => Object.keys(m.cells) as SubjectName[]))))];
  const others = subjects.filter((s) => s !== 'ours');
  const head = ['Figure', 'Metric', ...subjects, ...others.map((s) => `ours vs ${s}`), 'Target (ours)'];
  const body: string[][] = [];
  const notes: string[] = [];
  for (const f of figs) {
    for (const v of f.variants) {
      for (const m of v.metrics) {
        const target = m.target ? `${m.target}${m.targetMet === undefined ? '' : m.targetMet ? ' ✔' : ' ✘'}` : '';
        body.push([`${f.id}: ${v.label}`, `${m.label} (${m.unit})`, ...subjects.map((s) => cellText(m.cells[s], m.decimals)), ...others.map((s) => compareText(m, s)), target]);
      }
      const first = v.metrics[0];
      if (first) {
        for (const s of subjects) {
          const n = first.cells[s]?.notes;
          if (n?.length) notes.push(`${f.id} · ${v.label} · ${s}: ${n.join('; ')}`);
        }
      }
    }
  }
  return { head, body, notes };
}

export function renderTable(figs: FigureResult[]): string {
  const { head, body, notes } = rows(figs);
  const widths = head.map((h, i) => Math.min(44, Math.max(h.length, ...body.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]): string => r.map((c, i) => (c.length > (widths[i] ?? 0) ? `${c.slice(0, (widths[i] ?? 1) - 1)}…` : c.padEnd(widths[i] ?? 0))).join(' │ ');
  const out = [line(head), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...body.map(line)];
  if (notes.length) out.push('', 'Notes:', ...notes.map((n) => `  ${n}`));
  return out.join('\n');
}

/** `sections`: more Markdown after the table (the liveness section). */
export function renderMarkdown(meta: Record<string, unknown>, figs: FigureResult[], sections: readonly string[] = []): string {
  const { head, body, notes } = rows(figs);
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    `<!-- generated by \`npm run bench\` on ${String(meta.date)} -->`,
    `Measured ${String(meta.date).slice(0, 10)} on ${String(meta.cpu)} (${String(meta.cores)} cores), Node ${String(meta.node)}, ${String(meta.platform)}; ` +
      `data from the project's emulator (FakeBinance) on 127.0.0.1 for every figure; ` +
      `${String(meta.repetitions)} interleaved repetitions (${String(meta.noisyRepetitions ?? meta.repetitions)} for throughput and the full universe, each repetition starting with the next subject), median (min–max). Each subject runs in its own process.`,
  ];
  if (body.length) lines.push('', `| ${head.map(esc).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`));
  if (notes.length) lines.push('', ...notes.map((n) => `- ${esc(n)}`));
  for (const section of sections) lines.push('', section.trimEnd());
  return `${lines.join('\n')}\n`;
}
