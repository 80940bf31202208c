/** resolveUserDataOptions: validated once, defaults applied, messages name the option, secrets never echoed. */
import { describe, expect, it } from 'vitest';
import { isResolved } from '../../../src/core/validate';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import { ExponentialBackoff } from '../../../src/retry/exponential-backoff';
import type { CreateUserDataStreamOptions } from '../../../src/user-data/options';
import { productUrls, resolveUserDataOptions } from '../../../src/user-data/options';
import { createUserDataStream } from '../../../src/user-data/user-data-stream';
import { fastPolicy } from './harness';

const SECRET_KEY = 'api-key-SECRET-0123456789';
const SECRET = 'hmac-SECRET-abcdefghijklmnop';
const base: CreateUserDataStreamOptions = {
  product: 'usdm',
  apiKey: SECRET_KEY,
  restBaseUrl: 'https://fapi.test/',
  streamBaseUrl: 'wss://fstream.test',
  wsApiUrl: 'wss://ws-api.test/ws-api/v3',
  logger: undefined,
  retryPolicy: fastPolicy(),
  emit: () => {},
};

function error(extra: Partial<Record<keyof CreateUserDataStreamOptions, unknown>> | Record<string, unknown>): { name: string; code: string; message: string } {
  try {
    resolveUserDataOptions({ ...base, ...extra } as CreateUserDataStreamOptions);
  } catch (e) {
    return e as { name: string; code: string; message: string };
  }
  throw new Error('no error');
}

describe('productUrls', () => {
  it('corrects live hosts of another product, leaves others alone', () => {
    expect(productUrls('portfolio', 'https://fapi.binance.com', 'wss://ws-fapi.binance.com/ws-fapi/v1').restBaseUrl).toBe('https://papi.binance.com');
    expect(productUrls('margin', 'https://fapi.binance.com', 'wss://ws-fapi.binance.com/ws-fapi/v1')).toEqual({
      restBaseUrl: 'https://api.binance.com',
      wsApiUrl: 'wss://ws-api.binance.com:443/ws-api/v3',
    });
    expect(productUrls('usdm', 'https://fapi.binance.com/', 'wss://a')).toEqual({ restBaseUrl: 'https://fapi.binance.com', wsApiUrl: 'wss://a' });
    expect(productUrls('portfolio', 'http://127.0.0.1:1234', 'ws://127.0.0.1:1234/ws-api/v3').restBaseUrl).toBe('http://127.0.0.1:1234');
  });
});

