/**
 * The emulator's realistic activity (`activity: 'realistic'`, src/testing/streams/activity.ts) and
 * the per-stream mute fault (`faults.muteStream`), seen by raw `ws` clients on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { openSocket } from '../helpers/emulator-client';
import type { TestSocket } from '../helpers/emulator-client';
import { until } from '../helpers/wait';

async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  onCleanup(() => s.close());
  return s;
}
/** Payloads of `stream` received on a socket (combined envelopes unwrapped; raw sockets: every event payload). */
function payloads(s: TestSocket, stream?: string): any[] {
  return s.messages.filter((m: any) => (stream ? m?.stream === stream : m?.e !== undefined)).map((m: any) => (stream ? m.data : m));
}

describe('emulator activity: realistic', () => {
  it('at a high timeScale, liquid streams are far busier than illiquid ones', async () => {
    const tail = ['sym0001usdt', 'sym0002usdt', 'sym0003usdt', 'sym0004usdt', 'sym0005usdt', 'sym0006usdt'];
    // 10 profile minutes per second; trades at 0.5/s on btcusdt in profile time (~150/s on the wire).
    const ex = await startEmulator({ symbols: ['btcusdt', 'ethusdt', ...tail], timeScale: 600, rates: { trade: 0.5 }, activity: { mode: 'realistic', lull: false } });
    const streams = ['btcusdt', 'ethusdt', ...tail].map((s) => `${s}@trade`);
    const s = await open(`${ex.urls.ws}/stream?streams=${streams.join('/')}`);
    await until(() => payloads(s, 'btcusdt@trade').length >= 300 && payloads(s, 'ethusdt@trade').length >= 60, {
      timeoutMs: 15_000,
      message: () => `busy streams (btc ${payloads(s, 'btcusdt@trade').length}, eth ${payloads(s, 'ethusdt@trade').length})`,
    });
    const n = Object.fromEntries(streams.map((x) => [x, payloads(s, x).length]));
    const btc = n['btcusdt@trade']!;
    const tails = tail.map((x) => n[`${x}@trade`]!);
    expect(Math.max(...tails) * 10, JSON.stringify(n)).toBeLessThan(btc);
    expect(tails.reduce((a, b) => a + b, 0) * 3, JSON.stringify(n)).toBeLessThan(btc);
    expect(n['ethusdt@trade']!).toBeGreaterThan(Math.max(...tails));
    // What arrived is what the emulator sent: consecutive trade ids, equal to the ground truth.
    const got = payloads(s, 'btcusdt@trade').map((p) => p.t as number);
    expect(got.every((t, i) => i === 0 || t === got[i - 1]! + 1)).toBe(true);
    expect(
      ex
        .groundTruth('btcusdt@trade')
        .map((e) => (e.payload as { t: number }).t)
        .slice(0, got.length),
    ).toEqual(got);
  });

  it('a stream that starts generating waits for its modelled first event; initialEvent still sends one at once', async () => {
    // bookTicker, not trade: trades come from the history tape, and initialEvent cannot invent one.
    const ex = await startEmulator({ symbols: ['btcusdt', 'sym0002usdt'], activity: { mode: 'realistic', levels: { sym0002usdt: 0 } }, initialEvent: true });
    const a = await open(`${ex.urls.ws}/ws/sym0002usdt@bookTicker`);
    await until(() => ex.generatingStreams().includes('sym0002usdt@bookTicker'));
    // Level 0: never quotes. A second subscriber gets the one initialEvent, and nothing else follows.
    const b = await open(`${ex.urls.ws}/ws/sym0002usdt@bookTicker`);
    await until(() => b.messages.length === 1 && a.messages.length === 1);
    expect(ex.publishedCount('sym0002usdt@bookTicker')).toBe(1);
    // A level-0 trade stream generates, and stays silent even with initialEvent.
    const t = await open(`${ex.urls.ws}/ws/sym0002usdt@trade`);
    await until(() => ex.generatingStreams().includes('sym0002usdt@trade'));
    const t2 = await open(`${ex.urls.ws}/ws/sym0002usdt@trade`);
    await until(() => ex.connections().length === 4);
    expect([t.messages.length, t2.messages.length, ex.publishedCount('sym0002usdt@trade')]).toEqual([0, 0, 0]);
  });
});

