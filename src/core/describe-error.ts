/** One-line, never-empty descriptions of anything thrown (a leaf: imports nothing). */

/**
 * The fields of a `BinanceStreamError` this file reads. Matched by shape, not
 * `instanceof`: the class lives in ./errors.ts (which imports this file), and shape
 * matching also survives two copies of the library (ESM and CJS) in one process.
 */
interface StreamErrorShape extends Error {
  code: string;
  closeCode?: number | undefined;
  closeReason?: string | undefined;
  httpStatus?: number | undefined;
  binanceCode?: number | undefined;
  retryAfterMs?: number | undefined;
}

function isStreamError(err: unknown): err is StreamErrorShape {
  return err instanceof Error && err.name === 'BinanceStreamError' && typeof (err as { code?: unknown }).code === 'string';
}

/** Error types users will see with an empty message: name them usefully. */
function typeName(err: unknown): string {
  if (isStreamError(err)) return err.code;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const name = err.name && err.name !== 'Error' ? err.name : err.constructor?.name || 'Error';
    return typeof code === 'string' && code && !name.includes(code) ? `${name}[${code}]` : name;
  }
  if (err === null) return 'null';
  if (typeof err === 'object') {
    const ctor = (err as object).constructor?.name;
    // Browser WebSocket `error` events are bare Events with no message at all.
    const type = (err as { type?: unknown }).type;
    if (typeof type === 'string') return `${ctor || 'Event'}(${type})`;
    return ctor || 'Object';
  }
  return typeof err;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message ?? '';
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const m = (err as { message?: unknown; msg?: unknown }).message ?? (err as { msg?: unknown }).msg;
    if (typeof m === 'string') return m;
  }
  return '';
}

/**
 * Describe any thrown value in one line that always names what it was:
 * `TimeoutError (no message)`, `ERR_CLOSED: socket closed [close=1006]`,
 * `ERR_HANDSHAKE_REJECTED: upgrade rejected [http=429 retryAfter=12000ms]`.
 */
export function describeError(err: unknown): string {
  const type = typeName(err);
  const msg = messageOf(err).trim();
  let out = msg ? `${type}: ${msg}` : `${type} (no message)`;
  if (isStreamError(err)) {
    const extra: string[] = [];
    if (err.closeCode !== undefined) {
      const showReason = err.closeReason && !msg.includes(err.closeReason);
      extra.push(`close=${err.closeCode}${showReason ? ` "${err.closeReason}"` : ''}`);
    }
    if (err.httpStatus !== undefined) extra.push(`http=${err.httpStatus}`);
    if (err.binanceCode !== undefined) extra.push(`binance=${err.binanceCode}`);
    if (err.retryAfterMs !== undefined) extra.push(`retryAfter=${err.retryAfterMs}ms`);
    if (extra.length) out += ` [${extra.join(' ')}]`;
    if (err.cause !== undefined && !msg.includes(messageOf(err.cause) || '\u0000')) {
      out += ` (cause: ${describeError(err.cause)})`;
    }
  }
  return out;
}
