/**
 * The dependency rule of docs/architecture.md, checked on the real import graph of src/:
 * no import circle (type-only imports count), no arrow against the layer order
 * core ← streams ← retry ← connection ← {pool, user-data} ← client ← entry (index.ts, advanced.ts, events.ts),
 * recovery/ used by pool/ only, src/testing/ self-contained, and no exported name that shadows a DOM global.
 * The checks themselves are proven on small in-memory graphs first.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, domShadowingExports, findCircles, graphOf, parseModule, readImportGraph } from '../helpers/import-graph';

const graph = readImportGraph(fileURLToPath(new URL('../../src', import.meta.url)));
const report = (lines: string[]) => (lines.length ? `\n  ${lines.join('\n  ')}\n` : '');

describe('architecture of src/', () => {
  it('has no import circle', () => {
    expect(report(findCircles(graph).map((c) => `circle: ${c.join(' → ')}`))).toBe('');
  });
  it('has no arrow against the layer order', () => {
    expect(report(checkLayers(graph).map((v) => v.message))).toBe('');
  });
  it('exports no type named like a DOM global', () => {
    expect(report(domShadowingExports(graph).map((v) => v.message))).toBe('');
  });
});

describe('the checks themselves', () => {
  it('parse every kind of import and every exported name', () => {
    const m = parseModule(`import a from './a'; import type { B } from './b'; import { type C } from './c'; import './d';
      export { e } from './e'; export type { F as CloseEvent } from './f'; const g = () => import('./g'); type H = typeof import('./h');
      export interface ErrorEvent {} export type OpenEvent = 1; interface MessageEvent {}`);
    expect(m.imports).toEqual([
      { specifier: './a', typeOnly: false },
      { specifier: './b', typeOnly: true },
      { specifier: './c', typeOnly: false }, // still loads ./c under verbatimModuleSyntax
      { specifier: './d', typeOnly: false },
      { specifier: './e', typeOnly: false },
      { specifier: './f', typeOnly: true },
      { specifier: './g', typeOnly: false },
      { specifier: './h', typeOnly: true },
    ]);
    expect(m.exportedNames).toEqual(['e', 'CloseEvent', 'ErrorEvent', 'OpenEvent']);
  });

  it('find a circle, including one closed by a type-only import, and a self-import', () => {
    const g = graphOf({ 'pool/a.ts': ['pool/b.ts'], 'pool/b.ts': ['pool/c.ts'], 'pool/c.ts': ['type:pool/a.ts', 'core/d.ts'], 'core/e.ts': ['core/e.ts'] });
    expect(findCircles(g)).toEqual([
      ['pool/a.ts', 'pool/b.ts', 'pool/c.ts', 'pool/a.ts'],
      ['core/e.ts', 'core/e.ts'],
    ]);
    expect(findCircles(graphOf({ 'pool/a.ts': ['pool/b.ts', 'core/d.ts'], 'pool/b.ts': ['core/d.ts'] }))).toEqual([]);
  });

  it('flag every wrong-way arrow and accept the right ones', () => {
    const g = graphOf({
      'core/errors.ts': ['streams/names.ts'], // up
      'connection/socket.ts': ['core/errors.ts', 'retry/policy.ts', 'type:client/client.ts'], // ok, ok, up (types count)
      'pool/pool.ts': ['recovery/dedup.ts', 'user-data/rest.ts'], // ok, sibling
      'user-data/stream.ts': ['recovery/dedup.ts'], // recovery is pool's only
      'recovery/dedup.ts': ['connection/socket.ts'], // recovery imports core/streams only
      'testing/fake.ts': ['type:index.ts', 'core/logger.ts'], // ok, outside testing
      'testing/cli.ts': ['index.ts'], // a value import of the entry
      'events.ts': ['type:pool/pool.ts', 'type:user-data/stream.ts', 'testing/fake.ts'], // ok, ok, testing
      'client.ts': [], // outside every layer
    });
    expect(checkLayers(g).map((v) => `${v.from} → ${v.to ?? ''}`)).toEqual([
      'core/errors.ts → streams/names.ts',
      'connection/socket.ts → client/client.ts',
      'pool/pool.ts → user-data/rest.ts',
      'user-data/stream.ts → recovery/dedup.ts',
      'recovery/dedup.ts → connection/socket.ts',
      'testing/fake.ts → core/logger.ts',
      'testing/cli.ts → index.ts',
      'events.ts → testing/fake.ts',
      'client.ts → ',
    ]);
    expect(domShadowingExports(graphOf({ 'connection/events.ts': [] }, { 'connection/events.ts': ['SocketCloseEvent', 'CloseEvent'] })).map((v) => v.message)).toEqual([
      'connection/events.ts exports CloseEvent, which shadows the DOM global of that name',
    ]);
  });
});
