/**
 * The emulator's clock: wall time plus owned timers.
 *
 * Real timer functions are captured when this module loads, so a test that later
 * calls `vi.useFakeTimers()` for its client does not freeze the emulator (and the
 * emulator's timers never show up in `vi.getTimerCount()`). Durations are divided
 * by `timeScale` (1440 = a day in a minute). Every timer is tracked so that
 * {@link Clock.dispose} leaves no handle behind.
 */

const realSetTimeout = globalThis.setTimeout.bind(globalThis);
const realClearTimeout = globalThis.clearTimeout.bind(globalThis);
const realSetImmediate = globalThis.setImmediate.bind(globalThis);
const realClearImmediate = globalThis.clearImmediate.bind(globalThis);
const realDateNow = Date.now.bind(Date);
const perf = globalThis.performance;
const realPerfNow = perf.now.bind(perf);

export type TimerHandle = { readonly __timer: true };

interface Entry {
  kind: 'timeout' | 'immediate';
  raw: unknown;
}

export class Clock {
  private readonly timers = new Map<TimerHandle, Entry>();
  private disposed = false;

  /** @param timeScale divides every scaled duration (1 = real time). */
  constructor(readonly timeScale: number = 1) {}

  /** Wall-clock milliseconds (Binance's `E`/`T`), immune to fake timers. */
  now(): number {
    return realDateNow();
  }

  /** High-resolution wall-clock ms (`performance.timeOrigin + performance.now()`). */
  hrNow(): number {
    return perf.timeOrigin + realPerfNow();
  }

  /** A Binance duration in emulator time: `ms / timeScale`, at least 1 ms. */
  scale(ms: number): number {
    return Math.max(1, ms / this.timeScale);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** setTimeout with ownership; returns a handle for {@link clear}. Never throws out of `fn`. */
  timeout(fn: () => void, ms: number): TimerHandle {
    const handle = { __timer: true } as TimerHandle;
    if (this.disposed) return handle;
    const raw = realSetTimeout(() => {
      this.timers.delete(handle);
      safe(fn);
    }, clampDelay(ms));
    this.timers.set(handle, { kind: 'timeout', raw });
    return handle;
  }

  /** setImmediate with ownership. */
  immediate(fn: () => void): TimerHandle {
    const handle = { __timer: true } as TimerHandle;
    if (this.disposed) return handle;
    const raw = realSetImmediate(() => {
      this.timers.delete(handle);
      safe(fn);
    });
    this.timers.set(handle, { kind: 'immediate', raw });
    return handle;
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const e = this.timers.get(handle);
    if (!e) return;
    this.timers.delete(handle);
    if (e.kind === 'timeout') realClearTimeout(e.raw as ReturnType<typeof setTimeout>);
    else realClearImmediate(e.raw as ReturnType<typeof setImmediate>);
  }

  private readonly sleepers = new Set<() => void>();

  /** A real-time sleep owned by this clock (resolves at once when disposed). */
  sleep(ms: number): Promise<void> {
    return this.waitFor((done) => this.timeout(done, ms));
  }

  /** Yield to I/O (setImmediate); resolves at once when disposed. */
  yieldIO(): Promise<void> {
    return this.waitFor((done) => this.immediate(done));
  }

  private waitFor(arm: (done: () => void) => TimerHandle): Promise<void> {
    return new Promise((resolve) => {
      if (this.disposed) return resolve();
      const done = (): void => {
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      arm(done);
    });
  }

  /** Number of live timers (for tests and leak checks). */
  get pending(): number {
    return this.timers.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const h of [...this.timers.keys()]) this.clear(h);
    for (const done of [...this.sleepers]) done();
  }
}

function clampDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(ms, 2_147_483_647);
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // The emulator must never crash the test process from a timer.
    process.emitWarning(`FakeBinance timer callback threw: ${String((err as Error)?.stack ?? err)}`);
  }
}
