/**
 * Build smoke test: runs against dist/ after `npm run build`. Proves the CJS build
 * works (p-retry is ESM-only and must be bundled into it), that ESM and CJS expose the
 * same public names, and that the isomorphic main entry pulls in no Node-only module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(root + 'package.json');

function publicNames(mod: Record<string, unknown>): string[] {
  return Object.keys(mod)
    .filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports')
    .sort();
}

describe('published entry points', () => {
  it('main: require() and import() find the same public names', async () => {
    const cjs = require('binance-stream-client') as Record<string, unknown>;
    const esm = (await import(pathToFileURL(root + 'dist/index.js').href)) as Record<string, unknown>;
    expect(publicNames(cjs).length).toBeGreaterThan(10);
    expect(publicNames(cjs)).toEqual(publicNames(esm));
    expect(typeof cjs.BinanceStreamClient).toBe('function');
    expect(typeof esm.BinanceStreamClient).toBe('function');
    expect(typeof cjs.ExponentialBackoff).toBe('function');
  });

  it('testing: require() and import() find the same public names', async () => {
    const cjs = require('binance-stream-client/testing') as Record<string, unknown>;
    const esm = (await import(pathToFileURL(root + 'dist/testing/index.js').href)) as Record<string, unknown>;
    expect(publicNames(cjs)).toEqual(publicNames(esm));
    expect(typeof esm.FakeBinance).toBe('function');
  });

  it("ESM: an error thrown by /metrics, /redis or /advanced is `instanceof` the main entry's BinanceStreamError (one shared class)", async () => {
    const load = async (f: string): Promise<Record<string, unknown>> => (await import(pathToFileURL(root + f).href)) as Record<string, unknown>;
    const main = await load('dist/index.js');
    const metrics = await load('dist/metrics/index.js');
    const redis = await load('dist/redis/index.js');
    const advanced = await load('dist/advanced.js');
    const Err = main.BinanceStreamError as new (...a: unknown[]) => Error;
    const thrown = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    };
    const errors = [
      thrown(() => (metrics.prometheusMetrics as (c: unknown, o: unknown) => unknown)(undefined, {})),
      thrown(() => new (redis.RedisCoordinator as new (o: unknown) => unknown)({})),
      thrown(() => (advanced.createSigner as (o: unknown) => unknown)({})),
    ];
    for (const e of errors) {
      expect(e).toMatchObject({ code: 'ERR_INVALID_OPTION' });
      expect(e instanceof Err, String(e)).toBe(true);
    }
  });

  it('the user-data code the client loads with import() is a chunk of its own (ESM) and inlined in the CJS build', async () => {
    const esm = readFileSync(root + 'dist/index.js', 'utf8');
    const esmChunks = [...esm.matchAll(/from ["'](\.\/[^"']+)["']/g)].map((m) => readFileSync(root + 'dist/' + m[1]!.slice(2), 'utf8'));
    const dynamic = esmChunks.join('\n').match(/import\(["'](\.\/user-data-stream-[\w-]+\.js)["']\)/);
    expect(dynamic, 'an import() of the user-data chunk').not.toBeNull();
    expect(esm + esmChunks.join('\n')).not.toContain('userDataStream.subscribe');
    const lazy = (await import(pathToFileURL(root + 'dist/' + dynamic![1]!.slice(2)).href)) as Record<string, unknown>;
    expect(typeof lazy.createUserDataStream).toBe('function');
    expect(readFileSync(root + 'dist/index.cjs', 'utf8')).toContain('userDataStream.subscribe');
  });

  it('the CJS main build bundles p-retry instead of requiring an ESM-only package', () => {
    const text = readFileSync(root + 'dist/index.cjs', 'utf8');
    expect(text).not.toMatch(/require\(["']p-retry["']\)/);
  });

  it('the main entry imports no Node-only module and not the emulator', () => {
    // The split ESM entry is a facade over chunks: read every chunk it reaches statically too.
    const reach = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file)) return seen;
      seen.add(file);
      for (const m of readFileSync(root + file, 'utf8').matchAll(/from ["']\.\/([^"']+\.js)["']/g)) reach('dist/' + m[1]!, seen);
      return seen;
    };
    const files = [...reach('dist/index.js'), 'dist/index.cjs'];
    expect(files.length, 'the ESM entry imports its chunks').toBeGreaterThan(2);
    for (const file of files) {
      const text = readFileSync(root + file, 'utf8');
      expect(text, file).not.toMatch(/from ["']node:|require\(["']node:/);
      expect(text, file).not.toMatch(/FakeBinance|WebSocketServer/);
    }
  });

  it('the main entry bundles for browsers with no Node built-in (and without ws)', async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [root + 'dist/index.js'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(out.errors).toEqual([]);
    const text = out.outputFiles[0]!.text;
    expect(text).toContain('BinanceStreamClient');
    expect(text).not.toMatch(/require\(["']ws["']\)|from ["']ws["']|node:/);
  });

  it('ships type declarations for both formats', () => {
    for (const f of ['dist/index.d.ts', 'dist/index.d.cts', 'dist/testing/index.d.ts', 'dist/testing/index.d.cts']) {
      expect(readFileSync(root + f, 'utf8').length, f).toBeGreaterThan(100);
    }
  });

  it('the emulator CLI is executable', () => {
    expect(readFileSync(root + 'dist/testing/cli.js', 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
