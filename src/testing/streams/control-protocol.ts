/**
 * Parsing and validation of stream-connection control messages
 * (`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`),
 * answering bad requests with Binance's documented error objects.
 */

export type RequestId = number | string | null;

export type ControlRequest =
  | { method: 'SUBSCRIBE' | 'UNSUBSCRIBE'; params: string[]; id: RequestId }
  | { method: 'LIST_SUBSCRIPTIONS'; id: RequestId }
  | { method: 'SET_PROPERTY'; property: 'combined'; value: boolean; id: RequestId }
  | { method: 'GET_PROPERTY'; property: 'combined'; id: RequestId };

export interface BinanceErrorObject {
  code: number;
  msg: string;
  id?: RequestId;
}

export type ParseResult = { ok: true; request: ControlRequest } | { ok: false; error: BinanceErrorObject };

const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY'] as const;

/** Line/column (1-based) of a JSON.parse failure, as Binance's serde-style message reports it. */
function jsonErrorPosition(text: string, err: unknown): { line: number; column: number } {
  const m = /position (\d+)/.exec(String((err as Error)?.message ?? ''));
  const pos = m ? Number(m[1]) : text.length;
  let line = 1;
  let column = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function typeWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'sequence';
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  return 'map';
}

function validId(id: unknown): id is RequestId {
  if (id === null) return true;
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0;
  if (typeof id === 'string') return id.length <= 36 && /^[A-Za-z0-9_-]*$/.test(id);
  return false;
}

export function parseControlMessage(text: string): ParseResult {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (err) {
    const { line, column } = jsonErrorPosition(text, err);
    return { ok: false, error: { code: 3, msg: `Invalid JSON: expected value at line ${line} column ${column}` } };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { ok: false, error: { code: 2, msg: `Invalid request: invalid type: ${typeWord(msg)}, expected struct Request` } };
  }
  const o = msg as Record<string, unknown>;
  if (!('method' in o)) {
    return { ok: false, error: { code: 2, msg: `Invalid request: missing field \`method\` at line 1 column ${text.length}` } };
  }
  const method = o['method'];
  if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) {
    const v = typeof method === 'string' ? method : typeWord(method);
    return {
      ok: false,
      error: { code: 2, msg: `Invalid request: unknown variant \`${v}\`, expected one of ${METHODS.map((m) => `\`${m}\``).join(', ')}` },
    };
  }
  if (!('id' in o) || !validId(o['id'])) {
    return { ok: false, error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' } };
  }
  const id = o['id'] as RequestId;
  const params = o['params'];
  switch (method) {
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE': {
      if (!Array.isArray(params)) {
        return { ok: false, error: { code: 2, msg: `Invalid request: invalid type: ${params === undefined ? 'missing field `params`' : typeWord(params)}, expected a sequence` } };
      }
      const bad = params.find((p) => typeof p !== 'string');
      if (bad !== undefined) return { ok: false, error: { code: 2, msg: `Invalid request: invalid type: ${typeWord(bad)}, expected a string` } };
      return { ok: true, request: { method, params: params as string[], id } };
    }
    case 'LIST_SUBSCRIPTIONS':
      if (Array.isArray(params) && params.length > 0) return { ok: false, error: { code: 2, msg: 'Invalid request: too many parameters' } };
      return { ok: true, request: { method, id } };
    case 'SET_PROPERTY':
    case 'GET_PROPERTY': {
      const arr = Array.isArray(params) ? params : [];
      const max = method === 'SET_PROPERTY' ? 2 : 1;
      if (arr.length > max) return { ok: false, error: { code: 2, msg: 'Invalid request: too many parameters' } };
      const name = arr[0];
      if (typeof name !== 'string') return { ok: false, error: { code: 2, msg: 'Invalid request: property name must be a string' } };
      if (name !== 'combined') return { ok: false, error: { code: 0, msg: 'Unknown property', id } };
      if (method === 'GET_PROPERTY') return { ok: true, request: { method, property: 'combined', id } };
      const value = arr[1];
      if (typeof value !== 'boolean') return { ok: false, error: { code: 1, msg: 'Invalid value type: expected Boolean' } };
      return { ok: true, request: { method, property: 'combined', value, id } };
    }
  }
  return { ok: false, error: { code: 2, msg: 'Invalid request' } };
}
