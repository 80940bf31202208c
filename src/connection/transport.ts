/**
 * The WebSocket adapter of one connection: the default factory (`ws` in Node with
 * `autoPong: false`, so the socket answers pings itself and counts the pongs against
 * Binance's message limit; the native WebSocket in browsers, through isomorphic-ws), and
 * `Transport`, which wires a WebSocketLike to one sink and detaches from it in one call
 * (partysocket's `_removeListeners` + `absorbError`): after `detach()` no event reaches
 * the connection, a late `error` is absorbed, and only `closed` still tracks the socket.
 */
import WebSocket from 'isomorphic-ws';
import { BinanceStreamError } from '../core/errors';
import type { WebSocketLike } from './types';

/** Node `ws` extras used when present (feature-detected, never required). */
export interface NodeWebSocketExtras {
  on?(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
  removeListener?(event: string, listener: (...args: any[]) => void): unknown;
  ping?(data?: unknown): void;
  pong?(data?: unknown): void;
  terminate?(): void;
  /** `ws` ≥ 8.7: stop / restart reading the TCP socket (back-pressure to the server). */
  pause?(): void;
  resume?(): void;
  /** `ws` ≥ 8.16: false when constructed with `autoPong: false`. */
  _autoPong?: boolean;
}

export type ExtendedWebSocket = WebSocketLike & NodeWebSocketExtras;

type Ctor = new (url: string, options?: unknown) => WebSocketLike;

/**
 * Node `ws` options of every socket the client dials itself:
 * - `autoPong: false`: we answer pings (and count the pongs against the message limit);
 * - `skipUTF8Validation: true`: `ws` would check every text frame's bytes before handing them
 *   over (a measurable share of the per-message cost). The client only ever `JSON.parse`s a
 *   frame: an invalid byte could at worst become U+FFFD inside a string value, never a crash
 *   or an unnoticed frame; Binance serves only wss://, where TLS guarantees the bytes are the
 *   ones Binance sent. Set for every URL (the emulator's ws:// too), so local runs and
 *   benchmarks take the production path. A `webSocketFactory` of one's own can keep `ws`'s check.
 */
export const NODE_WS_OPTIONS = Object.freeze({ autoPong: false, skipUTF8Validation: true });

export function defaultWebSocketFactory(url: string): WebSocketLike {
  const C = WebSocket as unknown as Ctor;
  // `ws` (Node) has pong() on its prototype; a browser WebSocket does not and must not get an options object.
  const isNodeWs = typeof (C as unknown as { prototype?: { pong?: unknown } }).prototype?.pong === 'function';
  return isNodeWs ? new C(url, { ...NODE_WS_OPTIONS }) : new C(url);
}

/**
 * A factory whose WebSockets send `headers` on the upgrade (SBE streams: `X-MBX-APIKEY`).
 * Node `ws` (also under Bun and Deno's npm compatibility) can; a browser WebSocket cannot set
 * headers at all, so there this throws ERR_INVALID_OPTION naming `option`.
 */
export function headerWebSocketFactory(headers: Readonly<Record<string, string>>, option: string): (url: string) => WebSocketLike {
  const C = WebSocket as unknown as Ctor;
  if (typeof (C as unknown as { prototype?: { pong?: unknown } }).prototype?.pong !== 'function') {
    throw new BinanceStreamError(
      'ERR_INVALID_OPTION',
      `invalid option ${option}: this runtime's WebSocket cannot send the X-MBX-APIKEY header SBE streams need (browsers never can); use Node, Bun or Deno, or pass a webSocketFactory that sends it`,
      { permanent: true },
    );
  }
  return (url) => new C(url, { ...NODE_WS_OPTIONS, headers: { ...headers } });
}

export interface UpgradeResponse {
  statusCode?: number;
  statusMessage?: string;
  headers?: Record<string, string | string[] | undefined>;
  resume?: () => void;
}

/** Everything a connection hears from its WebSocket. */
export interface TransportSink {
  open(): void;
  /** Hot path: one text frame. */
  message(data: unknown): void;
  /** One binary frame (SBE market data). */
  binary(data: unknown): void;
  close(code: number, reason: string): void;
  error(cause: unknown): void;
  ping(data: unknown): void;
  pong(): void;
  /** The upgrade was answered with an HTTP status (Node only); the transport terminates the socket itself. */
  rejected(res: UpgradeResponse): void;
}

const OPEN = 1;
const CLOSED = 3;
const noop = (): void => {};
const DETACHED: TransportSink = { open: noop, message: noop, binary: noop, close: noop, error: noop, ping: noop, pong: noop, rejected: noop };

function reasonText(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason && typeof (reason as { toString?: unknown }).toString === 'function') return String(reason);
  return '';
}