describe('resolveUserDataOptions', () => {
  it('applies the documented defaults and returns a frozen, marked object', () => {
    const r = resolveUserDataOptions(base);
    expect(isResolved(r)).toBe(true);
    expect(Object.isFrozen(r)).toBe(true);
    expect(r).toMatchObject({
      product: 'usdm',
      restBaseUrl: 'https://fapi.test',
      useSessionLogon: true,
      statusProbeIntervalMs: 300_000,
      listenTokenRenewFraction: 0.8,
      requestTimeoutMs: 10_000,
      recvWindow: undefined,
      listenTokenValidityMs: undefined,
      signer: undefined,
      listenKey: { product: 'usdm', path: '/fapi/v1/listenKey', refreshIntervalMs: 1_800_000, closeListenKeyOnStop: 'never', requestTimeoutMs: 10_000 },
    });
    expect(r.restRetryPolicy).toBeInstanceOf(ExponentialBackoff);
    expect(r.restRetryPolicy).toMatchObject({ maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 });
    expect(r.listenKey?.restRetryPolicy).toBe(r.restRetryPolicy);
    expect(resolveUserDataOptions(r)).toBe(r); // used as it is
    expect(createUserDataStream(r).stats().product).toBe('usdm');
  });

  it('passes a custom restRetryPolicy through to the listenKey manager', () => {
    const policy = new ConstantBackoff({ delayMs: 5, maxRetries: 1 });
    expect(resolveUserDataOptions({ ...base, restRetryPolicy: policy }).listenKey?.restRetryPolicy).toBe(policy);
    expect(error({ restRetryPolicy: { delayMs: 1 } }).message).toMatch(/^option restRetryPolicy: expected a RetryPolicy/);
  });

  it('spot/margin get a signer; futures none', () => {
    expect(resolveUserDataOptions({ ...base, product: 'spot', apiSecret: SECRET }).signer?.keyType).toBe('hmac');
    expect(resolveUserDataOptions({ ...base, product: 'margin', apiSecret: SECRET }).listenKey).toBeUndefined();
  });

  it('rejects bad options with ERR_INVALID_OPTION naming the option as written', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ product: 'options' }, /^option product: expected one of "spot", "margin", "usdm", "coinm", "portfolio", got "options"/],
      [{ product: undefined }, /^option product: expected one of/],
      [{ apiKey: '' }, /^option apiKey: expected a non-empty string/],
      [{ emit: undefined }, /^option emit: expected a function, got undefined/],
      [{ retryPolicy: 3 }, /^option retryPolicy: expected a RetryPolicy, got 3/],
      [{ restBaseUrl: 'fapi' }, /^option restBaseUrl: expected an? http:\/\/ or https:\/\/ URL, got "fapi"/],
      [{ streamBaseUrl: 'https://x' }, /^option streamBaseUrl: expected an? ws:\/\/ or wss:\/\/ URL/],
      [{ refreshIntervalMs: 0 }, /^option refreshIntervalMs: expected a number >= 1 ms, got 0/],
      [{ refreshIntervalMs: 7_200_000 }, /^option refreshIntervalMs: .*60-minute validity/],
      [{ closeListenKeyOnStop: 'sometimes' }, /^option closeListenKeyOnStop: expected one of "owned", "always", "never", got "sometimes"/],
      [{ product: 'coinm', events: ['ORDER_TRADE_UPDATE'] }, /^option events: .*only USD-M/],
      [{ events: ['bad name!'] }, /^option events: expected an array of event names/],
      [{ product: 'spot', apiSecret: SECRET, recvWindow: 70_000 }, /^option recvWindow: expected a number from 1 to 60000 ms, got 70000/],
      [{ listenTokenRenewFraction: 1 }, /^option listenTokenRenewFraction: expected a number between 0 and 1/],
      [{ statusProbeIntervalMs: -1 }, /^option statusProbeIntervalMs: expected a number >= 0 ms, got -1/],
      [{ requestTimeoutMs: Number.NaN }, /^option requestTimeoutMs: expected a number >= 1 ms, got NaN/],
      [{ symbol: 'BTC/USDT' }, /^option symbol: expected a symbol like "BTCUSDT"/],
      [{ heartbeat: { idlePingMs: 'often' } }, /^option heartbeat.idlePingMs: expected a number >= 0 ms/],
      [{ tuning: { staleAfterMs: 1 } }, /^option tuning: expected socket tuning from resolveSocketTuning/],
      [{ refreshIntervalMS: 1000 }, /^option refreshIntervalMS: unknown option \(known: /],
    ];
    for (const [extra, re] of cases) {
      const e = error(extra);
      expect(e, JSON.stringify(extra)).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_INVALID_OPTION' });
      expect(e.message, JSON.stringify(extra)).toMatch(re);
    }
  });

  it('spot/margin without credentials name what is missing', () => {
    expect(error({ product: 'spot' }).message).toMatch(/apiSecret \(HMAC key\) or privateKey/);
    expect(error({ product: 'margin', keyType: 'ed25519', apiSecret: SECRET }).message).toMatch(/privateKey: required/);
  });

  it('never echoes a key or secret', () => {
    for (const extra of [{ apiKey: 12345678901 }, { apiKey: ' ' + SECRET_KEY, product: 'spot', apiSecret: SECRET, keyType: 'rsa' }, { product: 'spot', privateKey: `not a pem ${SECRET}` }]) {
      const e = error(extra);
      expect(e.code).toBe('ERR_INVALID_OPTION');
      expect(e.message).not.toContain('12345678901');
      expect(e.message).not.toContain(SECRET);
      expect(e.message).not.toContain(SECRET_KEY);
    }
  });

  it('no plain TypeError for a non-object', () => {
    for (const bad of [undefined, null, 'usdm', 42]) {
      expect(() => resolveUserDataOptions(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    }
  });
});
