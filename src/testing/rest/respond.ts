/** Small helpers shared by the REST handlers: JSON answers, Binance error bodies, parameters. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A Binance error: HTTP status, code, message. */
export interface RestError {
  readonly status: number;
  readonly code: number;
  readonly msg: string;
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Access-Control-Allow-Origin': '*', ...headers });
  res.end(text);
}

export function error(res: ServerResponse, status: number, code: number, msg: string): void {
  send(res, status, { code, msg });
}

/** Answer a value, or the error it is. */
export function answer(res: ServerResponse, v: unknown): true {
  if (isRestError(v)) error(res, v.status, v.code, v.msg);
  else send(res, 200, v);
  return true;
}

export function isRestError(v: unknown): v is RestError {
  return !!v && typeof v === 'object' && !Array.isArray(v) && typeof (v as RestError).code === 'number' && typeof (v as RestError).status === 'number';
}

export const bad = (code: number, msg: string, status = 400): RestError => ({ status, code, msg });

export const MANDATORY = (name: string): RestError => bad(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
export const INVALID_SYMBOL = bad(-1121, 'Invalid symbol.');
export const INVALID_LIMIT = bad(-1130, "Data sent for parameter 'limit' is not valid.");

/** Read a request body (at most 64 KiB) as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) break;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An integer parameter: undefined when absent, 'bad' when not an integer. */
export function intParam(q: URLSearchParams, name: string): number | undefined | 'bad' {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 'bad';
}
