/**
 * Request signing for Binance SIGNED calls, with Web Crypto only
 * (`globalThis.crypto.subtle`), so it runs in Node 20+, Bun, Deno and browsers.
 *
 * - HMAC-SHA256 → lowercase hex (Binance: case-insensitive)
 * - Ed25519     → base64 (case-sensitive)
 * - RSA PKCS#1 v1.5 with SHA-256 → base64 (case-sensitive)
 *
 * Keys: an HMAC secret, a CryptoKey, or an unencrypted PKCS#8 PEM (./pem.ts strips the armor);
 * Web Crypto imports it and, when `keyType` is not given, tells Ed25519 from RSA by accepting
 * one of them. Nothing here parses DER.
 *
 * Payload rule (protocol reference §7): every parameter except `signature`, sorted by
 * name, `name=value` joined with `&`, UTF-8 encoded. Values are not URL-encoded in the
 * payload; REST callers URL-encode the same pairs when building the query string.
 */
import type { WebCryptoKey } from '../core/web-types';
import { BinanceStreamError } from '../core/errors';
import { pkcs8FromPem } from './pem';

/**
 * The kind of Binance API key: HMAC (a shared secret), Ed25519 or RSA (a private key you hold; Binance keeps the public one). Only an Ed25519 key can `session.logon` on the WebSocket API.
 */
export type KeyType = 'hmac' | 'ed25519' | 'rsa';

export type SignatureParamValue = string | number | boolean;

/** Signs Binance payloads. Holds its key material privately; never prints it. */
export interface Signer {
  /**
   * The key type: known at once for an HMAC secret, a CryptoKey or an explicit `keyType`; for a PEM
   * private key without `keyType`, `undefined` until the key is imported (first `sign()` or
   * `resolveKeyType()`), when Web Crypto tells Ed25519 from RSA.
   */
  readonly keyType: KeyType | undefined;
  /** The key type, importing the key if need be. Rejects like `sign()` when the key does not import. */
  resolveKeyType(): Promise<KeyType>;
  /** Sign a payload string (see `signaturePayload`). */
  sign(payload: string): Promise<string>;
}

/**
 * Options of {@link createSigner}: the key type (inferred when omitted) and either the HMAC secret or the private key.
 */
export interface SignerOptions {
  /** Inferred when omitted: a CryptoKey's algorithm; a PEM's, by Web Crypto when the key is imported (Ed25519 tried first, then RSA); an `apiSecret` alone means HMAC. */
  keyType?: KeyType | undefined;
  /** HMAC secret (HMAC keys only). */
  apiSecret?: string | undefined;
  /**
   * Ed25519 or RSA private key: a PEM string (`-----BEGIN PRIVATE KEY-----`, PKCS#8, unencrypted:
   * what Web Crypto imports; a PKCS#1 `-----BEGIN RSA PRIVATE KEY-----` is refused with the one-line
   * `openssl pkcs8 -topk8 -nocrypt` conversion) or a Web Crypto `CryptoKey` with the `sign` usage.
   */
  privateKey?: string | WebCryptoKey | undefined;
}

/** The canonical payload: params except `signature`, sorted by name, `k=v` joined with `&`. Undefined values are skipped. */
export function signaturePayload(params: Readonly<Record<string, SignatureParamValue | undefined>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new BinanceStreamError('ERR_UNEXPECTED', 'Web Crypto (globalThis.crypto.subtle) is not available: signing needs Node 20+, Bun, Deno or a secure browser context');
  }
  return s;
}

const encoder = new TextEncoder();

function toHex(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i] as number);
  return btoa(bin);
}

function cryptoKeyType(key: CryptoKey): KeyType | undefined {
  const name = key.algorithm?.name?.toUpperCase();
  if (name === 'ED25519') return 'ed25519';
  if (name === 'RSASSA-PKCS1-V1_5') return 'rsa';
  if (name === 'HMAC') return 'hmac';
  return undefined;
}

function isCryptoKey(v: unknown): v is CryptoKey {
  return typeof v === 'object' && v !== null && typeof (v as CryptoKey).algorithm === 'object' && typeof (v as CryptoKey).type === 'string';
}

/**
 * The key type the options say without importing anything: `keyType` itself, a CryptoKey's
 * algorithm, or HMAC for an `apiSecret` alone. `undefined` for a PEM private key without
 * `keyType`: Web Crypto tells its algorithm when the key is imported (see {@link Signer.resolveKeyType}).
 * Throws ERR_INVALID_OPTION when nothing fits, or when the PEM is not one Web Crypto imports.
 */
