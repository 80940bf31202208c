/**
 * The market-data gateway (issue 16): one client's deliveries republished into Redis Streams,
 * read by several RedisStreamSource consumers. Ground truth: the emulator's own record of what
 * it published (`groundTruth`), and the client's deliveries. Every consumer gets every event
 * exactly once, in order; a consumer restarted mid-stream resumes from its stored position
 * without loss or repeat; one that stayed away longer than the retention is told (`gap`).
 */
import { expect, it } from 'vitest';
import { BinanceStreamClient } from '../../src/index';
import type { AggTradeEvent, BookEvent, StreamMessage } from '../../src/index';
import { createGateway, RedisStreamSource } from '../../src/redis/index';
import type { RedisGapEvent } from '../../src/redis/index';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { closeRedis, startRedis, describeRedis } from '../helpers/redis';
import { until } from '../helpers/wait';

const STREAMS = ['btcusdt@aggTrade', 'ethusdt@aggTrade'];

function trade(symbol: string, a: number): AggTradeEvent {
  const now = Date.now();
  return { e: 'aggTrade', E: now, s: symbol.toUpperCase(), a, p: `${100 + (a % 7)}.5`, q: '0.01', f: a, l: a, T: now, m: a % 2 === 0 };
}

async function setup(gatewayOptions: { maxLen?: number } = {}) {
  const server = await startRedis();
  onCleanup(closeRedis); // last: after the consumers and the gateway closed
  const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt', 'ethusdt'], autoGenerate: false, groundTruthLimit: 100_000 });
  const client = new BinanceStreamClient(ex.clientOptions());
  onCleanup(() => client.stop());
  const gateway = createGateway({ client, redis: server.client(), ...gatewayOptions });
  onCleanup(() => gateway.close());
  const direct: Record<string, number[]> = { 'btcusdt@aggTrade': [], 'ethusdt@aggTrade': [] };
  client.on('aggTrade', (d, m) => direct[m.stream]!.push(d.a));
  client.subscribe(STREAMS);
  await client.start();
  await until(() => STREAMS.every((s) => ex.connections().some((c) => c.streams.includes(s))), { message: 'streams served' });
  const next = { 'btcusdt@aggTrade': 1, 'ethusdt@aggTrade': 1 } as Record<string, number>;
  /** Publish `n` trades on each stream, in small bursts (the feed goes on while consumers work). */
  const publish = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      for (const s of STREAMS) ex.publish(s, trade(s.split('@')[0]!, next[s]!++));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
  };
  const source = (consumer: string, extra: Partial<ConstructorParameters<typeof RedisStreamSource>[0]> = {}) => {
    const s = new RedisStreamSource({ redis: server.client(), streams: STREAMS, consumer, from: 'earliest', blockMs: 200, ...extra });
    onCleanup(() => s.close());
    return s;
  };
  const truth = (s: string) => ex.groundTruth(s).map((e) => (e.payload as AggTradeEvent).a);
  return { server, ex, client, gateway, direct, publish, source, truth };
}

