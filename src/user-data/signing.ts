/**
 * Request signing for Binance SIGNED calls, with Web Crypto only
 * (`globalThis.crypto.subtle`), so it runs in Node 20+, Bun, Deno and browsers.
 *
 * - HMAC-SHA256 → lowercase hex (Binance: case-insensitive)
 * - Ed25519     → base64 (case-sensitive)
 * - RSA PKCS#1 v1.5 with SHA-256 → base64 (case-sensitive)
 *
 * Payload rule (protocol reference §7): every parameter except `signature`, sorted by
 * name, `name=value` joined with `&`, UTF-8 encoded. Values are not URL-encoded in the
 * payload; REST callers URL-encode the same pairs when building the query string.
 */
import type { WebCryptoKey } from '../core/web-types';
import { BinanceStreamError } from '../core/errors';

/**
 * The kind of Binance API key: HMAC (a shared secret), Ed25519 or RSA (a private key you hold; Binance keeps the public one). Only an Ed25519 key can `session.logon` on the WebSocket API.
 */
export type KeyType = 'hmac' | 'ed25519' | 'rsa';

export type SignatureParamValue = string | number | boolean;

/** Signs Binance payloads. Holds its key material privately; never prints it. */
export interface Signer {
  readonly keyType: KeyType;
  /** Sign a payload string (see `signaturePayload`). */
  sign(payload: string): Promise<string>;
}

/**
 * Options of {@link createSigner}: the key type (inferred when omitted) and either the HMAC secret or the private key.
 */
