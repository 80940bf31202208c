import { describe, expect, it } from 'vitest';
import { getMarket } from '../../../src/core/markets';
import type { Logger, LogFields } from '../../../src/core/logger';
import type { MessageTap } from '../../../src/client/emitter';
import { coalesceKey, StreamBuffer } from '../../../src/client/stream-buffer';
import type { CoalesceKey, OverflowPolicy, StreamHold } from '../../../src/client/stream-buffer';
import { MessageStreams } from '../../../src/client/stream-iterator';
import type { MessageStreamHost } from '../../../src/client/stream-iterator';
import { classifyStream } from '../../../src/streams/classify';
import type { StreamMessage } from '../../../src/streams/types';

function recorder() {
  const lines: { level: string; fields: LogFields; msg: string }[] = [];
  const rec = (level: string) => (fields: LogFields, msg: string) => void lines.push({ level, fields, msg });
  const logger: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  return { lines, logger };
}

interface Holds {
  calls: string[][];
  released: number;
  fn: (streams: readonly string[]) => StreamHold;
}
function holds(pausable = true): Holds {
  const h: Holds = {
    calls: [],
    released: 0,
    fn: (streams) => {
      h.calls.push([...streams]);
      return { pausable, release: () => void h.released++ };
    },
  };
  return h;
}

const msg = (stream: string, data: unknown, receivedAt = Date.now()): StreamMessage => ({ stream, data, receivedAt });
const ticker = (symbol: string, n: number) => msg(`${symbol}@bookTicker`, { u: n, s: symbol.toUpperCase() });
const kline = (t: number, c: string, x = false) => msg('btcusdt@kline_1m', { e: 'kline', k: { t, c, x } });

function buffer(streams: string[], overflow: OverflowPolicy, highWaterMark: number, h = holds(), log = recorder()) {
  const specs = streams.map((name) => ({ name, key: coalesceKey(classifyStream(name)) as CoalesceKey }));
  const b = new StreamBuffer(specs, { highWaterMark, overflow, hold: h.fn, logger: log.logger });
  const push = (m: StreamMessage) => b.streams.get(m.stream)!.push(m);
  const drain = (n = Infinity): StreamMessage[] => {
    const out: StreamMessage[] = [];
    for (let m = n > 0 ? b.shift() : undefined; m !== undefined; m = out.length < n ? b.shift() : undefined) out.push(m);
    return out;
  };
  return { b, push, drain, h, log };
}

const ids = (ms: StreamMessage[]) => ms.map((m) => `${m.stream.split('@')[0]}:${(m.data as { u: number }).u}`);

describe('coalesceKey', () => {
  it('keys snapshot streams by stream, klines by open time, and refuses event streams and all-market streams', () => {
    const key = (name: string, futures = false) => coalesceKey(classifyStream(name, futures));
    for (const name of ['btcusdt@bookTicker', 'btcusdt@depth5', 'btcusdt@depth20@100ms', 'btcusdt@ticker', 'btcusdt@miniTicker', 'btcusdt@avgPrice', 'btcusdt@ticker_1h']) {
      expect(key(name), name).toBe('stream');
    }
    expect(key('btcusdt@markPrice@1s', true)).toBe('stream');
    expect(key('btcusdt@kline_1m')).toBe('openTime');
    expect(key('btcusdt_perpetual@continuousKline_1m', true)).toBe('openTime');
    for (const name of [
      'btcusdt@aggTrade',
      'btcusdt@trade',
      'btcusdt@depth',
      'btcusdt@depth@100ms',
      'btcusdt@forceOrder',
      '!miniTicker@arr',
      '!forceOrder@arr',
      '!bookTicker',
      'btcusdt@rpiDepth@500ms',
    ]) {
      expect(key(name, true), name).toBeUndefined();
    }
  });
});