describeRedis('gateway: one set of Binance connections, many consumers through Redis Streams', () => {
  it('3 consumers receive every event exactly once; one restarted mid-stream resumes without loss', { timeout: 60_000 }, async () => {
    const { gateway, direct, publish, source, truth } = await setup();
    const got: Record<string, Record<string, number[]>> = {};
    const record = (name: string, m: StreamMessage<AggTradeEvent>) => ((got[name] ??= {})[m.stream] ??= []).push(m.data.a);
    const gaps: unknown[] = [];

    const c1 = source('c1');
    c1.on('aggTrade', (d, m) => record('c1', m as StreamMessage<AggTradeEvent>));
    const c2 = source('c2');
    c2.on('message', (m) => record('c2', m as StreamMessage<AggTradeEvent>));
    for (const c of [c1, c2]) c.on('gap', (e) => gaps.push(e));
    await Promise.all([c1.start(), c2.start()]);

    // c3 consumes with for await, and restarts after 300 messages while the feed goes on.
    const consume = async (limit: number): Promise<void> => {
      const c3 = source('c3');
      c3.on('gap', (e) => gaps.push(e));
      let n = 0;
      for await (const m of c3.stream()) {
        record('c3', m as StreamMessage<AggTradeEvent>);
        if (++n === limit) break;
      }
      await c3.close();
    };
    const first = consume(300);
    await publish(600);
    await first;
    const restarted = consume(Infinity);
    await publish(900);
    const total = 1500;
    await until(() => STREAMS.every((s) => direct[s]!.length >= total), { timeoutMs: 10_000, message: 'the client received everything' });
    await gateway.flush();
    for (const s of STREAMS) {
      expect(direct[s], `the client got all of ${s}`).toHaveLength(total);
      expect(truth(s), 'ground truth').toEqual(direct[s]);
    }
    await until(() => ['c1', 'c2', 'c3'].every((c) => STREAMS.every((s) => (got[c]?.[s]?.length ?? 0) >= total)), { timeoutMs: 20_000, message: 'every consumer caught up' });
    for (const c of ['c1', 'c2', 'c3']) for (const s of STREAMS) expect(got[c]![s], `${c} ${s}: every event once, in order`).toEqual(direct[s]);
    expect(gaps).toEqual([]);
    expect(gateway.stats()).toMatchObject({ written: 2 * total, dropped: 0, pending: 0 });
    void restarted; // ends at cleanup (close)
  });

  it('a consumer away longer than the retention is told how many entries it missed (gap), then reads on', { timeout: 60_000 }, async () => {
    const { publish, source, gateway } = await setup({ maxLen: 50 });
    const c = source('late');
    const seen: number[] = [];
    c.on('aggTrade', (d, m) => m.stream === 'btcusdt@aggTrade' && seen.push(d.a));
    await c.start();
    await publish(20);
    await gateway.flush();
    await until(() => seen.length === 20, { message: 'first 20' });
    await c.close();

    await publish(2_000); // far beyond MAXLEN ~ 50
    await gateway.flush();
    const again = source('late');
    const gaps: RedisGapEvent[] = [];
    const after: number[] = [];
    again.on('gap', (e) => e.stream === 'btcusdt@aggTrade' && gaps.push(e as RedisGapEvent));
    again.on('aggTrade', (d, m) => m.stream === 'btcusdt@aggTrade' && after.push(d.a));
    await again.start();
    await until(() => after.at(-1) === 2_020, { timeoutMs: 10_000, message: 'caught up to the last trade' });
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ kind: 'redis', stream: 'btcusdt@aggTrade', lastSeq: 20 });
    // Exactly the trades trimmed away are reported missing; the rest arrive in order.
    expect(gaps[0]!.missedEntries + after.length).toBe(2_000);
    expect(after[0]).toBe(21 + gaps[0]!.missedEntries);
    expect(after).toEqual(Array.from({ length: after.length }, (_, i) => after[0]! + i));
  });

  it("the client's gap and liveness events reach consumers with the stream's data, in order", { timeout: 30_000 }, async () => {
    const { ex, source, gateway } = await setup();
    const c = source('events');
    const log: string[] = [];
    c.on('aggTrade', (d, m) => m.stream === 'btcusdt@aggTrade' && log.push(`trade ${d.a}`));
    c.on('gap', (e) => log.push(`gap ${e.kind} ${'fromId' in e ? `${e.fromId}-${e.toId}` : ''}`));
    await c.start();
    for (const a of [1, 2, 3, 10, 11]) ex.publish('btcusdt@aggTrade', trade('btcusdt', a));
    await until(() => log.includes('trade 11'), { message: 'trade 11 at the consumer' });
    await gateway.flush();
    expect(log).toEqual(['trade 1', 'trade 2', 'trade 3', 'gap aggTrade 4-9', 'trade 10', 'trade 11']);
  });

  it('order-book updates (book events) reach a consumer exactly as the client emitted them', { timeout: 60_000 }, async () => {
    const server = await startRedis();
    onCleanup(closeRedis);
    const ex = await startEmulator({ market: 'spot', symbols: ['btcusdt'] });
    const client = new BinanceStreamClient(ex.clientOptions());
    onCleanup(() => client.stop());
    const gateway = createGateway({ client, redis: server.client() });
    onCleanup(() => gateway.close());
    const STREAM = 'btcusdt@depth@100ms';
    const source = new RedisStreamSource({ redis: server.client(), streams: [STREAM], consumer: 'books', from: 'earliest', blockMs: 200 });
    onCleanup(() => source.close());
    const remote: BookEvent[] = [];
    const depthIds: number[] = [];
    source.on('book', (e) => remote.push(e));
    source.on('depth', (d) => depthIds.push(d.u));
    await source.start();
    const local: BookEvent[] = [];
    client.on('book', (e) => local.push(e));
    client.orderBook('btcusdt', { speed: 100 });
    await client.start();
    await until(() => local.length >= 20, { timeoutMs: 20_000, message: '20 book events at the client' });
    await client.stop();
    await gateway.flush();
    await until(() => remote.length === local.length, { timeoutMs: 10_000, message: 'every book event at the consumer' });
    expect(local[0]).toMatchObject({ stream: STREAM, snapshot: true });
    expect(remote).toEqual(JSON.parse(JSON.stringify(local)));
    expect(depthIds.length, 'the raw depth updates came through too').toBeGreaterThan(0);
  });

  it('an iterator that breaks early caps the stored position: after a restart nothing it skipped is lost', { timeout: 30_000 }, async () => {
    const { publish, source, gateway } = await setup();
    await publish(300);
    await gateway.flush();
    // All 300 are in the first read (count 1,000): the iterator gets them at once.
    const c = source('cap', { count: 1_000 });
    const heard: number[] = [];
    c.on('aggTrade', (d, m) => m.stream === 'btcusdt@aggTrade' && heard.push(d.a));
    const it1 = c.stream(['btcusdt@aggTrade']);
    const taken: number[] = [];
    const loop = (async () => {
      for await (const m of it1) {
        taken.push((m.data as AggTradeEvent).a);
        if (taken.length === 10) break; // ends with messages of its batch it never took
      }
    })();
    await loop;
    await until(() => heard.length === 300, { message: 'the listener heard everything' });
    await until(() => c.stats().delivered >= 600, { message: 'both streams read' });
    await c.close();
    expect(c.stats().positions['bsc:gw:default:s:btcusdt@aggTrade']?.seq, 'stored position: the last message the iterator took').toBe(10);

    const again = source('cap');
    const after: number[] = [];
    again.on('aggTrade', (d, m) => m.stream === 'btcusdt@aggTrade' && after.push(d.a));
    await again.start();
    await until(() => after.at(-1) === 300, { message: 'resumed to the end' });
    expect(after, 'resumes right after the 10th: none lost (the listener sees 11… again)').toEqual(Array.from({ length: 290 }, (_, i) => 11 + i));
  });
});
