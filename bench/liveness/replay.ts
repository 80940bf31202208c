/**
 * Liveness figure 2: false alarms over a time-compressed 24 h replay of 1,000 streams, no
 * stall injected. The REAL detector code runs in virtual time: `StreamState` objects
 * (pool/stream-state.ts) learn each gap with `learnGap` (streams/cadence.ts; what the
 * router inlines), and every 100 ms of virtual time a liveness pass runs as the pool's does
 * (pool/liveness-pass.ts): `LoopMonitor.observe` (never late here), `StreamSilence.sweep`
 * per connection, then `peakDecay` on every stream. Arrivals come from the emulator's
 * activity model (`FakeBinance.activityModel`, src/testing/streams/activity.ts): spot
 * trades, bookTicker, diff depth, klines and tickers on ~250 symbols from btcusdt down to
 * the illiquid tail, with its bursts, quiet minutes, 24 h curve and market-wide lull.
 *
 * What the pool would do with a verdict is mirrored, so the replay goes on as the pool
 * would: a `connection` verdict reconnects at once when the connection had delivered, else
 * after the default policy's backoff for ERR_STALE (`ExponentialBackoff`, un-jittered: 2 s,
 * 4 s … 60 s; the streak restarts after 30 s of uptime), and messages sent while it is down
 * are lost; every stream of it skips its next gap (pool/slot-events.ts). A stream to `move`
 * gets a fresh connection of its own; a restored stream ends its episode. Every `stale` event
 * the client would raise (a connection verdict, a reported re-subscribe, a move) is a false
 * alarm; the quiet first re-subscribe of an episode (a probe, no event) is counted apart: nothing was ever
 * silent for real.
 *
 * One pending arrival per stream in a binary heap (replace-top per message: one sift-down);
 * judgement at pass times only, never per message.
 */
import { performance } from 'node:perf_hooks';
import { FakeBinance, type StreamActivity } from 'binance-stream-client/testing';
import { LoopMonitor } from '../../src/core/loop-monitor';
import { StreamSilence, type SilentStreams } from '../../src/pool/stream-silence';
import { SiblingIndex } from '../../src/pool/siblings';
import { StreamState } from '../../src/pool/stream-state';
import { ExponentialBackoff } from '../../src/retry/exponential-backoff';
import { learnGap, peakDecay } from '../../src/streams/cadence';
import { classifyStream } from '../../src/streams/classify';

export interface ReplayOptions {
  /** Virtual hours replayed. @default 24 */
  hours: number;
  /** Symbols (streams = 4 per symbol). @default 250 */
  symbols: number;
  /** Streams per connection, in subscribe order (the pool fills connections in order). @default 200 */
  perConnection: number;
  /** The liveness pass period (the pool's `livenessTickMs`). @default 100 */
  passMs: number;
  seed: number;
}

export const REPLAY_DEFAULTS: ReplayOptions = { hours: 24, symbols: 250, perConnection: 200, passMs: 100, seed: 0x5eed };

/** The stream kinds of the mix, spread over every liquidity (4 per symbol, in turn). */
export const REPLAY_KINDS = ['aggTrade', 'trade', 'bookTicker', 'depth@100ms', 'depth', 'kline_1m', 'kline_1s', 'ticker', 'miniTicker'] as const;

/** The 25 majors of the model (liquidity by rank) and a few of them on other quotes; the rest is the long tail. */
const MAJORS = ['btc', 'eth', 'sol', 'xrp', 'bnb', 'doge', 'sui', 'ada', 'trx', 'link', 'pepe', 'avax', 'ltc', 'bch', 'ton', 'dot', 'near', 'uni', 'apt', 'arb', 'op', 'fil', 'atom', 'etc', 'shib'];
const OTHER_QUOTES = ['btcfdusd', 'ethfdusd', 'solfdusd', 'btcusdc', 'ethusdc', 'solusdc', 'xrpusdc', 'ethbtc', 'solbtc', 'bnbbtc'];

/** One false alarm, for the report. */
export interface FalseAlarm {
  /** Virtual time since the start, ms. */
  atMs: number;
  what: 'connection' | 'resubscribe' | 'move';
  stream: string;
  /** The symbol's liquidity (1 = btcusdt). */
  level: number;
  silentMs: number;
  thresholdMs: number;
}

