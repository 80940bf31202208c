/**
 * A plain `ws` client for emulator tests, recording everything it receives.
 *
 *   const s = await openSocket(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
 *   const ack = await s.next((m) => m.id === 1);     // first matching message, already received or future
 *
 * openSocket(url, wsOptions?)   resolves once open (rejects on an upgrade rejection, with status and headers);
 *                               the TestSocket keeps messages (JSON-parsed when possible), raw frames, pings, errors
 *                               and a `closed` promise; next(pred, timeoutMs = 3000, from = 0) waits for a message.
 * tryUpgrade(url)               { ok: true, ws } or { ok: false, status, headers, body } of the HTTP answer.
 * sleep                         re-export of sleep() from ./wait (absence windows only).
 */
import WebSocket from 'ws';
import { sleep } from './wait';

/** A plain `ws` client that records everything, for emulator tests. */
export interface TestSocket {
  readonly ws: WebSocket;
  /** Text frames, parsed as JSON when possible (else the raw string). */
  readonly messages: unknown[];
  readonly raw: string[];
  readonly pings: string[];
  /** Resolves on close with the code/reason the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly errors: Error[];
  /** Wait for a message matching `pred` (checks already received ones first, from `from`). */
  next<T = any>(pred: (m: any) => boolean, timeoutMs?: number, from?: number): Promise<T>;
  send(obj: unknown): void;
  close(): void;
}

export function openSocket(url: string, opts: WebSocket.ClientOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  const messages: unknown[] = [];
  const raw: string[] = [];
  const pings: string[] = [];
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    const text = d.toString();
    raw.push(text);
    let v: unknown = text;
    try {
      v = JSON.parse(text);
    } catch {
      /* keep raw */
    }
    messages.push(v);
    for (const w of [...waiters]) w();
  });
  ws.on('ping', (d) => pings.push(d.toString()));
  ws.on('error', (e) => errors.push(e));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const sock: TestSocket = {
    ws,
    messages,
    raw,
    pings,
    closed,
    errors,
    next(pred, timeoutMs = 3000, from = 0) {
      return new Promise((resolve, reject) => {
        let i = from;
        const check = (): boolean => {
          for (; i < messages.length; i++) {
            if (pred(messages[i])) {
              waiters.delete(check as () => void);
              clearTimeout(t);
              resolve(messages[i] as never);
              return true;
            }
          }
          return false;
        };
        const t = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`timeout waiting for message (${messages.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    send(obj) {
      ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
    },
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(sock));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade rejected ${res.statusCode}`), { status: res.statusCode, headers: res.headers }));
      res.resume();
    });
  });
}

/** Try an upgrade and report the HTTP status/headers if it is rejected. */
export function tryUpgrade(url: string): Promise<{ ok: true; ws: WebSocket } | { ok: false; status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    ws.once('open', () => resolve({ ok: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, headers: res.headers, body }));
    });
  });
}

export { sleep };
