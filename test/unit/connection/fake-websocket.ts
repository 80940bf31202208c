/**
 * In-memory WebSocket doubles for unit tests under fake timers: `FakeNodeWebSocket`
 * behaves like `ws` (on(), ping/pong, terminate, unexpected-response, autoPong:false),
 * `FakeBrowserWebSocket` like the browser's (only on* handlers).
 */
import type { WebSocketLike } from '../../../src/connection/types';

type Handler = (...args: any[]) => void;

export class FakeBrowserWebSocket implements WebSocketLike {
  readyState = 0;
  sent: string[] = [];
  closeCalls: { code: number | undefined; reason: string | undefined }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string | { toString(): string } }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code: code ?? 1005, reason: reason ?? '' });
  }

  // ── test controls ──
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: unknown): void {
    this.deliver(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  protected deliver(text: string): void {
    this.onmessage?.({ data: text });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  fail(error: unknown = new Error('')): void {
    this.onerror?.({ type: 'error', error });
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }

  /** Parsed JSON frames sent by the client. */
  frames(): any[] {
    return this.sent.map((s) => JSON.parse(s));
  }
}

export class FakeNodeWebSocket extends FakeBrowserWebSocket {
  _autoPong = false;
  pings = 0;
  pongs: unknown[] = [];
  terminated = false;
  private readonly handlers = new Map<string, Handler[]>();

  on(event: string, fn: Handler): this {
    const list = this.handlers.get(event) ?? [];
    list.push(fn);
    this.handlers.set(event, list);
    return this;
  }

  off(event: string, fn: Handler): this {
    this.handlers.set(
      event,
      (this.handlers.get(event) ?? []).filter((h) => h !== fn),
    );
    return this;
  }

  /** Listeners attached right now (a detached connection leaves none but the error absorber). */
  listenerCount(): number {
    let n = 0;
    for (const list of this.handlers.values()) n += list.length;
    return n + (this.onopen ? 1 : 0) + (this.onmessage ? 1 : 0);
  }

  emitNode(event: string, ...args: unknown[]): void {
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }

  ping(): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.pings++;
  }

  pong(data?: unknown): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.pongs.push(data);
  }

  terminate(): void {
    this.terminated = true;
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }

  protected override deliver(text: string): void {
    this.emitNode('message', Buffer.from(text), false);
  }

  serverPing(data: unknown = Buffer.from('p')): void {
    this.emitNode('ping', data);
  }

  serverPong(): void {
    this.emitNode('pong', Buffer.alloc(0));
  }

  rejectUpgrade(status: number, headers: Record<string, string> = {}): void {
    this.emitNode('unexpected-response', {}, { statusCode: status, statusMessage: 'Rejected', headers, resume() {} });
  }
}

/** A factory that records every socket it makes. */
export function fakeFactory<T extends FakeBrowserWebSocket>(Ctor: new (url: string) => T): { factory: (url: string) => T; sockets: T[]; last: () => T } {
  const sockets: T[] = [];
  return {
    sockets,
    factory: (url: string) => {
      const ws = new Ctor(url);
      sockets.push(ws);
      return ws;
    },
    last: () => {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error('no socket created yet');
      return s;
    },
  };
}

/** A logger that records every line. */
export function recordingLogger(): { logger: any; lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const make = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { lines, logger: { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') } };
}
