/**
 * Emulators that close themselves (the ioredis mock_server idea): every FakeBinance started here is
 * registered, and one global afterEach (test/helpers/setup.ts, a vitest setupFiles entry) closes them all.
 *
 *   const ex = await startEmulator({ market: 'usdm' });    // FakeBinance.start(options), registered
 *   const c = new BinanceStreamClient(ex.clientOptions());
 *   onCleanup(() => c.stop());                             // runs after the test, before the emulators close
 *
 * startEmulator(options?)   FakeBinance.start(options) (127.0.0.1, port 0), registered for closing after the test.
 * onCleanup(fn)             run `fn` after the current test, last registered first, before the emulators close;
 *                           for whatever talks to an emulator (clients, sockets), so nothing reconnects to a closed port.
 * closeEmulators()          run the cleanups, then close every registered emulator (all of them even if one
 *                           fails; the first error is rethrown). The setup file calls it; tests need not.
 * runningEmulators()        how many registered emulators are still open.
 *
 * A file's own afterEach runs before this one (vitest's default `sequence.hooks: 'stack'`), so a file may still
 * assert on an emulator in its afterEach. An emulator closed by the test itself is simply closed again (a no-op).
 * FakeBinance is loaded on first use, so files that never start one do not load the emulator.
 */
import type { FakeBinance } from 'binance-stream-client/testing';

export type EmulatorOptions = NonNullable<Parameters<typeof FakeBinance.start>[0]>;

const emulators = new Set<FakeBinance>();
const cleanups: (() => unknown)[] = [];

export async function startEmulator(options: EmulatorOptions = {}): Promise<FakeBinance> {
  const { FakeBinance } = await import('binance-stream-client/testing');
  const ex = await FakeBinance.start(options);
  emulators.add(ex);
  return ex;
}

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export function runningEmulators(): number {
  return emulators.size;
}

export async function closeEmulators(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      errors.push(err);
    }
  }
  const all = [...emulators];
  emulators.clear();
  for (const r of await Promise.allSettled(all.map((ex) => ex.close()))) if (r.status === 'rejected') errors.push(r.reason);
  if (errors.length) throw errors[0];
}