export function inferKeyType(opts: SignerOptions): KeyType | undefined {
  if (opts.keyType !== undefined) {
    if (opts.keyType !== 'hmac' && opts.keyType !== 'ed25519' && opts.keyType !== 'rsa') {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `option keyType: expected "hmac", "ed25519" or "rsa", got ${JSON.stringify(opts.keyType)}`, { permanent: true });
    }
    return opts.keyType;
  }
  if (opts.privateKey !== undefined) {
    if (isCryptoKey(opts.privateKey)) {
      const t = cryptoKeyType(opts.privateKey);
      if (!t) throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: unsupported CryptoKey algorithm ${JSON.stringify(opts.privateKey.algorithm?.name)}`, { permanent: true });
      return t;
    }
    if (typeof opts.privateKey === 'string') {
      pkcs8FromPem(opts.privateKey); // the armor and label, at once (no I/O)
      return undefined;
    }
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: expected a PEM string or a CryptoKey', { permanent: true });
  }
  if (typeof opts.apiSecret === 'string' && opts.apiSecret) return 'hmac';
  throw new BinanceStreamError('ERR_INVALID_OPTION', 'user data needs credentials: apiSecret (HMAC key) or privateKey (Ed25519 / RSA key)', { permanent: true });
}

const ALGORITHMS = { ed25519: { name: 'Ed25519' }, rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } } as const;

/**
 * Import a PKCS#8 key as `keyType`, or, when not given, as whichever of Ed25519 and RSA Web Crypto
 * accepts (it rejects a key of another algorithm). Web Crypto's errors name no key material, but
 * they are not passed on either: the message says what was tried.
 */
async function importPkcs8(s: SubtleCrypto, der: Uint8Array, keyType: 'ed25519' | 'rsa' | undefined): Promise<{ key: CryptoKey; keyType: 'ed25519' | 'rsa' }> {
  const tried: ('ed25519' | 'rsa')[] = keyType ? [keyType] : ['ed25519', 'rsa'];
  for (const t of tried) {
    try {
      return { key: await s.importKey('pkcs8', new Uint8Array(der), ALGORITHMS[t], false, ['sign']), keyType: t };
    } catch {
      // not this algorithm (or not a key at all): try the next
    }
  }
  const what = keyType ? `an ${keyType === 'rsa' ? 'RSA' : 'Ed25519'} key, as keyType says` : 'an Ed25519 or RSA key';
  throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: Web Crypto could not import the PEM as ${what} (PKCS#8)`, { permanent: true });
}

async function importKey(keyType: KeyType | undefined, opts: SignerOptions): Promise<{ key: CryptoKey; keyType: KeyType }> {
  const s = subtle();
  if (keyType === 'hmac') {
    if (isCryptoKey(opts.privateKey)) return { key: opts.privateKey, keyType };
    if (typeof opts.apiSecret !== 'string' || !opts.apiSecret) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', 'option apiSecret: required for an HMAC key', { permanent: true });
    }
    return { key: await s.importKey('raw', encoder.encode(opts.apiSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), keyType };
  }
  if (opts.privateKey === undefined) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: required for an ${keyType === 'rsa' ? 'RSA' : 'Ed25519'} key`, { permanent: true });
  }
  if (isCryptoKey(opts.privateKey)) {
    const actual = cryptoKeyType(opts.privateKey);
    if (keyType !== undefined && actual !== keyType) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: the CryptoKey is ${actual ?? 'of an unsupported algorithm'}, but keyType is "${keyType}"`, { permanent: true });
    }
    return { key: opts.privateKey, keyType: actual ?? keyType ?? 'ed25519' };
  }
  if (typeof opts.privateKey !== 'string') throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: expected a PEM string or a CryptoKey', { permanent: true });
  return importPkcs8(s, pkcs8FromPem(opts.privateKey), keyType);
}

/**
 * Build a {@link Signer}. Validates the options at once (synchronously: credentials present, a
 * PEM's armor and label) and imports the key lazily, with Web Crypto, on the first `sign()`; a key
 * Web Crypto does not import rejects with ERR_INVALID_OPTION (permanent).
 */
export function createSigner(opts: SignerOptions): Signer {
  let keyType = inferKeyType(opts);
  // Fail fast on missing material (no I/O).
  if (keyType === 'hmac' && !(typeof opts.apiSecret === 'string' && opts.apiSecret) && !isCryptoKey(opts.privateKey)) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option apiSecret: required for an HMAC key', { permanent: true });
  }
  if (keyType !== 'hmac' && opts.privateKey === undefined) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: required for an ${keyType === 'rsa' ? 'RSA' : 'Ed25519'} key`, { permanent: true });
  }
  let keyPromise: Promise<CryptoKey> | undefined;
  const getKey = (): Promise<CryptoKey> => {
    keyPromise ??= importKey(keyType, opts).then(
      (imported) => {
        keyType = imported.keyType;
        return imported.key;
      },
      (cause: unknown) => {
        keyPromise = undefined;
        if (cause instanceof BinanceStreamError) throw cause;
        throw new BinanceStreamError('ERR_AUTH', `could not import the ${keyType ?? 'private'} signing key`, { cause, permanent: true });
      },
    );
    return keyPromise;
  };
  const label = (): string => `[Signer ${keyType ?? 'private key'}]`;
  const signer: Signer = {
    get keyType() {
      return keyType;
    },
    async resolveKeyType(): Promise<KeyType> {
      await getKey();
      return keyType as KeyType;
    },
    async sign(payload: string): Promise<string> {
      const key = await getKey();
      const data = encoder.encode(payload);
      if (keyType === 'hmac') return toHex(await subtle().sign('HMAC', key, data));
      if (keyType === 'ed25519') return toBase64(await subtle().sign({ name: 'Ed25519' }, key, data));
      return toBase64(await subtle().sign({ name: 'RSASSA-PKCS1-v1_5' }, key, data));
    },
  };
  // Never print key material, whatever the runtime's inspector does.
  Object.defineProperty(signer, 'toString', { value: label, enumerable: false });
  Object.defineProperty(signer, 'toJSON', { value: label, enumerable: false });
  return signer;
}

/** Sign params in place of a copy: returns `{...params, signature}`. */
export async function signParams<T extends Record<string, SignatureParamValue | undefined>>(signer: Signer, params: T): Promise<T & { signature: string }> {
  const signature = await signer.sign(signaturePayload(params));
  return { ...params, signature };
}
