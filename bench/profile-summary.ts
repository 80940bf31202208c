/**
 * Summarise a `.cpuprofile` (from `node --cpu-prof`, e.g. `npm run bench -- --profile=ours`
 * or the micro-benchmark): self time and inclusive time per function, with file:line.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top=25] [--filter=src/]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top=25] [--filter=src/]');
  process.exit(1);
}
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const filter = process.argv.find((a) => a.startsWith('--filter='))?.slice(9);
/** Only samples between these offsets (ms from the profile's start), e.g. `--window=9000:13000`. */
const windowArg = process.argv
  .find((a) => a.startsWith('--window='))
  ?.slice(9)
  .split(':')
  .map(Number);

const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
let total = 0;
let clock = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  clock += dt;
  if (windowArg && (clock / 1000 < (windowArg[0] ?? 0) || clock / 1000 > (windowArg[1] ?? Infinity))) return;
  total += dt;
  self.set(id, (self.get(id) ?? 0) + dt);
});
console.log(`profile spans ${(clock / 1000).toFixed(0)} ms`);

const key = (n: ProfileNode): string => {
  const f = n.callFrame;
  const short = f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${short ? `${short}:${f.lineNumber + 1}` : ''}`.trim();
};

const selfBy = new Map<string, number>();
const inclBy = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id);
  if (!n) continue;
  selfBy.set(key(n), (selfBy.get(key(n)) ?? 0) + t);
  // Inclusive: charge every distinct function on the stack once.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    if (!node) break;
    const k = key(node);
    if (seen.has(k)) continue;
    seen.add(k);
    inclBy.set(k, (inclBy.get(k) ?? 0) + t);
  }
}

const show = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  [...m]
    .filter(([k]) => !filter || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(1).padStart(8)} ms  ${k}`));
};
show('Self time', selfBy);
show('Inclusive time', inclBy);
