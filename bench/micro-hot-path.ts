/**
 * Micro-benchmark of the client's per-message path without sockets or framing:
 * frame (Buffer, as `ws` hands it over) → JSON.parse → route → typed listener.
 * A fake WebSocket (the client's `webSocketFactory` option) opens at once and the loop
 * feeds it pre-built frames, so only the client's own work is timed. Compared with the
 * raw limit (JSON.parse + callback) on identical frames, interleaved, median of rounds.
 *
 * The streams are the mix: 80% aggTrade, 20% kline_1m (`--klines=0.2`; one stream
 * is an aggTrade stream), sequences without gaps (aggTrade ids +1, the same open candle).
 * Up to 1,024 streams share one connection; more (`--streams=6000`: a full universe) are spread
 * over several, as the pool does, each frame fed to the connection that carries its stream.
 * `--order=random` picks each frame's stream at random (seeded) instead of round-robin: the
 * cache behaviour of a universe, where the next message is rarely for the stream just seen.
 *
 *   npx tsx bench/micro-hot-path.ts [--frames=200000] [--rounds=5] [--streams=200] [--klines=0.2] [--order=random]
 *   node --cpu-prof --import tsx bench/micro-hot-path.ts --only=ours   (profile the path)
 *
 * On a shared machine wall-clock figures swing ±50%; instruction counts do not. Per message,
 * as the difference of two frame counts (fixed costs cancel; run each twice, tsx caches):
 *   valgrind --tool=cachegrind --cache-sim=no node --import tsx bench/micro-hot-path.ts --only=ours --rounds=1 --frames=10000
 *   (… --frames=40000; (I refs(40k) − I refs(10k)) / 30k, the same for --only=raw)
 */
import { BinanceStreamClient } from 'binance-stream-client';
import { spread } from './lib/stats';

const arg = (name: string, def: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const FRAMES = Math.min(1_000_000, Math.max(1000, arg('frames', 200_000)));
const ROUNDS = Math.min(20, Math.max(1, arg('rounds', 5)));
const only = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];
const STREAMS = Math.min(20_000, Math.max(1, arg('streams', 200)));
const RANDOM = process.argv.includes('--order=random');

const KLINES = Math.min(1, Math.max(0, arg('klines', 0.2)));
const symbols = Array.from({ length: STREAMS }, (_, i) => `s${String(i).padStart(4, '0')}usdt`);
/** The first 80% aggTrade, the rest kline_1m. */
const aggTrades = STREAMS === 1 ? 1 : Math.round(STREAMS * (1 - KLINES));
const streamNames = symbols.map((s, i) => (i < aggTrades ? `${s}@aggTrade` : `${s}@kline_1m`));
let nextId = 1_000_000_000_000;

