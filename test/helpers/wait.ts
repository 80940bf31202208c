/** Polling waits for tests (real timers; each bounded). */

/** Resolve once `cond()` is true; reject naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 4_000, what = 'condition', stepMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
