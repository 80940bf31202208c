/**
 * What the demo shows, as lines: the live dashboard (laid out for the terminal's size, at least 80×24:
 * header, figures, per-fault status, then as many recent WARN/ERROR lines as fit) and the summary
 * (plain: as wide as it needs; on the TTY: fitted to the width, fault names cut before their status).
 * Pure functions: the screen module draws them, the tests check them.
 */
import type { DemoLevel } from './log-sink';
import { truncate } from './screen';

export interface FaultLine {
  atMs: number;
  name: string;
  status: string;
}

export interface RecentLine {
  /** Seconds since the demo started. */
  t: number;
  level: DemoLevel;
  text: string;
}

export interface DashboardView {
  header: string;
  /** Figure lines: `connections  1/1 open…`. */
  figures: string[];
  /** Why there are no faults, when there are none (`--no-faults`, `--live`). */
  noFaults?: string | undefined;
  faults: FaultLine[];
  counts: Record<DemoLevel, number>;
  recent: RecentLine[];
}

const STATUS_W = 16;
const LIB_PREFIX = '[binance-stream-client] ';

/** `  0.8 s  abrupt drop of every connection (1006)      recovered 701 ms`, the name cut to fit `cols`. */
export function faultLine(f: FaultLine, cols: number | undefined, nameWidth: number): string {
  const at = `${(f.atMs / 1000).toFixed(1).padStart(5)} s  `;
  const room = cols === undefined ? nameWidth : Math.max(8, Math.min(nameWidth, cols - 2 - at.length - 1 - STATUS_W));
  return `  ${at}${truncate(f.name, room).padEnd(room)} ${f.status}`;
}

export function recentLine(r: RecentLine): string {
  const text = r.text.startsWith(LIB_PREFIX) ? r.text.slice(LIB_PREFIX.length) : r.text;
  return `${`${r.t.toFixed(0)}s`.padStart(5)} ${r.level.toUpperCase().padEnd(5)} ${text}`;
}

export const countsText = (c: Record<DemoLevel, number>): string => `${c.warn} WARN, ${c.error} ERROR`;

/** The live frame: at most `rows` lines (the screen also cuts each to `cols`). */
export function dashboardLines(v: DashboardView, cols: number, rows: number): string[] {
  const nameWidth = Math.max(0, ...v.faults.map((f) => f.name.length));
  const top = [
    v.header,
    '',
    ...v.figures,
    '',
    ...(v.faults.length ? ['faults', ...v.faults.map((f) => faultLine(f, cols, nameWidth))] : [`faults       none${v.noFaults ? ` (${v.noFaults})` : ''}`]),
    '',
    `recent WARN/ERROR (${countsText(v.counts)} logged so far)`,
  ];
  const room = Math.max(0, rows - top.length);
  const recent = v.recent.slice(-room).map(recentLine);
  return [...top, ...recent].slice(0, rows);
}

export interface SummaryView {
  title: string;
  /** `  streams   284 on 1 connection(s)…` lines. */
  figures: string[];
  counts: Record<DemoLevel, number>;
  emptyErrorTexts: number;
  faults: FaultLine[];
  scenes: string[];
}

/** `line` broken at spaces into lines of at most `cols` columns, the continuation lines indented by `indent` spaces. */
export function wrap(line: string, cols: number, indent: number): string[] {
  const out: string[] = [];
  let rest = line;
  while ([...rest].length > cols) {
    const cut = rest.lastIndexOf(' ', cols);
    if (cut <= indent) break; // one unbreakable word: the screen truncates it
    out.push(rest.slice(0, cut));
    rest = `${' '.repeat(indent)}${rest.slice(cut + 1)}`;
  }
  out.push(rest);
  return out;
}

/** The summary; `cols` fits it to a terminal (undefined: plain output, nothing cut; else the scene lines wrap, the rest is cut). */
export function summaryLines(s: SummaryView, cols?: number): string[] {
  const nameWidth = Math.max(0, ...s.faults.map((f) => f.name.length));
  const lines = [
    '',
    s.title,
    ...s.figures,
    `  log lines           ${countsText(s.counts)}, ${s.emptyErrorTexts} with an empty error text`,
    ...(s.faults.length ? ['  faults:', ...s.faults.map((f) => `  ${faultLine(f, cols === undefined ? undefined : cols - 2, nameWidth)}`)] : []),
    ...(s.scenes.length ? ['  never deaf:', ...s.scenes.flatMap((l) => (cols === undefined ? [`    ${l}`] : wrap(`    ${l}`, cols, 6)))] : []),
    '',
  ];
  return cols === undefined ? lines : lines.map((l) => truncate(l, cols));
}