describe('StreamBuffer', () => {
  it("'drop-oldest' drops only the full stream's oldest, counted, and keeps arrival order", () => {
    const { b, push, drain } = buffer(['btcusdt@bookTicker', 'ethusdt@bookTicker'], 'drop-oldest', 3);
    push(ticker('btcusdt', 1));
    push(ticker('ethusdt', 1));
    for (let n = 2; n <= 6; n++) push(ticker('btcusdt', n));
    push(ticker('ethusdt', 2));
    expect(b.size).toBe(5);
    expect(b.stats()).toMatchObject({ buffered: 5, dropped: 3, coalesced: 0, streams: { 'btcusdt@bookTicker': { buffered: 3, dropped: 3 }, 'ethusdt@bookTicker': { buffered: 2, dropped: 0 } } });
    expect(ids(drain())).toEqual(['ethusdt:1', 'btcusdt:4', 'btcusdt:5', 'btcusdt:6', 'ethusdt:2']);
    expect(b.stats()).toMatchObject({ buffered: 0, delivered: 5, dropped: 3 });
  });

  it("'coalesce' keeps the newest per stream at the position of the first message it replaced", () => {
    const { b, push, drain } = buffer(['btcusdt@bookTicker', 'ethusdt@bookTicker'], 'coalesce', 10);
    push(ticker('btcusdt', 1));
    push(ticker('ethusdt', 1));
    push(ticker('btcusdt', 2));
    push(ticker('btcusdt', 3));
    push(ticker('ethusdt', 2));
    expect(ids(drain())).toEqual(['btcusdt:3', 'ethusdt:2']);
    push(ticker('ethusdt', 3)); // the buffer was emptied: a new entry
    push(ticker('btcusdt', 4));
    expect(ids(drain())).toEqual(['ethusdt:3', 'btcusdt:4']);
    expect(b.stats()).toMatchObject({ delivered: 4, coalesced: 3, dropped: 0, streams: { 'btcusdt@bookTicker': { coalesced: 2 }, 'ethusdt@bookTicker': { coalesced: 1 } } });
  });

  it("'coalesce' keys klines by open time: a candle is never replaced by the next one, a closed candle never by a stray update", () => {
    const { b, push, drain } = buffer(['btcusdt@kline_1m'], 'coalesce', 10);
    push(kline(0, '1'));
    push(kline(0, '2'));
    push(kline(0, '3', true));
    push(kline(0, '2b')); // arrives after the close: the final candle stays
    push(kline(60_000, '4'));
    push(kline(60_000, '5'));
    expect(b.size).toBe(2);
    expect(drain().map((m) => (m.data as any).k)).toEqual([
      { t: 0, c: '3', x: true },
      { t: 60_000, c: '5', x: false },
    ]);
    expect(b.stats()).toMatchObject({ delivered: 2, coalesced: 4, dropped: 0 });
  });

  it("'coalesce' still bounds a stream: highWaterMark candles waiting drop the oldest", () => {
    const { b, push, drain } = buffer(['btcusdt@kline_1m'], 'coalesce', 2);
    for (const t of [0, 60_000, 120_000]) push(kline(t, 'c'));
    expect(b.stats()).toMatchObject({ buffered: 2, dropped: 1, coalesced: 0 });
    expect(drain().map((m) => (m.data as any).k.t)).toEqual([60_000, 120_000]);
  });

  it("'block' never drops: holds a stream's connection at highWaterMark and releases once every stream is back at half", () => {
    const { b, push, drain, h } = buffer(['btcusdt@bookTicker', 'ethusdt@bookTicker'], 'block', 4);
    for (let n = 1; n <= 3; n++) push(ticker('btcusdt', n));
    expect(h.calls).toEqual([]);
    push(ticker('btcusdt', 4));
    expect(h.calls).toEqual([['btcusdt@bookTicker']]);
    for (let n = 5; n <= 10; n++) push(ticker('btcusdt', n)); // frames already in flight: kept
    for (let n = 1; n <= 4; n++) push(ticker('ethusdt', n));
    expect(h.calls).toEqual([['btcusdt@bookTicker'], ['ethusdt@bookTicker']]);
    expect(b.holding).toBe(true);
    drain(8); // btcusdt down to 2 (at half), ethusdt still 4
    expect(b.stats().streams['btcusdt@bookTicker']!.buffered).toBe(2);
    expect(h.released).toBe(0);
    drain(4); // btcusdt 0, ethusdt 2
    expect(h.released).toBe(2);
    expect(b.holding).toBe(false);
    expect(ids(drain())).toEqual(['ethusdt:3', 'ethusdt:4']);
    expect(b.stats()).toMatchObject({ delivered: 14, dropped: 0, coalesced: 0 });
    for (let n = 1; n <= 4; n++) push(ticker('btcusdt', n)); // a new episode
    expect(h.calls).toHaveLength(3);
  });

  it("'block' where the connection cannot pause: buffers up to 4 × highWaterMark, then drops the oldest, one WARN per episode", () => {
    const log = recorder();
    const { b, push, drain, h } = buffer(['btcusdt@bookTicker'], 'block', 2, holds(false), log);
    for (let n = 1; n <= 20; n++) push(ticker('btcusdt', n));
    expect(h.calls).toEqual([['btcusdt@bookTicker']]);
    expect(b.stats()).toMatchObject({ buffered: 8, dropped: 12 });
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(log.lines[0]!.fields).toMatchObject({ stream: 'btcusdt@bookTicker', highWaterMark: 2, cap: 8 });
    expect(ids(drain(7))).toEqual(['btcusdt:13', 'btcusdt:14', 'btcusdt:15', 'btcusdt:16', 'btcusdt:17', 'btcusdt:18', 'btcusdt:19']);
    expect(h.released).toBe(1); // 1 left: at half
    for (let n = 21; n <= 30; n++) push(ticker('btcusdt', n));
    expect(h.calls).toHaveLength(2);
    expect(b.stats()).toMatchObject({ buffered: 8, dropped: 15 });
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it('close() drops what is buffered, releases the holds and ignores later messages', () => {
    const { b, push, h } = buffer(['btcusdt@bookTicker'], 'block', 1);
    push(ticker('btcusdt', 1));
    expect(h.calls).toHaveLength(1);
    b.close();
    b.close();
    expect(h.released).toBe(1);
    push(ticker('btcusdt', 2));
    expect(b.size).toBe(0);
    expect(b.shift()).toBeUndefined();
  });

  it('a hold that throws is logged and the stream buffers as if it could not pause', () => {
    const log = recorder();
    const specs = [{ name: 'btcusdt@bookTicker', key: 'stream' as const }];
    const b = new StreamBuffer(specs, {
      highWaterMark: 1,
      overflow: 'block',
      hold: () => {
        throw new Error('pool stopped');
      },
      logger: log.logger,
    });
    for (let n = 1; n <= 6; n++) b.streams.get('btcusdt@bookTicker')!.push(ticker('btcusdt', n));
    expect(b.stats()).toMatchObject({ buffered: 4, dropped: 2 });
    expect(log.lines.map((l) => l.msg)).toEqual([expect.stringContaining('could not pause'), expect.stringContaining('cannot pause')]);
  });
});

/** A host with a fake pool and taps, for the iterator's own rules. */
function host(subscribed: string[] = []) {
  const pool = new Set(subscribed);
  const taps = new Map<string, MessageTap[]>();
  const events: [string, any][] = [];
  const h = holds();
  const log = recorder();
  const host: MessageStreamHost = {
    market: getMarket('spot'),
    allowUnknownStreams: false,
    log: log.logger,
    pool: {
      has: (s) => pool.has(s),
      subscribe: (s) => {
        for (const n of typeof s === 'string' ? [s] : s) pool.add(n);
      },
      unsubscribe: (s) => {
        for (const n of typeof s === 'string' ? [s] : s) pool.delete(n);
      },
      hold: h.fn,
    },
    taps: {
      add: (s, t) => void taps.set(s, [...(taps.get(s) ?? []), t]),
      remove: (s, t) =>
        void taps.set(
          s,
          (taps.get(s) ?? []).filter((x) => x !== t),
        ),
    },
    emit: ((event: string, e: unknown) => void events.push([event, e])) as MessageStreamHost['emit'],
  };
  const deliver = (m: StreamMessage) => {
    for (const t of taps.get(m.stream) ?? []) t.push(m);
  };
  return { host, pool, taps, events, deliver, h };
}

describe('client.stream() options and iterators (fake pool)', () => {
  it('rejects bad options with ERR_INVALID_OPTION naming the option, and bad streams with ERR_INVALID_STREAM naming the stream', () => {
    const { host: hst, pool } = host();
    const its = new MessageStreams(hst);
    const bad = (names: unknown, options: unknown) => {
      try {
        its.open(names, options);
      } catch (err) {
        return err as { code: string; message: string; streams?: string[] };
      }
      throw new Error('accepted');
    };
    expect(bad(['btcusdt@bookTicker'], { highWaterMark: 0 })).toMatchObject({ code: 'ERR_INVALID_OPTION', message: 'option stream().highWaterMark: expected an integer >= 1, got 0' });
    expect(bad(['btcusdt@bookTicker'], { highWaterMark: 1.5 }).message).toMatch(/stream\(\)\.highWaterMark/);
    expect(bad(['btcusdt@bookTicker'], { highWaterMark: Infinity }).message).toMatch(/stream\(\)\.highWaterMark/);
    expect(bad(['btcusdt@bookTicker'], { overflow: 'drop-newest' })).toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringMatching(/option stream\(\)\.overflow: expected one of "block", "coalesce", "drop-oldest"/),
    });
    expect(bad(['btcusdt@bookTicker'], { highWaterMarks: 10 })).toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/option stream\(\)\.highWaterMarks: unknown option/) });
    expect(bad(['btcusdt@bookTicker'], { signal: 'abort' }).message).toMatch(/option stream\(\)\.signal: expected an AbortSignal/);
    expect(bad(['btcusdt@bookTicker'], null).code).toBe('ERR_INVALID_OPTION');
    expect(bad(['btcusdt@bookTicker', 'ethusdt@aggTrade'], { overflow: 'coalesce' })).toMatchObject({
      code: 'ERR_INVALID_OPTION',
      streams: ['ethusdt@aggTrade'],
      message: expect.stringMatching(/'coalesce' cannot apply to "ethusdt@aggTrade"/),
    });
    expect(bad(['btcusdt@depth'], { overflow: 'coalesce' }).message).toMatch(/"btcusdt@depth"/);
    expect(bad(['!miniTicker@arr'], { overflow: 'coalesce' }).message).toMatch(/all-market stream/);
    expect(bad(['btcusdt@klin_1m'], {})).toMatchObject({ code: 'ERR_INVALID_STREAM', streams: ['btcusdt@klin_1m'], message: expect.stringMatching(/^stream\(\): /) });
    expect(bad([], {})).toMatchObject({ code: 'ERR_INVALID_STREAM' });
    expect(bad(42, {})).toMatchObject({ code: 'ERR_INVALID_STREAM' });
    const ac = new AbortController();
    ac.abort(new Error('before'));
    expect(bad(['btcusdt@bookTicker'], { signal: ac.signal })).toMatchObject({ code: 'ERR_ABORTED' });
    expect(pool.size).toBe(0); // nothing changed by a rejected call
  });

  it('ref-counts the streams iterators added; streams of subscribe() and of adopt() stay', async () => {
    const { host: hst, pool, taps } = host(['ethusdt@bookTicker']);
    const its = new MessageStreams(hst);
    const a = its.open(['BTCUSDT@bookTicker', 'ethusdt@bookTicker', 'btcusdt@bookTicker'], {});
    expect([...pool].sort()).toEqual(['btcusdt@bookTicker', 'ethusdt@bookTicker']);
    const b = its.open(['btcusdt@bookTicker', 'solusdt@bookTicker'], {});
    const c = its.open(['xrpusdt@bookTicker'], {});
    await a.return();
    expect([...pool].sort()).toEqual(['btcusdt@bookTicker', 'ethusdt@bookTicker', 'solusdt@bookTicker', 'xrpusdt@bookTicker']);
    its.adopt(['SOLUSDT@bookTicker']); // the user subscribed it too
    b.close();
    expect([...pool].sort()).toEqual(['ethusdt@bookTicker', 'solusdt@bookTicker', 'xrpusdt@bookTicker']);
    its.closeAll(); // the client stops: iterators end, subscriptions are left to stop()
    expect(c.stats().ended).toBe(true);
    expect(pool.has('xrpusdt@bookTicker')).toBe(true);
    expect([...taps.values()].flat()).toEqual([]);
  });

  it('a pending next() resolves done when the iterator ends; an abort rejects it with ERR_ABORTED, then done', async () => {
    const { host: hst, deliver } = host();
    const its = new MessageStreams(hst);
    const a = its.open(['btcusdt@bookTicker'], {});
    const pending = a.next();
    deliver(ticker('btcusdt', 1));
    expect((await pending).value?.data).toEqual({ u: 1, s: 'BTCUSDT' });
    const p2 = a.next();
    a.close();
    expect(await p2).toEqual({ done: true, value: undefined });
    expect(await a.next()).toEqual({ done: true, value: undefined });

    const ac = new AbortController();
    const b = its.open(['btcusdt@bookTicker'], { signal: ac.signal });
    const p3 = b.next();
    ac.abort(new Error('shutdown'));
    await expect(p3).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: expect.objectContaining({ message: 'shutdown' }) });
    expect(await b.next()).toEqual({ done: true, value: undefined });

    const ac2 = new AbortController();
    const c = its.open(['btcusdt@bookTicker'], { signal: ac2.signal });
    deliver(ticker('btcusdt', 2));
    ac2.abort();
    await expect(c.next()).rejects.toMatchObject({ code: 'ERR_ABORTED' }); // buffered messages are discarded
    expect(await c.next()).toEqual({ done: true, value: undefined });
    await expect(its.open(['btcusdt@bookTicker'], {}).throw(new Error('mine'))).rejects.toThrow('mine');
  });

  it('emits lagging once per episode when a message waited longer than the threshold, caughtUp under half', async () => {
    const { host: hst, deliver, events } = host();
    const its = new MessageStreams({ ...hst, lagThresholdMs: 100 });
    const a = its.open(['btcusdt@bookTicker'], {});
    const now = Date.now();
    deliver(msg('btcusdt@bookTicker', { u: 1 }, now - 500));
    deliver(msg('btcusdt@bookTicker', { u: 2 }, now - 400));
    deliver(msg('btcusdt@bookTicker', { u: 3 }, now - 60)); // under the threshold, not under half: still lagging
    deliver(msg('btcusdt@bookTicker', { u: 4 }, now + 1_000)); // lag < 0: caught up
    for (let i = 0; i < 4; i++) await a.next();
    expect(events.map(([name]) => name)).toEqual(['lagging', 'caughtUp']);
    expect(events[0]![1]).toMatchObject({ stream: 'btcusdt@bookTicker', consumer: 'iterator', baselineMs: 0, thresholdMs: 100, buffered: 3, lagMs: expect.any(Number) });
    expect(events[0]![1].lagMs).toBeGreaterThanOrEqual(500);
    expect(events[1]![1]).toMatchObject({ stream: 'btcusdt@bookTicker', consumer: 'iterator', laggingMs: expect.any(Number) });
    expect(a.stats().maxLagMs).toBeGreaterThanOrEqual(500);
    expect(a.stats().streams['btcusdt@bookTicker']).toMatchObject({ delivered: 4, buffered: 0 });
  });
});
