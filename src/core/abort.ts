/**
 * Cancellable waits. Every wait in the library takes an `AbortSignal` and rejects with
 * `ERR_ABORTED` (see `aborted()` in ./errors.ts) the moment it aborts, leaving no timer
 * and no listener behind.
 */
import type { AbortSignalLike } from './web-types';
import { aborted } from './errors';

/** Throw `ERR_ABORTED` if `signal` already aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined, what: string): void {
  if (signal?.aborted) throw aborted(what, signal.reason);
}

/** Resolve after `ms`, or reject with `ERR_ABORTED` as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignalLike | undefined, what = 'wait'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(what, signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(what, signal?.reason));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, Math.min(ms, 2_147_483_647)),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settle like `promise`, or reject with `ERR_ABORTED` as soon as any of `signals` aborts.
 * The promise itself is not cancelled (its own owner does that); its late rejection is
 * absorbed, never unhandled.
 */
export function raceAbort<T>(promise: Promise<T>, signals: readonly (AbortSignalLike | undefined)[], what = 'operation'): Promise<T> {
  const live = signals.filter((s): s is AbortSignalLike => s !== undefined);
  const already = live.find((s) => s.aborted);
  if (already) {
    promise.catch(() => undefined);
    return Promise.reject(aborted(what, already.reason));
  }
  if (!live.length) return promise;
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      for (const s of live) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (ev: Event): void => {
      cleanup();
      promise.catch(() => undefined);
      reject(aborted(what, (ev.target as AbortSignalLike | null)?.reason));
    };
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}