export interface ReplayResult {
  streams: number;
  symbols: number;
  connections: number;
  virtualHours: number;
  passes: number;
  messages: number;
  wallMs: number;
  /** Every `stale` event the client would raise: connection verdicts plus reported re-subscribes and moves (quiet probes excluded, counted apart). */
  falseAlarms: number;
  connectionVerdicts: number;
  /** Reported re-subscribes (a `stale` event each). */
  resubscribes: number;
  /** Quiet first re-subscribes (probes: no event; most end with the stream delivering again). */
  probes: number;
  moves: number;
  /** Connection verdicts on the fresh connections of moved streams (each carries that stream alone). */
  verdictsOnMoved: number;
  /** Streams that reached `down`. */
  down: number;
  /** Messages sent while their connection was down after a (false) stale verdict. */
  lostWhileDown: number;
  /** Distinct streams with at least one alarm. */
  streamsAlarmed: number;
  /** Alarms by stream kind. */
  byKind: Record<string, number>;
  /** Streams and alarms by the liquidity of their symbol (1 = btcusdt). */
  byLiquidity: Record<LiquidityBucket, { streams: number; alarms: number }>;
  /** The first alarms (at most 10). */
  first: FalseAlarm[];
  /** Streams by how they were judged at the end: with a finite threshold (talkers), or never by silence (quiet). */
  talkersAtEnd: number;
  activity: string;
}

export type LiquidityBucket = 'level ≥ 0.01' | '0.001 ≤ level < 0.01' | 'level < 0.001';

function bucketOf(level: number): LiquidityBucket {
  return level >= 0.01 ? 'level ≥ 0.01' : level >= 0.001 ? '0.001 ≤ level < 0.01' : 'level < 0.001';
}

function symbolList(n: number): string[] {
  const out = [...MAJORS.map((b) => `${b}usdt`), ...OTHER_QUOTES];
  for (let i = 1; out.length < n; i++) out.push(`alt${String(i).padStart(3, '0')}usdt`);
  return out.slice(0, n);
}

