/**
 * Consumer fixture for `binance-stream-client/advanced`: the matrix compiles it only
 * when the tarball ships dist/advanced.d.ts (the case is skipped otherwise). It checks
 * that the subpath resolves in every mode and that its declarations type-check; extend
 * it with real usages once the entry's API settles.
 */
// eslint-disable-next-line @typescript-eslint/ban-ts-comment -- consumer-matrix: strip (a @ts-expect-error would fail once the path resolves)
// @ts-ignore -- consumer-matrix: strip (until src/advanced.ts and its tsconfig path exist, the repo's typecheck cannot resolve it)
import * as advanced from 'binance-stream-client/advanced';

const names: string[] = Object.keys(advanced);
export { names };
