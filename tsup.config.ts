import { defineConfig } from 'tsup';

// The isomorphic main entry, its building blocks (`/advanced`, isomorphic too), the Node-only
// emulator (`/testing`), and the optional integrations whose libraries are optional peer
// dependencies (`/redis`: ioredis; `/metrics`: prom-client or OpenTelemetry), never bundled.
// p-retry is ESM-only, so it is bundled into the output (both formats) to keep
// `require('binance-stream-client')` working; everything else stays external.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', advanced: 'src/advanced.ts', 'testing/index': 'src/testing/index.ts', 'redis/index': 'src/redis/index.ts', 'metrics/index': 'src/metrics/index.ts' },
    format: ['esm', 'cjs'],
    // stripInternal: members tagged @internal (the emulator's `ws`-typed plumbing) stay
    // out of the declarations, so consumers need no @types/ws.
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    // `splitting` left to tsup's default on purpose: ESM split, CJS not.
    // - ESM: the entries share their common code through chunks (one BinanceStreamError class
    //   for `.`, `/advanced`, `/redis` and `/metrics`), and the user-data code the client loads
    //   with `import()` (src/client/user-data.ts) stays in chunks of its own, out of a
    //   market-data-only consumer's bundle.
    // - CJS: one self-contained file per entry (the client's `import()` becomes a `require()` of
    //   code inlined in the same file). tsup's CJS splitting (`splitting: true`) is experimental:
    //   its source maps point at the intermediate file (no sources, an absolute build path).
    // esbuild's own tree shaking only: tsup's extra Rollup pass (`treeshake: true`) appended a
    // second `//# sourceMappingURL` to every file, for 0.4 kB (gzip) less in a consumer's bundle.
    treeshake: false,
    noExternal: ['p-retry', 'is-network-error'],
    external: ['ws', 'isomorphic-ws', 'eventemitter3', 'ioredis', 'prom-client', '@opentelemetry/api', /^node:/],
  },
  {
    entry: { 'testing/cli': 'src/testing/cli.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['ws', 'isomorphic-ws', 'eventemitter3'],
  },
]);