/** One round's frames: round-robin over the streams, ids increasing per stream (no gaps). */
function frames(): Buffer[] {
  const out: Buffer[] = new Array<Buffer>(FRAMES);
  const base = nextId;
  const seen = new Array<number>(STREAMS).fill(0);
  let seed = 7;
  for (let i = 0; i < FRAMES; i++) {
    const k = RANDOM ? (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % STREAMS : i % STREAMS;
    const id = base + (seen[k] = (seen[k] as number) + 1);
    const S = (symbols[k] ?? '').toUpperCase();
    out[i] = Buffer.from(
      k < aggTrades
        ? `{"stream":"${streamNames[k]}","data":{"e":"aggTrade","E":1767225600001,"s":"${S}","a":${id},"p":"64000.01000000","q":"0.01200000","f":${id},"l":${id},"T":1767225600001,"m":true,"M":true}}`
        : `{"stream":"${streamNames[k]}","data":{"e":"kline","E":1767225600001,"s":"${S}","k":{"t":1767225600000,"T":1767225659999,"s":"${S}","i":"1m","f":${id},"L":${id},"o":"64000.01000000","c":"64000.02000000","h":"64000.03000000","l":"63999.99000000","v":"12.50000000","n":${id % 1000},"x":false,"q":"800000.12500000","V":"6.25000000","Q":"400000.06250000","B":"0"}}}`,
    );
  }
  nextId = base + Math.max(...seen) + 1;
  return out;
}

type Feed = (frame: Buffer) => void;

/** The stream name of a frame built by `frames()` (between `{"stream":"` and the next quote). */
const nameOf = (frame: Buffer): string => frame.toString('latin1', 11, frame.indexOf(34, 11));

interface FakeWs {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
  on(event: string, fn: (data: unknown) => void): void;
}

async function oursFeed(count: { n: number }): Promise<{ route: (frame: Buffer) => Feed; stop: () => Promise<void> }> {
  /** Each fake connection's `message` listener, by the streams it subscribed. */
  const byStream = new Map<string, (data: unknown) => void>();
  let sockets = 0;
  const client = new BinanceStreamClient({
    baseUrl: 'ws://127.0.0.1:9',
    heartbeat: false,
    staleAfterMs: false,
    webSocketFactory: (url: string) => {
      const w: FakeWs = {
        readyState: 0,
        onopen: null,
        onclose: null,
        onerror: null,
        onmessage: null,
        send(data: string) {
          // Acknowledge SUBSCRIBE requests; remember which connection carries which stream.
          const req = JSON.parse(data) as { id?: unknown; method?: string; params?: string[] };
          if (req.method === 'SUBSCRIBE' && message) for (const p of req.params ?? []) byStream.set(p, message);
          setImmediate(() => message?.(Buffer.from(JSON.stringify({ result: null, id: req.id }))));
        },
        close() {
          w.readyState = 3;
          setImmediate(() => w.onclose?.({ code: 1000, reason: '' }));
        },
        on(event, fn) {
          if (event === 'message') message = fn;
        },
      };
      let message: ((data: unknown) => void) | undefined;
      sockets++;
      // Streams named in the URL (`/stream?streams=a/b`) are carried from the start.
      const inUrl = new URL(url).searchParams.get('streams')?.split('/') ?? [];
      setImmediate(() => {
        if (message) for (const p of inUrl) byStream.set(p, message);
      });
      setImmediate(() => {
        w.readyState = 1;
        w.onopen?.({});
      });
      return w as never;
    },
  });
  client.on('aggTrade', () => {
    count.n++;
  });
  client.on('kline', () => {
    count.n++;
  });
  client.on('error', () => undefined);
  client.subscribe(streamNames);
  await client.start();
  for (let waited = 0; byStream.size < STREAMS && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  if (sockets === 0 || byStream.size < STREAMS) throw new Error(`fake sockets not wired (${byStream.size}/${STREAMS} streams subscribed on ${sockets})`);
  // Every frame goes to the connection that subscribed its stream (looked up before the timed loop).
  return { route: (f) => byStream.get(nameOf(f)) as Feed, stop: () => client.stop() };
}

function rawFeed(count: { n: number }): Feed {
  const listener = (_d: unknown): void => {
    count.n++;
  };
  return (f) => {
    const msg = JSON.parse(f as unknown as string) as { data?: unknown };
    if (msg.data !== undefined) listener(msg.data);
  };
}

async function main(): Promise<void> {
  const results: Record<string, number[]> = { raw: [], ours: [] };
  const count = { n: 0 };
  const ours = only === 'raw' ? undefined : await oursFeed(count);
  const raw = rawFeed(count);
  for (let r = 0; r < ROUNDS; r++) {
    const input = frames();
    const targets: Feed[] = ours ? input.map((f) => ours.route(f)) : [];
    // Alternate the order per round (no subject always runs on a warmer machine).
    for (const name of r % 2 === 0 ? (['raw', 'ours'] as const) : (['ours', 'raw'] as const)) {
      if (only && only !== name) continue;
      if (name === 'ours' && !ours) continue;
      (globalThis as { gc?: () => void }).gc?.();
      count.n = 0;
      // CPU time of this process (user + system): a busy machine slows the wall clock, not the figure.
      const c0 = process.cpuUsage();
      if (name === 'raw') for (let i = 0; i < input.length; i++) raw(input[i] as Buffer);
      else for (let i = 0; i < input.length; i++) (targets[i] as Feed)(input[i] as Buffer);
      const c = process.cpuUsage(c0);
      const ns = ((c.user + c.system) * 1e3) / input.length;
      if (count.n !== input.length) console.log(`  ${name}: delivered ${count.n}/${input.length}`);
      results[name]?.push(ns);
    }
  }
  await ours?.stop();
  const raws = spread(results.raw ?? []);
  console.log(`${STREAMS} streams, ${RANDOM ? 'random' : 'round-robin'} order, ${FRAMES} frames × ${ROUNDS} rounds; CPU ns per message, median (min–max)`);
  for (const name of ['raw', 'ours']) {
    const s = spread(results[name] ?? []);
    if (!s) continue;
    const ratio = raws && name !== 'raw' ? ` = ${(s.median / raws.median).toFixed(2)}× raw` : '';
    console.log(`${name.padEnd(5)} ${s.median.toFixed(0)} ns/msg (${s.min.toFixed(0)}–${s.max.toFixed(0)})${ratio}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
