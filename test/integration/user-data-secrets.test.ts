/**
 * Secrets never leak: every log line (debug level) and every emitted event/error across
 * futures, spot (HMAC, Ed25519, a wrong secret) and margin scenarios is searched for the
 * API key, the secret, the private key, and raw listenKeys / listenTokens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FakeBinance } from '../../src/testing/fake-binance';
import type { CreateUserDataStreamOptions, UserDataController } from '../../src/user-data/user-data-stream';
import { createUserDataStream } from '../../src/user-data/user-data-stream';
import { maskSecret } from '../../src/core/logger';
import { captureLogger, dump, fastPolicy, recorder } from '../unit/user-data/harness';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const API_KEY = 'SeCrEtApIkEy0123456789abcdefXYZ';
const SECRET = 'SeCrEtHmAcSeCrEt9876543210zyxwvu';
const ED_KEY = 'SeCrEtEdApIkEy0123456789abcdefQ';
const ed = generateKeyPairSync('ed25519');
const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const edBody = edPem.split('\n')[1]!.slice(8, 40); // a chunk of the key material

describe('secrets never appear in logs, events or errors', () => {
  it('across futures, spot and margin scenarios, including failures', async () => {
    const log = captureLogger();
    const rec = recorder();
    const errors: unknown[] = [];
    const controllers: UserDataController[] = [];
    const make = (ex: FakeBinance, o: Partial<CreateUserDataStreamOptions> & Pick<CreateUserDataStreamOptions, 'product'>): UserDataController => {
      const c = createUserDataStream({
        apiKey: API_KEY,
        restBaseUrl: ex.urls.http,
        streamBaseUrl: ex.urls.ws,
        wsApiUrl: ex.urls.wsApi,
        logger: log.logger,
        retryPolicy: fastPolicy(),
        emit: rec.emit,
        statusProbeIntervalMs: 50,
        ...o,
      });
      controllers.push(c);
      onCleanup(() => c.stop());
      return c;
    };

    // Futures: create, event, expiry → replacement, drop → reconnect, stop (DELETE).
    const fx = await startEmulator({ market: 'usdm' });
    const fut = make(fx, { product: 'usdm', events: ['ORDER_TRADE_UPDATE'] });
    await fut.start();
    const key1 = fx.listenKeys()[0]!.listenKey;
    fx.pushUserEvent(API_KEY, { e: 'ORDER_TRADE_UPDATE', E: 1, T: 1, o: {} });
    fx.faults.expireListenKey(key1);
    await rec.waitFor('listenKey', (e: any) => e.action === 'replaced');
    await until(() => fx.connections().length === 1 && !fx.connections()[0]!.path.includes(key1));
    fx.faults.close({ all: true }, { code: 1006 });
    await rec.waitCount('userDataGap', 2);
    await fut.stop();
    const futureKeys = fx.listenKeys().map((k) => k.listenKey);

    // Spot: HMAC (events, termination, drop), Ed25519 logon, and a wrong secret.
    const sx = await startEmulator({ market: 'spot' });
    const wsApi = sx.wsApi;
    wsApi.addAccount({ apiKey: API_KEY, secret: SECRET });
    wsApi.addAccount({ apiKey: ED_KEY, publicKeyPem: ed.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    const spot = make(sx, { product: 'spot', apiSecret: SECRET });
    await spot.start();
    wsApi.pushEvent(API_KEY, { e: 'executionReport', E: 1 });
    wsApi.terminate(API_KEY, { product: 'spot' });
    await rec.waitCount('userDataGap', 3);
    wsApi.disconnectAll();
    await rec.waitCount('userDataGap', 4);
    const probes = () => wsApi.requests().filter((r) => r.method === 'session.subscriptions').length;
    const probed = probes();
    await until(() => probes() >= probed + 2, { message: 'two status probes' });
    const edc = make(sx, { product: 'spot', apiKey: ED_KEY, privateKey: edPem });
    await edc.start();
    const bad = make(sx, { product: 'spot', apiSecret: `${SECRET}x` });
    errors.push(await bad.start().catch((e: unknown) => e));

    // Margin: token, renewal-free subscribe, expiry → new token.
    const margin = make(sx, { product: 'margin', apiSecret: SECRET });
    await margin.start();
    wsApi.expireListenTokens(API_KEY);
    await rec.waitCount('userDataGap', 5);
    const tokens = wsApi.listenTokens().map((t) => t.token);
    const badMargin = make(sx, { product: 'margin', apiSecret: 'nope-nope-nope' });
    errors.push(await badMargin.start().catch((e: unknown) => e));

    // Stopped here, not after the test, so their stop-time log lines and events are searched too.
    for (const c of controllers.reverse()) await c.stop();

    const haystack = [log.lines.join('\n'), dump(rec.all), dump(errors), errors.map(String).join('\n')].join('\n');
    expect(log.lines.some((l) => l.startsWith('debug'))).toBe(true);
    expect(rec.all.length).toBeGreaterThan(20);
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    // The keys do show up, masked (proof the search covers real output).
    expect(haystack).toContain(maskSecret(key1));
    for (const secret of [API_KEY, SECRET, ED_KEY, edBody, ...futureKeys, ...tokens]) {
      expect(haystack.includes(secret), `leaked ${secret.slice(0, 6)}…`).toBe(false);
    }
  }, 20_000);
});
