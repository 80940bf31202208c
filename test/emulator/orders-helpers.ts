/** Small independent clients for the order / user-data tests: signed REST, a WS-API client, a raw stream socket. */
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';

export const KEY = 'orders-api-key-0123456789';
export const SECRET = 'orders-secret-abcdefghijklmnop';

const hmac = (text: string, secret = SECRET): string => createHmac('sha256', secret).update(text).digest('hex');

/** A SIGNED REST call: params in the query string, HMAC over it, `X-MBX-APIKEY`. */
export async function signed(
  base: string,
  method: string,
  path: string,
  params: Record<string, string>,
  opts: { key?: string; secret?: string } = {},
): Promise<{ status: number; body: any; headers: Record<string, string> }> {
  const q = new URLSearchParams({ ...params, timestamp: String(Date.now()) }).toString();
  const url = `${base}${path}?${q}&signature=${hmac(q, opts.secret ?? SECRET)}`;
  const res = await fetch(url, { method, headers: { 'X-MBX-APIKEY': opts.key ?? KEY } });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => void (headers[k] = v));
  return { status: res.status, body: await res.json(), headers };
}

/** Binance's WS-API payload: params sorted, `k=v` joined with `&`. */
export function wsSign(params: Record<string, unknown>, secret = SECRET): string {
  const text = Object.keys(params)
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
  return hmac(text, secret);
}

/** Frames of one socket, with waits on them. */
export class Frames {
  readonly frames: any[] = [];
  readonly pings: Buffer[] = [];
  closeCode: number | undefined;
  private waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
    ws.on('ping', (p) => this.pings.push(p));
    ws.on('close', (code) => (this.closeCode = code));
  }

  static async open(url: string, opts: WebSocket.ClientOptions = {}): Promise<Frames> {
    const ws = new WebSocket(url, opts);
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    return new Frames(ws);
  }

  waitFor(pred: (f: any) => boolean, ms = 4000): Promise<any> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for a frame (got ${this.frames.length})`)), ms);
      this.waiters.push({ pred, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
  }

  request(method: string, params?: object): Promise<any> {
    const id = `r${this.nextId++}`;
    this.ws.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }));
    return this.waitFor((f) => f.id === id);
  }

  /** A SIGNED WS-API request (apiKey, timestamp, HMAC signature added). */
  signedRequest(method: string, params: Record<string, unknown> = {}, key = KEY, secret = SECRET): Promise<any> {
    const p: Record<string, unknown> = { ...params, apiKey: key, timestamp: Date.now() };
    return this.request(method, { ...p, signature: wsSign(p, secret) });
  }

  close(): void {
    this.ws.terminate();
  }
}
