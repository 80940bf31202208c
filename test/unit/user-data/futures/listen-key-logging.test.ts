/**
 * Log levels and field types of the listenKey lifecycle (issue 10, items 12 and 15): WARN for
 * what the client recovers from by itself, ERROR only for giving up or a fault in user code;
 * one line per event; `attempt` a number with `maxRetries` beside it, errors as
 * `errorFields()` objects, durations as numbers of ms.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExponentialBackoff } from '../../../../src/retry/exponential-backoff';
import { ListenKeyManager } from '../../../../src/user-data/futures/listen-key-manager';
import { mockRest } from '../mock-rest';

const MIN = 60_000;
const API_KEY = 'apikey-logging-abcdefghijklmnopqrstuvwxyz';

interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

function recordLines() {
  const lines: Line[] = [];
  const mk = (level: Line['level']) => (fields: object, msg: string) => void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  return { lines, logger: { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error') } };
}

/** Every field is a structured value: errors as plain errorFields objects, numbers where numbers belong. */
function expectStructured(lines: readonly Line[]): void {
  for (const { msg, fields } of lines) {
    for (const [k, v] of Object.entries(fields)) {
      expect(v instanceof Error, `${msg}: ${k} is not a live Error`).toBe(false);
      if (k === 'attempt' || k === 'attempts') {
        expect(typeof v, `${msg}: ${k}`).toBe('number');
        expect(typeof fields.maxRetries, `${msg}: maxRetries beside ${k}`).toBe('number');
      }
      if (/Ms$/.test(k)) expect(typeof v, `${msg}: ${k} is a number of ms`).toBe('number');
      if (k === 'error') {
        expect(Object.getPrototypeOf(v), `${msg}: error is a plain object`).toBe(Object.prototype);
        expect(v).toMatchObject({ name: expect.any(String), message: expect.any(String) });
      }
    }
  }
}

const levelsOf = (lines: readonly Line[], level: Line['level']) => lines.filter((l) => l.level === level).map((l) => l.msg);

describe('listenKey logging (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  it('a REST 503 while replacing a listenKey is a WARN per retry (attempt / maxRetries), then INFO once replaced; no ERROR', async () => {
    const { lines, logger } = recordLines();
    const rest = mockRest();
    const m = new ListenKeyManager({
      product: 'usdm',
      apiKey: API_KEY,
      restBaseUrl: 'https://fapi.test',
      fetch: rest.fetch,
      logger,
      restRetryPolicy: new ExponentialBackoff({ maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 }),
    });
    await m.start();
    rest.expireActive();
    rest.failNext('POST', 2, 503);
    lines.length = 0;
    m.handleExpired();
    await vi.advanceTimersByTimeAsync(3_000); // retries after 1 s and 2 s
    expect(m.listenKey).toBe(rest.active);
    expect(levelsOf(lines, 'error')).toEqual([]);
    const retries = lines.filter((l) => l.msg === 'listenKey request failed, retrying');
    expect(retries.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(retries.map((l) => [l.fields.attempt, l.fields.maxRetries, l.fields.delayMs])).toEqual([
      [1, 3, 1000],
      [2, 3, 2000],
    ]);
    expect(retries[0]!.fields.error).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_HTTP', httpStatus: 503 });
    // One line per event: the expiry (WARN), each failed attempt (WARN), the replacement (INFO).
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn listenKey expired; creating a new one',
      'warn listenKey request failed, retrying',
      'warn listenKey request failed, retrying',
      'info listenKey replaced',
    ]);
    expectStructured(lines);
    await m.stop();
  });

  it('a refresh that finally gives up: WARN per retry and for the failed refresh, one ERROR when the new key is refused for good', async () => {
    const { lines, logger } = recordLines();
    const rest = mockRest();
    const m = new ListenKeyManager({
      product: 'usdm',
      apiKey: API_KEY,
      restBaseUrl: 'https://fapi.test',
      fetch: rest.fetch,
      logger,
      restRetryPolicy: new ExponentialBackoff({ maxRetries: 2, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 }),
    });
    await m.start();
    lines.length = 0;
    rest.failNext('PUT', 3, 503); // the keepalive fails every attempt
    rest.failNext('POST', 1, 401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    await vi.advanceTimersByTimeAsync(30 * MIN + 3_000);
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn listenKey request failed, retrying',
      'warn listenKey request failed, retrying',
      'warn listenKey refresh failed after retries; replacing the key',
      'error listenKey could not be created and retrying cannot help',
    ]);
    expect(lines.slice(0, 2).map((l) => [l.fields.method, l.fields.attempt, l.fields.maxRetries])).toEqual([
      ['PUT', 1, 2],
      ['PUT', 2, 2],
    ]);
    expect(lines[3]!.fields.error).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_AUTH', httpStatus: 401 });
    expect(typeof lines[3]!.fields.retryInMs).toBe('number');
    expectStructured(lines);
    await m.stop();
  });

  it('a listener that throws is a fault in user code: ERROR, with the error as an object', async () => {
    const { lines, logger } = recordLines();
    const rest = mockRest();
    const m = new ListenKeyManager({ product: 'usdm', apiKey: API_KEY, restBaseUrl: 'https://fapi.test', fetch: rest.fetch, logger });
    m.on('listenKey', () => {
      throw new TypeError('boom in user code');
    });
    await m.start();
    const thrown = lines.filter((l) => l.msg === 'a listenKey listener threw; the lifecycle goes on');
    expect(thrown.map((l) => l.level)).toEqual(['error']);
    expect(thrown[0]!.fields.error).toMatchObject({ name: 'TypeError', message: expect.stringContaining('boom in user code') });
    expectStructured(lines);
    await m.stop();
  });
});
