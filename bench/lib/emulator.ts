/**
 * The data source of a figure: the project's emulator (FakeBinance, src/testing) or the
 * bench's own minimal feeder (bench/feeder.ts), behind one small interface. Both run in
 * the runner process; subjects run in their own processes.
 */
import { Feeder } from '../feeder';

export type EmulatorKind = 'fake' | 'builtin';

export interface EmulatorConfig {
  symbols: readonly string[];
  /** msgs/s per stream (0 = silent, Infinity = full speed); undefined = the emulator's realistic profile. */
  rateFor?: ((stream: string) => number) | undefined;
  stampField?: string | undefined;
}

export interface LimitReport {
  messageRateViolations: number;
  streamCountViolations: number;
  connectionsOpened: number;
}

export interface BenchEmulator {
  readonly kind: EmulatorKind;
  readonly wsBase: string;
  subscribedCount(): number;
  /** Abrupt drop (TCP reset, 1006) of every open connection. */
  drop(): void;
  /** Silent stall: data stops, the TCP connection stays open. */
  stall(): void;
  limits(): LimitReport;
  close(): Promise<void>;
}

/** The emulator's realistic msgs/s by kind (SPOT defaults of src/testing), for the builtin feeder. */
const REALISTIC: Record<string, number> = { aggTrade: 10, trade: 10, kline: 0.5, 'depth@100ms': 10, depth: 1 };

function realisticRate(stream: string): number {
  const kind = stream.slice(stream.indexOf('@') + 1);
  return REALISTIC[kind] ?? (kind.startsWith('kline_') ? (REALISTIC.kline ?? 0.5) : 1);
}

interface FakeLike {
  urls: { ws: string };
  connections(): { streams: string[]; stalled: boolean }[];
  stats(): { connectionsOpened: number; limitViolations: { messageRate: number; streamCount: number } };
  faults: { close(t: { all: true }, o: { code: number }): number; stall(t: { all: true }): number };
  close(): Promise<void>;
}

async function startFake(cfg: EmulatorConfig): Promise<BenchEmulator> {
  const mod = (await import('binance-stream-client/testing')) as unknown as {
    FakeBinance: { start(o: Record<string, unknown>): Promise<FakeLike> };
  };
  const rateFor = cfg.rateFor;
  const ex = await mod.FakeBinance.start({
    symbols: cfg.symbols,
    ...(rateFor ? { rates: (s: string) => rateFor(s) } : {}),
    ...(cfg.stampField ? { stampField: cfg.stampField } : {}),
    groundTruthLimit: 16,
  });
  return {
    kind: 'fake',
    wsBase: ex.urls.ws,
    subscribedCount: () => {
      let n = 0;
      for (const c of ex.connections()) if (!c.stalled) n += c.streams.length;
      return n;
    },
    drop: () => void ex.faults.close({ all: true }, { code: 1006 }),
    stall: () => void ex.faults.stall({ all: true }),
    limits: () => {
      const s = ex.stats();
      return { messageRateViolations: s.limitViolations.messageRate, streamCountViolations: s.limitViolations.streamCount, connectionsOpened: s.connectionsOpened };
    },
    close: () => ex.close(),
  };
}

async function startBuiltin(cfg: EmulatorConfig): Promise<BenchEmulator> {
  const f = await Feeder.start({
    rateFor: cfg.rateFor ?? realisticRate,
    stampField: cfg.stampField,
    initialEvent: cfg.rateFor === undefined,
  });
  return {
    kind: 'builtin',
    wsBase: f.wsBase,
    subscribedCount: () => f.subscribedCount(),
    drop: () => f.dropAll(),
    stall: () => f.stallAll(),
    limits: () => ({
      messageRateViolations: f.counters.rateLimitCloses,
      streamCountViolations: f.counters.streamLimitCloses,
      connectionsOpened: f.counters.connectionsOpened,
    }),
    close: () => f.close(),
  };
}

export function startEmulator(kind: EmulatorKind, cfg: EmulatorConfig): Promise<BenchEmulator> {
  return kind === 'fake' ? startFake(cfg) : startBuiltin(cfg);
}

/** Whether the project's emulator can be loaded. */
export async function fakeAvailable(): Promise<string | undefined> {
  try {
    const mod = (await import('binance-stream-client/testing')) as { FakeBinance?: unknown };
    return typeof mod.FakeBinance === 'function' ? undefined : 'FakeBinance is not exported';
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}
