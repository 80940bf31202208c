/**
 * PEM armor, and nothing more: the base64 between `-----BEGIN <label>-----` and `-----END <label>-----`
 * becomes the DER bytes Web Crypto imports (`'pkcs8'`). The key's structure and algorithm are
 * Web Crypto's business (signing.ts tries the algorithms); this module reads only the label,
 * to turn away what Web Crypto cannot import with a message saying what to do instead.
 * Messages never quote the key.
 */
import { BinanceStreamError } from '../core/errors';

/** How to convert a key Web Crypto cannot import into an unencrypted PKCS#8 PEM. */
export const TO_PKCS8 = '`openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem` (in Node: `crypto.createPrivateKey(pem).export({ type: "pkcs8", format: "pem" })`)';

function refuse(message: string): BinanceStreamError {
  return new BinanceStreamError('ERR_INVALID_OPTION', `option privateKey: ${message}`, { permanent: true });
}

/** The DER bytes of an unencrypted PKCS#8 private-key PEM (`-----BEGIN PRIVATE KEY-----`). Throws ERR_INVALID_OPTION for anything else. */
export function pkcs8FromPem(pem: string): Uint8Array {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw refuse('expected a PEM string ("-----BEGIN PRIVATE KEY-----" …) or a CryptoKey');
  const label = m[1] as string;
  if (label === 'ENCRYPTED PRIVATE KEY') throw refuse(`encrypted PEM keys are not supported; decrypt it first: ${TO_PKCS8}`);
  if (label === 'PUBLIC KEY') throw refuse('this PEM is a PUBLIC key; pass the PRIVATE key (Binance keeps the public one)');
  if (label === 'RSA PRIVATE KEY') throw refuse(`a PKCS#1 "RSA PRIVATE KEY" PEM; Web Crypto imports PKCS#8 ("PRIVATE KEY") only: convert it once with ${TO_PKCS8}`);
  if (label !== 'PRIVATE KEY') throw refuse(`unsupported PEM type "${label}" (expected "PRIVATE KEY", PKCS#8 unencrypted)`);
  let bin: string;
  try {
    bin = atob((m[2] as string).replace(/\s/g, ''));
  } catch (cause) {
    throw new BinanceStreamError('ERR_INVALID_OPTION', 'option privateKey: the PEM body is not valid base64', { cause, permanent: true });
  }
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  if (!der.length) throw refuse('the PEM body is empty');
  return der;
}
