/**
 * API accounts known to the emulated WebSocket API, with real signature verification
 * (node:crypto): HMAC-SHA256 with the configured secret, Ed25519 and RSA (PKCS#1 v1.5,
 * SHA-256) with a registered public key.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { WS_API } from '../profile';

export type AccountKeyType = 'hmac' | 'ed25519' | 'rsa';

/**
 * An account for `ex.wsApi.addAccount(input)`: its API key and either the HMAC secret or the public key of an Ed25519/RSA key, so the emulator can check signed WS-API requests as Binance does.
 */
export interface WsApiAccountInput {
  /** The API key the client sends. */
  apiKey: string;
  /** HMAC secret. */
  secret?: string | undefined;
  /** Ed25519 or RSA public key (PEM, SPKI) for asymmetric keys. */
  publicKeyPem?: string | undefined;
}

export interface Account {
  readonly apiKey: string;
  readonly keyType: AccountKeyType;
  readonly secret: string | undefined;
  readonly publicKey: KeyObject | undefined;
}

export function makeAccount(input: WsApiAccountInput): Account {
  if (!input || typeof input.apiKey !== 'string' || !input.apiKey) throw new TypeError('wsApi.addAccount: apiKey must be a non-empty string');
  if (input.secret !== undefined && input.publicKeyPem !== undefined) throw new TypeError('wsApi.addAccount: give either secret (HMAC) or publicKeyPem (Ed25519/RSA), not both');
  if (typeof input.secret === 'string' && input.secret) return { apiKey: input.apiKey, keyType: 'hmac', secret: input.secret, publicKey: undefined };
  if (typeof input.publicKeyPem === 'string') {
    const publicKey = createPublicKey(input.publicKeyPem);
    const t = publicKey.asymmetricKeyType;
    if (t !== 'ed25519' && t !== 'rsa') throw new TypeError(`wsApi.addAccount: unsupported public key type ${String(t)} (expected ed25519 or rsa)`);
    return { apiKey: input.apiKey, keyType: t, secret: undefined, publicKey };
  }
  throw new TypeError('wsApi.addAccount: give secret (HMAC) or publicKeyPem (Ed25519/RSA)');
}

/** Binance's payload: params except `signature`, sorted by name, `k=v` joined with `&`. */
export function wsSignaturePayload(params: Record<string, unknown>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined && params[k] !== null)
    .sort()
    .map((k) => {
      const v = params[k];
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join('&');
}

/** True when `signature` signs `payload` for this account. HMAC hex is case-insensitive. */
export function verifySignature(account: Account, payload: string, signature: string): boolean {
  try {
    if (account.keyType === 'hmac') {
      const expected = createHmac('sha256', account.secret as string)
        .update(payload)
        .digest();
      if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
      return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
    }
    const sig = Buffer.from(signature, 'base64');
    return verify(account.keyType === 'ed25519' ? null : 'sha256', Buffer.from(payload, 'utf8'), account.publicKey as KeyObject, sig);
  } catch {
    return false;
  }
}

/** A Binance API error: HTTP-style status, Binance code and message (WS API `error`, REST body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
    readonly data?: object,
  ) {
    super(msg);
  }
}

/** Check a SIGNED request's `timestamp` and `recvWindow` (default 5000, at most 60 000) against `now`. */
export function checkTimestamp(ts: unknown, rw: unknown, now: number): void {
  const timestamp = typeof ts === 'string' ? Number(ts) : ts;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new ApiError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  }
  const recvWindow = rw === undefined || rw === null ? 5000 : typeof rw === 'string' ? Number(rw) : rw;
  if (typeof recvWindow !== 'number' || !Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > WS_API.maxRecvWindowMs) {
    throw new ApiError(400, -1131, 'recvWindow must be less than 60000');
  }
  if (!(timestamp < now + 1000 && now - timestamp <= recvWindow)) {
    throw new ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
  }
}
