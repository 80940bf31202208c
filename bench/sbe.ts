/**
 * SBE vs JSON vs a bare socket, per message and per core, on the same stream mix (no network:
 * a fake WebSocket hands the client pre-built frames exactly as `ws` would, a Buffer and its
 * isBinary flag, so only per-message work is timed; interleaved rounds, medians of the process's
 * CPU time per message, so a busy machine slows the wall clock, not the figure; within a round the
 * subjects take turns every `--chunk` frames, so a drift of the machine's speed over seconds weighs
 * on all of them alike):
 *
 * - `bare json`:   JSON.parse of the frame + a callback: a bare `ws` socket's floor for JSON;
 * - `client json`: BinanceStreamClient on Binance's JSON streams, typed events;
 * - `sbe decode`:  the SBE decoder alone + a callback (src/streams/sbe/);
 * - `client sbe`:  BinanceStreamClient with `encoding: 'sbe'`, the same typed events.
 *
 * The mix (per 100 frames): 40 trades, 40 best bid/ask (bookTicker), 15 diff depth of 5+5
 * levels, 5 partial depth of 20+20 levels; prices and quantities at 8 decimals, as Binance
 * sends spot; prices on a 0.01 tick near a random-walking mid, quantities random. JSON and SBE frames carry the same events (the SBE ones are encoded from the JSON
 * by the emulator's encoder, src/testing/sbe/encoder.ts).
 *
 *   npx tsx bench/sbe.ts [--frames=100000] [--rounds=5] [--symbols=50] [--chunk=2000] [--json]
 *
 * `--only=<subject>`: run one subject (for profiling: `node --cpu-prof --import tsx bench/sbe.ts --only="client sbe"`).
 * `--json`: one JSON line (SbeFigure, bench/lib/sbe-section.ts) instead of the table; `npm run
 * bench` runs it so and shows it as its SBE section, with the target (client sbe ≥ 2× bare).
 */
import { performance } from 'node:perf_hooks';
import { BinanceStreamClient, SbeDecoder } from 'binance-stream-client';
import { encodeFor } from '../src/testing/sbe/encoder';
import type { SbeFigure } from './lib/sbe-section';
import { spread } from './lib/stats';

