/**
 * Full-speed mode (pre-built frames, ids patched in place), the pacing scheduler
 * (`tickMs`) and `initialEvent`. No timing targets: only order, content and counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing/index';
import { openSocket, sleep } from '../helpers/emulator-client';
import { until } from '../helpers/wait';
import type { TestSocket } from '../helpers/emulator-client';

const exs: FakeBinance[] = [];
const socks: TestSocket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.close();
  await Promise.all(exs.splice(0).map((e) => e.close()));
});
async function start(o: Parameters<typeof FakeBinance.start>[0]): Promise<FakeBinance> {
  const ex = await FakeBinance.start(o);
  exs.push(ex);
  return ex;
}
async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  socks.push(s);
  return s;
}
const consecutive = (xs: number[], step = 1): boolean => xs.every((x, i) => i === 0 || x === xs[i - 1]! + step);

describe('flood (full speed)', () => {
  it('sends the exact ground truth, the same bytes to raw and combined subscribers, ids continuous across paced → flood → paced', async () => {
    const ex = await start({ rates: { aggTrade: 200 }, groundTruthLimit: 100_000 });
    const raw = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    const comb = await open(`${ex.urls.ws}/stream?streams=btcusdt@aggTrade`);
    await until(() => raw.raw.length >= 3 && comb.raw.length >= 3, { timeoutMs: 3000 });
    const res = await ex.flood({ stream: 'btcusdt@aggTrade', count: 20_000 });
    expect(res.sent).toBe(20_000);
    const after = ex.publishedCount('btcusdt@aggTrade') + 3;
    await until(() => raw.raw.length >= after && comb.raw.length >= after, { timeoutMs: 10_000 });
    raw.close();
    comb.close();
    await until(() => ex.connections().length === 0, { timeoutMs: 3000 });

    const truth = ex.groundTruth('btcusdt@aggTrade');
    expect(truth.length).toBe(ex.publishedCount('btcusdt@aggTrade'));
    // Raw subscribers get the payload bytes; combined ones the same payload in the envelope.
    const first = truth.findIndex((e) => e.raw === raw.raw[0]);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(raw.raw).toEqual(truth.slice(first, first + raw.raw.length).map((e) => e.raw));
    const data = comb.raw.map((r) => r.slice(r.indexOf('"data":') + 7, -1));
    expect(comb.raw[0]!.startsWith('{"stream":"btcusdt@aggTrade","data":')).toBe(true);
    const cfirst = truth.findIndex((e) => e.raw === data[0]);
    expect(data).toEqual(truth.slice(cfirst, cfirst + data.length).map((e) => e.raw));
    // One continuous sequence: a, f and l, through the flood and the paced events around it.
    const ps = truth.map((e) => e.payload as { a: number; f: number; l: number; E: number; T: number });
    expect(consecutive(ps.map((p) => p.a))).toBe(true);
    expect(ps.every((p, i) => i === 0 || p.f === ps[i - 1]!.l + 1)).toBe(true);
    // T is when the trade happened (paced events come from the history tape), E when it was sent.
    expect(ps.every((p) => p.E > 1.7e12 && p.T <= p.E && p.E - p.T < 1000)).toBe(true);
    expect(new Set(ps.map((p) => (p as unknown as { p: string }).p)).size).toBeGreaterThan(1);
  });

  it('patches every sequence field of trade, depth (spot and USD-M) and bookTicker; groundTruth keeps the last N exactly', async () => {
    for (const market of ['spot', 'usdm'] as const) {
      const ex = await start({ market, autoGenerate: false, groundTruthLimit: 500 });
      // USD-M serves trade/depth/bookTicker on /public and klines on /market.
      const route = market === 'usdm' ? '/public' : '';
      const streams = ['btcusdt@trade', 'btcusdt@depth@100ms', 'btcusdt@bookTicker', 'btcusdt@depth5', market === 'usdm' ? 'btcusdt@depth20@100ms' : 'btcusdt@kline_1m'];
      const s = await open(`${ex.urls.ws}${route}/stream?streams=${streams.join('/')}`);
      await until(() => ex.connections()[0]?.streams.length === streams.length, { timeoutMs: 3000 });
      await Promise.all(streams.map((stream) => ex.flood({ stream, count: 3000 })));
      await until(() => s.messages.length >= 5 * 3000, { timeoutMs: 10_000 });
      const of = (st: string): any[] => (s.messages as any[]).filter((m) => m.stream === st).map((m) => m.data);
      expect(consecutive(of('btcusdt@trade').map((d) => d.t))).toBe(true);
      const depth = of('btcusdt@depth@100ms');
      expect(depth.every((d, i) => i === 0 || d.U === depth[i - 1].u + 1)).toBe(true);
      if (market === 'usdm') expect(depth.every((d, i) => i === 0 || d.pu === depth[i - 1].u)).toBe(true);
      // bookTicker u is the book's update id, shared with the depth streams: increasing, not consecutive.
      const bu = of('btcusdt@bookTicker').map((d) => d.u as number);
      expect(bu.every((u, i) => i === 0 || u > bu[i - 1]!)).toBe(true);
      const partial = of('btcusdt@depth5');
      if (market === 'spot')
        expect(
          consecutive(
            partial.map((d) => d.lastUpdateId),
            3,
          ),
        ).toBe(true);
      else expect(partial.every((d, i) => i === 0 || d.pu === partial[i - 1].u)).toBe(true);
      expect(of(streams[4]!)).toHaveLength(3000);
      for (const st of streams) {
        expect(ex.publishedCount(st)).toBe(3000);
        const truth = ex.groundTruth(st);
        expect(truth).toHaveLength(500);
        expect(truth.map((e) => e.payload)).toEqual(of(st).slice(-500));
        expect(truth.at(-1)!.seq).toBe(3000);
      }
      expect(ex.stats().framesSent['btcusdt@trade']).toBe(3000);
    }
  });

  it('rebuilds its template when an id outgrows its width (999999999 → 1000000000)', async () => {
    // With this seed btcusdt@aggTrade starts at a = 999_999_258.
    const ex = await start({ seed: 400378, autoGenerate: false, groundTruthLimit: 5000 });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    await until(() => ex.connections().length === 1, { timeoutMs: 3000 });
    await ex.flood({ stream: 'btcusdt@aggTrade', count: 3000 });
    await until(() => s.messages.length >= 3000, { timeoutMs: 10_000 });
    const ids = (s.messages as any[]).map((m) => m.a as number);
    expect(ids[0]).toBeLessThan(1e9);
    expect(ids.at(-1)).toBeGreaterThan(1e9);
    expect(consecutive(ids)).toBe(true);
    expect(ex.groundTruth('btcusdt@aggTrade').map((e) => e.raw)).toEqual(s.raw);
  });

  it('rate Infinity: many streams on one socket with a slow reader — backpressure, no listener leak, stall drops only for that connection', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const ex = await start({ symbolCount: 40, rates: { aggTrade: Infinity }, groundTruthLimit: 10 });
      const names = ex.options.symbols.map((x) => `${x}@aggTrade`);
      const slow = await open(`${ex.urls.ws}/stream?streams=${names.join('/')}`);
      const other = await open(`${ex.urls.ws}/stream?streams=${names[0]}`);
      await until(() => slow.messages.length > 1000 && other.messages.length > 1000, { timeoutMs: 5000 });
      // Stop reading: the server queue fills up and every stream waits for 'drain'.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await sleep(150);
      const sent = ex.stats().framesSentTotal;
      await sleep(100);
      // The other subscriber of names[0] is held back with it (same bytes to every subscriber).
      expect(ex.stats().framesSentTotal - sent).toBeLessThan(20_000);
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const n = other.messages.length;
      await until(() => other.messages.length > n + 1000, { timeoutMs: 5000 });
      // A stalled connection drops data; the stream keeps flowing to the others.
      const slowId = ex.connections().find((c) => c.streams.length === names.length)!.id;
      ex.faults.stall({ connectionId: slowId });
      // Frames written before the stall may still be in flight (a busy machine reads them late):
      // wait until the slow reader has been quiet for 100 ms, then nothing more may come.
      let last = -1;
      let quietSince = Date.now();
      await until(
        () => {
          if (slow.messages.length !== last) {
            last = slow.messages.length;
            quietSince = Date.now();
          }
          return Date.now() - quietSince >= 100;
        },
        { timeoutMs: 5000 },
      );
      const m = slow.messages.length;
      const o = other.messages.length;
      await until(() => other.messages.length > o + 1000, { timeoutMs: 5000 });
      expect(slow.messages.length).toBe(m);
      expect(other.messages.length).toBeGreaterThan(o);
      const seq = (other.messages as any[]).map((x) => x.data.a as number);
      expect(consecutive(seq)).toBe(true);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a latency fault delays flooded frames without reordering or losing them', async () => {
    const ex = await start({ autoGenerate: false, groundTruthLimit: 10_000 });
    const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => ex.connections().length === 1, { timeoutMs: 3000 });
    ex.faults.latency({ all: true }, 30);
    const res = await ex.flood({ stream: 'btcusdt@trade', count: 5000 });
    expect(res.sent).toBe(5000);
    await until(() => s.raw.length === 5000, { timeoutMs: 5000 });
    expect(s.raw).toEqual(ex.groundTruth('btcusdt@trade').map((e) => e.raw));
  });

  it('close() during floods resolves pending flood() calls and leaves no timer', async () => {
    const ex = await FakeBinance.start({ rates: { trade: Infinity }, generatorLingerMs: 0 });
    const s = await openSocket(`${ex.urls.ws}/ws/btcusdt@trade`);
    await until(() => s.messages.length > 100, { timeoutMs: 3000 });
    const pending = ex.flood({ stream: 'btcusdt@aggTrade', durationMs: 60_000 });
    await sleep(20);
    await ex.close();
    const r = await pending;
    expect(r.sent).toBeGreaterThan(0);
    expect(ex.clock.pending).toBe(0);
    s.close();
  });

  it('validates flood options', async () => {
    const ex = await start({});
    await expect(ex.flood({ stream: 'btcusdt@aggTrade' })).rejects.toThrow(/count or durationMs/);
    await expect(ex.flood({ stream: 'btcusdt@aggTrade', count: -1 })).rejects.toThrow(RangeError);
    await expect(ex.flood({ stream: 'nosuch@aggTrade', count: 1 })).rejects.toThrow(/nosuch@aggTrade/);
  });
});

describe('pacing (tickMs) and initialEvent', () => {
  it('no timer while nothing is generating; one while something is', async () => {
    const ex = await start({ rates: { aggTrade: 50 }, generatorLingerMs: 0, pingIntervalMs: 3_600_000 });
    expect(ex.clock.pending).toBe(0);
    const s = await open(`${ex.urls.ws}/ws/btcusdt@aggTrade`);
    await until(() => s.messages.length >= 2, { timeoutMs: 3000 });
    expect(ex.clock.pending).toBeGreaterThan(0);
    s.close();
    await until(() => ex.connections().length === 0 && ex.generatingStreams().length === 0, { timeoutMs: 3000 });
    await until(() => ex.clock.pending === 0, { timeoutMs: 1000 });
  });

  it('a small tickMs spreads a paced rate; a large one sends it in bursts', async () => {
    // Distinct E (ms) values over 300 events at 1000 msg/s: one per ms when smooth, a few per wake when bursty.
    const distinctMs = async (tickMs: number): Promise<number> => {
      const ex = await start({ rates: { trade: 1000 }, tickMs });
      const s = await open(`${ex.urls.ws}/ws/btcusdt@trade`);
      await until(() => s.messages.length >= 300, { timeoutMs: 5000 });
      return new Set((s.messages.slice(0, 300) as { E: number }[]).map((m) => m.E)).size;
    };
    expect(await distinctMs(100)).toBeLessThan(60);
    expect(await distinctMs(1)).toBeGreaterThan(100);
    await expect(FakeBinance.start({ tickMs: 0 })).rejects.toThrow(/tickMs/);
  });

  it('initialEvent: a subscriber joining a running (or lingering) slow stream gets an event at once', async () => {
    // btcusdt@kline_1m at 0.1 msg/s: after its first event, the next is due in ~6 s (phase 0.608).
    const slow = { rates: { kline: 0.1 }, generatorLingerMs: 60_000 };
    const off = await start(slow);
    const a = await open(`${off.urls.ws}/ws/btcusdt@kline_1m`);
    await until(() => a.messages.length === 1, { timeoutMs: 3000 });
    const b = await open(`${off.urls.ws}/ws/btcusdt@kline_1m`);
    await sleep(300);
    expect(b.messages).toHaveLength(0); // Binance-like default: wait for the cadence

    const on = await start({ ...slow, initialEvent: true });
    const c = await open(`${on.urls.ws}/ws/btcusdt@kline_1m`);
    await until(() => c.messages.length === 1, { timeoutMs: 3000 });
    const d = await open(`${on.urls.ws}/stream`);
    d.send({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1m'], id: 1 });
    const ack = await d.next((m) => m.id === 1);
    expect(ack).toEqual({ result: null, id: 1 });
    const ev = await d.next((m) => m.stream === 'btcusdt@kline_1m', 2000);
    expect(d.messages.indexOf(ev)).toBeGreaterThan(d.messages.indexOf(ack)); // data after the ack
    // Published to every subscriber, recorded like any event.
    await until(() => c.messages.length === 2, { timeoutMs: 3000 });
    expect(on.publishedCount('btcusdt@kline_1m')).toBe(2);
    // A lingering generator (no subscriber left) answers a new subscriber at once too.
    c.close();
    d.close();
    await until(() => on.connections().length === 0, { timeoutMs: 3000 });
    const e = await open(`${on.urls.ws}/ws/btcusdt@kline_1m`);
    await until(() => e.messages.length === 1, { timeoutMs: 2000 });
    // Rate 0 streams stay silent.
    const z = await start({ rates: { aggTrade: 0 }, initialEvent: true });
    const zs = await open(`${z.urls.ws}/ws/btcusdt@aggTrade`);
    await sleep(100);
    expect(zs.messages).toHaveLength(0);
    await expect(FakeBinance.start({ initialEvent: 'yes' as never })).rejects.toThrow(/initialEvent/);
  });
});
