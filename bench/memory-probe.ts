/**
 * Where the memory of N idle streams goes. The emulator runs here; the subject runs in a
 * child process (`--expose-gc`) that takes a baseline after loading the library, subscribes
 * N silent aggTrade streams, waits until they are live, forces GC and reports
 * `process.memoryUsage()` and V8's heap spaces (over the baseline). With `--snapshot` the
 * child also writes a heap snapshot before and after, and this process prints the growth of
 * self size by constructor (the top 25).
 *
 *   node --expose-gc --import tsx bench/memory-probe.ts [--n=10000] [--rate=0] [--subject=ours|raw] [--snapshot]
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { bundleEntry } from './lib/bundle';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const MiB = 2 ** 20;

interface Sample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, { used: number; committed: number }>;
}

function sample(): Sample {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const spaces: Sample['spaces'] = {};
  for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = { used: s.space_used_size, committed: s.space_size };
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, spaces };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function child(): Promise<void> {
  const n = Number(process.env.PROBE_N);
  const wsBase = String(process.env.PROBE_WS);
  const subject = process.env.PROBE_SUBJECT ?? 'ours';
  const snapDir = process.env.PROBE_SNAP;
  const streams = Array.from({ length: n }, (_, i) => `s${i.toString(36)}usdt@aggTrade`);
  const { default: WebSocket } = await import('ws');
  const pre = sample();
  const { BinanceStreamClient } = await import('../src/index');
  const base = sample();
  console.log(`loading the library: heapUsed +${((base.heapUsed - pre.heapUsed) / MiB).toFixed(2)} MiB, rss +${((base.rss - pre.rss) / MiB).toFixed(2)} MiB`);
  if (snapDir) v8.writeHeapSnapshot(join(snapDir, 'before.heapsnapshot'));
  let stop: () => Promise<void>;
  if (subject === 'raw') {
    const sockets: InstanceType<typeof WebSocket>[] = [];
    for (let i = 0; i < n; i += 1024) {
      const ws = new WebSocket(`${wsBase}/stream`, { perMessageDeflate: false });
      sockets.push(ws);
      ws.on('message', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => {
          ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams.slice(i, i + 1024), id: 1 }));
          resolve();
        });
        ws.once('error', reject);
      });
    }
    stop = async () => {
      for (const ws of sockets) ws.terminate();
    };
  } else {
    const client = new BinanceStreamClient({ baseUrl: wsBase });
    client.on('aggTrade', () => undefined);
    client.on('error', () => undefined);
    const stage = (what: string): void => {
      if (!process.env.PROBE_STAGES) return;
      const ns = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
      console.log(`  [${what}] new_space committed ${((ns?.space_size ?? 0) / MiB).toFixed(1)} MiB, heapUsed ${(process.memoryUsage().heapUsed / MiB).toFixed(1)} MiB`);
    };
    stage('created');
    // PROBE_ALLOC=subscribe|start: where subscribe(), or start() up to ready, allocates.
    const profile = process.env.PROBE_ALLOC;
    let prof = profile === 'subscribe' ? await allocations() : undefined;
    client.subscribe(streams);
    stage('subscribed');
    await prof?.();
    prof = profile === 'start' ? await allocations() : undefined;
    await client.start();
    stage('started');
    // PROBE_NOREADY: as the bench's subjects do (start(), then wait), without ready()'s polling.
    if (process.env.PROBE_NOREADY) await sleep(2000);
    else await client.ready({ timeoutMs: 60_000 });
    stage('ready');
    await prof?.();
    stop = () => client.stop();
  }
  await sleep(Number(process.env.PROBE_WAIT ?? 1000));
  const after = sample();
  if (snapDir) v8.writeHeapSnapshot(join(snapDir, 'after.heapsnapshot'));
  process.send?.({ base, after });
  await stop();
  setTimeout(() => process.exit(0), 50);
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Sampling allocation profile (collected objects included) until the returned function is called; prints the top sites. */
async function allocations(): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: !process.env.PROBE_LIVE, includeObjectsCollectedByMinorGC: !process.env.PROBE_LIVE });
  return async () => {
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    const sites = new Map<string, number>();
    const walk = (n: ProfileNode, path: string): void => {
      const here = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
      if (n.selfSize) sites.set(`${here}  <- ${path}`, (sites.get(`${here}  <- ${path}`) ?? 0) + n.selfSize);
      for (const c of n.children) walk(c, here);
    };
    walk(profile.head, '');
    const total = [...sites.values()].reduce((a, b) => a + b, 0);
    console.log(`allocated (sampled): ${(total / MiB).toFixed(1)} MiB`);
    for (const [k, v] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(v / 1024).toFixed(0).padStart(7)} KiB  ${k}`);
    session.disconnect();
  };
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * Self size of the arrays, plain objects, closures and strings grouped by who holds them
 * (the first retainer's constructor and the edge name): which field or Map holds the bytes.
 */
export function byOwner(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const m = s.snapshot.meta;
  const w = m.node_fields.length;
  const ew = m.edge_fields.length;
  const iType = m.node_fields.indexOf('type');
  const iName = m.node_fields.indexOf('name');
  const iSize = m.node_fields.indexOf('self_size');
  const iEdges = m.node_fields.indexOf('edge_count');
  const eType = m.edge_fields.indexOf('type');
  const eName = m.edge_fields.indexOf('name_or_index');
  const eTo = m.edge_fields.indexOf('to_node');
  const types = m.node_types[0];
  const etypes = m.edge_types[0];
  const count = s.nodes.length / w;
  const owner = new Array<string | undefined>(count);
  const parent = new Int32Array(count).fill(-1);
  let e = 0;
  const label = (n: number): string => {
    const t = types[s.nodes[n * w + iType] as number] as string;
    const name = String(s.strings[s.nodes[n * w + iName] as number]);
    return t === 'object' || t === 'closure' ? name || `(${t})` : `(${t}${t === 'hidden' || t === 'array' ? ` ${name}` : ''})`;
  };
  for (let n = 0; n < count; n++) {
    const edges = s.nodes[n * w + iEdges] as number;
    for (let k = 0; k < edges; k++, e += ew) {
      const et = etypes[s.edges[e + eType] as number] as string;
      if (et === 'weak') continue;
      const to = (s.edges[e + eTo] as number) / w;
      if (owner[to] !== undefined) continue;
      const nm = et === 'element' || et === 'hidden' ? `[${et}]` : String(s.strings[s.edges[e + eName] as number]);
      owner[to] = `${label(n)}.${nm}`;
      parent[to] = n;
    }
  }
  const out = new Map<string, { size: number; count: number }>();
  for (let n = 0; n < count; n++) {
    const p = parent[n] as number;
    const k = `${label(n)} <- ${owner[n] ?? '?'} <- ${p >= 0 ? (owner[p] ?? '?') : '-'}`;
    const v = out.get(k) ?? { size: 0, count: 0 };
    v.size += s.nodes[n * w + iSize] as number;
    v.count++;
    out.set(k, v);
  }
  return out;
}

/** Self size and count per constructor (objects), per type otherwise ("(string)", "(array)"…). */
export function bySelf(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const w = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += w) {
    const type = types[s.nodes[i + iType] as number] as string;
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'fn ' : ''}${s.strings[s.nodes[i + iName] as number]}` : `(${type})`;
    const e = out.get(name) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + iSize] as number;
    e.count++;
    out.set(name, e);
  }
  return out;
}

