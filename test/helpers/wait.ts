/**
 * The one polling wait for tests (real timers; every wait is bounded).
 *
 *   await until(() => socket.state === 'open');
 *   await until(() => fake.connections().length === 0, { timeoutMs: 2_000, message: 'server-side sockets to close' });
 *   await until(() => got.size === 280, { message: () => `280 streams (got ${got.size})` });
 *   await until(async () => (await probe()).ok, { intervalMs: 20 });
 *
 * until(condition, options?)   resolves as soon as `condition()` is truthy (checked at once, then every
 *                              `intervalMs`, default 5); rejects after `timeoutMs` (default 4_000) with
 *                              "timed out after <timeoutMs> ms waiting for <message>" (default 'condition');
 *                              `message` may be a function, called at the timeout, to report what was seen.
 *                              A condition that throws rejects at once with that error.
 * sleep(ms)                    a plain delay, only where time itself is what the test needs and no condition can
 *                              exist: a window before asserting that something did NOT happen, or two timestamps
 *                              that must differ. Say why in a comment; everything else waits with until().
 *
 * Under vi.useFakeTimers() use `shouldAdvanceTime: true` (or vi.waitFor), since until() waits on setTimeout.
 */

export interface UntilOptions {
  /** Give up after this long (default 4_000 ms). */
  timeoutMs?: number;
  /** Check this often (default 5 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout error (default 'condition'); a function is called at the timeout. */
  message?: string | (() => string);
}

export async function until(condition: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  const { timeoutMs = 4_000, intervalMs = 5, message = 'condition' } = options;
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof message === 'function' ? message() : message}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