const arg = (name: string, def: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const FRAMES = Math.min(1_000_000, Math.max(1000, arg('frames', 100_000)));
const ROUNDS = Math.min(20, Math.max(1, arg('rounds', 5)));
const SYMBOLS = Math.min(500, Math.max(1, arg('symbols', 50)));
/** Frames per turn: the subjects alternate every CHUNK frames within a round. */
const CHUNK = Math.min(FRAMES, Math.max(100, arg('chunk', 2000)));

const symbols = Array.from({ length: SYMBOLS }, (_, i) => `s${String(i).padStart(4, '0')}usdt`);
const KINDS = ['trade', 'bookTicker', 'depth', 'depth20'] as const;
type Kind = (typeof KINDS)[number];
const JSON_SUFFIX: Record<Kind, string> = { trade: '@trade', bookTicker: '@bookTicker', depth: '@depth@100ms', depth20: '@depth20@100ms' };
const SBE_SUFFIX: Record<Kind, string> = { trade: '@trade', bookTicker: '@bestBidAsk', depth: '@depth', depth20: '@depth20' };
const kindAt = (i: number): Kind => {
  const r = i % 100;
  return r < 40 ? 'trade' : r < 80 ? 'bookTicker' : r < 95 ? 'depth' : 'depth20';
};

// Market-like values: per symbol a mid price on a 0.01 tick doing a random walk (prices repeat near
// the mid, as on a real book), quantities random with 5 significant decimals (they rarely repeat).
let seed = 42;
const rnd = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const mids = new Map<string, number>();
const mid = (s: string): number => {
  const m = Math.max(100, Math.round(((mids.get(s) ?? 64_000) + (rnd() - 0.5) * 0.1) * 100) / 100);
  mids.set(s, m);
  return m;
};
const price = (p: number) => p.toFixed(8);
const qty = () => (Math.floor(rnd() * 200_000) / 100_000 + 0.00001).toFixed(8);
const levels = (n: number, top: number, dir: number) => Array.from({ length: n }, (_, k) => [price(top + dir * k * 0.01), qty()]);

interface Frames {
  json: Buffer[];
  sbe: Buffer[];
}

/** One round's frames: same events as JSON combined frames and as SBE binary frames; ids increase per stream. */
function frames(round: number): Frames {
  const json: Buffer[] = new Array<Buffer>(FRAMES);
  const sbe: Buffer[] = new Array<Buffer>(FRAMES);
  const ids = new Map<string, number>();
  const next = (k: string) => {
    const v = (ids.get(k) ?? round * 10_000_000) + 1;
    ids.set(k, v);
    return v;
  };
  for (let i = 0; i < FRAMES; i++) {
    const s = symbols[i % SYMBOLS] as string;
    const S = s.toUpperCase();
    const kind = kindAt(i);
    const E = 1_767_225_600_000 + i;
    const id = next(`${s}${kind}`);
    const m = mid(s);
    let data: object;
    if (kind === 'trade') data = { e: 'trade', E, s: S, t: id, p: price(m + (rnd() < 0.5 ? 0 : 0.01)), q: qty(), T: E, m: i % 2 === 0, M: true };
    else if (kind === 'bookTicker') data = { u: id, s: S, b: price(m), B: qty(), a: price(m + 0.01), A: qty() };
    else if (kind === 'depth') data = { e: 'depthUpdate', E, s: S, U: id * 10, u: id * 10 + 9, b: levels(5, m, -1), a: levels(5, m + 0.01, 1) };
    else data = { lastUpdateId: id, bids: levels(20, m, -1), asks: levels(20, m + 0.01, 1) };
    const raw = JSON.stringify(data);
    json[i] = Buffer.from(`{"stream":"${s}${JSON_SUFFIX[kind]}","data":${raw}}`);
    const jsonStream = kind === 'depth' ? `${s}@depth` : kind === 'depth20' ? `${s}@depth20` : `${s}${JSON_SUFFIX[kind]}`;
    sbe[i] = encodeFor(jsonStream, raw, BigInt(E) * 1000n) as Buffer;
  }
  return { json, sbe };
}

type Feed = (frame: Buffer) => void;

/** A client fed by a fake WebSocket (answers SUBSCRIBE, opens at once); `feed` is the `ws` message listener. */
async function clientFeed(encoding: 'json' | 'sbe', count: { n: number }): Promise<{ feed: Feed; stop: () => Promise<void> }> {
  let message: ((data: unknown, isBinary: boolean) => void) | undefined;
  const client = new BinanceStreamClient({
    baseUrl: 'ws://127.0.0.1:9',
    encoding,
    ...(encoding === 'sbe' ? { apiKey: 'bench-key' } : {}),
    heartbeat: false,
    staleAfterMs: false,
    restFallback: false,
    webSocketFactory: () => {
      const w = {
        readyState: 0,
        onopen: null as ((ev: unknown) => void) | null,
        onclose: null as ((ev: { code: number; reason: string }) => void) | null,
        onerror: null,
        onmessage: null,
        send(data: string) {
          const req = JSON.parse(data) as { id?: unknown };
          setImmediate(() => message?.(Buffer.from(JSON.stringify({ result: null, id: req.id })), false));
        },
        close() {
          w.readyState = 3;
          setImmediate(() => w.onclose?.({ code: 1000, reason: '' }));
        },
        on(event: string, fn: (data: unknown, isBinary: boolean) => void) {
          if (event === 'message') message = fn;
        },
      };
      setImmediate(() => {
        w.readyState = 1;
        w.onopen?.({});
      });
      return w as never;
    },
  });
  for (const e of ['trade', 'bookTicker', 'depth', 'partialDepth'] as const) client.on(e, () => void count.n++);
  client.on('error', (e) => console.error('client error', e));
  client.subscribe(symbols.flatMap((s) => KINDS.map((k) => `${s}${(encoding === 'sbe' ? SBE_SUFFIX : JSON_SUFFIX)[k]}`)));
  await client.start();
  await new Promise((r) => setTimeout(r, 50));
  const m = message;
  if (!m) throw new Error('fake socket not wired');
  const binary = encoding === 'sbe';
  return { feed: (f) => m(f, binary), stop: () => client.stop() };
}

function bareJson(count: { n: number }): Feed {
  const listener = (_d: unknown): void => void count.n++;
  return (f) => {
    const msg = JSON.parse(f as unknown as string) as { data?: unknown };
    if (msg.data !== undefined) listener(msg.data);
  };
}

function sbeDecode(count: { n: number }): Feed {
  const decoder = new SbeDecoder();
  const listener = (_m: unknown): void => void count.n++;
  return (f) => void decoder.decode(f, 0, listener);
}

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const names = (['bare json', 'client json', 'sbe decode', 'client sbe'] as const).filter((n) => only === undefined || n === only);
  const results: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const walls: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const counts = Object.fromEntries(names.map((n) => [n, { n: 0 }])) as Record<(typeof names)[number], { n: number }>;
  const unused = { n: 0 };
  const ourJson = await clientFeed('json', counts['client json'] ?? unused);
  const ourSbe = await clientFeed('sbe', counts['client sbe'] ?? unused);
  const feeds: Record<(typeof names)[number], { feed: Feed; sbe: boolean }> = {
    'bare json': { feed: bareJson(counts['bare json'] ?? unused), sbe: false },
    'client json': { feed: ourJson.feed, sbe: false },
    'sbe decode': { feed: sbeDecode(counts['sbe decode'] ?? unused), sbe: true },
    'client sbe': { feed: ourSbe.feed, sbe: true },
  };
  let bytes = { json: 0, sbe: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const input = frames(r + 1);
    bytes = { json: input.json.reduce((n, b) => n + b.length, 0) / FRAMES, sbe: input.sbe.reduce((n, b) => n + b.length, 0) / FRAMES };
    (globalThis as { gc?: () => void }).gc?.();
    const cpu: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    const wall: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    for (const name of names) counts[name].n = 0;
    // The subjects take turns on chunks of the round's frames (the order rotating per chunk), so a
    // machine that speeds up or slows down over seconds (a neighbour, the clock) weighs on all alike.
    for (let from = 0, turn = 0; from < FRAMES; from += CHUNK, turn++) {
      const to = Math.min(FRAMES, from + CHUNK);
      for (let k = 0; k < names.length; k++) {
        const name = names[(turn + k) % names.length] as (typeof names)[number];
        const { feed, sbe } = feeds[name];
        const list = sbe ? input.sbe : input.json;
        // CPU time of this process (user + system), not wall time: "per core" on a shared machine.
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = from; i < to; i++) feed(list[i] as Buffer);
        wall[name]! += performance.now() - t0;
        const c = process.cpuUsage(c0);
        cpu[name]! += c.user + c.system;
      }
    }
    for (const name of names) {
      if (counts[name].n !== FRAMES) console.log(`  ${name}: delivered ${counts[name].n}/${FRAMES}`);
      results[name]!.push((cpu[name]! * 1e3) / FRAMES);
      walls[name]!.push((wall[name]! * 1e6) / FRAMES);
    }
  }
  await ourJson.stop();
  await ourSbe.stop();
  const bare = spread(results['bare json'] ?? results[names[0]!]!)!;
  if (process.argv.includes('--json')) {
    const out: SbeFigure = {
      frames: FRAMES,
      rounds: ROUNDS,
      symbols: SYMBOLS,
      meanFrameBytes: bytes,
      subjects: names.map((name) => ({ name, cpuNsPerMsg: spread(results[name]!)!, wallNsPerMsg: spread(walls[name]!)!.median })),
      bareMedianNs: bare.median,
    };
    console.log(JSON.stringify(out));
    return;
  }
  console.log(`stream mix: 40% trade, 40% bestBidAsk/bookTicker, 15% diff depth (5+5), 5% depth20 (20+20); ${SYMBOLS} symbols, ${FRAMES} frames × ${ROUNDS} rounds`);
  console.log(`mean frame: JSON ${bytes.json.toFixed(0)} B, SBE ${bytes.sbe.toFixed(0)} B (${((bytes.sbe / bytes.json) * 100).toFixed(0)}%)`);
  console.log('| subject | CPU ns/msg (median, min–max) | messages/s per core | vs bare ws + JSON.parse | wall ns/msg (median) |');
  console.log('|---|---|---|---|---|');
  for (const name of names) {
    const s = spread(results[name]!)!;
    const w = spread(walls[name]!)!;
    console.log(
      `| ${name} | ${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)}) | ${(1e9 / s.median / 1e3).toFixed(0)}k | ${(bare.median / s.median).toFixed(2)}× | ${w.median.toFixed(0)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
