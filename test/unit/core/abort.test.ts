/**
 * The library's cancellable waits (src/core/abort.ts): they settle as told, reject with a coded
 * ERR_ABORTED carrying the signal's reason, and leave no timer and no listener behind, with
 * native AbortSignals and with a user's AbortSignalLike alike.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortableSleep, linkAbort, onAbort, raceAbort } from '../../../src/core/abort';
import type { AbortSignalLike } from '../../../src/core/web-types';

/** An AbortSignalLike that is no native AbortSignal (AbortSignal.any() would refuse it) and counts its listeners. */
class CountingSignal extends EventTarget {
  aborted = false;
  reason: unknown;
  listeners = 0;
  override addEventListener(...a: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    super.addEventListener(...a);
  }
  override removeEventListener(...a: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--;
    super.removeEventListener(...a);
  }
  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.dispatchEvent(new Event('abort'));
  }
}

/** As the library's type (a native AbortSignal, where the DOM types exist), which this is not. */
const like = (s: CountingSignal): AbortSignalLike => s as unknown as AbortSignalLike;

afterEach(() => {
  vi.useRealTimers();
});

describe('abortableSleep', () => {
  it('resolves after ms (fake timers drive it), leaving no timer and no listener', async () => {
    vi.useFakeTimers();
    const a = new CountingSignal();
    const b = new CountingSignal();
    let done = false;
    const p = abortableSleep(30_000, [like(a), undefined, like(b)], 'backoff').then(() => (done = true));
    expect(a.listeners + b.listeners).toBe(2);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(a.listeners + b.listeners).toBe(0);
  });

  it('rejects with ERR_ABORTED (cause: the reason) when any of its signals aborts, clearing its timer and every listener', async () => {
    vi.useFakeTimers();
    const a = new CountingSignal();
    const ac = new AbortController();
    const p = abortableSleep(60_000, [like(a), ac.signal], 'backoff');
    const reason = new Error('socket stopped');
    ac.abort(reason);
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED', message: 'backoff aborted', cause: reason });
    expect(vi.getTimerCount()).toBe(0);
    expect(a.listeners).toBe(0);
  });

  it('an already aborted signal rejects at once and arms nothing; a single signal works as before', async () => {
    vi.useFakeTimers();
    const a = new CountingSignal();
    a.abort('gone');
    await expect(abortableSleep(1000, [like(a)], 'wait')).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: 'gone' });
    expect(vi.getTimerCount()).toBe(0);
    expect(a.listeners).toBe(0);
    const ac = new AbortController();
    const p = abortableSleep(1000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED', message: 'wait aborted' });
    const q = abortableSleep(5, undefined);
    await vi.advanceTimersByTimeAsync(5);
    await expect(q).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('raceAbort', () => {
  it('settles like the promise, and removes its listeners', async () => {
    const a = new CountingSignal();
    await expect(raceAbort(Promise.resolve(7), [like(a)])).resolves.toBe(7);
    await expect(raceAbort(Promise.reject(new Error('boom')), [like(a)])).rejects.toThrow('boom');
    expect(a.listeners).toBe(0);
  });

  it('rejects with ERR_ABORTED when a signal aborts first; the late rejection of the promise is absorbed', async () => {
    const a = new CountingSignal();
    let fail!: (e: Error) => void;
    const slow = new Promise<number>((_, reject) => (fail = reject));
    const p = raceAbort(slow, [undefined, like(a)], 'start()');
    a.abort('stop');
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED', message: 'start() aborted', cause: 'stop' });
    expect(a.listeners).toBe(0);
    fail(new Error('late')); // no unhandled rejection (vitest fails the run on one)
    await new Promise((r) => setTimeout(r, 0));
  });
});

describe('linkAbort', () => {
  it("aborts the child with the parent's reason while linked, and leaves no listener once unlinked", () => {
    const parent = new CountingSignal();
    const child = new AbortController();
    const unlink = linkAbort(like(parent), child);
    expect(parent.listeners).toBe(1);
    parent.abort('stop');
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe('stop');
    unlink();
    expect(parent.listeners).toBe(0);
  });

  it('an unlinked child no longer follows the parent; an already aborted parent aborts the child at once', () => {
    const parent = new CountingSignal();
    const child = new AbortController();
    linkAbort(like(parent), child)();
    expect(parent.listeners).toBe(0);
    parent.abort('late');
    expect(child.signal.aborted).toBe(false);
    const gone = new AbortController();
    gone.abort('already');
    const c2 = new AbortController();
    linkAbort(gone.signal, c2)();
    expect(c2.signal.reason).toBe('already');
  });
});

describe('onAbort: many waits on one signal', () => {
  it('50 concurrent sleeps and races hold one listener on the signal, all reject on abort, none left after', async () => {
    const s = new CountingSignal();
    const waits = [
      ...Array.from({ length: 25 }, () => abortableSleep(60_000, like(s), 'fill')),
      ...Array.from({ length: 25 }, () => raceAbort(new Promise<never>(() => undefined), [like(s)], 'snapshot')),
    ];
    expect(s.listeners).toBe(1);
    s.abort('stop');
    const results = await Promise.allSettled(waits);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ERR_ABORTED')).toBe(true);
    expect(s.listeners).toBe(0);
  });

  it('the listener goes once the last wait ends; a native signal shared by 30 waits raises no MaxListenersExceededWarning', async () => {
    const s = new CountingSignal();
    const offs = Array.from({ length: 5 }, () => onAbort(like(s), () => undefined));
    expect(s.listeners).toBe(1);
    for (const off of offs.slice(1)) off();
    expect(s.listeners).toBe(1);
    offs[0]!();
    offs[0]!(); // twice: harmless
    expect(s.listeners).toBe(0);

    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const ac = new AbortController();
      const sleeps = Array.from({ length: 30 }, () => abortableSleep(60_000, ac.signal));
      ac.abort();
      await Promise.allSettled(sleeps);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