async function parent(): Promise<void> {
  const n = Number(opt('n') ?? 10_000);
  const subject = opt('subject') ?? 'ours';
  const snapshot = argv.includes('--snapshot');
  // --rate=20: every stream at 20 msg/s (the bench's busy figure is 1,000 × 20).
  const rate = Number(opt('rate') ?? 0);
  const { FakeBinance } = await import('../src/testing/index');
  // The child runs the bundle, as the bench's subjects do (tsx would keep function names: a property per closure).
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const built = await bundleEntry(root, fileURLToPath(import.meta.url), join(root, 'node_modules', '.cache', 'bsc-bench'), 'memory-probe');
  const ex = await FakeBinance.start({ symbols: Array.from({ length: n }, (_, i) => `s${i.toString(36)}usdt`), rates: () => rate, groundTruthLimit: 16 });
  const snapDir = snapshot ? join(tmpdir(), `bsc-probe-${process.pid}`) : undefined;
  if (snapDir) (await import('node:fs')).mkdirSync(snapDir, { recursive: true });
  try {
    const res = await new Promise<{ base: Sample; after: Sample }>((resolve, reject) => {
      const c = spawn(process.execPath, ['--expose-gc', ...built.nodeArgs, built.file, '--child'], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, PROBE_N: String(n), PROBE_WS: ex.urls.ws, PROBE_SUBJECT: subject, ...(snapDir ? { PROBE_SNAP: snapDir } : {}) },
      });
      c.on('message', (m) => resolve(m as { base: Sample; after: Sample }));
      c.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const { base, after } = res;
    const d = (k: 'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers'): string => `${((after[k] - base[k]) / MiB).toFixed(2)} MiB`;
    console.log(
      `${subject}, ${n} idle streams, over the baseline: rss ${d('rss')}, heapUsed ${d('heapUsed')}, heapTotal ${d('heapTotal')}, external ${d('external')}, arrayBuffers ${d('arrayBuffers')}`,
    );
    console.log(`per stream: heapUsed ${((after.heapUsed - base.heapUsed) / n).toFixed(0)} B, rss ${((after.rss - base.rss) / n).toFixed(0)} B`);
    for (const [name, a] of Object.entries(after.spaces)) {
      const b = base.spaces[name] ?? { used: 0, committed: 0 };
      console.log(
        `  ${name.padEnd(24)} used ${((a.used - b.used) / MiB).toFixed(2).padStart(7)} MiB   committed ${((a.committed - b.committed) / MiB).toFixed(2).padStart(7)} MiB (now ${(a.committed / MiB).toFixed(2)})`,
      );
    }
    if (snapDir) {
      const before = bySelf(join(snapDir, 'before.heapsnapshot'));
      const later = bySelf(join(snapDir, 'after.heapsnapshot'));
      const rows = [...later].map(([k, v]) => ({ k, size: v.size - (before.get(k)?.size ?? 0), count: v.count - (before.get(k)?.count ?? 0) }));
      rows.sort((x, y) => y.size - x.size);
      console.log('growth of self size by constructor (top 25):');
      for (const r of rows.slice(0, 25)) console.log(`  ${(r.size / 1024).toFixed(0).padStart(8)} KiB  ${String(r.count).padStart(7)}  ${(r.size / n).toFixed(1).padStart(7)} B/stream  ${r.k}`);
      const ob = byOwner(join(snapDir, 'before.heapsnapshot'));
      const oa = byOwner(join(snapDir, 'after.heapsnapshot'));
      const rows2 = [...oa].map(([k, v]) => ({ k, size: v.size - (ob.get(k)?.size ?? 0), count: v.count - (ob.get(k)?.count ?? 0) }));
      rows2.sort((x, y) => y.size - x.size);
      console.log('growth by holder (first retainer, top 40):');
      for (const r of rows2.slice(0, 40)) console.log(`  ${(r.size / 1024).toFixed(0).padStart(8)} KiB  ${String(r.count).padStart(7)}  ${(r.size / n).toFixed(1).padStart(7)} B/stream  ${r.k}`);
    }
  } finally {
    if (snapDir) rmSync(snapDir, { recursive: true, force: true });
    await ex.close();
  }
}

if (argv.includes('--child')) void child();
else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await parent();

/** The top growths between two summaries (by constructor or by holder). */
export function growth(before: Map<string, { size: number; count: number }>, after: Map<string, { size: number; count: number }>, top: number): string[] {
  const rows = [...after].map(([k, v]) => ({ k, size: v.size - (before.get(k)?.size ?? 0), count: v.count - (before.get(k)?.count ?? 0) }));
  rows.sort((x, y) => y.size - x.size);
  return rows.slice(0, top).map((r) => `  ${(r.size / 1024).toFixed(1).padStart(8)} KiB  ${String(r.count).padStart(7)}  ${r.k}`);
}
