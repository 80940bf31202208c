import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LATE_GRACE_MS } from '../../../src/connection/liveness';
import { PendingRequests } from '../../../src/connection/requests';
import { BinanceStreamError } from '../../../src/core/errors';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const onTimeout = (id: number, ms: number) => new BinanceStreamError('ERR_UNEXPECTED', `request ${id} timed out after ${ms} ms`);

describe('PendingRequests', () => {
  it('resolves by id; a late or unknown answer is refused', async () => {
    const r = new PendingRequests(1000);
    const sent: number[] = [];
    const p = r.request('a', (id) => void sent.push(id), { onTimeout });
    expect(r.has(sent[0])).toBe(true);
    expect(r.resolve(sent[0]!, { ok: true })).toBe(true);
    await expect(p).resolves.toEqual({ ok: true });
    expect(r.resolve(sent[0]!, {})).toBe(false);
    expect(r.has('x')).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out with the given error; abort settles with ERR_ABORTED; oldest() names the first pending', async () => {
    const r = new PendingRequests(1000);
    const slow = r.request('slow', () => {}, { onTimeout });
    const check = expect(slow).rejects.toThrow('request 1 timed out after 1000 ms');
    const ac = new AbortController();
    const aborted = r.request('abortable', () => {}, { onTimeout, timeoutMs: 5000, signal: ac.signal });
    expect(r.oldest()).toBe(1);
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(1000);
    await check;
    expect(r.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a timeout that fires late (the process stalled) waits one grace for an answer that was waiting in the buffer', async () => {
    const r = new PendingRequests(1000);
    const sent: number[] = [];
    const p = r.request('SUBSCRIBE', (id) => void sent.push(id), { onTimeout });
    vi.setSystemTime(Date.now() + 12_000); // the event loop was blocked for 12 s
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.size).toBe(1); // not rejected yet
    expect(r.resolve(sent[0]!, 'ack')).toBe(true); // the answer, read right after the stall
    await expect(p).resolves.toBe('ack');
    // With no answer, it still times out after the grace.
    const q = r.request('SUBSCRIBE', () => {}, { onTimeout });
    const check = expect(q).rejects.toThrow('timed out');
    vi.setSystemTime(Date.now() + 5_000);
    await vi.advanceTimersByTimeAsync(1000 + LATE_GRACE_MS);
    await check;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('failAll(cause) rejects everything pending and every later request with the cause', async () => {
    const r = new PendingRequests(1000);
    const p = r.request('a', () => {}, { onTimeout });
    const cause = new BinanceStreamError('ERR_CLOSED', 'gone');
    r.failAll(cause);
    await expect(p).rejects.toBe(cause);
    await expect(r.request('b', () => {}, { onTimeout })).rejects.toBe(cause);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a send that throws settles the request with that error', async () => {
    const r = new PendingRequests(1000);
    await expect(
      r.request(
        'a',
        () => {
          throw new Error('socket gone');
        },
        { onTimeout },
      ),
    ).rejects.toMatchObject({ code: 'ERR_UNEXPECTED', message: 'a could not be sent' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
