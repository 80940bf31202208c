/**
 * Consumer type-check matrix: runs after `npm run build`. Packs the library once
 * (`npm pack`), installs the tarball offline into a fresh project outside the repo
 * (its runtime dependencies come from the npm cache through a lockfile copied from
 * ours: no network), then compiles the fixtures in test/build/consumers/ with the
 * repo's own tsc under every module setting a consumer may use:
 *
 *   cjs-node10   module commonjs, moduleResolution node10, package.json type commonjs
 *   cjs-node16   module node16,   package.json type commonjs  (→ dist/*.d.cts)
 *   esm-node16   module node16,   package.json type module    (→ dist/*.d.ts)
 *   esm-nodenext module nodenext, package.json type module
 *   bundler      module esnext,   moduleResolution bundler
 *
 * always with strict, exactOptionalPropertyTypes, skipLibCheck false, lib ES2022 only
 * (no DOM) and `types: []` (no @types/node, no @types/ws), so a declaration that needs
 * a global the consumer does not have, or an import form that only some resolvers type
 * (issue 10, item 4: `client.on` missing under node16 ESM) fails here.
 *
 * Per mode: snippet.ts compiles with 0 errors and its program holds no @types/* and no
 * DOM lib; wrong-field.ts fails with exactly one TS2339/TS2551 naming `closePrice`;
 * testing-snippet.ts (the Node-only emulator entry, so `types: ["node"]`, still no
 * @types/ws) compiles; advanced-snippet.ts compiles, only when the tarball ships
 * dist/advanced.d.ts (skipped otherwise). `deno check` runs the snippets against the
 * same installed package (the devDependency `deno`, $DENO_BIN or PATH; without one a loud
 * skip, a failure under BSC_REQUIRE_RUNTIMES=1).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./consumers/', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };

interface Mode {
  name: string;
  type: 'module' | 'commonjs';
  module: string;
  moduleResolution: string;
}
const MODES: Mode[] = [
  { name: 'cjs-node10', type: 'commonjs', module: 'commonjs', moduleResolution: 'node10' },
  { name: 'cjs-node16', type: 'commonjs', module: 'node16', moduleResolution: 'node16' },
  { name: 'esm-node16', type: 'module', module: 'node16', moduleResolution: 'node16' },
  { name: 'esm-nodenext', type: 'module', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'bundler', type: 'module', module: 'esnext', moduleResolution: 'bundler' },
];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? `\n${String(err)}` : '') });
    });
  });
}

/** Run `jobs` with at most `limit` at once (tsc is CPU-bound; 2 cores on CI). */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

const offlineEnv: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

type LockEntry = Record<string, unknown> & { dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };

/**
 * A lockfile for the consumer project: the tarball plus the closure of its runtime
 * dependencies (and `extra`), each entry copied from the repo's lockfile, so `npm ci
 * --offline` takes every package from the cache by integrity and never asks the registry.
 */
function consumerLockfile(tarball: string, deps: Record<string, string>, extra: readonly string[]): { manifest: object; lock: object } {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkgs = lock.packages;
  const integrity = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
  const spec = 'file:' + tarball;
  const out: Record<string, unknown> = {};
  const locate = (from: string, name: string): string | undefined => {
    // Node's lookup: from/node_modules/name, then each parent's node_modules.
    let dir = from;
    for (;;) {
      const p = (dir ? dir + '/' : '') + 'node_modules/' + name;
      if (pkgs[p]) return p;
      if (!dir) return undefined;
      const i = dir.lastIndexOf('/node_modules/');
      dir = i < 0 ? '' : dir.slice(0, i);
    }
  };
  const add = (from: string, name: string, optional: boolean): void => {
    const p = locate(from, name);
    if (!p) {
      if (optional) return;
      throw new Error(`consumer-types: ${name} (needed by ${from || 'the package'}) is not in package-lock.json`);
    }
    if (out[p]) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = pkgs[p]!;
    out[p] = entry;
    for (const d of Object.keys(entry.dependencies ?? {})) add(p, d, false);
    for (const d of Object.keys(entry.peerDependencies ?? {})) add(p, d, entry.peerDependenciesMeta?.[d]?.optional === true);
  };
  for (const d of Object.keys(deps)) add('', d, false);
  for (const d of extra) add('', d, false);
  const rootDeps = { [pkg.name]: spec, ...Object.fromEntries(extra.map((d) => [d, (pkgs[`node_modules/${d}`] as { version: string }).version])) };
  const manifest = { name: 'consumer-types-fixture', private: true, dependencies: rootDeps };
  return {
    manifest,
    lock: {
      name: manifest.name,
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: manifest.name, dependencies: rootDeps },
        [`node_modules/${pkg.name}`]: { version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version, resolved: spec, integrity, license: 'MIT', dependencies: deps },
        ...out,
      },
    },
  };
}

/**
 * Copy a fixture into a consumer project, dropping the lines marked
 * `consumer-matrix: strip`: the `@ts-expect-error` / `@ts-ignore` that let the repo's
 * own typecheck (tsconfig includes test/) pass over the fixtures, which the consumer
 * compile must not have.
 */
