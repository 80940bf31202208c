import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from '../../../src/user-data/rest';
import { ConstantBackoff } from '../../../src/retry/constant-backoff';
import { ExponentialBackoff } from '../../../src/retry/exponential-backoff';
import type { RetryContext } from '../../../src/retry/policy';
import { defaultRestRetryPolicy, httpError, restCall, restRequest } from '../../../src/user-data/rest';
import { createSigner } from '../../../src/user-data/signing';

type Answer = { status: number; body?: string; headers?: Record<string, string> } | Error;

function scripted(answers: Answer[]) {
  const calls: { url: string; method: string; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, method: init.method, headers: init.headers });
    const a = answers.shift() ?? { status: 200, body: '{}' };
    if (a instanceof Error) throw a;
    return { status: a.status, headers: { get: (n: string) => a.headers?.[n.toLowerCase()] ?? null }, text: async () => a.body ?? '' };
  };
  return { fetch, calls };
}

const base = { baseUrl: 'https://api.test/', apiKey: 'KEY-abc-SECRET', path: '/fapi/v1/listenKey' } as const;

describe('restRequest', () => {
  afterEach(() => vi.useRealTimers());

  it('sends X-MBX-APIKEY, no signature for USER_STREAM calls', async () => {
    const s = scripted([{ status: 200, body: '{"listenKey":"abc"}' }]);
    await expect(restRequest({ ...base, method: 'POST', fetch: s.fetch })).resolves.toEqual({ listenKey: 'abc' });
    expect(s.calls[0]).toMatchObject({ url: 'https://api.test/fapi/v1/listenKey', method: 'POST' });
    expect(s.calls[0]?.headers['X-MBX-APIKEY']).toBe('KEY-abc-SECRET');
  });

  it('signs SIGNED calls: sorted params + timestamp, signature last', async () => {
    const s = scripted([{ status: 200, body: '{"token":"t","expirationTime":1}' }]);
    const signer = createSigner({ apiSecret: 'sec' });
    await restRequest({ ...base, path: '/sapi/v1/userListenToken', method: 'POST', params: { validity: 1000, isIsolated: false }, signer, fetch: s.fetch, now: () => 1700000000000 });
    const url = new URL(s.calls[0]?.url as string);
    const payload = 'isIsolated=false&timestamp=1700000000000&validity=1000';
    expect(url.search).toBe(`?${payload}&signature=${createHmac('sha256', 'sec').update(payload).digest('hex')}`);
  });

  it('maps answers to stable error codes', () => {
    expect(httpError('PUT', '/fapi/v1/listenKey', 400, '{"code":-1125,"msg":"This listenKey does not exist."}', null)).toMatchObject({
      code: 'ERR_LISTEN_KEY',
      binanceCode: -1125,
      httpStatus: 400,
      permanent: true,
    });
    const gone = httpError('POST', '/api/v3/userDataStream', 410, '<html>410 Gone</html>', null);
    expect(gone).toMatchObject({ code: 'ERR_ENDPOINT_RETIRED', permanent: true, httpStatus: 410 });
    expect(gone.message).toMatch(/WebSocket API/);
    expect(httpError('POST', '/x', 429, '{"code":-1003,"msg":"Too many requests"}', '7')).toMatchObject({ code: 'ERR_HTTP', retryAfterMs: 7000, permanent: false });
    expect(httpError('POST', '/x', 401, '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}', null)).toMatchObject({ code: 'ERR_AUTH', permanent: true });
    expect(httpError('POST', '/x', 502, '', null)).toMatchObject({ code: 'ERR_HTTP', permanent: false });
    expect(httpError('POST', '/x', 400, '{"code":-1102,"msg":"param"}', null)).toMatchObject({ code: 'ERR_HTTP', permanent: true });
  });

  it('network errors never leak the URL (it carries the signature)', async () => {
    const s = scripted([new TypeError('fetch failed https://api.test/x?signature=deadbeef')]);
    const err = await restRequest({ ...base, method: 'POST', fetch: s.fetch }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_HTTP', permanent: false });
    expect(String((err as Error).message)).not.toContain('deadbeef');
  });

  it('times out via AbortSignal', async () => {
    vi.useFakeTimers();
    const fetch: FetchLike = (_u, init) => new Promise((_r, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const p = restRequest({ ...base, method: 'PUT', fetch, timeoutMs: 500 });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_HTTP', message: expect.stringMatching(/timed out after 500 ms/) });
    await vi.advanceTimersByTimeAsync(500);
    await done;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('restCall (retries under a RetryPolicy, via retry-operation)', () => {
  afterEach(() => vi.useRealTimers());

  it('the default policy: 3 retries after 1 s, 2 s, 4 s, then the last error', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 500 }]);
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch }, { policy: defaultRestRetryPolicy() });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_HTTP', httpStatus: 500 });
    await vi.advanceTimersByTimeAsync(999);
    expect(s.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(4000);
    await done;
    expect(s.calls).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retries transient failures with backoff and Retry-After wins over the curve', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 503 }, { status: 429, body: '{"code":-1003,"msg":"slow down"}', headers: { 'retry-after': '10' } }, { status: 200, body: '{"ok":1}' }]);
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch }, { policy: defaultRestRetryPolicy() });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(s.calls).toHaveLength(2); // Retry-After (10 s) wins over the policy (15 s for a 429, 2 s by attempt)
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toEqual({ ok: 1 });
    expect(s.calls).toHaveLength(3);
  });

  it('obeys a custom policy (a ConstantBackoff subclass), and Retry-After still wins', async () => {
    vi.useFakeTimers();
    class TwiceEvery250 extends ConstantBackoff {
      constructor() {
        super({ delayMs: 250, maxRetries: 2 });
      }
      override delayMs(ctx: RetryContext): number {
        seen.push({ attempt: ctx.attempt, status: ctx.error.httpStatus });
        return super.delayMs(ctx);
      }
    }
    const seen: { attempt: number; status: number | undefined }[] = [];
    const retries: number[] = [];
    const s = scripted([{ status: 502 }, { status: 429, headers: { 'retry-after': '3' } }, { status: 502 }, { status: 200, body: '{}' }]);
    const p = restCall({ ...base, method: 'POST', fetch: s.fetch }, { policy: new TwiceEvery250(), onRetry: (i) => retries.push(i.delayMs) });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_HTTP', httpStatus: 502 });
    await vi.advanceTimersByTimeAsync(250);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls).toHaveLength(3);
    await done; // maxRetries 2: the third failure is final, the 200 is never asked for
    expect(s.calls).toHaveLength(3);
    expect(retries).toEqual([250, 3000]);
    expect(seen).toEqual([{ attempt: 1, status: 502 }]); // Retry-After answered the second wait without asking the policy
  });

  it('never retries permanent errors', async () => {
    const s = scripted([{ status: 410, body: '<html/>' }]);
    await expect(restCall({ ...base, method: 'POST', fetch: s.fetch }, { policy: new ConstantBackoff({ delayMs: 0 }) })).rejects.toMatchObject({ code: 'ERR_ENDPOINT_RETIRED' });
    expect(s.calls).toHaveLength(1);
  });

  it('gives up after its retries with the last error', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch }, { policy: new ExponentialBackoff({ maxRetries: 2, initialDelayMs: 100, jitter: 0 }) });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_HTTP', httpStatus: 500 });
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(s.calls).toHaveLength(3);
  });

  it('is abortable mid-backoff', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 500 }, { status: 500 }]);
    const ctrl = new AbortController();
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch, signal: ctrl.signal }, { policy: new ConstantBackoff({ delayMs: 10_000, maxRetries: 5 }) });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(100);
    ctrl.abort();
    await done;
    expect(s.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
