import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboundScheduler } from '../../../src/connection/outbound-scheduler';
import { TimerSlots } from '../../../src/core/timers';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('OutboundScheduler', () => {
  it('never exceeds maxPerWindow in any sliding window', async () => {
    const s = new OutboundScheduler({ maxPerWindow: 4 });
    const times: number[] = [];
    for (let i = 0; i < 25; i++) s.enqueue(() => (times.push(Date.now()), true));
    expect(times).toHaveLength(1);
    expect(s.queued).toBe(24);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times).toHaveLength(25);
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(1000);
    // evenly spaced: any 6 frames span more than a second, so 250 ms of jitter cannot make 5+1 in one
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
    expect(s.total).toBe(25);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('priority actions jump the queue but still count; external sends count too', async () => {
    const s = new OutboundScheduler({ maxPerWindow: 2 });
    const order: string[] = [];
    s.recordExternal();
    s.enqueue(() => (order.push('a'), true));
    s.enqueue(() => (order.push('b'), true));
    s.enqueue(() => (order.push('c'), true));
    s.enqueue(() => (order.push('pong'), true), true);
    expect(order).toEqual([]); // spacing (1000 / 2 = 500 ms) after the external frame
    await vi.advanceTimersByTimeAsync(500);
    expect(order).toEqual(['pong']);
    expect(s.sentInWindow()).toBe(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(order).toEqual(['pong', 'a']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(order).toEqual(['pong', 'a', 'b', 'c']);
  });

  it('actions with nothing to send use no budget; throwing actions are reported; dispose clears and refuses more', async () => {
    const errors: unknown[] = [];
    const s = new OutboundScheduler({ maxPerWindow: 1, onError: (e) => errors.push(e) });
    s.enqueue(() => false);
    s.enqueue(() => {
      throw new Error('boom');
    });
    let sent = 0;
    s.enqueue(() => (sent++, true));
    expect(sent).toBe(1);
    expect(errors).toHaveLength(1);
    s.enqueue(() => (sent++, true));
    expect(vi.getTimerCount()).toBe(1);
    s.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(s.queued).toBe(0);
    s.enqueue(() => (sent++, true));
    expect(sent).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect('reset' in s).toBe(false); // one scheduler per connection: never reset, always replaced
  });

  it("its timer lives in the owner's TimerSlots (slot 'outbox')", () => {
    const slots = new TimerSlots();
    const s = new OutboundScheduler({ maxPerWindow: 1, slots });
    s.enqueue(() => true);
    s.enqueue(() => true);
    expect(slots.has('outbox')).toBe(true);
    slots.clearAll();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a non-positive limit with ERR_INVALID_OPTION', () => {
    expect(() => new OutboundScheduler({ maxPerWindow: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: 'option maxOutgoingPerSecond: expected an integer >= 1, got 0' }));
  });
});