function copyFixture(file: string, dir: string): void {
  const text = readFileSync(join(fixtures, file), 'utf8');
  writeFileSync(
    join(dir, file),
    text
      .split('\n')
      .filter((l) => !l.includes('consumer-matrix: strip'))
      .join('\n'),
  );
}

interface Diagnostic {
  file: string;
  code: string;
  message: string;
}
function diagnostics(output: string): Diagnostic[] {
  const re = /^(.*?)(?:\(\d+,\d+\))?: error (TS\d+): (.*)$/gm;
  return [...output.matchAll(re)].map((m) => ({ file: m[1]!, code: m[2]!, message: m[3]! }));
}
const show = (r: RunResult): string =>
  `\n${(r.stdout + r.stderr)
    .split('\n')
    .filter((l) => !l.startsWith('/'))
    .join('\n')
    .slice(0, 4000)}`;

interface Case {
  name: string;
  files: string[];
  types: string[];
  listFiles?: boolean;
}

let work = '';
let hasAdvanced = false;
const results = new Map<string, RunResult>();

function tsconfig(mode: Mode, c: Case): object {
  return {
    compilerOptions: {
      module: mode.module,
      moduleResolution: mode.moduleResolution,
      target: 'ES2022',
      lib: ['ES2022'],
      types: c.types,
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files: c.files,
  };
}

// snippet.ts and wrong-field.ts share one program (errors are told apart by file): one
// tsc run fewer per mode.
const CASES: Case[] = [
  { name: 'main', files: ['snippet.ts', 'wrong-field.ts'], types: [], listFiles: true },
  { name: 'testing', files: ['testing-snippet.ts'], types: ['node'] },
  { name: 'advanced', files: ['advanced-snippet.ts'], types: [] },
];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.d.ts'))) throw new Error('consumer-types: dist/ is missing, run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'bsc-consumer-types-'));

  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, timeoutMs: 60_000, env: offlineEnv });
  expect(packed.code, `npm pack failed:${show(packed)}`).toBe(0);
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  const tarball = join(work, info.filename);
  hasAdvanced = info.files.some((f) => f.path === 'dist/advanced.d.ts');

  // One install for every mode: each mode is a subfolder with its own package.json
  // ("type") and tsconfig, and resolves the package from the shared node_modules above.
  const { manifest, lock } = consumerLockfile(tarball, pkg.dependencies ?? {}, ['@types/node']);
  writeFileSync(join(work, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(work, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const npmArgs = ['ci', '--ignore-scripts', '--no-audit', '--no-fund'];
  let installed = await run('npm', [...npmArgs, '--offline'], { cwd: work, timeoutMs: 90_000, env: offlineEnv });
  if (installed.code !== 0) {
    // A cache without one of the tarballs (a machine that never ran `npm ci` here): let
    // npm fetch just those from the registry, pinned by the lockfile's integrity.
    const env = { ...offlineEnv, npm_config_offline: 'false', npm_config_prefer_offline: 'true' };
    installed = await run('npm', [...npmArgs, '--prefer-offline'], { cwd: work, timeoutMs: 90_000, env });
  }
  expect(installed.code, `npm ci of the packed tarball failed:${show(installed)}`).toBe(0);
  expect(existsSync(join(work, 'node_modules/@types/ws')), '@types/ws must not be in the consumer project').toBe(false);

  const jobs: (() => Promise<void>)[] = [];
  for (const mode of MODES) {
    const dir = join(work, mode.name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: mode.name, private: true, type: mode.type }));
    for (const c of CASES) {
      if (c.name === 'advanced' && !hasAdvanced) continue;
      for (const f of c.files) copyFixture(f, dir);
      const config = `tsconfig.${c.name}.json`;
      writeFileSync(join(dir, config), JSON.stringify(tsconfig(mode, c), null, 2));
      const args = [tsc, '-p', config, '--pretty', 'false', ...(c.listFiles ? ['--listFiles'] : [])];
      jobs.push(async () => {
        results.set(`${mode.name}/${c.name}`, await run(process.execPath, args, { cwd: dir, timeoutMs: 60_000 }));
      });
    }
  }
  await pool(jobs, Math.max(2, availableParallelism()));
}, 480_000);

afterAll(() => {
  if (work && !process.env.KEEP_CONSUMER_TYPES) rmSync(work, { recursive: true, force: true });
});

function result(mode: Mode, name: string): RunResult {
  const r = results.get(`${mode.name}/${name}`);
  if (!r) throw new Error(`no tsc result for ${mode.name}/${name}`);
  return r;
}

