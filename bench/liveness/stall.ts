/**
 * Liveness figure 1: stall → detection per stream kind. One emulator; per kind, subject and
 * repetition a process with one connection carrying one busy btcusdt stream of that kind,
 * all at once (the load is light: a few hundred msgs/s in all). After the warm-up, the
 * emulator stalls every connection (data stops; pings and pongs continue) for `windowMs`;
 * the time from the stall to each library's own signal is its detection (this client: the
 * `stale` event; the peers: a reconnect or a close, their only signals). The stall ends by
 * itself after `windowMs` (a peer that never noticed gets its data back on the same
 * connection); after the data resumed everywhere and a second warm-up, a second stall.
 */
import { FakeBinance } from 'binance-stream-client/testing';
import { build, start, type Child } from './spawn';
import { monoMs, type DetectChildMessage, type DetectParentMessage, type DetectSubject } from './protocol';

export interface StallKind {
  /** The stream (one busy symbol). */
  stream: string;
  /** msgs/s the emulator sends on it. */
  rate: number;
  /** This client's target, stall → `stale`. */
  targetMs: number;
}

export const STALL_KINDS: readonly StallKind[] = [
  { stream: 'btcusdt@depth@100ms', rate: 10, targetMs: 1500 },
  { stream: 'btcusdt@aggTrade', rate: 30, targetMs: 3000 },
  { stream: 'btcusdt@kline_1s', rate: 1, targetMs: 5000 },
  { stream: 'btcusdt@bookTicker', rate: 100, targetMs: 2000 },
];

export interface StallOptions {
  kinds: readonly StallKind[];
  subjects: readonly DetectSubject[];
  reps: number;
  /** Stalls per client (1 or 2). */
  stalls: number;
  /** Data flowing before each stall (the learned figures apply after 8 gaps). */
  warmupMs: number;
  /** How long each stall lasts and how long a signal is waited for. */
  windowMs: number;
  log: (line: string) => void;
}

/** One stall as one process saw it; times from the stall, ms. */
export interface StallObservation {
  n: number;
  detectedMs?: number | undefined;
  /** The signal that counted (`stale (connection)`, `reconnecting`, `close`). */
  by?: string | undefined;
  /** The first data message after the stall. */
  dataAgainMs?: number | undefined;
}

export interface StallRun {
  stream: string;
  subject: DetectSubject;
  rep: number;
  stalls: StallObservation[];
  failed?: string | undefined;
}

interface Running {
  stream: string;
  subject: DetectSubject;
  rep: number;
  child: Child<DetectParentMessage, DetectChildMessage>;
  flowing: boolean;
  failed: string | undefined;
  signals: { s: string; t: number }[];
  resumed: Map<number, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = monoMs() + ms;
  while (!check()) {
    if (monoMs() > end) return false;
    await sleep(20);
  }
  return true;
}

/** The first signal after `at` that means "this library noticed". */
function detection(r: Running, at: number): { t: number; s: string } | undefined {
  return r.signals.find((x) => x.t >= at);
}

export async function measureStalls(o: StallOptions): Promise<StallRun[]> {
  const rates = new Map(o.kinds.map((k) => [k.stream, k.rate]));
  const emu = await FakeBinance.start({ symbols: ['btcusdt'], rates: (s: string) => rates.get(s) ?? 0, tickMs: 1 });
  const runs: Running[] = [];
  let stopping = false;
  const hardMs = o.stalls * (o.warmupMs + o.windowMs + 15_000) + 30_000;
  try {
    for (const k of o.kinds) {
      for (const subject of o.subjects) {
        const entry = await build(`detect-${subject}`);
        for (let rep = 1; rep <= o.reps; rep++) {
          const r: Running = { stream: k.stream, subject, rep, child: start(entry), flowing: false, failed: undefined, signals: [], resumed: new Map() };
          r.child.onMessage((m) => {
            if (m.type === 'ready') r.child.send({ type: 'job', job: { subject, wsBase: emu.urls.ws, stream: k.stream, timeoutMs: hardMs } });
            else if (m.type === 'flowing') r.flowing = true;
            else if (m.type === 'signal') r.signals.push({ s: m.scope ? `${m.s} (${m.scope})` : m.s, t: m.t });
            else if (m.type === 'resumed') r.resumed.set(m.n, m.t);
            else r.failed = m.reason;
          });
          void r.child.exited.then((why) => {
            if (!stopping) r.failed ??= why;
          });
          runs.push(r);
        }
      }
    }
    if (!(await until(() => runs.every((r) => r.flowing || r.failed), 20_000))) {
      for (const r of runs) if (!r.flowing) r.failed ??= 'no data within 20 s';
    }
    o.log(`  ${runs.filter((r) => r.flowing).length} clients flowing; warm-up ${o.warmupMs / 1000} s`);
    const at: number[] = [];
    for (let n = 1; n <= o.stalls; n++) {
      await sleep(o.warmupMs);
      const t = monoMs();
      emu.faults.stall({ all: true }, { durationMs: o.windowMs });
      at.push(t);
      for (const r of runs) r.child.send({ type: 'stall', n, at: t });
      o.log(`  stall ${n} injected; waiting up to ${o.windowMs / 1000} s for the signals`);
      const ok = (r: Running): boolean => r.failed !== undefined || (detection(r, t) !== undefined && r.resumed.has(n));
      await until(() => runs.every(ok), o.windowMs);
      // The stall is over by now (windowMs): every client gets its data back before the next warm-up.
      await until(() => runs.every((r) => r.failed !== undefined || r.resumed.has(n)), 10_000);
    }
    return runs.map((r) => ({
      stream: r.stream,
      subject: r.subject,
      rep: r.rep,
      failed: r.failed,
      stalls: at.map((t, i): StallObservation => {
        const d = detection(r, t);
        const next = at[i + 1] ?? Infinity;
        const detected = d !== undefined && d.t < next && d.t - t <= o.windowMs;
        const resumed = r.resumed.get(i + 1);
        return {
          n: i + 1,
          ...(detected ? { detectedMs: d.t - t, by: d.s } : {}),
          ...(resumed !== undefined ? { dataAgainMs: resumed - t } : {}),
        };
      }),
    }));
  } finally {
    stopping = true;
    for (const r of runs) r.child.send({ type: 'stop' });
    await Promise.race([Promise.all(runs.map((r) => r.child.exited)), sleep(3000)]);
    for (const r of runs) r.child.kill();
    await emu.close().catch(() => undefined);
  }
}
