/** The facade over a fake WebSocket and a mock REST endpoint, under fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocketLike } from '../../../src/connection/types';
import { createUserDataStream } from '../../../src/user-data/user-data-stream';
import { fastPolicy, recorder } from './harness';
import { mockRest } from './mock-rest';

class FakeWs implements WebSocketLike {
  static all: FakeWs[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string | { toString(): string } }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  sent: string[] = [];
  constructor(readonly url: string) {
    FakeWs.all.push(this);
    queueMicrotask(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
  push(obj: object): void {
    this.onmessage?.({ data: JSON.stringify(obj) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}

const MIN = 60_000;

describe('createUserDataStream (futures, fake timers)', () => {
  beforeEach(() => {
    FakeWs.all = [];
    vi.useFakeTimers({ now: new Date('2026-11-22T00:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => vi.useRealTimers());

  function make(rest = mockRest()) {
    const rec = recorder();
    const ctl = createUserDataStream({
      product: 'usdm',
      apiKey: 'k-0123456789',
      restBaseUrl: 'https://fapi.test',
      streamBaseUrl: 'wss://fstream.test',
      wsApiUrl: 'wss://ws-api.test/ws-api/v3',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      retryPolicy: fastPolicy(),
      emit: rec.emit,
      fetch: rest.fetch,
      webSocketFactory: (url) => new FakeWs(url),
      heartbeat: false,
    });
    return { ctl, rec, rest };
  }

  it('opens only with a key, keeps it alive every 30 min for 24 h, and stop() leaves no timer', async () => {
    const { ctl, rec, rest } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    expect(FakeWs.all).toHaveLength(1);
    expect(FakeWs.all[0]!.url).toBe(`wss://fstream.test/private/ws?listenKey=${rest.active}`);
    const before = rest.count('PUT');
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    expect(rest.count('PUT') - before).toBe(48);
    expect(FakeWs.all).toHaveLength(1); // keepalives never touch the socket
    FakeWs.all[0]!.push({ e: 'ORDER_TRADE_UPDATE', E: 1, T: 1, o: { i: 1 } });
    expect(rec.of('orderUpdate')).toHaveLength(1);
    await ctl.stop();
    expect(rest.deleted).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(rec.of('userDataState').map((e: any) => e.state)).toEqual(['subscribing', 'live', 'stopped']);
  });

  it('listenKeyExpired → new key → the socket re-dials with it → userDataGap', async () => {
    const { ctl, rec, rest } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    const first = rest.active as string;
    rest.expireActive();
    FakeWs.all[0]!.push({ e: 'listenKeyExpired', E: String(Date.now()), listenKey: first });
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeWs.all).toHaveLength(2);
    const second = rest.active as string;
    expect(second).not.toBe(first);
    expect(FakeWs.all[1]!.url).toContain(second);
    const expired = rec.of('listenKeyExpired')[0];
    expect(expired.listenKey).not.toBe(first);
    expect(rec.of('userDataGap')).toEqual([{ source: 'usdm', from: expect.any(Number), to: expect.any(Number), reason: 'listenKeyExpired' }]);
    await ctl.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a drop reconnects under the retry policy; the gap starts at the drop', async () => {
    const { ctl, rec } = make();
    const started = ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    await vi.advanceTimersByTimeAsync(5 * MIN);
    const dropAt = Date.now();
    FakeWs.all[0]!.drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWs.all).toHaveLength(2);
    const gap = rec.of('userDataGap')[0];
    expect(gap.from).toBe(dropAt);
    expect(gap.to).toBeGreaterThan(dropAt);
    await ctl.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() before live rejects start() with ERR_ABORTED and leaves no timer', async () => {
    const rest = mockRest();
    rest.hang('POST');
    const { ctl } = make(rest);
    const p = ctl.start();
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await vi.advanceTimersByTimeAsync(0);
    await ctl.stop();
    await done;
    expect(FakeWs.all).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('validates options', () => {
    const base = { apiKey: 'k', restBaseUrl: 'https://x', streamBaseUrl: 'wss://x', wsApiUrl: 'wss://x', logger: console, retryPolicy: fastPolicy(), emit: () => {} };
    expect(() => createUserDataStream({ ...base, product: 'options' as never })).toThrow(/product/);
    expect(() => createUserDataStream({ ...base, product: 'usdm', apiKey: '' })).toThrow(/apiKey/);
    expect(() => createUserDataStream({ ...base, product: 'spot' })).toThrow(/apiSecret \(HMAC key\) or privateKey/);
    expect(() => createUserDataStream({ ...base, product: 'coinm', events: ['ORDER_TRADE_UPDATE'] })).toThrow(/only USD-M/);
    expect(() => createUserDataStream({ ...base, product: 'spot', apiSecret: 's', recvWindow: 70_000 })).toThrow(/recvWindow/);
  });
});
