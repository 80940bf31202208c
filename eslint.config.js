// @ts-check
// ESLint flat config. `npm run lint` = `eslint .` (src, test, bench, examples and the root configs).
// typescript-eslint's non-type-checked `recommended` set: fast (no type information), and `npm run typecheck`
// already runs the compiler in strict mode over the same files.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'bench/results/**', 'test/types/.readme-snippets/**', 'docs/api/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // The main entry is isomorphic (Node + browser); tests and tools run on Node.
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // A leading underscore marks a parameter or binding that is unused on purpose (an interface method that
      // ignores its context, `const { E: _e, ...rest } = x` to drop fields).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `cond ? a() : b()` and `x && f()` as statements are part of the house style.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // The anti-example is a 2,400-line client class where every fix landed (architecture.md): no file grows past 300.
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
      // Warn, not error: the frame-parsing hot path reads `JSON.parse` output as `any` on purpose (narrowing every
      // field of every message costs time and adds nothing the classifier does not check), and listener
      // signatures for foreign emitters (`ws`'s `on(event, (...args: any[]) => void)`) need it for variance.
      // Anything else should be `unknown`; the warning keeps each use visible in review.
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Exempt from max-lines by name, each for a reason. Only declarations and tables belong here, never logic.
    files: [
      'src/streams/types.ts', // payload type declarations, one interface per Binance market-data event
      'src/user-data/types.ts', // payload type declarations for the user-data events, plus the product → path table
    ],
    rules: { 'max-lines': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read raw JSON frames from the emulator and poke at internals: `any` there is deliberate.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
