/**
 * Spot user data over the WebSocket API (spot listenKeys were retired on 2026-02-20):
 * `userDataStream.subscribe.signature` with an HMAC or RSA key, `session.logon` +
 * `userDataStream.subscribe` with an Ed25519 key. Re-subscribes after every reconnect
 * and after `eventStreamTerminated`; emits `userDataGap` for each interruption.
 *
 * By default it runs against the bundled emulator (which checks the signatures for real)
 * and plays an `eventStreamTerminated` and an abrupt drop while pushing execution
 * reports. `--ed25519` uses a freshly generated Ed25519 key instead of HMAC.
 * With `--live` it connects to the Binance spot TESTNET with keys from the environment:
 * BINANCE_API_KEY plus BINANCE_API_SECRET (HMAC) or BINANCE_PRIVATE_KEY (Ed25519/RSA PEM,
 * or a path to the PEM file). Exits by itself after `--duration` seconds.
 *
 *   npx tsx examples/06-user-data-spot.ts --duration 10 [--ed25519]
 *   BINANCE_API_KEY=… BINANCE_PRIVATE_KEY=./ed25519.pem npx tsx examples/06-user-data-spot.ts --live
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BinanceStreamClient, consoleLogger, describeError } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    live: { type: 'boolean', default: false },
    ed25519: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npx tsx examples/06-user-data-spot.ts [--duration s] [--ed25519] [--live] [--verbose]');
  process.exit(0);
}
const durationMs = Number(args.duration) * 1000;
if (!Number.isFinite(durationMs) || durationMs < 1000) {
  console.error(`--duration: expected seconds >= 1, got ${JSON.stringify(args.duration)}`);
  process.exit(2);
}

interface Credentials {
  apiKey: string;
  apiSecret?: string;
  privateKey?: string;
}

function liveCredentials(): Credentials {
  const apiKey = process.env.BINANCE_API_KEY;
  const secret = process.env.BINANCE_API_SECRET;
  let pk = process.env.BINANCE_PRIVATE_KEY;
  if (pk && !pk.includes('-----BEGIN')) pk = readFileSync(pk, 'utf8');
  if (!apiKey || (!secret && !pk)) {
    console.error('--live needs BINANCE_API_KEY and BINANCE_API_SECRET or BINANCE_PRIVATE_KEY (a spot testnet key)');
    process.exit(2);
  }
  return pk ? { apiKey, privateKey: pk } : { apiKey, apiSecret: secret as string };
}

let creds: Credentials;
let ex: FakeBinance | undefined;
let wsApi: FakeBinance['wsApi'] | undefined;
if (args.live) creds = liveCredentials();
else {
  ex = await FakeBinance.start({ market: 'spot' });
  wsApi = ex.wsApi;
  if (args.ed25519) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    creds = { apiKey: 'example-ed25519-api-key', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    wsApi.addAccount({ apiKey: creds.apiKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string });
  } else {
    creds = { apiKey: 'example-hmac-api-key', apiSecret: 'example-hmac-secret' };
    wsApi.addAccount({ apiKey: creds.apiKey, secret: creds.apiSecret });
  }
}

const client = new BinanceStreamClient({
  ...(ex ? ex.clientOptions() : { market: 'spot' as const, environment: 'testnet' as const }),
  ...creds,
  logger: consoleLogger(args.verbose ? 'debug' : 'warn'),
});

const t0 = Date.now();
const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
client.on('executionReport', (e) => console.log(at(), 'order', e.s, e.S, e.X, `id=${e.i}`));
client.on('outboundAccountPosition', (e) => console.log(at(), 'balances', e.B.map((b) => `${b.a}=${b.f}`).join(' ')));
client.on('balanceUpdate', (e) => console.log(at(), 'balance', e.a, e.d));
client.on('userDataState', (e) => console.log(at(), `user data: ${e.state}`, e.error ? describeError(e.error) : ''));
client.on('userDataGap', (e) => console.log(at(), `GAP ${e.to - e.from} ms (${e.reason}): reconcile orders and balances over REST`));
client.on('error', (e) => console.log(at(), 'error', describeError(e.error)));

let exitCode = 0;
const timeouts: ReturnType<typeof setTimeout>[] = [];
let pusher: ReturnType<typeof setInterval> | undefined;
try {
  await client.subscribeUserData({ product: 'spot' });
  console.log(at(), `subscribed (${client.stats().userData[0]?.details.flow})`);
  if (ex && wsApi) {
    const api = wsApi;
    let i = 0;
    pusher = setInterval(() => {
      i++;
      api.pushEvent(creds.apiKey, { e: 'executionReport', E: Date.now(), s: 'BTCUSDT', c: `demo-${i}`, S: i % 2 ? 'BUY' : 'SELL', o: 'LIMIT', X: 'NEW', x: 'NEW', i });
      if (i % 3 === 0) api.pushEvent(creds.apiKey, { e: 'outboundAccountPosition', E: Date.now(), u: Date.now(), B: [{ a: 'USDT', f: String(1000 - i), l: '0' }] });
    }, 700);
    timeouts.push(
      setTimeout(() => {
        console.log(at(), '[fault] the emulator ends the subscription (eventStreamTerminated)');
        api.terminate(creds.apiKey);
      }, durationMs * 0.3),
    );
    timeouts.push(
      setTimeout(() => {
        console.log(at(), '[fault] the emulator drops the connection (1006)');
        api.disconnectAll();
      }, durationMs * 0.6),
    );
  }
  await new Promise((r) => timeouts.push(setTimeout(r, durationMs)));
  const s = client.stats().userData[0];
  console.log(at(), `done: ${s?.events ?? 0} events, ${s?.gaps ?? 0} gaps, socket reconnects ${s?.socket.reconnects ?? 0}`);
} catch (err) {
  console.error(at(), 'failed:', describeError(err));
  exitCode = 1;
} finally {
  for (const t of timeouts) clearTimeout(t);
  if (pusher) clearInterval(pusher);
  await client.stop();
  await ex?.close();
}
process.exit(exitCode);
