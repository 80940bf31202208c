/**
 * Every ```ts block in README.md must type-check against the sources, so the README
 * cannot drift from the code. Free names a snippet uses for brevity are declared below.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}test/types/.readme-snippets/`;

const PRELUDE = `
declare const apiKey: string;
declare const apiSecret: string;
declare function reconcileOrdersAndBalances(from: number, to: number): void;
`;

function snippets(): string[] {
  const md = readFileSync(`${root}README.md`, 'utf8');
  return [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('has TypeScript examples, and every one type-checks', () => {
    const blocks = snippets();
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = blocks.map((code, i) => {
      const file = `${dir}snippet-${i + 1}.ts`;
      writeFileSync(file, `${PRELUDE}\n${code}\nexport {};\n`);
      return file;
    });
    const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (!config) throw new Error('tsconfig.json could not be read');
    const program = ts.createProgram(files, { ...config.options, noEmit: true, noUnusedLocals: false });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(d.file.fileName))
      .map((d) => `${d.file!.fileName.slice(dir.length)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  }, 60_000);
});
