/** Shared bits for the user-data tests: an event recorder, a capturing logger, a fast retry policy. */
import { ExponentialBackoff } from '../../../src/retry/exponential-backoff';
import type { CreateUserDataStreamOptions } from '../../../src/user-data/user-data-stream';
import type { Logger } from '../../../src/core/logger';

export interface Recorded {
  event: string;
  args: unknown[];
}

export function recorder() {
  const all: Recorded[] = [];
  const waiters = new Set<() => void>();
  const emit = ((event: string, ...args: unknown[]) => {
    all.push({ event, args });
    for (const w of [...waiters]) w();
  }) as CreateUserDataStreamOptions['emit'];
  const of = <T = any>(event: string): T[] => all.filter((r) => r.event === event).map((r) => r.args[0] as T);
  const waitFor = <T = any>(event: string, pred: (e: T) => boolean = () => true, timeoutMs = 5000): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = of<T>(event).find(pred);
        if (hit === undefined) return false;
        waiters.delete(check as () => void);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check as () => void);
        reject(new Error(`timeout waiting for "${event}" (saw: ${all.map((r) => r.event).join(', ')})`));
      }, timeoutMs);
      if (!check()) waiters.add(check as () => void);
    });
  /** Wait until `n` events of a kind were seen. */
  const waitCount = (event: string, n: number, timeoutMs = 5000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (of(event).length >= n) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timeout waiting for ${n} "${event}" (saw ${of(event).length})`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { all, emit, of, waitFor, waitCount };
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const mk = (lvl: string) => (fields: Record<string, unknown>, msg: string) => {
    let f: string;
    try {
      f = JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack, cause: String(v.cause) } : v));
    } catch {
      f = String(fields);
    }
    lines.push(`${lvl} ${msg} ${f}`);
  };
  return { logger: { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error') }, lines };
}

/** Retries fast (tests run on loopback). */
export function fastPolicy(): ExponentialBackoff {
  return new ExponentialBackoff({ initialDelayMs: 50, maxDelayMs: 300, jitter: 0, initialDelayByKind: { throttled: 200 } });
}

/** Everything an event or error could carry, as one string, to search for secrets. */
export function dump(values: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(values, (_k, v: unknown) => {
    if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack, cause: v.cause, ...(v as object) };
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
