import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep, tryUpgrade } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';

let ex: FakeBinance | undefined;
const socks: TestSocket[] = [];
const extra: WebSocket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.close();
  for (const w of extra.splice(0)) w.terminate();
  await ex?.close();
  ex = undefined;
});
async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  socks.push(s);
  return s;
}

describe('incoming message rate', () => {
  it('spot: the 6th message within a second disconnects; 5 are fine', async () => {
    ex = await FakeBinance.start();
    expect(ex.options.maxIncomingMessagesPerSecond).toBe(5);
    const ok = await open(`${ex.urls.ws}/ws`);
    for (let i = 1; i <= 5; i++) ok.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    await ok.next((x) => x.id === 5);
    const bad = await open(`${ex.urls.ws}/ws`);
    for (let i = 1; i <= 6; i++) bad.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    expect((await bad.closed).code).toBe(1008);
    expect(bad.messages).toHaveLength(5);
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
    expect(ex.stats().limitViolations.messageRate).toBe(1);
  });

  it('pings and pongs count toward the limit', async () => {
    ex = await FakeBinance.start();
    const s = await open(`${ex.urls.ws}/ws`);
    for (let i = 0; i < 3; i++) s.ws.ping();
    for (let i = 0; i < 3; i++) s.ws.pong();
    expect((await s.closed).code).toBe(1008);
  });

  it('futures: 10 per second', async () => {
    ex = await FakeBinance.start({ market: 'usdm' });
    const s = await open(`${ex.urls.ws}/public/ws`);
    for (let i = 1; i <= 10; i++) s.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    await s.next((x) => x.id === 10);
    await sleep(1050);
    for (let i = 11; i <= 21; i++) s.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    expect((await s.closed).code).toBe(1008);
  });
});

describe('streams per connection', () => {
  it('spot: 1024 is fine, 1025 closes the connection', async () => {
    ex = await FakeBinance.start({ autoGenerate: false });
    const names = Array.from({ length: 1025 }, (_, i) => `s${i}usdt@trade`);
    const s = await open(`${ex.urls.ws}/ws`);
    s.send({ method: 'SUBSCRIBE', params: names.slice(0, 1024), id: 1 });
    await s.next((x) => x.id === 1);
    expect(ex.connections()[0]!.streams).toHaveLength(1024);
    s.send({ method: 'SUBSCRIBE', params: [names[1024]], id: 2 });
    expect((await s.closed).code).toBe(1008);
    expect(ex.stats().limitViolations.streamCount).toBe(1);
  });

  it('futures: 1024 per connection, also enforced on the URL', async () => {
    ex = await FakeBinance.start({ market: 'usdm', autoGenerate: false });
    const names = Array.from({ length: 1025 }, (_, i) => `s${i}@depth`); // short: the URL stays under Node's 16 kB header limit
    const ok = await open(`${ex.urls.ws}/public/stream?streams=${names.slice(0, 1024).join('/')}`);
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
    const bad = await open(`${ex.urls.ws}/public/stream?streams=${names.join('/')}`);
    expect((await bad.closed).code).toBe(1008);
  });
});

describe('connection attempts per IP', () => {
  it('300 attempts per 5 minutes by default; the 301st gets 429 with Retry-After', async () => {
    ex = await FakeBinance.start();
    // Cheap attempts: unknown paths are still counted (then answered 404).
    for (let batch = 0; batch < 6; batch++) {
      const rs = await Promise.all(Array.from({ length: 50 }, () => tryUpgrade(`${ex!.urls.ws}/x`)));
      expect(rs.every((r) => !r.ok && r.status === 404)).toBe(true);
    }
    const r = await tryUpgrade(`${ex.urls.ws}/ws`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(300);
      expect(JSON.parse(r.body).code).toBe(-1003);
    }
  });

  it('a client that keeps going after 429s is banned with 418; the window frees up again', async () => {
    ex = await FakeBinance.start({ maxConnectionAttempts: 2, connectionAttemptWindowMs: 300, banAfterRejectedAttempts: 2, banDurationMs: 400 });
    const statuses: (number | 'ok')[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await tryUpgrade(`${ex.urls.ws}/ws`);
      if (r.ok) extra.push(r.ws);
      statuses.push(r.ok ? 'ok' : r.status);
    }
    expect(statuses).toEqual(['ok', 'ok', 429, 429, 418, 418]);
    expect(ex.stats().upgradesRejected).toMatchObject({ rateLimited429: 2, banned418: 2 });
    await sleep(450);
    const r = await tryUpgrade(`${ex.urls.ws}/ws`);
    expect(r.ok).toBe(true);
    if (r.ok) extra.push(r.ws);
  });
});
