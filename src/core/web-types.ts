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
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
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
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