describe.each(MODES)('consumer project $name (module $module, moduleResolution $moduleResolution, type $type)', (mode) => {
  it('compiles the typed-event snippet with 0 errors, needing no @types/* and no DOM lib', () => {
    const r = result(mode, 'main');
    expect(
      diagnostics(r.stdout).filter((d) => d.file !== 'wrong-field.ts'),
      show(r),
    ).toEqual([]);
    const files = r.stdout.split('\n').filter((l) => l.startsWith('/'));
    expect(files.some((f) => f.includes(`node_modules/${pkg.name}/dist/`))).toBe(true);
    expect(files.filter((f) => /node_modules\/@types\/|lib\.dom/.test(f))).toEqual([]);
  });

  it('rejects a wrong payload field with TS2339/TS2551 naming it (typed events, not any)', () => {
    const r = result(mode, 'main');
    expect(r.code, show(r)).not.toBe(0);
    const diags = diagnostics(r.stdout);
    expect(diags.length, show(r)).toBe(1);
    expect(diags[0]!.file, show(r)).toBe('wrong-field.ts');
    expect(['TS2339', 'TS2551'], show(r)).toContain(diags[0]!.code);
    expect(diags[0]!.message).toContain("'closePrice'");
    expect(diags[0]!.message).toContain('Kline');
  });

  it('compiles the emulator snippet (binance-stream-client/testing) with @types/node but without @types/ws', () => {
    const r = result(mode, 'testing');
    expect(diagnostics(r.stdout), show(r)).toEqual([]);
    expect(r.code, show(r)).toBe(0);
  });

  it('compiles the binance-stream-client/advanced snippet (skipped while the tarball has no dist/advanced.d.ts)', (ctx) => {
    if (!hasAdvanced) return ctx.skip();
    const r = result(mode, 'advanced');
    expect(diagnostics(r.stdout), show(r)).toEqual([]);
    expect(r.code, show(r)).toBe(0);
  });
});

/** A working deno binary: $DENO_BIN, the repo's node_modules/.bin/deno (devDependency `deno`), or on PATH. */
function findDeno(): { bin: string | undefined; lookedAt: string[] } {
  const candidates = [process.env.DENO_BIN, join(root, 'node_modules/.bin/deno'), ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'deno'))].filter((p): p is string => !!p);
  for (const p of candidates) {
    // The npm package leaves a stub when its postinstall could not fetch the binary: it must run.
    if (existsSync(p) && spawnSync(p, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0) return { bin: p, lookedAt: candidates };
  }
  return { bin: undefined, lookedAt: candidates };
}

/**
 * Deno type-checks npm packages' declarations only with `--all` (its form of skipLibCheck
 * off), and under `--all` its own bundled Node types fail with exactOptionalPropertyTypes
 * (TS2320 in node/https.d.cts, not ours). So two checks: `--all` with strict checks every
 * declaration the package ships; the snippets alone under strict + exactOptionalPropertyTypes.
 * Missing deno: a loud skip, or a failure when BSC_REQUIRE_RUNTIMES=1 (`.ci/run`).
 */
describe('deno check', () => {
  const deno = findDeno();
  const required = process.env.BSC_REQUIRE_RUNTIMES === '1';
  if (!deno.bin) console.warn(`\n*** CONSUMER TYPES: deno NOT FOUND (looked at ${deno.lookedAt.join(', ')}), ${required ? 'FAILING (required)' : 'SKIPPING deno check'} ***\n`);
  const skip = !deno.bin && !required;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', DENO_DIR: join(work, '.deno') });
  /** A Deno project in `work` (bare specifiers resolve from ../node_modules: nodeModulesDir manual). */
  const project = (name: string, compilerOptions: object, files: string[]): string => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const f of files) copyFixture(f, dir);
    writeFileSync(join(dir, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual', compilerOptions }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `deno-${name}`, private: true, type: 'module', dependencies: { [pkg.name]: '*' } }));
    return dir;
  };
  const snippets = (): string[] => ['snippet.ts', 'testing-snippet.ts', ...(hasAdvanced ? ['advanced-snippet.ts'] : [])];
  const check = (dir: string, args: string[]): Promise<RunResult> => {
    if (!deno.bin) throw new Error(`deno is required (BSC_REQUIRE_RUNTIMES=1) but not found: looked at ${deno.lookedAt.join(', ')}; install with npm ci (devDependency deno)`);
    // --cached-only: Deno must take everything from ../node_modules and never fetch.
    return run(deno.bin, ['check', '--quiet', '--cached-only', ...args], { cwd: dir, timeoutMs: 90_000, env: env() });
  };

  it.skipIf(skip)(
    'deno check --all (the package declarations checked too, skipLibCheck false): main, testing and advanced snippets, 0 errors',
    async () => {
      const dir = project('deno-all', { strict: true, skipLibCheck: false }, snippets());
      const r = await check(dir, ['--all', ...snippets()]);
      expect(r.code, show(r)).toBe(0);
    },
    120_000,
  );

  it.skipIf(skip)(
    'deno check with strict + exactOptionalPropertyTypes: the snippets compile, and the wrong field is rejected naming closePrice',
    async () => {
      const dir = project('deno-exact', { strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false }, [...snippets(), 'wrong-field.ts']);
      const ok = await check(dir, snippets());
      expect(ok.code, show(ok)).toBe(0);
      const bad = await check(dir, ['wrong-field.ts']);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/TS(2339|2551)[\s\S]*closePrice/);
    },
    120_000,
  );
});
