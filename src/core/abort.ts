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

/** Per signal: the callbacks of the library's waits, behind one real listener (see {@link onAbort}). */
const hubs = new WeakMap<AbortSignalLike, { readonly callbacks: Set<() => void>; readonly fire: () => void }>();

/**
 * Call `cb` once when `signal` aborts, until the returned unlisten is called. However many
 * waits share one signal (concurrent backfills and snapshots on the client's stop signal, REST
 * retries, budget queues), the signal holds one listener of the library's: Node warns
 * (MaxListenersExceededWarning) past 10 listeners on an AbortSignal, and a user's signal is
 * left as it was once every wait has ended.
 */
export function onAbort(signal: AbortSignalLike, cb: () => void): () => void {
  let hub = hubs.get(signal);
  if (hub === undefined) {
    const callbacks = new Set<() => void>();
    const fire = (): void => {
      hubs.delete(signal);
      signal.removeEventListener('abort', fire); // `once` did it for a native signal, not for every AbortSignalLike
      for (const f of [...callbacks]) f();
      callbacks.clear();
    };
    hub = { callbacks, fire };
    hubs.set(signal, hub);
    signal.addEventListener('abort', fire, { once: true });
  }
  const h = hub;
  h.callbacks.add(cb);
  return () => {
    if (!h.callbacks.delete(cb) || h.callbacks.size > 0 || hubs.get(signal) !== h) return;
    hubs.delete(signal);
    signal.removeEventListener('abort', h.fire);
  };
}

/**
 * Resolve after `ms`, or reject with `ERR_ABORTED` as soon as `signal` (or any of several) aborts;
 * either way no timer and no listener is left behind.
 *
 * Written here on purpose, not `timers/promises`' `setTimeout(ms, v, { signal })` (Node-only: the
 * main entry runs in browsers) nor `AbortSignal.timeout(ms)` (its timer cannot be cleared, so an
 * aborted wait would leave it running; and neither is faked by test fake timers). Several signals
 * get a listener each rather than one `AbortSignal.any()`: a composite that follows a long-lived
 * signal (the socket's lifetime) is retained by it in Node 20 and Deno, one per backoff.
 */
export function abortableSleep(ms: number, signal: AbortSignalLike | readonly (AbortSignalLike | undefined)[] | undefined, what = 'wait'): Promise<void> {
  const signals = (Array.isArray(signal) ? signal : [signal]).filter((s): s is AbortSignalLike => s !== undefined);
  return new Promise<void>((resolve, reject) => {
    const already = signals.find((s) => s.aborted);
    if (already) {
      reject(aborted(what, already.reason));
      return;
    }
    const cleanup = (): void => {
      for (const off of unlisten) off();
    };
    const abort = (): void => {
      clearTimeout(timer);
      cleanup();
      reject(aborted(what, signals.find((s) => s.aborted)?.reason));
    };
    const timer = setTimeout(
      () => {
        cleanup();
        resolve();
      },
      Math.max(0, Math.min(ms, 2_147_483_647)),
    );
    const unlisten = signals.map((s) => onAbort(s, abort));
  });
}

/**
 * Settle like `promise`, or reject with `ERR_ABORTED` as soon as any of `signals` aborts.
 * The promise itself is not cancelled (its own owner does that); its late rejection is
 * absorbed, never unhandled. One listener per signal, removed on settling, rather than
 * `AbortSignal.any()`: the signals are `AbortSignalLike` (a user's may not be a native
 * AbortSignal, which `any()` requires) and often long-lived (see {@link abortableSleep}).
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
      for (const off of unlisten) off();
    };
    const abort = (): void => {
      cleanup();
      promise.catch(() => undefined);
      reject(aborted(what, live.find((s) => s.aborted)?.reason));
    };
    const unlisten = live.map((s) => onAbort(s, abort));
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

/**
 * Aborts `child` when `parent` aborts (with its reason), until the returned unlink is called:
 * a scoped `AbortSignal.any([parent, child.signal])` without the composite a long-lived parent
 * keeps alive in Node 20 and Deno (nodejs/node#55351), and for a non-native parent too.
 */
export function linkAbort(parent: AbortSignalLike, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return () => undefined;
  }
  return onAbort(parent, () => child.abort(parent.reason));
}