describe('faults.muteStream', () => {
  it('silences exactly one stream on every connection while another keeps flowing, pings continue; heal brings it back', async () => {
    const ex = await startEmulator({ rates: { trade: 200, aggTrade: 200 }, pingIntervalMs: 50, maxIncomingMessagesPerSecond: 100, groundTruthLimit: 100_000 });
    const a = await open(`${ex.urls.ws}/stream?streams=btcusdt@trade/btcusdt@aggTrade`);
    const b = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    const aTrades = () => payloads(a, 'btcusdt@trade').length;
    const aAggs = () => payloads(a, 'btcusdt@aggTrade').length;
    await until(() => aTrades() >= 5 && aAggs() >= 5 && payloads(b).length >= 5);

    expect(ex.faults.muteStream('btcusdt@trade')).toBe(2);
    // Barrier: frames sent before the mute arrive before the answer to a request sent after it.
    for (const [s, id] of [
      [a, 1],
      [b, 2],
    ] as const) {
      s.send({ method: 'LIST_SUBSCRIPTIONS', id });
      await s.next((m) => m.id === id);
    }
    const tradesA = aTrades();
    const tradesB = payloads(b).length;
    const aggs = aAggs();
    const pings = a.pings.length;
    const c = await open(`${ex.urls.ws}/ws/btcusdt@trade`); // subscribes during the mute: nothing either
    await until(() => aAggs() >= aggs + 40 && a.pings.length > pings, { message: () => `aggTrades to keep flowing (${aAggs() - aggs})` });
    expect(aTrades()).toBe(tradesA);
    expect(payloads(b).length).toBe(tradesB);
    expect(payloads(c)).toEqual([]);
    const info = ex.connections();
    expect(info.map((x) => x.muted)).toEqual([['btcusdt@trade'], ['btcusdt@trade'], ['btcusdt@trade']]);
    expect(ex.stats().eventsMuted).toBeGreaterThan(0);

    ex.faults.heal();
    expect(ex.connections().every((x) => x.muted.length === 0)).toBe(true);
    await until(() => aTrades() > tradesA + 10 && payloads(b).length > tradesB + 10 && payloads(c).length > 10);
    // Generated and dropped: one gap in the trade ids; the ground truth is what was sent, so it has the same gap.
    const ids = payloads(a, 'btcusdt@trade').map((p) => p.t as number);
    expect(ids.slice(1).filter((t, i) => t !== ids[i]! + 1).length).toBe(1);
    const truth = ex.groundTruth('btcusdt@trade').map((e) => (e.payload as { t: number }).t);
    expect(truth.slice(0, ids.length)).toEqual(ids);
    expect(ex.publishedCount('btcusdt@trade')).toBe(ex.groundTruth('btcusdt@trade').length + ex.stats().eventsMuted);
  });

  it('with durationMs, the stream comes back on its own', async () => {
    const ex = await startEmulator({ rates: { trade: 200, aggTrade: 200 } });
    const a = await open(`${ex.urls.ws}/stream?streams=btcusdt@trade/btcusdt@aggTrade`);
    await until(() => payloads(a, 'btcusdt@aggTrade').length >= 5);
    expect(ex.faults.muteStream('btcusdt@aggTrade', { durationMs: 150 })).toBe(1);
    expect(ex.connections()[0]!.muted).toEqual(['btcusdt@aggTrade']);
    await until(() => ex.connections()[0]!.muted.length === 0, { timeoutMs: 3000 });
    const after = payloads(a, 'btcusdt@aggTrade').length;
    await until(() => payloads(a, 'btcusdt@aggTrade').length > after + 5);
    expect(() => ex.faults.muteStream('')).toThrow(TypeError);
    expect(() => ex.faults.muteStream('btcusdt@trade', { durationMs: -1 })).toThrow(RangeError);
  });
});
