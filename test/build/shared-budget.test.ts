/**
 * Runs against dist/ after `npm run build`: every copy of the library in one process
 * (the ESM and the CJS build of `/advanced`, which tsup bundles separately) dials
 * through ONE connection budget, because Binance counts attempts per IP.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(root + 'package.json');

interface AdvancedEntry {
  ConnectionBudget: { shared(): { acquire(id: string, signal: AbortSignal): Promise<void>; state(): { granted: number } } };
}

describe('one connection budget per process', () => {
  it('the ESM and CJS builds of binance-stream-client/advanced share ConnectionBudget.shared()', async () => {
    const cjs = require('binance-stream-client/advanced') as AdvancedEntry;
    const esm = (await import(pathToFileURL(root + 'dist/advanced.js').href)) as AdvancedEntry;
    expect(cjs.ConnectionBudget).not.toBe(esm.ConnectionBudget); // two module copies…
    const a = cjs.ConnectionBudget.shared();
    const b = esm.ConnectionBudget.shared();
    expect(a).toBe(b); // …one budget
    const before = b.state().granted;
    await a.acquire('copy-cjs', new AbortController().signal);
    expect(b.state().granted).toBe(before + 1); // an attempt through one copy counts in the other
  });
});
