/** pool/ stays a layer: it imports only core/, streams/, retry/, connection/ and recovery/, and no file grows past 300 lines. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(__dirname, '../../../src');
const ALLOWED = ['core', 'streams', 'retry', 'connection', 'recovery'];

function files(layer: string): [string, string][] {
  return readdirSync(join(src, layer))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(src, layer, f), 'utf8')]);
}

describe('pool/ layout', () => {
  it('imports only core/, streams/, retry/, connection/, recovery/ and itself', () => {
    for (const [file, text] of files('pool')) {
      for (const [, spec] of text.matchAll(/(?:from|import)\s+'([^']+)'/g)) {
        if (!spec!.startsWith('.')) continue;
        const layer = spec!.startsWith('./') ? 'pool' : spec!.split('/')[1]!;
        expect(layer === 'pool' || ALLOWED.includes(layer), `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it('keeps every pool/ and recovery/ file at 300 lines or fewer', () => {
    for (const layer of ['pool', 'recovery']) {
      for (const [file, text] of files(layer)) expect(text.split('\n').length - 1, `${layer}/${file}`).toBeLessThanOrEqual(300);
    }
  });
});
