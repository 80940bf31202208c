/**
 * Logging. The client calls `logger.<level>(fields, message)`, fields first, which is
 * pino's native signature (and pino children's). `console` prints it readably.
 * winston loggers (detected by their `transports`) are called `(message, fields)`.
 *
 * Levels: a routine, recoverable retry is WARN; giving up or an unexpected error is
 * ERROR; state changes are DEBUG; open/close are INFO.
 */
import { describeError } from './describe-error';
import type { ConsoleLike } from './web-types';

/**
 * A log level, lowest first. `'silent'` prints nothing; as a threshold, each level prints itself and every level above it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * Structured fields of one log line (`socketId`, `attempt`, `delayMs`…), passed first as pino expects. Never holds a key, secret or full listenKey.
 */
export type LogFields = Record<string, unknown>;

/**
 * One level's method of a {@link Logger}: structured fields first, then a short message (pino's order; winston loggers are adapted).
 */
export interface LogMethod {
  /** Log `message` with its structured `fields`. Must not throw (if it does, the client swallows the exception). */
  (fields: LogFields, message: string): void;
}

/** Anything with these four methods: `console`, a pino logger or child, a winston logger. */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function noop(): void {}

/** The default: logs nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** An error as a log field: a plain object every logger serialises (pino, winston, console). */
export interface ErrorFields {
  name: string;
  /** The library's error code (`ERR_CLOSED`…) or the underlying error's own code. */
  code?: string | undefined;
  /** Never empty: names the error type even when the error's own message is empty. */
  message: string;
  closeCode?: number | undefined;
  httpStatus?: number | undefined;
  binanceCode?: number | undefined;
  retryAfterMs?: number | undefined;
}

const NUMERIC_FIELDS = ['closeCode', 'httpStatus', 'binanceCode', 'retryAfterMs'] as const;

/**
 * Turn anything thrown into {@link ErrorFields} for a log line: never a live Error (a JSON
 * logger would print `{}` or expand a stack), numbers as numbers. The library's messages
 * never hold a secret.
 */
export function errorFields(err: unknown): ErrorFields {
  const name = err instanceof Error ? err.name || 'Error' : err === null ? 'null' : typeof err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const out: ErrorFields = { name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message: describeError(err) };
  for (const k of NUMERIC_FIELDS) if (typeof e[k] === 'number') out[k] = e[k] as number;
  return out;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(errorFields(v));
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (Array.isArray(v) && v.length > 8) return `[${v.slice(0, 8).join(',')},…+${v.length - 8}]`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** `key=value key2="with space"`, for one-line console output. */
export function formatFields(fields: LogFields): string {
  let out = '';
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    out += `${out ? ' ' : ''}${k}=${formatValue(v)}`;
  }
  return out;
}

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Prefix on every line. @default '[binance-stream-client]' */
  prefix?: string;
  /** Include an ISO timestamp. @default true */
  timestamps?: boolean;
  /** Where to write. @default globalThis.console */
  console?: ConsoleLike;
}

/**
 * A readable one-line console logger: `2026-11-22T06:00:00.000Z WARN [binance-stream-client] reconnecting socket=s1 attempt=2`.
 * @param level minimum level to print. @default 'info'
 */
export function consoleLogger(level: LogLevel = 'info', options: ConsoleLoggerOptions = {}): Logger {
  const min = LEVELS[level];
  if (min === undefined) throw new RangeError(`consoleLogger: unknown level ${JSON.stringify(level)} (expected debug, info, warn, error or silent)`);
  const prefix = options.prefix ?? '[binance-stream-client]';
  const stamps = options.timestamps ?? true;
  const out = options.console ?? globalThis.console;
  const make = (lvl: Exclude<LogLevel, 'silent'>): LogMethod => {
    if (LEVELS[lvl] < min) return noop;
    const tag = lvl.toUpperCase();
    return (fields, message) => {
      const f = formatFields(fields);
      const line = `${stamps ? `${new Date().toISOString()} ` : ''}${tag} ${prefix} ${message}${f ? ` ${f}` : ''}`;
      out[lvl](line);
    };
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

/**
 * Normalise a user-supplied logger: binds methods (so `console` and pino children work
 * detached), adapts winston's `(message, meta)` order, and makes sure a throwing
 * logger can never break the client.
 */
export function normalizeLogger(logger: Partial<Logger> | undefined | null): Logger {
  if (!logger) return silentLogger;
  if (logger === silentLogger) return silentLogger;
  const isWinston = typeof (logger as { transports?: unknown }).transports === 'object' && typeof (logger as { log?: unknown }).log === 'function';
  const wrap = (lvl: keyof Logger): LogMethod => {
    const fn = logger[lvl];
    if (typeof fn !== 'function') return noop;
    const bound = fn.bind(logger) as (...args: unknown[]) => void;
    return isWinston
      ? (fields, message) => {
          try {
            bound(message, fields);
          } catch {
            /* a logger must never break the client */
          }
        }
      : (fields, message) => {
          try {
            bound(fields, message);
          } catch {
            /* a logger must never break the client */
          }
        };
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * Mask a secret-ish value (listenKey, listenToken): keeps the first 4 and last 4
 * characters of long values, `****` otherwise.
 */
export function maskSecret(value: string | undefined | null): string {
  if (!value) return '';
  if (value.length <= 12) return '****';
  return `${value.slice(0, 4)}…${value.slice(-4)}`;
}
