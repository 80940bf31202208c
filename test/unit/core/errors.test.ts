import { describe, expect, it } from 'vitest';
import { BinanceStreamError, closeError, describeError, parseRetryAfter, toStreamError } from '../../../src/core/errors';

describe('describeError', () => {
  it('names the type when the message is empty (the "WebSocket错误: ，" case)', () => {
    class TimeoutError extends Error {
      override name = 'TimeoutError';
    }
    expect(describeError(new TimeoutError(''))).toBe('TimeoutError (no message)');
    expect(describeError(new Error(''))).toBe('Error (no message)');
    expect(describeError('')).toBe('string (no message)');
    expect(describeError(undefined)).toBe('undefined (no message)');
    expect(describeError(null)).toBe('null (no message)');
  });

  it('describes browser-style error events that carry no message', () => {
    class Event {
      type = 'error';
    }
    expect(describeError(new Event())).toBe('Event(error) (no message)');
  });

  it('includes Node error codes and our structured details', () => {
    const econn = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(econn)).toBe('Error[ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:1');
    const rejected = new BinanceStreamError('ERR_HANDSHAKE_REJECTED', 'upgrade rejected', { httpStatus: 429, retryAfterMs: 12_000 });
    expect(describeError(rejected)).toBe('ERR_HANDSHAKE_REJECTED: upgrade rejected [http=429 retryAfter=12000ms]');
    expect(String(rejected)).toBe(describeError(rejected));
  });

  it('never produces an empty BinanceStreamError message', () => {
    const e = new BinanceStreamError('ERR_SOCKET', '   ');
    expect(e.message).toBe('ERR_SOCKET (no message)');
    expect(describeError(e)).toBe('ERR_SOCKET: ERR_SOCKET (no message)');
  });

  it('wraps foreign errors keeping the cause', () => {
    const cause = new RangeError('');
    const e = toStreamError(cause, 'ERR_SOCKET');
    expect(e.code).toBe('ERR_SOCKET');
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('RangeError (no message)');
    expect(toStreamError(e)).toBe(e);
  });
});

describe('closeError', () => {
  it('names the close code and keeps the reason', () => {
    const e = closeError(1008, 'Too many requests');
    expect(e.code).toBe('ERR_CLOSED');
    expect(e.closeCode).toBe(1008);
    expect(e.message).toBe('socket closed with 1008 (policy violation): Too many requests');
    expect(describeError(closeError(1006, ''))).toBe('ERR_CLOSED: socket closed with 1006 (abnormal closure) [close=1006]');
    // The reason is in the message already: not repeated in the details.
    expect(describeError(e)).toBe('ERR_CLOSED: socket closed with 1008 (policy violation): Too many requests [close=1008]');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('12')).toBe(12_000);
    expect(parseRetryAfter(['3'])).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4_000)).toBe(6_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
