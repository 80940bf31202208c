/**
 * An in-memory futures listenKey REST endpoint (a `fetch` stand-in) for fake-timer tests:
 * one active key per API key, POST returns it (or a new one), PUT extends, DELETE ends.
 * Faults: `failNext(method, n, status)` answers the next n calls of a method with an error;
 * `expireActive()` ends the key (PUT then answers -1125); `hang(method)` never answers
 * (until the request is aborted).
 */
import type { FetchLike } from '../../../src/user-data/rest';

export interface MockCall {
  method: string;
  path: string;
  query: string;
  apiKey: string | undefined;
  /** Date.now() at the call (fake under fake timers). */
  at: number;
}

export interface MockRest {
  fetch: FetchLike;
  calls: MockCall[];
  readonly active: string | undefined;
  created: string[];
  deleted: string[];
  failNext(method: string, n: number, status?: number, body?: object): void;
  expireActive(): void;
  /** Pretend another process already made a key. */
  preexisting(key?: string): string;
  hang(method: string | undefined): void;
  count(method: string): number;
}

export function mockRest(): MockRest {
  let active: string | undefined;
  let seq = 0;
  const fails = new Map<string, { n: number; status: number; body: object }>();
  let hangMethod: string | undefined;
  const calls: MockCall[] = [];
  const created: string[] = [];
  const deleted: string[] = [];
  const reply = (status: number, body: object, headers: Record<string, string> = {}) => ({
    status,
    headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
    text: async () => JSON.stringify(body),
  });
  const fetch: FetchLike = async (input, init) => {
    const u = new URL(input);
    calls.push({ method: init.method, path: u.pathname, query: u.search, apiKey: init.headers['X-MBX-APIKEY'], at: Date.now() });
    if (hangMethod === init.method) {
      return new Promise((_, reject) => {
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
      });
    }
    const f = fails.get(init.method);
    if (f && f.n > 0) {
      f.n--;
      return reply(f.status, f.body);
    }
    switch (init.method) {
      case 'POST':
        if (!active) {
          active = `lk${String(++seq).padStart(3, '0')}${'x'.repeat(56)}`;
          created.push(active);
        }
        return reply(200, { listenKey: active });
      case 'PUT':
        return active ? reply(200, { listenKey: active }) : reply(400, { code: -1125, msg: 'This listenKey does not exist.' });
      case 'DELETE':
        if (!active) return reply(400, { code: -1125, msg: 'This listenKey does not exist.' });
        deleted.push(active);
        active = undefined;
        return reply(200, {});
      default:
        return reply(405, { code: -1, msg: 'method' });
    }
  };
  return {
    fetch,
    calls,
    created,
    deleted,
    get active() {
      return active;
    },
    failNext(method, n, status = 503, body = { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }) {
      fails.set(method, { n, status, body });
    },
    expireActive() {
      active = undefined;
    },
    preexisting(key = `pre${'y'.repeat(61)}`) {
      active = key;
      return key;
    },
    hang(method) {
      hangMethod = method;
    },
    count(method) {
      return calls.filter((c) => c.method === method).length;
    },
  };
}
