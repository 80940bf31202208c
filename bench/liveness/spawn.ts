/**
 * The liveness figures' child processes: each entry in ./entries is bundled like the main
 * figures' subjects (src included, dependencies external; tsx when esbuild is missing) and
 * run in its own process with `--expose-gc`, talking over IPC. Every child is killed when
 * the runner exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntry, type BuiltEntry } from '../lib/bundle';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'bsc-bench', 'liveness');

export type Built = BuiltEntry;

const built = new Map<string, Promise<Built>>();

/** Bundle `bench/liveness/entries/<name>.ts` once per run. */
export function build(name: string): Promise<Built> {
  let b = built.get(name);
  if (b === undefined) built.set(name, (b = bundleEntry(ROOT, join(ROOT, 'bench', 'liveness', 'entries', `${name}.ts`), BUILD_DIR, name)));
  return b;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Child<In, Out> {
  send(m: In): void;
  /** Resolves with the exit code (or the failure) once the process is gone. */
  readonly exited: Promise<string>;
  kill(): void;
  onMessage(listener: (m: Out) => void): void;
}

/** Start a built entry; messages before `onMessage` is called are queued. */
export function start<In, Out>(entry: Built): Child<In, Out> {
  const child = spawn(process.execPath, ['--expose-gc', ...entry.nodeArgs, entry.file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const queued: Out[] = [];
  let listener: ((m: Out) => void) | undefined;
  child.on('message', (m: Out) => (listener ? listener(m) : queued.push(m)));
  const exited = new Promise<string>((resolveExit) => {
    child.on('exit', (code) => {
      live.delete(child);
      const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
      resolveExit(`exited with ${code}${last ? `: ${last.slice(0, 200)}` : ''}`);
    });
    child.on('error', (err) => {
      live.delete(child);
      resolveExit(err.message);
    });
  });
  return {
    send: (m) => {
      if (child.connected) child.send(m as object);
    },
    exited,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    onMessage: (l) => {
      listener = l;
      for (const m of queued.splice(0)) l(m);
    },
  };
}
