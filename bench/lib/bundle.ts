/**
 * How the bench bundles a child entry: src included, dependencies external (like the
 * published build), one ESM file per entry; `tsx` when esbuild is not installed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BuiltEntry {
  file: string;
  nodeArgs: string[];
}

const EXTERNAL = ['ws', 'binance', '@binance/*', 'eventemitter3', 'isomorphic-ws', 'p-retry', 'ccxt'];

/** Bundle `src` to `<outDir>/<name>.mjs`; esbuild's errors propagate. */
export async function bundleEntry(root: string, src: string, outDir: string, name: string, opts: { sourcemap?: boolean } = {}): Promise<BuiltEntry> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return { file: src, nodeArgs: ['--import', 'tsx'] };
  }
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${name}.mjs`);
  await esbuild.build({
    entryPoints: [src],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.json'),
    external: EXTERNAL,
    logLevel: 'silent',
    sourcemap: opts.sourcemap ? 'inline' : false,
  });
  return { file: out, nodeArgs: [] };
}
