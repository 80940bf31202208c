/** Where the emulator logs: `(fields, message)`, pino's order; `console` works too. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

type Level = keyof Logger;
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** Bind the given methods (missing ones are silent); a throwing logger never breaks the emulator. */
export function toLogger(logger: Partial<Logger> | undefined): Logger {
  const out = {} as Record<Level, Logger[Level]>;
  for (const lvl of LEVELS) {
    const fn = logger?.[lvl];
    out[lvl] =
      typeof fn === 'function'
        ? (fields, message) => {
            try {
              fn.call(logger, fields, message);
            } catch {
              /* a logger must never break the emulator */
            }
          }
        : () => {};
  }
  return out;
}

/** Mask a secret (API key, listenKey, listenToken) for logs and inspection: first and last 4 characters of long values. */
export function mask(value: string | undefined): string {
  if (!value) return '';
  return value.length <= 12 ? '****' : `${value.slice(0, 4)}…${value.slice(-4)}`;
}