/** Deterministic shuffle (the order users subscribe in is unrelated to liquidity). */
function shuffle<T>(list: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  for (let i = list.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

interface Conn {
  names: string[];
  states: StreamState[];
  connectedAt: number;
  /** Down (backing off after a stale verdict) until then: not judged, its messages lost. */
  downUntil: number;
  /** Consecutive stale verdicts without data (the policy's attempt counter). */
  failures: number;
}

/** The retry streak restarts after this much uptime (the socket's `resetAfterMs`). */
const RESET_AFTER_MS = 30_000;

export function replay(opts: Partial<ReplayOptions> = {}): ReplayResult {
  const o = { ...REPLAY_DEFAULTS, ...opts };
  const model = FakeBinance.activityModel('spot', { seed: o.seed });
  const symbols = symbolList(o.symbols);
  const names: string[] = [];
  symbols.forEach((s, i) => {
    for (let j = 0; j < 4; j++) names.push(`${s}@${REPLAY_KINDS[(i * 4 + j) % REPLAY_KINDS.length]}`);
  });
  shuffle(names, o.seed);

  // Virtual epoch ms: far from 0 (0 means "never" in StreamState).
  const T0 = 1_000_000_000;
  const silence = new StreamSilence(undefined);
  const loop = new LoopMonitor(100, 1000);
  const states = new Map<string, StreamState>();
  const siblings = new SiblingIndex();
  const list: StreamState[] = [];
  const sources: StreamActivity[] = [];
  for (const name of names) {
    const info = classifyStream(name);
    const st = new StreamState(name, info, '', T0, undefined, silence.overrideFor(info));
    states.set(name, st);
    siblings.add(st); // as the pool's router does
    list.push(st);
    sources.push(model.stream(name));
  }
  const conns: Conn[] = [];
  const connOf: Conn[] = [];
  for (let i = 0; i < list.length; i += o.perConnection) {
    const part = list.slice(i, i + o.perConnection);
    const c: Conn = { names: part.map((s) => s.name), states: part, connectedAt: T0, downUntil: 0, failures: 0 };
    conns.push(c);
    for (let j = 0; j < part.length; j++) connOf[i + j] = c;
  }
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const policy = new ExponentialBackoff({ jitter: 0 });

  // Min-heap of the next arrival of every stream (virtual ms), stream indices alongside.
  const n = list.length;
  const time = new Float64Array(n);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = T0 + (sources[i] as StreamActivity).nextGapMs(0);
    idx[i] = i;
  }
  const siftDown = (from: number): void => {
    let i = from;
    const t = time[i] as number;
    const k = idx[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (time[r] as number) < (time[l] as number) ? r : l;
      if ((time[c] as number) >= t) break;
      time[i] = time[c] as number;
      idx[i] = idx[c] as number;
      i = c;
    }
    time[i] = t;
    idx[i] = k;
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i);

  const levels = new Map(symbols.map((s) => [s, model.level(s)]));
  const levelOf = (stream: string): number => levels.get(stream.slice(0, stream.indexOf('@'))) ?? 1;
  const result = { connectionVerdicts: 0, verdictsOnMoved: 0, resubscribes: 0, probes: 0, moves: 0, down: 0, lostWhileDown: 0 };
  const initial = new Set(conns);
  const byKind: Record<string, number> = {};
  const byLiquidity: ReplayResult['byLiquidity'] = {
    'level ≥ 0.01': { streams: 0, alarms: 0 },
    '0.001 ≤ level < 0.01': { streams: 0, alarms: 0 },
    'level < 0.001': { streams: 0, alarms: 0 },
  };
  for (const name of names) byLiquidity[bucketOf(levelOf(name))].streams++;
  const alarmed = new Set<string>();
  const first: FalseAlarm[] = [];
  const note = (what: FalseAlarm['what'], stream: string, now: number, silentMs: number): void => {
    const kind = stream.slice(stream.indexOf('@') + 1);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    byLiquidity[bucketOf(levelOf(stream))].alarms++;
    alarmed.add(stream);
    const st = states.get(stream);
    if (first.length < 10) first.push({ atMs: now - T0, what, stream, level: levelOf(stream), silentMs, thresholdMs: st?.suspectAfterMs ?? NaN });
  };
  const act = (c: Conn, r: SilentStreams, now: number): void => {
    for (const st of r.restored) st.endRepair();
    if (r.connection) {
      result.connectionVerdicts++;
      if (!initial.has(c)) result.verdictsOnMoved++;
      note('connection', c.names[0] ?? '?', now, r.silentMs);
      for (const st of c.states) st.learnSkip = true;
      if (now - c.connectedAt >= RESET_AFTER_MS || c.states.some((st) => st.lastMessageAt >= c.connectedAt)) c.failures = 0;
      const delay = c.states.some((st) => st.lastMessageAt >= c.connectedAt) ? 0 : policy.baseDelayMs('timeout', ++c.failures);
      c.downUntil = c.connectedAt = now + delay;
      return;
    }
    result.probes += r.probe.length; // quiet re-subscribes: no event, nothing the user sees
    for (const name of r.streams) {
      result.resubscribes++;
      note('resubscribe', name, now, r.silentMs);
    }
    result.down += r.down.length;
    for (const name of r.move) {
      result.moves++;
      note('move', name, now, r.silentMs);
      const i = indexOf.get(name) as number;
      const st = list[i] as StreamState;
      const from = connOf[i] as Conn;
      from.names = from.names.filter((x) => x !== name);
      from.states = from.states.filter((x) => x !== st);
      const fresh: Conn = { names: [name], states: [st], connectedAt: now, downUntil: 0, failures: 0 };
      conns.push(fresh);
      connOf[i] = fresh;
    }
  };

  const wall0 = performance.now();
  const passes = Math.round((o.hours * 3_600_000) / o.passMs);
  const decay = peakDecay(o.passMs);
  let messages = 0;
  for (let p = 1; p <= passes; p++) {
    const now = T0 + p * o.passMs;
    // Arrivals up to this pass, in time order (receivedAt is whole ms, as Date.now()).
    while ((time[0] as number) <= now) {
      const t = time[0] as number;
      const i = idx[0] as number;
      const st = list[i] as StreamState;
      const at = Math.floor(t);
      messages++;
      if ((connOf[i] as Conn).downUntil > at) result.lostWhileDown++;
      else {
        const last = st.lastMessageAt;
        st.messages++;
        learnGap(st, last > 0 && at >= last ? at - last : -1);
        st.lastMessageAt = at;
      }
      time[0] = t + (sources[i] as StreamActivity).nextGapMs(t - T0);
      siftDown(0);
    }
    // The pass: the process never stalls in virtual time, so observe() is never late.
    loop.observe(now - o.passMs, o.passMs, now);
    for (let c = 0; c < conns.length; c++) {
      const conn = conns[c] as Conn;
      if (conn.downUntil > now || conn.names.length === 0) continue;
      const r = silence.sweep(conn.names, states, conn.connectedAt, now, loop);
      if (r !== undefined) act(conn, r, now);
    }
    for (let i = 0; i < n; i++) (list[i] as StreamState).gapPeak *= decay;
  }
  const wallMs = performance.now() - wall0;
  return {
    streams: n,
    symbols: symbols.length,
    connections: Math.ceil(n / o.perConnection),
    virtualHours: o.hours,
    passes,
    messages,
    wallMs,
    falseAlarms: result.connectionVerdicts + result.resubscribes + result.moves,
    ...result,
    streamsAlarmed: alarmed.size,
    byKind,
    byLiquidity,
    first,
    talkersAtEnd: list.filter((s) => s.suspectAfterMs !== Infinity).length,
    activity: `FakeBinance.activityModel('spot', { seed: ${o.seed} }) (default profile: bursts, quiet minutes, 24 h curve, a 1 h lull at 4 h)`,
  };
}
