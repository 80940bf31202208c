/** Log-field shapes shared by the pool's log lines: errors as objects, never as strings. */
import { describeError } from '../core/describe-error';

export interface ErrorFields {
  name: string;
  code: string | undefined;
  message: string;
}

/** `{ name, code, message }` of anything thrown; the message is never empty. */
export function errorFields(err: unknown): ErrorFields {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' && e.message.trim() ? e.message : describeError(err);
  return {
    name: err instanceof Error ? err.name : typeof err,
    code: typeof e?.code === 'string' ? e.code : undefined,
    message,
  };
}
