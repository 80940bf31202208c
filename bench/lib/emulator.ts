/**
 * The data source of every figure: the project's emulator (FakeBinance, src/testing), in the
 * runner process (subjects run in their own processes). Full speed (`rate: Infinity`) uses
 * its flood mode (pre-built frames written straight to the socket), finite rates its 1 ms
 * scheduler, and `initialEvent` sends one event per stream on subscribe (cold start measures
 * the client, not the kline cadence).
 */
import { FakeBinance } from 'binance-stream-client/testing';
import WebSocket from 'ws';

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
  /** Upgrades beyond Binance's 300 attempts per 5 minutes per IP (the emulator counts them). */
  connectionAttemptViolations: number;
  rejected429: number;
}

export interface BenchEmulator {
  readonly wsBase: string;
  subscribedCount(): number;
  /** Abrupt drop (TCP reset, 1006) of every open connection. */
  drop(): void;
  /** Silent stall: data stops, the TCP connection stays open. */
  stall(): void;
  limits(): LimitReport;
  /** Clear faults and forget the per-IP connection-attempt counts (as if the window had passed). */
  heal(): void;
  /** The open connections: id, and when it opened on the emulator's clock (`now()`). */
  opened(): { id: number; openedAt: number }[];
  /** The emulator's clock (ms; it need not be the wall clock). */
  now(): number;
  /**
   * Subscribe every stream once from the runner and wait for one event on each, then
   * disconnect: the emulator's generators exist (and linger) and its code is warm, so the
   * first subject of a cold-start figure is not charged for the emulator's own start-up.
   */
  warm(streams: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function warmUp(wsBase: string, streams: readonly string[], timeoutMs: number): Promise<void> {
  const per = 200;
  const groups: string[][] = [];
  for (let i = 0; i < streams.length; i += per) groups.push(streams.slice(i, i + per));
  await Promise.all(
    groups.map(
      (g) =>
        new Promise<void>((resolve) => {
          const seen = new Set<string>();
          const ws = new WebSocket(`${wsBase}/stream?streams=${g.join('/')}`, { perMessageDeflate: false });
          const done = (): void => {
            clearTimeout(timer);
            ws.terminate();
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          ws.on('message', (b: Buffer) => {
            const at = b.indexOf('"stream":"');
            if (at >= 0) seen.add(b.toString('latin1', at + 10, b.indexOf('"', at + 10)));
            if (seen.size >= g.length) done();
          });
          ws.on('error', done);
        }),
    ),
  );
}

export async function startEmulator(cfg: EmulatorConfig): Promise<BenchEmulator> {
  const rateFor = cfg.rateFor;
  const ex = await FakeBinance.start({
    symbols: cfg.symbols,
    ...(rateFor ? { rates: (s: string) => rateFor(s) } : {}),
    ...(cfg.stampField ? { stampField: cfg.stampField } : {}),
    initialEvent: true,
    tickMs: 1,
    groundTruthLimit: 16,
  });
  return {
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
      return {
        messageRateViolations: s.limitViolations.messageRate,
        streamCountViolations: s.limitViolations.streamCount,
        connectionsOpened: s.connectionsOpened,
        connectionAttemptViolations: s.limitViolations.connectionAttempts,
        rejected429: s.upgradesRejected.rateLimited429,
      };
    },
    heal: () => ex.faults.heal(),
    opened: () => ex.connections().map((c) => ({ id: c.id, openedAt: c.openedAt })),
    now: () => ex.clock.now(),
    warm: (streams, timeoutMs) => warmUp(ex.urls.ws, streams, timeoutMs),
    close: () => ex.close(),
  };
}
