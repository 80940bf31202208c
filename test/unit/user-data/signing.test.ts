import { createHmac, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigner, inferKeyType, signaturePayload } from '../../../src/user-data/signing';

describe('signaturePayload', () => {
  it('sorts by name, skips signature and undefined, joins k=v with &', () => {
    expect(signaturePayload({ timestamp: 1700000000000, apiKey: 'k', signature: 'x', recvWindow: undefined })).toBe('apiKey=k&timestamp=1700000000000');
    expect(signaturePayload({ b: true, a: 'x y', c: 1.5 })).toBe('a=x y&b=true&c=1.5');
  });
});

describe('createSigner', () => {
  const payload = 'apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1649729878532';

  it('HMAC-SHA256 → lowercase hex, identical to node:crypto', async () => {
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    const s = createSigner({ apiSecret: secret });
    expect(s.keyType).toBe('hmac');
    expect(await s.sign(payload)).toBe(createHmac('sha256', secret).update(payload).digest('hex'));
    expect(String(s)).toBe('[Signer hmac]');
    expect(JSON.stringify(s)).not.toContain(secret);
  });

  it('Ed25519 (PKCS#8 PEM) → base64 that verifies; key type found by Web Crypto on import', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(inferKeyType({ privateKey: pem })).toBeUndefined();
    const s = createSigner({ privateKey: pem });
    expect(s.keyType).toBeUndefined();
    expect(String(s)).toBe('[Signer private key]');
    const sig = await s.sign(payload);
    expect(s.keyType).toBe('ed25519');
    expect(String(s)).toBe('[Signer ed25519]');
    expect(verify(null, Buffer.from(payload), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('RSA PKCS#1 v1.5 SHA-256 → base64 from a PKCS#8 PEM; resolveKeyType() says rsa before any sign', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const s = createSigner({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
    expect(await s.resolveKeyType()).toBe('rsa');
    expect(s.keyType).toBe('rsa');
    const sig = await s.sign(payload);
    expect(verify('sha256', Buffer.from(payload), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
  });

  describe('key formats (table)', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const body = (pem: string): string => pem.split('\n').slice(1, -2).join('');
    // A PKCS#8 PEM whose body is valid base64 but no key: only Web Crypto can tell.
    const notAKey = `-----BEGIN PRIVATE KEY-----\n${Buffer.from('s3cr3t-not-a-key-s3cr3t').toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const encrypted = ed.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    const ok: [string, string, 'ed25519' | 'rsa', (sig: string) => boolean][] = [
      ['PKCS#8 PEM, Ed25519', edPem, 'ed25519', (sig) => verify(null, Buffer.from(payload), ed.publicKey, Buffer.from(sig, 'base64'))],
      ['PKCS#8 PEM, RSA', rsaPem, 'rsa', (sig) => verify('sha256', Buffer.from(payload), rsa.publicKey, Buffer.from(sig, 'base64'))],
      ['PKCS#8 PEM, Ed25519, CRLF line ends', edPem.replace(/\n/g, '\r\n'), 'ed25519', (sig) => verify(null, Buffer.from(payload), ed.publicKey, Buffer.from(sig, 'base64'))],
    ];
    it.each(ok)('%s: signs, and the signature verifies', async (_name, pem, type, verifies) => {
      const s = createSigner({ privateKey: pem });
      expect(verifies(await s.sign(payload))).toBe(true);
      expect(s.keyType).toBe(type);
    });

    const refusedAtOnce: [string, string, RegExp][] = [
      ['PKCS#1 "RSA PRIVATE KEY" PEM', pkcs1, /PKCS#1 "RSA PRIVATE KEY".*openssl pkcs8 -topk8 -nocrypt/],
      ['encrypted PKCS#8 PEM', encrypted, /encrypted PEM keys are not supported.*openssl pkcs8/],
      ['SPKI public key PEM', ed.publicKey.export({ type: 'spki', format: 'pem' }) as string, /PUBLIC key/],
      ['garbage, no PEM armor', `not a pem ${body(edPem)}`, /expected a PEM string/],
      ['armor around a body that is not base64', `-----BEGIN PRIVATE KEY-----\n!!s3cr3t!!\n-----END PRIVATE KEY-----`, /not valid base64/],
      ['an unknown PEM label', `-----BEGIN EC PRIVATE KEY-----\n${body(edPem)}\n-----END EC PRIVATE KEY-----`, /unsupported PEM type "EC PRIVATE KEY"/],
    ];
    it.each(refusedAtOnce)('%s: refused at once with ERR_INVALID_OPTION, the key never echoed', (_name, pem, message) => {
      let err: unknown;
      try {
        createSigner({ privateKey: pem });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'ERR_INVALID_OPTION', permanent: true, message: expect.stringMatching(message) });
      const shown = `${String(err)} ${JSON.stringify(err)} ${String((err as Error).cause ?? '')}`;
      for (const secret of [body(edPem).slice(10, 40), body(pkcs1).slice(10, 40), 's3cr3t']) expect(shown).not.toContain(secret);
    });

    it('a PKCS#8 PEM that holds no key: sign() and resolveKeyType() reject with ERR_INVALID_OPTION, never echoing it', async () => {
      const s = createSigner({ privateKey: notAKey });
      const err = await s.sign(payload).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_INVALID_OPTION', message: 'option privateKey: Web Crypto could not import the PEM as an Ed25519 or RSA key (PKCS#8)' });
      await expect(s.resolveKeyType()).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
      expect(`${String(err)} ${JSON.stringify(err)}`).not.toContain(body(notAKey));
      expect(s.keyType).toBeUndefined();
    });
  });

  it('accepts a Web Crypto CryptoKey', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const s = createSigner({ privateKey: pair.privateKey });
    expect(s.keyType).toBe('ed25519');
    const sig = await s.sign(payload);
    const spki = Buffer.from(await crypto.subtle.exportKey('spki', pair.publicKey));
    expect(verify(null, Buffer.from(payload), createPublicKey({ key: spki, format: 'der', type: 'spki' }), Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('rejects bad credentials clearly, without echoing them', () => {
    expect(() => createSigner({})).toThrow(/apiSecret \(HMAC key\) or privateKey/);
    expect(() => createSigner({ keyType: 'ed25519', apiSecret: 's3cr3t' })).toThrow(/^option privateKey: required/);
    expect(() => createSigner({ keyType: 'dsa' as never, apiSecret: 's' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/^option keyType: expected/) }),
    );
    expect(() => createSigner({ privateKey: 'not a pem s3cr3t' })).toThrow(/PEM/);
    try {
      createSigner({ privateKey: 'not a pem s3cr3t' });
    } catch (e) {
      expect(String(e)).not.toContain('s3cr3t');
    }
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() => createSigner({ privateKey: publicKey.export({ type: 'spki', format: 'pem' }) as string })).toThrow(/PUBLIC key/);
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => createSigner({ keyType: 'rsa', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string })).not.toThrow();
  });

  it('a key of the wrong type rejects on sign with ERR_INVALID_OPTION', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const s = createSigner({ keyType: 'rsa', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
    await expect(s.sign('a=1')).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('as an RSA key, as keyType says') });
  });
});