export interface SignerOptions {
  /** Inferred when omitted: a `privateKey` PEM or CryptoKey says Ed25519 or RSA; an `apiSecret` alone means HMAC. */
  keyType?: KeyType | undefined;
  /** HMAC secret (HMAC keys only). */
  apiSecret?: string | undefined;
  /**
   * Ed25519 or RSA private key: a PEM string (`-----BEGIN PRIVATE KEY-----`, PKCS#8, unencrypted;
   * an RSA `-----BEGIN RSA PRIVATE KEY-----` PKCS#1 PEM is accepted too) or a Web Crypto
   * `CryptoKey` with the `sign` usage.
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

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface PemInfo {
  label: string;
  der: Uint8Array;
}

function parsePem(pem: string): PemInfo {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: expected a PEM string ("-----BEGIN PRIVATE KEY-----" …) or a CryptoKey', { permanent: true });
  }
  const label = m[1] as string;
  const body = (m[2] as string).replace(/[\r\n\t ]/g, '');
  let der: Uint8Array;
  try {
    der = fromBase64(body);
  } catch (cause) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: the PEM body is not valid base64', { cause, permanent: true });
  }
  return { label, der };
}

// DER helpers, just enough to wrap a PKCS#1 RSA key into PKCS#8.
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return [0x80 | bytes.length, ...bytes];
}

function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const len = derLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const RSA_ALGORITHM_ID = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);
const OID_RSA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_ED25519 = [0x06, 0x03, 0x2b, 0x65, 0x70];

/** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, OCTET STRING). */
function wrapPkcs1(pkcs1: Uint8Array): Uint8Array {
  return derTlv(0x30, concat(new Uint8Array([0x02, 0x01, 0x00]), RSA_ALGORITHM_ID, derTlv(0x04, pkcs1)));
}

function includesBytes(hay: Uint8Array, needle: readonly number[], within = 40): boolean {
  const end = Math.min(hay.length - needle.length, within);
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Which algorithm a PKCS#8 DER key uses, by its algorithm OID near the start. */
function pkcs8KeyType(der: Uint8Array): 'ed25519' | 'rsa' | undefined {
  if (includesBytes(der, OID_ED25519)) return 'ed25519';
  if (includesBytes(der, OID_RSA)) return 'rsa';
  return undefined;
}

function normalisePem(pem: string): { keyType: 'ed25519' | 'rsa'; pkcs8: Uint8Array } {
  const { label, der } = parsePem(pem);
  if (label === 'ENCRYPTED PRIVATE KEY') {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: encrypted PEM keys are not supported; decrypt it first (openssl pkcs8 -in key.pem -nocrypt -out plain.pem)', {
      permanent: true,
    });
  }
  if (label === 'PUBLIC KEY') {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: this PEM is a PUBLIC key; pass the PRIVATE key (Binance keeps the public one)', { permanent: true });
  }
  if (label === 'RSA PRIVATE KEY') return { keyType: 'rsa', pkcs8: wrapPkcs1(der) };
  if (label !== 'PRIVATE KEY') {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: unsupported PEM type "${label}" (expected "PRIVATE KEY", PKCS#8)`, { permanent: true });
  }
  const keyType = pkcs8KeyType(der);
  if (!keyType) throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: not an Ed25519 or RSA PKCS#8 key', { permanent: true });
  return { keyType, pkcs8: der };
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

/** Infer the key type from the options (see {@link SignerOptions.keyType}). Throws ERR_INVALID_OPTION when nothing fits. */
export function inferKeyType(opts: SignerOptions): KeyType {
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
    if (typeof opts.privateKey === 'string') return normalisePem(opts.privateKey).keyType;
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: expected a PEM string or a CryptoKey', { permanent: true });
  }
  if (typeof opts.apiSecret === 'string' && opts.apiSecret) return 'hmac';
  throw new BinanceStreamError('ERR_INVALID_OPTION', 'user data needs credentials: apiSecret (HMAC key) or privateKey (Ed25519 / RSA key)', { permanent: true });
}

async function importKey(keyType: KeyType, opts: SignerOptions): Promise<CryptoKey> {
  const s = subtle();
  if (keyType === 'hmac') {
    if (isCryptoKey(opts.privateKey)) return opts.privateKey;
    if (typeof opts.apiSecret !== 'string' || !opts.apiSecret) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', 'option apiSecret: required for an HMAC key', { permanent: true });
    }
    return s.importKey('raw', encoder.encode(opts.apiSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }
  if (opts.privateKey === undefined) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: required for an ${keyType === 'rsa' ? 'RSA' : 'Ed25519'} key`, { permanent: true });
  }
  if (isCryptoKey(opts.privateKey)) {
    const actual = cryptoKeyType(opts.privateKey);
    if (actual !== keyType) {
      throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: the CryptoKey is ${actual ?? 'of an unsupported algorithm'}, but keyType is "${keyType}"`, { permanent: true });
    }
    return opts.privateKey;
  }
  if (typeof opts.privateKey !== 'string') throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: expected a PEM string or a CryptoKey', { permanent: true });
  const { keyType: actual, pkcs8 } = normalisePem(opts.privateKey);
  if (actual !== keyType) throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: the PEM holds an ${actual} key, but keyType is "${keyType}"`, { permanent: true });
  const algorithm = keyType === 'ed25519' ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return s.importKey('pkcs8', new Uint8Array(pkcs8), algorithm, false, ['sign']);
}

/**
 * Build a {@link Signer}. Validates the options at once (synchronously) and imports the
 * key lazily on the first `sign()`; an import failure rejects with ERR_AUTH (permanent).
 */
export function createSigner(opts: SignerOptions): Signer {
  const keyType = inferKeyType(opts);
  // Fail fast on missing material (no I/O).
  if (keyType === 'hmac' && !(typeof opts.apiSecret === 'string' && opts.apiSecret) && !isCryptoKey(opts.privateKey)) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option apiSecret: required for an HMAC key', { permanent: true });
  }
  if (keyType !== 'hmac' && opts.privateKey === undefined) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: required for an ${keyType === 'rsa' ? 'RSA' : 'Ed25519'} key`, { permanent: true });
  }
  let keyPromise: Promise<CryptoKey> | undefined;
  const getKey = (): Promise<CryptoKey> => {
    keyPromise ??= importKey(keyType, opts).catch((cause: unknown) => {
      keyPromise = undefined;
      if (cause instanceof BinanceStreamError) throw cause;
      throw new BinanceStreamError('ERR_AUTH', `could not import the ${keyType} signing key`, { cause, permanent: true });
    });
    return keyPromise;
  };
  const signer: Signer = {
    keyType,
    async sign(payload: string): Promise<string> {
      const key = await getKey();
      const data = encoder.encode(payload);
      if (keyType === 'hmac') return toHex(await subtle().sign('HMAC', key, data));
      if (keyType === 'ed25519') return toBase64(await subtle().sign({ name: 'Ed25519' }, key, data));
      return toBase64(await subtle().sign({ name: 'RSASSA-PKCS1-v1_5' }, key, data));
    },
  };
  // Never print key material, whatever the runtime's inspector does.
  Object.defineProperty(signer, 'toString', { value: () => `[Signer ${keyType}]`, enumerable: false });
  Object.defineProperty(signer, 'toJSON', { value: () => `[Signer ${keyType}]`, enumerable: false });
  return signer;
}

/** Sign params in place of a copy: returns `{...params, signature}`. */
export async function signParams<T extends Record<string, SignatureParamValue | undefined>>(signer: Signer, params: T): Promise<T & { signature: string }> {
  const signature = await signer.sign(signaturePayload(params));
  return { ...params, signature };
}
