/**
 * Log fields of the user-data code: an error is logged as an object of plain fields
 * (numbers as numbers), never as a live Error (which a JSON logger may expand into a
 * stack with a URL in it). Messages of the library's own errors never hold a secret.
 */
import { BinanceStreamError, describeError } from '../core/errors';

export interface ErrorFields {
  name: string;
  code: string;
  message: string;
  httpStatus?: number;
  binanceCode?: number;
  retryAfterMs?: number;
}

export function errorFields(err: unknown): ErrorFields {
  if (err instanceof BinanceStreamError) {
    return {
      name: err.name,
      code: err.code,
      message: err.message,
      ...(err.httpStatus !== undefined ? { httpStatus: err.httpStatus } : {}),
      ...(err.binanceCode !== undefined ? { binanceCode: err.binanceCode } : {}),
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  const name = err instanceof Error ? err.name : typeof err;
  return { name, code: 'ERR_UNEXPECTED', message: describeError(err) };
}
