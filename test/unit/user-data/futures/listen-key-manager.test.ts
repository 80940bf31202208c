import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isResolved } from '../../../../src/core/validate';
import { ExponentialBackoff } from '../../../../src/retry/exponential-backoff';
import type { ListenKeyLifecycleEvent } from '../../../../src/user-data/events';
import type { KeyChange, ListenKeyManagerOptions } from '../../../../src/user-data/futures/listen-key-manager';
import { ListenKeyManager, resolveListenKeyOptions, sharedListenKeyCount } from '../../../../src/user-data/futures/listen-key-manager';
import type { MockRest } from '../mock-rest';
import { mockRest } from '../mock-rest';

const MIN = 60_000;
const retrying = (maxRetries: number, initialDelayMs: number) => new ExponentialBackoff({ maxRetries, initialDelayMs, maxDelayMs: 30_000, jitter: 0 });
const API_KEY = 'apikey-SECRET-abcdefghijklmnopqrstuvwxyz';

/** Most tests here script the 'owned' policy's REST sequence (PUT probe, POST, …, DELETE); the default 'never' has its own test. */
function manager(rest: MockRest, extra: Partial<ListenKeyManagerOptions> = {}) {
  const m = new ListenKeyManager({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test', fetch: rest.fetch, closeListenKeyOnStop: 'owned', ...extra });
  const events: ListenKeyLifecycleEvent[] = [];
  const changes: KeyChange[] = [];
  m.on('listenKey', (e) => events.push(e));
  m.on('keyChange', (e) => changes.push(e));
  return { m, events, changes };
}

describe('ListenKeyManager (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates with POST (header key only, no signature) and refreshes exactly every 30 minutes for 24 h', async () => {
    const rest = mockRest();
    const { m, events } = manager(rest);
    const t0 = Date.now();
    const key = await m.start();
    expect(key).toBe(rest.active);
    const post = rest.calls.find((c) => c.method === 'POST');
    expect(post).toMatchObject({ path: '/fapi/v1/listenKey', query: '', apiKey: API_KEY });
    expect(events.map((e) => e.action)).toEqual(['created']);
    expect(events[0]?.listenKey).not.toBe(key); // masked

    const before = rest.count('PUT'); // the ownership probe
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    const puts = rest.calls.filter((c) => c.method === 'PUT').slice(before);
    expect(puts).toHaveLength(48);
    puts.forEach((c, i) => expect(c.at - t0).toBe((i + 1) * 30 * MIN));
    expect(rest.count('POST')).toBe(1);
    expect(events.filter((e) => e.action === 'refreshed')).toHaveLength(48);
    expect(m.nextRefreshInMs).toBe(30 * MIN);

    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(m.timerCount).toBe(0);
    expect(sharedListenKeyCount()).toBe(0);
  });

  it('honours a custom refreshIntervalMs', async () => {
    const rest = mockRest();
    const { m } = manager(rest, { refreshIntervalMs: 10 * MIN });
    await m.start();
    const before = rest.count('PUT');
    await vi.advanceTimersByTimeAsync(60 * MIN);
    expect(rest.count('PUT') - before).toBe(6);
    await m.stop();
  });

  it('-1125 on refresh → a new key, `expired` + `replaced` events and a keyChange', async () => {
    const rest = mockRest();
    const { m, events, changes } = manager(rest);
    const first = await m.start();
    rest.expireActive();
    await vi.advanceTimersByTimeAsync(30 * MIN);
    const second = m.listenKey;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(rest.created).toEqual([first, second]);
    expect(events.map((e) => e.action)).toEqual(['created', 'expired', 'replaced']);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ listenKey: second, reason: 'expired' });
    // The cadence restarts from the new key.
    expect(m.nextRefreshInMs).toBe(30 * MIN);
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a refresh failing after all its retries → refreshFailed, then a new key', async () => {
    const rest = mockRest();
    const { m, events, changes } = manager(rest, { restRetryPolicy: retrying(3, 1000) });
    const first = await m.start();
    rest.failNext('PUT', 4); // first attempt + 3 retries
    rest.expireActive(); // the key lapsed while Binance was failing
    await vi.advanceTimersByTimeAsync(30 * MIN + 1000 + 2000 + 4000);
    expect(events.map((e) => e.action)).toEqual(['created', 'refreshFailed', 'replaced']);
    expect(events[1]?.error?.httpStatus).toBe(503);
    expect(m.listenKey).not.toBe(first);
    expect(changes.map((c) => c.reason)).toEqual(['refreshFailed']);
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a refresh failing while the key is still alive keeps the key (POST extends it), no reconnect', async () => {
    const rest = mockRest();
    const { m, events, changes } = manager(rest, { restRetryPolicy: retrying(2, 1000) });
    const first = await m.start();
    rest.failNext('PUT', 3);
    await vi.advanceTimersByTimeAsync(30 * MIN + 1000 + 2000);
    expect(events.map((e) => e.action)).toEqual(['created', 'refreshFailed', 'refreshed']);
    expect(m.listenKey).toBe(first);
    expect(changes).toHaveLength(0);
    expect(m.ownsKey).toBe(true);
    await m.stop();
    expect(rest.deleted).toEqual([first]);
  });

  it('listenKeyExpired → a new key and keyChange (the socket reconnects); a push for an old key is ignored', async () => {
    const rest = mockRest();
    const { m, events, changes } = manager(rest);
    const first = await m.start();
    rest.expireActive();
    m.handleExpired(first);
    await vi.advanceTimersByTimeAsync(0);
    const second = m.listenKey as string;
    expect(second).not.toBe(first);
    expect(changes).toEqual([{ listenKey: second, previous: expect.any(String), reason: 'expired' }]);
    expect(events.map((e) => e.action)).toEqual(['created', 'expired', 'replaced']);
    m.handleExpired(first); // stale push for the previous key
    await vi.advanceTimersByTimeAsync(0);
    expect(m.listenKey).toBe(second);
    expect(changes).toHaveLength(1);
    await m.stop();
  });

  it('ensureValid() re-checks an older key with PUT and replaces it on -1125', async () => {
    const rest = mockRest();
    const { m, changes } = manager(rest);
    const first = await m.start();
    expect(await m.ensureValid()).toBe(first); // fresh: no request
    const puts = rest.count('PUT');
    expect(puts).toBe(1); // only the ownership probe
    await vi.advanceTimersByTimeAsync(MIN);
    expect(await m.ensureValid()).toBe(first);
    expect(rest.count('PUT')).toBe(puts + 1);
    rest.expireActive();
    await vi.advanceTimersByTimeAsync(MIN);
    const second = await m.ensureValid();
    expect(second).not.toBe(first);
    expect(changes).toHaveLength(1);
    await m.stop();
  });

  it('stop() aborts an in-flight refresh, closes the key it owns and leaves no timer', async () => {
    const rest = mockRest();
    const { m, events } = manager(rest);
    const key = await m.start();
    rest.hang('PUT');
    await vi.advanceTimersByTimeAsync(30 * MIN);
    expect(rest.count('PUT')).toBe(2); // probe + the hanging refresh
    rest.hang(undefined);
    await m.stop();
    expect(rest.deleted).toEqual([key]);
    expect(events.at(-1)?.action).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    await m.stop(); // idempotent
    expect(rest.count('DELETE')).toBe(1);
  });

  it('stop() during start() rejects the pending start with ERR_ABORTED', async () => {
    const rest = mockRest();
    rest.hang('POST');
    const { m } = manager(rest);
    const p = m.start();
    const settled = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(0);
    await m.stop();
    await settled;
    expect(vi.getTimerCount()).toBe(0);
    expect(rest.count('DELETE')).toBe(0);
  });

  it("'owned' (default) leaves a key that was already active (another process made it)", async () => {
    const rest = mockRest();
    const theirs = rest.preexisting();
    const { m } = manager(rest);
    expect(await m.start()).toBe(theirs);
    expect(m.ownsKey).toBe(false);
    await m.stop();
    expect(rest.count('DELETE')).toBe(0);
    expect(rest.active).toBe(theirs);
  });

  it("'always' closes even a shared key; 'never' closes nothing", async () => {
    const rest = mockRest();
    rest.preexisting();
    const a = manager(rest, { closeListenKeyOnStop: 'always' });
    await a.m.start();
    expect(rest.count('PUT')).toBe(0); // no ownership probe needed
    await a.m.stop();
    expect(rest.count('DELETE')).toBe(1);

    const rest2 = mockRest();
    const b = manager(rest2, { closeListenKeyOnStop: 'never' });
    await b.m.start();
    await b.m.stop();
    expect(rest2.count('DELETE')).toBe(0);
  });

  it("default 'never': no ownership probe, and stop() never deletes the key (another process may use it)", async () => {
    const rest = mockRest();
    const m = new ListenKeyManager({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test', fetch: rest.fetch });
    await m.start();
    expect(rest.calls.map((c) => c.method)).toEqual(['POST']);
    await m.stop();
    expect(rest.count('DELETE')).toBe(0);
    expect(rest.active).toBeDefined();
  });

  it('clients on one account share one key by reference count; the last stop closes it', async () => {
    const rest = mockRest();
    const a = manager(rest);
    const b = manager(rest);
    const ka = await a.m.start();
    const kb = await b.m.start();
    expect(kb).toBe(ka);
    expect(rest.count('POST')).toBe(1);
    expect(sharedListenKeyCount()).toBe(1);
    // Both hear about a replacement.
    rest.expireActive();
    a.m.handleExpired(ka);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.changes).toHaveLength(1);
    expect(b.changes).toHaveLength(1);
    await a.m.stop();
    expect(rest.count('DELETE')).toBe(0);
    expect(vi.getTimerCount()).toBe(1); // b's refresh timer is still alive
    await b.m.stop();
    expect(rest.count('DELETE')).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(sharedListenKeyCount()).toBe(0);
  });

  it('different API keys or products do not share', async () => {
    const rest = mockRest();
    const a = manager(rest);
    const b = manager(rest, { apiKey: 'another-key' });
    const c = manager(rest, { product: 'coinm' });
    await Promise.all([a.m.start(), b.m.start(), c.m.start()]);
    expect(sharedListenKeyCount()).toBe(3);
    expect(rest.calls.some((x) => x.path === '/dapi/v1/listenKey')).toBe(true);
    await Promise.all([a.m.stop(), b.m.stop(), c.m.stop()]);
    expect(sharedListenKeyCount()).toBe(0);
  });

  it('portfolio margin uses /papi/v1/listenKey', async () => {
    const rest = mockRest();
    const { m } = manager(rest, { product: 'portfolio', restBaseUrl: 'https://papi.test' });
    await m.start();
    expect(rest.calls.every((c) => c.path === '/papi/v1/listenKey')).toBe(true);
    await m.stop();
  });

  it('HTTP 410 (retired endpoint) fails at once, without retries', async () => {
    const rest = mockRest();
    rest.failNext('PUT', 10, 410, {});
    const { m } = manager(rest, { path: '/api/v3/userDataStream' });
    await expect(m.start()).rejects.toMatchObject({ code: 'ERR_ENDPOINT_RETIRED', permanent: true, httpStatus: 410 });
    expect(rest.calls).toHaveLength(1);
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('validates its options once (ERR_INVALID_OPTION naming the option, the API key never echoed)', () => {
    const rest = mockRest();
    const bad = (extra: Partial<ListenKeyManagerOptions>) => {
      try {
        manager(rest, extra);
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('no error');
    };
    expect(bad({ product: 'spot' as never })).toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/^option product: .*retired on 2026-02-20/) });
    expect(bad({ apiKey: '' }).message).toMatch(/^option apiKey: expected a non-empty string/);
    expect(bad({ restBaseUrl: 'fapi' }).message).toMatch(/^option restBaseUrl: expected an? http:\/\/ or https:\/\/ URL, got "fapi"/);
    expect(bad({ closeListenKeyOnStop: 'sometimes' as never }).message).toMatch(/^option closeListenKeyOnStop: expected one of "owned", "always", "never", got "sometimes"/);
    expect(bad({ refreshIntervalMs: 2 * 60 * MIN }).message).toMatch(/^option refreshIntervalMs: .*60-minute validity.*got 7200000/);
    expect(bad({ refreshIntervalMs: 0 }).message).toMatch(/^option refreshIntervalMs: expected a number >= 1 ms, got 0/);
    expect(bad({ restRetryPolicy: {} as never }).message).toMatch(/^option restRetryPolicy: expected a RetryPolicy/);
    expect(bad({ retries: 3 } as never).message).toMatch(/^option retries: unknown option \(known: /); // renamed: restRetryPolicy
    const secret = bad({ apiKey: 42 as never, product: 'usdm' });
    expect(secret.message).not.toContain('42');
  });

  it('resolved options are used as they are (validated once)', async () => {
    const rest = mockRest();
    const resolved = resolveListenKeyOptions({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test/', fetch: rest.fetch });
    expect(isResolved(resolved)).toBe(true);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolved).toMatchObject({
      restBaseUrl: 'https://fapi.test',
      path: '/fapi/v1/listenKey',
      refreshIntervalMs: 30 * MIN,
      closeListenKeyOnStop: 'never',
      requestTimeoutMs: 10_000,
      shared: true,
    });
    const m = new ListenKeyManager(resolved);
    await m.start();
    expect(rest.calls[0]?.path).toBe('/fapi/v1/listenKey');
    await m.stop();
  });

  it('logs a REST 503 while replacing a key at WARN (recovered later), a permanent refusal at ERROR', async () => {
    const levels: { level: string; msg: string; fields: any }[] = [];
    const mk = (level: string) => (fields: object, msg: string) => levels.push({ level, msg, fields });
    const logger = { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error') };
    const rest = mockRest();
    const { m, events } = manager(rest, { logger, restRetryPolicy: retrying(1, 1000) });
    await m.start();
    rest.expireActive();
    rest.failNext('POST', 2, 503);
    m.handleExpired();
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.map((e) => e.action)).toEqual(['created', 'expired', 'refreshFailed']);
    expect(levels.filter((l) => l.level === 'error')).toEqual([]);
    const failed = levels.find((l) => l.msg.startsWith('listenKey could not be created'));
    expect(failed).toMatchObject({ level: 'warn', fields: { retryInMs: 60_000, error: { name: 'BinanceStreamError', code: 'ERR_HTTP', httpStatus: 503 } } });
    // The timer tries again a minute later and succeeds (a key created afresh).
    await vi.advanceTimersByTimeAsync(MIN);
    expect(events.map((e) => e.action)).toEqual(['created', 'expired', 'refreshFailed', 'created']);
    expect(m.listenKey).toBe(rest.active);
    // A permanent refusal cannot recover by itself: ERROR.
    rest.expireActive();
    rest.failNext('PUT', 1, 401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    rest.failNext('POST', 1, 401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    m.handleExpired();
    await vi.advanceTimersByTimeAsync(0);
    expect(levels.filter((l) => l.level === 'error').map((l) => l.fields.error.code)).toEqual(['ERR_AUTH']);
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never puts the API key in events or logs', async () => {
    const rest = mockRest();
    const lines: string[] = [];
    const log = (f: object, msg: string) => lines.push(`${msg} ${JSON.stringify(f)}`);
    const { m, events } = manager(rest, { logger: { debug: log, info: log, warn: log, error: log }, restRetryPolicy: retrying(3, 10) });
    const key = await m.start();
    rest.failNext('PUT', 4);
    rest.expireActive();
    await vi.advanceTimersByTimeAsync(31 * MIN);
    await m.stop();
    const all = lines.join('\n') + JSON.stringify(events);
    expect(lines.length).toBeGreaterThan(3);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(key);
  });
});
