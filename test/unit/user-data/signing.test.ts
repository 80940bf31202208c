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

  it('Ed25519 (PKCS#8 PEM) → base64 that verifies; key type inferred', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(inferKeyType({ privateKey: pem })).toBe('ed25519');
    const s = createSigner({ privateKey: pem });
    const sig = await s.sign(payload);
    expect(verify(null, Buffer.from(payload), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('RSA PKCS#1 v1.5 SHA-256 → base64, from PKCS#8 and from a PKCS#1 "RSA PRIVATE KEY" PEM', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const pem of [privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, privateKey.export({ type: 'pkcs1', format: 'pem' }) as string]) {
      const s = createSigner({ privateKey: pem });
      expect(s.keyType).toBe('rsa');
      const sig = await s.sign(payload);
      expect(verify('sha256', Buffer.from(payload), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
    }
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
    await expect(s.sign('a=1')).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});
