/**
 * The smoke test's command-line form for Node, Bun and Deno: matrix.test.ts compiles this
 * file (with smoke-core.ts) to one plain ES module and runs it as
 *
 *   <runtime> smoke-main.mjs '<SmokeConfig JSON with "entry">'
 *
 * where `entry` is the file URL of the BUILT main entry (dist/index.js), imported as a
 * consumer would. Prints one line `BSC_SMOKE_RESULT <json>`, then returns without calling
 * exit: the process must end by itself, which proves stop() left no socket or timer behind.
 */
import type * as Lib from '../../src/index';
import { runSmoke, runtimeInfo, type SmokeConfig } from './smoke-core';

const argv = (globalThis as unknown as { process?: { argv?: string[] } }).process?.argv ?? [];
const cfg = JSON.parse(argv[argv.length - 1] ?? '{}') as SmokeConfig & { entry: string };

let line: string;
try {
  const lib = (await import(cfg.entry)) as typeof Lib;
  line = JSON.stringify(await runSmoke(lib, cfg));
} catch (err) {
  line = JSON.stringify({ ok: false, ...runtimeInfo(), step: 'import', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
}
console.log(`BSC_SMOKE_RESULT ${line}`);