export class Transport {
  /** Resolves once the WebSocket reports closed (or at once when it already is). */
  readonly closed: Promise<void>;
  /** Node `ws`: we can send our own pings. */
  readonly canPing: boolean;
  /** We answer pings ourselves (ws built with autoPong: false, the default factory's choice). */
  readonly manualPong: boolean;
  private sink: TransportSink;
  private markClosed!: () => void;
  private readonly nodeListeners: [string, (...args: any[]) => void][] = [];

  constructor(
    private readonly ws: ExtendedWebSocket,
    sink: TransportSink,
  ) {
    this.sink = sink;
    this.closed = new Promise<void>((resolve) => (this.markClosed = resolve));
    this.canPing = typeof ws.ping === 'function';
    // ws ≥ 8.16 sets _autoPong only when it answers pings itself; then we only count its pongs.
    this.manualPong = typeof ws.pong === 'function' && ws._autoPong !== true;
    ws.onopen = () => this.sink.open();
    ws.onclose = (ev) => {
      this.markClosed();
      this.sink.close(typeof ev?.code === 'number' ? ev.code : 1006, reasonText(ev?.reason));
    };
    ws.onerror = (ev) => this.sink.error((ev as { error?: unknown } | null)?.error ?? ev);
    if (typeof ws.on === 'function') {
      this.listen('message', (data: unknown, isBinary?: boolean) => (isBinary === true ? this.sink.binary(data) : this.sink.message(data)));
      this.listen('ping', (data: unknown) => this.sink.ping(data));
      this.listen('pong', () => this.sink.pong());
      this.listen('unexpected-response', (_req: unknown, res: UpgradeResponse) => {
        this.sink.rejected(res);
        try {
          res?.resume?.(); // drain the body (best effort)
        } catch {
          /* ignore */
        }
        this.terminate(); // with an 'unexpected-response' listener, ws leaves aborting the request to us
      });
    } else {
      if ('binaryType' in ws) ws.binaryType = 'arraybuffer';
      ws.onmessage = (ev) => (typeof ev.data === 'string' ? this.sink.message(ev.data) : this.sink.binary(ev.data));
    }
    if (ws.readyState === CLOSED) this.markClosed();
  }

  get isOpen(): boolean {
    return this.ws.readyState === OPEN;
  }

  send(text: string): boolean {
    if (this.ws.readyState !== OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Stop (true) or restart (false) reading frames; false when this WebSocket cannot pause (browsers). */
  setPaused(paused: boolean): boolean {
    const ws = this.ws;
    if (typeof ws.pause !== 'function' || typeof ws.resume !== 'function') return false;
    if (paused) ws.pause();
    else ws.resume();
    return true;
  }

  ping(): boolean {
    if (this.ws.readyState !== OPEN || !this.ws.ping) return false;
    this.ws.ping();
    return true;
  }

  pong(data: unknown): boolean {
    if (this.ws.readyState !== OPEN || !this.ws.pong) return false;
    this.ws.pong(data);
    return true;
  }

  /** Stop delivering anything to the sink; absorb late errors; keep tracking `closed`. */
  detach(): void {
    this.sink = DETACHED;
    const off = this.ws.off ?? this.ws.removeListener;
    if (off) for (const [event, fn] of this.nodeListeners) off.call(this.ws, event, fn);
    this.nodeListeners.length = 0;
    this.ws.onopen = null;
    this.ws.onmessage = null;
    this.ws.onerror = noop;
    this.ws.onclose = () => this.markClosed();
    if (this.ws.readyState === CLOSED) this.markClosed();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === CLOSED) return this.markClosed();
    try {
      this.ws.close(code, reason.slice(0, 100));
    } catch {
      this.terminate(); // close() throws for a socket still connecting in some runtimes
    }
    if (this.ws.readyState === CLOSED) this.markClosed();
  }

  terminate(): void {
    try {
      if (typeof this.ws.terminate === 'function') this.ws.terminate();
      else if (this.ws.readyState !== CLOSED) this.ws.close();
    } catch {
      /* best effort */
    }
    if (this.ws.readyState === CLOSED) this.markClosed();
  }

  private listen(event: string, fn: (...args: any[]) => void): void {
    this.nodeListeners.push([event, fn]);
    this.ws.on?.(event, fn);
  }
}
