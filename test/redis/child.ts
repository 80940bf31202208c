/** Child processes of the Redis tests: `node --import tsx <file>`, JSON lines on stdout, commands on stdin. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const live = new Set<ChildProcess>();

export interface Child {
  readonly messages: Record<string, unknown>[];
  /** Resolves with the first message (already received or to come) that `match` accepts. */
  waitFor(match: (m: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(line: string): void;
  kill(): void;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  stderr(): string;
}

export function spawnChild(file: string, args: readonly string[]): Child {
  const c = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(c);
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  let err = '';
  c.stdout?.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      try {
        messages.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        err += `(stdout) ${line}\n`;
      }
      for (const w of waiters.splice(0)) w();
    }
  });
  c.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) =>
    c.on('exit', (code) => {
      live.delete(c);
      for (const w of waiters.splice(0)) w();
      resolve(code);
    }),
  );
  return {
    messages,
    exited,
    stderr: () => err,
    send: (line) => void c.stdin?.write(line + '\n'),
    kill: () => void c.kill('SIGKILL'),
    waitFor(match, what, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child: no ${what} within ${timeoutMs} ms; stderr: ${err.slice(-1500)}`)), timeoutMs);
        const check = (): void => {
          const m = messages.find(match);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else if (c.exitCode !== null || c.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`child exited (${c.exitCode ?? c.signalCode}) before ${what}; stderr: ${err.slice(-1500)}`));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** Kill every child still running (afterEach). */
export async function killChildren(): Promise<void> {
  const all = [...live];
  await Promise.all(all.map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGKILL'))))));
}
