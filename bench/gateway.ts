/**
 * Gateway fan-out: Binance (the emulator) → gateway client → Redis Streams → N consumers,
 * against N direct client connections, for N = 1, 4 and 16. Needs Debian's redis-server
 * (REDIS_SERVER, default /usr/bin/redis-server); everything runs on loopback.
 *
 *   npx tsx bench/gateway.ts [--messages 20000] [--rate 2000]
 *
 * Two figures per N:
 * - throughput: a burst of `messages` aggTrades published as fast as the emulator sends
 *   them; deliveries per second summed over the N consumers (first publish → last delivery);
 * - latency at a steady `rate` msgs/s: publish (`E`, stamped at publish) → the consumer's
 *   listener, median and p99; "added" is the gateway path minus the direct path's median.
 * Consumers run in this process (one ioredis connection each), as do the gateway and the
 * emulator: on a small machine they share the CPU, so the figures are a floor.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { BinanceStreamClient } from '../src/index';
import type { AggTradeEvent } from '../src/index';
import { createGateway, RedisStreamSource } from '../src/redis/index';
import { FakeBinance } from '../src/testing/index';

const { values: args } = parseArgs({ options: { messages: { type: 'string', default: '20000' }, rate: { type: 'string', default: '2000' } } });
const MESSAGES = Number(args.messages);
const RATE = Number(args.rate);
const STREAM = 'btcusdt@aggTrade';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function redisServer(): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => /Ready to accept/.test(b.toString()) && resolve()));
  return { url: `redis://127.0.0.1:${port}`, stop: () => void child.kill('SIGKILL') };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) : NaN;
}

interface Sink {
  count: number;
  lat: number[];
}

type Setup = (ex: FakeBinance, n: number, redisUrl: string) => Promise<{ sinks: Sink[]; close(): Promise<void> }>;

const direct: Setup = async (ex, n) => {
  const clients = Array.from({ length: n }, () => new BinanceStreamClient(ex.clientOptions()));
  const sinks = clients.map((c) => {
    const s: Sink = { count: 0, lat: [] };
    c.on('aggTrade', (t) => {
      s.count++;
      s.lat.push(Date.now() - t.E);
    });
    c.subscribe(STREAM);
    return s;
  });
  await Promise.all(clients.map((c) => c.start()));
  return { sinks, close: async () => void (await Promise.all(clients.map((c) => c.stop()))) };
};

const viaGateway: Setup = async (ex, n, url) => {
  const redis = new Redis(url);
  const client = new BinanceStreamClient(ex.clientOptions());
  const gw = createGateway({ client, redis, maxLen: 200_000, name: `bench${n}` });
  const conns: Redis[] = [];
  const sources = Array.from({ length: n }, () => {
    const r = new Redis(url);
    conns.push(r);
    return new RedisStreamSource({ redis: r, streams: [STREAM], name: `bench${n}`, control: false, count: 1000 });
  });
  const sinks = sources.map((src) => {
    const s: Sink = { count: 0, lat: [] };
    src.on('aggTrade', (t) => {
      s.count++;
      s.lat.push(Date.now() - t.E);
    });
    return s;
  });
  await Promise.all(sources.map((s) => s.start()));
  client.subscribe(STREAM);
  await client.start();
  return {
    sinks,
    close: async () => {
      await client.stop();
      await gw.close();
      await Promise.all(sources.map((s) => s.close()));
      for (const r of [redis, ...conns]) r.disconnect();
    },
  };
};

let a = 0;
function trade(): AggTradeEvent {
  const now = Date.now();
  a++;
  return { e: 'aggTrade', E: now, s: 'BTCUSDT', a, p: '100.5', q: '0.01', f: a, l: a, T: now, m: true };
}

async function measure(name: string, setup: Setup, n: number, url: string) {
  const ex = await FakeBinance.start({ market: 'spot', symbols: ['btcusdt'], autoGenerate: false });
  const { sinks, close } = await setup(ex, n, url);
  while (ex.connections().filter((c) => c.streams.includes(STREAM)).length < (name === 'direct' ? n : 1)) await sleep(5);
  // Steady rate: latency.
  const steady = Math.round(RATE * 2);
  for (let i = 0; i < steady; i++) {
    ex.publish(STREAM, trade());
    if (i % Math.max(1, Math.round(RATE / 100)) === 0) await sleep(10);
  }
  while (sinks.some((s) => s.count < steady)) await sleep(5);
  const lat = sinks.flatMap((s) => s.lat);
  for (const s of sinks) {
    s.count = 0;
    s.lat.length = 0;
  }
  // Burst: throughput.
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    ex.publish(STREAM, trade());
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  while (sinks.some((s) => s.count < MESSAGES)) await sleep(2);
  const secs = (performance.now() - t0) / 1000;
  await close();
  await ex.close();
  return { name, n, p50: pct(lat, 50), p99: pct(lat, 99), perConsumer: Math.round(MESSAGES / secs), total: Math.round((MESSAGES * n) / secs) };
}

async function main(): Promise<void> {
  const redis = await redisServer();
  const rows: Awaited<ReturnType<typeof measure>>[] = [];
  try {
    for (const n of [1, 4, 16]) {
      rows.push(await measure('direct', direct, n, redis.url));
      rows.push(await measure('gateway', viaGateway, n, redis.url));
    }
  } finally {
    redis.stop();
  }
  console.log(`\n${MESSAGES} msgs burst; latency at ${RATE} msgs/s (publish → listener)\n`);
  console.log('| path | consumers | msgs/s per consumer | deliveries/s total | latency p50 | p99 | added p50 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const base = rows.find((x) => x.name === 'direct' && x.n === r.n) as (typeof rows)[number];
    const added = r.name === 'gateway' ? `${r.p50 - base.p50} ms` : '';
    console.log(`| ${r.name} | ${r.n} | ${r.perConsumer} | ${r.total} | ${r.p50} ms | ${r.p99} ms | ${added} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
