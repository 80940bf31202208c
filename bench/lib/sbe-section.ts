/**
 * The SBE section of `npm run bench`: bench/sbe.ts run in its own process (`--json`), its
 * per-message CPU figures as a table with the target marked: this client on SBE at least twice
 * the messages per core of a bare socket + `JSON.parse` on the same stream mix.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Spread } from './stats';

export const SBE_FIGURE = 'sbe';
const TARGET = 2;

export interface SbeFigure {
  frames: number;
  rounds: number;
  symbols: number;
  meanFrameBytes: { json: number; sbe: number };
  subjects: { name: string; cpuNsPerMsg: Spread; wallNsPerMsg: number }[];
  bareMedianNs: number;
  date?: string | undefined;
  /** client sbe's messages/s per core over bare json's, and whether it meets the target. */
  sbeVsBare?: number | undefined;
  targetMet?: boolean | undefined;
}

/** Runs bench/sbe.ts (`quick`: fewer frames and rounds); undefined (and a logged reason) when it fails. */
export function runSbe(root: string, quick: boolean, log: (line: string) => void): SbeFigure | undefined {
  const args = ['--expose-gc', '--import', 'tsx', join(root, 'bench', 'sbe.ts'), '--json', ...(quick ? ['--frames=30000', '--rounds=3'] : [])];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 * 2 ** 20 });
  const line = r.stdout
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (r.status !== 0 || !line) {
    log(`  sbe: failed (exit ${String(r.status ?? r.signal)}): ${(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`);
    return undefined;
  }
  const fig = JSON.parse(line) as SbeFigure;
  const sbe = fig.subjects.find((s) => s.name === 'client sbe');
  fig.date = new Date().toISOString();
  if (sbe) {
    fig.sbeVsBare = fig.bareMedianNs / sbe.cpuNsPerMsg.median;
    fig.targetMet = fig.sbeVsBare >= TARGET;
  }
  for (const row of tableRows(fig)) log(`  ${row.join(' │ ')}`);
  return fig;
}

function tableRows(f: SbeFigure): string[][] {
  const head = ['subject', 'CPU ns/msg, median (min–max)', 'messages/s per core', 'vs bare ws + JSON.parse', 'wall ns/msg', 'target'];
  const body = f.subjects.map((s) => {
    const c = s.cpuNsPerMsg;
    const target = s.name === 'client sbe' ? `≥ ${TARGET}× bare ${f.targetMet === undefined ? '' : f.targetMet ? '✔' : '✘'}` : '';
    return [
      s.name,
      `${c.median.toFixed(0)} (${c.min.toFixed(0)}–${c.max.toFixed(0)})`,
      `${(1e6 / c.median).toFixed(0)}k`,
      `${(f.bareMedianNs / c.median).toFixed(2)}×`,
      s.wallNsPerMsg.toFixed(0),
      target,
    ];
  });
  return [head, ...body];
}

export function renderSbeMarkdown(f: SbeFigure): string {
  const [head, ...body] = tableRows(f);
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `### SBE vs JSON vs a bare socket (bench/sbe.ts${f.date ? `, ${f.date.slice(0, 10)}` : ''})`,
    '',
    `Per-message CPU on one core, no network (a fake socket hands the client the frames as \`ws\` would), ${f.rounds} interleaved rounds of ${f.frames.toLocaleString('en-US')} frames, ` +
      `${f.symbols} symbols; the same events as JSON and as SBE: 40% trade, 40% bookTicker/bestBidAsk, 15% diff depth (5+5 levels), 5% depth20. ` +
      `Mean frame: JSON ${f.meanFrameBytes.json.toFixed(0)} B, SBE ${f.meanFrameBytes.sbe.toFixed(0)} B. ` +
      "`bare json`: JSON.parse + a callback; `client json`: this client on the JSON streams; `sbe decode`: the SBE decoder alone; `client sbe`: this client with `encoding: 'sbe'`.",
    '',
    `| ${(head ?? []).map(esc).join(' | ')} |`,
    `| ${(head ?? []).map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
