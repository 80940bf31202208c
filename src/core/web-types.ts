/**
 * Web platform types that appear in the public declarations, written so that the
 * declarations need neither the DOM lib nor @types/node: a consumer with only
 * `lib: ["ES2022"]` (a CJS/ESM Node project without @types/node, Deno, a worker)
 * still type-checks with `skipLibCheck: false`.
 */

/**
 * A Web Crypto key, structurally: what `crypto.subtle.importKey` returns in Node,
 * Bun, Deno and browsers (the DOM `CryptoKey` and Node's `webcrypto.CryptoKey` both fit).
 */
export interface WebCryptoKey {
  readonly type: string;
  readonly algorithm: { readonly name: string };
  readonly extractable: boolean;
  readonly usages: readonly string[];
}

/** The part of an `AbortSignal` the library uses, for runtimes whose types declare none. */
export interface AbortSignalShape {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Call `listener` when the signal aborts (the library passes `{ once: true }`). */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Remove a listener added with `addEventListener`, so a finished wait leaves nothing behind. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The runtime's own `AbortSignal` type when the consumer's types declare one (DOM lib,
 * @types/node, Deno), else {@link AbortSignalShape}. Never names the global directly,
 * so the declarations compile without it.
 */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : AbortSignalShape;

/** The console methods a logger uses (no dependency on the DOM or Node `Console` type). */
export interface ConsoleLike {
  /** Print a debug line. */
  debug(...args: unknown[]): void;
  /** Print an informational line. */
  info(...args: unknown[]): void;
  /** Print a warning line. */
  warn(...args: unknown[]): void;
  /** Print an error line. */
  error(...args: unknown[]): void;
}
