/**
 * Consumer fixture for the Node-only emulator entry `binance-stream-client/testing`.
 * Compiled like snippet.ts; the emulator is a Node program, so this project lists
 * `types: ["node"]`, but still has no @types/ws and no DOM lib.
 */
import { BinanceStreamClient, ExponentialBackoff } from 'binance-stream-client';
import { createSigner, retryOperation } from 'binance-stream-client/advanced';
import { FakeBinance } from 'binance-stream-client/testing';
import type { FakeBinanceClientOptions } from 'binance-stream-client/testing';

export async function run(): Promise<number> {
  const fake: FakeBinance = await FakeBinance.start();
  const opts: FakeBinanceClientOptions = fake.clientOptions();
  const client = new BinanceStreamClient(opts);
  client.on('trade', (data) => void data.p);
  const seq: number = fake.publish('btcusdt@trade', { e: 'trade' });
  const port: number = fake.port;
  await client.stop();
  return seq + port;
}

// The runtime's own AbortSignal and Web Crypto key (here @types/node's) fit where the
// declarations use their structural stand-ins (AbortSignalLike, WebCryptoKey).
export async function platformTypes(): Promise<string> {
  const ac = new AbortController();
  const n: number = await retryOperation(() => 1, { policy: new ExponentialBackoff(), signal: ac.signal });
  // Never run: only the types matter (a pkcs8 key from the runtime's own Web Crypto).
  const key = await globalThis.crypto.subtle.importKey('pkcs8', new Uint8Array(48), { name: 'Ed25519' }, false, ['sign']);
  const signer = createSigner({ privateKey: key });
  const client = new BinanceStreamClient({ apiKey: 'k', privateKey: key });
  void [signer, client];
  return String(n);
}
