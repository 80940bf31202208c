import { describe, expect, it, vi } from 'vitest';
import { consoleLogger, formatFields, maskSecret, normalizeLogger, silentLogger } from '../../../src/core/logger';

describe('consoleLogger', () => {
  it('prints one line per call at or above its level, fields after the message', () => {
    const out = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const log = consoleLogger('info', { console: out, timestamps: false });
    log.debug({ a: 1 }, 'hidden');
    log.warn({ socketId: 's1', attempt: '2/10', delayMs: 4100, reason: 'a b' }, 'retry 2/10 in 4.1 s');
    expect(out.debug).not.toHaveBeenCalled();
    expect(out.warn).toHaveBeenCalledWith('WARN [binance-stream-client] retry 2/10 in 4.1 s socketId=s1 attempt=2/10 delayMs=4100 reason="a b"');
  });

  it('rejects an unknown level by name', () => {
    expect(() => consoleLogger('verbose' as never)).toThrow(/unknown level "verbose"/);
  });
});

describe('normalizeLogger', () => {
  it('calls pino-style loggers fields first, bound to the logger', () => {
    const calls: unknown[][] = [];
    const pinoLike = {
      tag: 'pino',
      info(this: { tag: string }, ...args: unknown[]) {
        calls.push([this.tag, ...args]);
      },
    };
    normalizeLogger(pinoLike as never).info({ x: 1 }, 'hello');
    expect(calls).toEqual([['pino', { x: 1 }, 'hello']]);
  });

  it('calls winston loggers message first', () => {
    const warn = vi.fn();
    const winstonLike = { transports: [], log: vi.fn(), warn, info: vi.fn(), debug: vi.fn(), error: vi.fn() };
    normalizeLogger(winstonLike as never).warn({ attempt: 1 }, 'reconnecting');
    expect(warn).toHaveBeenCalledWith('reconnecting', { attempt: 1 });
  });

  it('survives a throwing logger and missing methods', () => {
    const log = normalizeLogger({
      error() {
        throw new Error('disk full');
      },
    } as never);
    expect(() => log.error({}, 'x')).not.toThrow();
    expect(() => log.debug({}, 'x')).not.toThrow();
    expect(normalizeLogger(undefined)).toBe(silentLogger);
  });
});

describe('helpers', () => {
  it('masks secrets', () => {
    expect(maskSecret('pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1')).toBe('pqia…65a1');
    expect(maskSecret('short')).toBe('****');
    expect(maskSecret(undefined)).toBe('');
  });
  it('formats fields compactly', () => {
    expect(formatFields({ a: 1, b: undefined, c: 'x y', d: [1, 2] })).toBe('a=1 c="x y" d=[1,2]');
  });
});
