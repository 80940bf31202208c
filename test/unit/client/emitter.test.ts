import { describe, expect, it } from 'vitest';
import { ClientEmitter } from '../../../src/client/emitter';
import type { StreamErrorEvent } from '../../../src/events';
import type { Logger, LogFields } from '../../../src/core/logger';
import type { StreamInfo } from '../../../src/streams/classify';
import type { StreamMessage } from '../../../src/streams/types';
import { until } from '../../helpers/wait';

class TestEmitter extends ClientEmitter {
  readonly lines: { level: string; fields: LogFields; msg: string }[] = [];
  constructor() {
    super();
    const rec = (level: string) => (fields: LogFields, msg: string) => this.lines.push({ level, fields, msg });
    this.log = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') } satisfies Logger;
  }
  push(message: StreamMessage, info: Pick<StreamInfo, 'event'>): void {
    this.deliver(message, info as StreamInfo);
  }
}

const kline = { stream: 'btcusdt@kline_1m', data: { e: 'kline' }, receivedAt: 0 } as unknown as StreamMessage;

describe('ClientEmitter', () => {
  it('handles a rejecting async data listener exactly like a throw: an ERR_LISTENER error event, no unhandled rejection', async () => {
    const em = new TestEmitter();
    const errors: StreamErrorEvent[] = [];
    em.on('error', (e) => errors.push(e));
    em.on('kline', async () => {
      throw new Error('async boom');
    });
    em.on('message', () => {
      throw new Error('sync boom');
    });
    em.push(kline, { event: 'kline' });
    await until(() => errors.length === 2);
    expect(errors.map((e) => e.error.code)).toEqual(['ERR_LISTENER', 'ERR_LISTENER']);
    expect(errors.map((e) => e.error.message).sort()).toEqual([
      expect.stringMatching(/"kline" listener rejected: Error: async boom/),
      expect.stringMatching(/"message" listener threw: Error: sync boom/),
    ]);
  });

  it('handles a rejecting lifecycle listener too, and logs when nobody listens to errors', async () => {
    const em = new TestEmitter();
    em.on('reconnecting', async () => Promise.reject(new TypeError('')));
    em.emit('reconnecting', { socketId: 's', attempt: 1, maxRetries: 3, delayMs: 5, error: undefined as never, streams: [] });
    await until(() => em.lines.some((l) => l.level === 'error'));
    const line = em.lines.find((l) => l.level === 'error');
    expect(line?.msg).toBe('listener rejected');
    expect(line?.fields.error).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_LISTENER', message: expect.stringContaining('TypeError (no message)') });
  });

  it('a rejecting error listener is logged, never looped back into error', async () => {
    const em = new TestEmitter();
    let calls = 0;
    em.on('error', async () => {
      calls++;
      throw new Error('error listener fails');
    });
    em.on('message', () => {
      throw new Error('x');
    });
    em.push(kline, { event: undefined });
    await until(() => em.lines.some((l) => l.msg === 'listener rejected'));
    expect(calls).toBe(1);
  });

  it('off(), once() and listeners() see the functions the user passed', () => {
    const em = new TestEmitter();
    const seen: string[] = [];
    const fn = (m: StreamMessage): void => {
      seen.push(m.stream);
    };
    em.on('message', fn);
    expect(em.listeners('message')).toEqual([fn]);
    em.push(kline, { event: undefined });
    em.off('message', fn);
    expect(em.listenerCount('message')).toBe(0);
    em.push(kline, { event: undefined });
    em.once('message', fn);
    em.push(kline, { event: undefined });
    em.push(kline, { event: undefined });
    expect(seen).toEqual(['btcusdt@kline_1m', 'btcusdt@kline_1m']);
  });
});
