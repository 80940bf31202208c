import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from '../../../src/user-data/rest';
import { httpError, restCall, restRequest } from '../../../src/user-data/rest';
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

describe('restCall (retries)', () => {
  afterEach(() => vi.useRealTimers());

  it('retries transient failures with backoff and honours Retry-After', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 503 }, { status: 429, body: '{"code":-1003,"msg":"slow down"}', headers: { 'retry-after': '10' } }, { status: 200, body: '{"ok":1}' }]);
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch }, { retries: 3, minDelayMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(s.calls).toHaveLength(2); // Retry-After (10 s) wins over the curve (2 s)
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(p).resolves.toEqual({ ok: 1 });
    expect(s.calls).toHaveLength(3);
  });

  it('never retries permanent errors', async () => {
    const s = scripted([{ status: 410, body: '<html/>' }]);
    await expect(restCall({ ...base, method: 'POST', fetch: s.fetch }, { retries: 5 })).rejects.toMatchObject({ code: 'ERR_ENDPOINT_RETIRED' });
    expect(s.calls).toHaveLength(1);
  });

  it('gives up after its retries with the last error', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch }, { retries: 2, minDelayMs: 100 });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_HTTP', httpStatus: 500 });
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(s.calls).toHaveLength(3);
  });

  it('is abortable mid-backoff', async () => {
    vi.useFakeTimers();
    const s = scripted([{ status: 500 }, { status: 500 }]);
    const ctrl = new AbortController();
    const p = restCall({ ...base, method: 'PUT', fetch: s.fetch, signal: ctrl.signal }, { retries: 5, minDelayMs: 10_000 });
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(100);
    ctrl.abort();
    await done;
    expect(vi.getTimerCount()).toBe(0);
  });
});
