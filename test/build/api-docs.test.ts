/**
 * API reference: every export of every entry point (main, advanced, testing, redis, metrics)
 * carries a doc comment, and every `{@link}` in those comments resolves to something the
 * reference shows. Runs TypeDoc with the project's typedoc.json (`npm run docs` builds the
 * same site into docs/api), but with `--emit none`: nothing is written, nothing is fetched.
 *
 * The test fails listing each undocumented export with the file that defines it, so the fix
 * is a doc comment there (what it is, `@default` for an option with a default).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const typedocBin = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

interface TypedocRun {
  code: number | null;
  output: string;
}

function runTypedoc(): Promise<TypedocRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [typedocBin, '--emit', 'none', '--logLevel', 'Warn'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: stripVTControlCharacters(output) }));
  });
}

/** `index.Foo (Interface), defined in binance-stream-client/src/x.ts, does not have any documentation` */
const UNDOCUMENTED = /\[warning\] (\S+) \((\w+)\), defined in [^/]+\/(\S+?), does not have any documentation/;

describe('API reference (typedoc)', () => {
  it('documents every export and resolves every {@link}', { timeout: 180_000 }, async () => {
    const { code, output } = await runTypedoc();
    const lines = output.split('\n').map((l) => l.trim());

    const undocumented = lines
      .map((l) => UNDOCUMENTED.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[3]}: ${m[1]} (${m[2]})`)
      .sort();
    // Every other warning or error (broken {@link}, unknown tag, bad config) fails too.
    const otherProblems = lines.filter((l) => /^\[(warning|error)\]/.test(l) && !UNDOCUMENTED.test(l) && !/^\[(warning|error)\] Found \d+ errors/.test(l));

    expect(undocumented, `undocumented exports:\n${undocumented.join('\n')}`).toEqual([]);
    expect(otherProblems, `typedoc problems:\n${otherProblems.join('\n')}`).toEqual([]);
    expect(code, `typedoc exited with ${String(code)}:\n${output}`).toBe(0);
  });
});
