/**
 * Two short "never deaf" scenes on the emulator: a connection whose retry policy gave up, revived by
 * `reconnect()`; and one stream silenced on a busy connection, escalated and restored. Each scene stops
 * what it started, also when it fails or is interrupted (Ctrl-C).
 */
import WebSocket from 'ws';
import { BinanceStreamClient, ConstantBackoff, streams as S, type Logger, type MarketProfile } from 'binance-stream-client';
import { StreamPool } from 'binance-stream-client/advanced';
import type { FakeBinance } from 'binance-stream-client/testing';

export interface SceneContext {
  fake: FakeBinance;
  market: MarketProfile;
  probe: string;
  first: string;
  logger: Logger;
  /** True once the demo was interrupted: the scene ends early. */
  interrupted: () => boolean;
}

async function until(what: string, ok: () => boolean, interrupted: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 20))) {
    if (interrupted()) throw new Error(`interrupted before ${what}`);
    if (Date.now() > end) throw new Error(`no ${what} within 10 s`);
  }
}

async function revivedScene({ fake, probe, logger, interrupted }: SceneContext): Promise<string> {
  const c = new BinanceStreamClient({ ...fake.clientOptions(), logger, retryPolicy: new ConstantBackoff({ delayMs: 50, maxRetries: 1 }) });
  try {
    fake.faults.heal(); // nothing left over from the fault script
    c.subscribe(probe);
    await c.start();
    fake.faults.rejectUpgrades({ status: 503 });
    fake.faults.close({ stream: probe }, { code: 1011 });
    await until('give-up', () => c.health().down === 1, interrupted);
    const downAt = Date.now();
    fake.faults.heal();
    c.reconnect('demo: revive');
    await until('revival', () => c.health().live === 1, interrupted);
    return `gave up (maxRetries 1) → health ${probe}: down → reconnect() → live again after ${Date.now() - downAt} ms`;
  } finally {
    fake.faults.heal();
    await c.stop();
  }
}

async function silencedScene({ fake, market, probe, first, interrupted }: SceneContext): Promise<string> {
  // One stream goes silent while its connection stays busy (as a Binance-side stall of one stream would).
  const muted = new Set([probe]);
  type Factory = NonNullable<ConstructorParameters<typeof StreamPool>[0]['webSocketFactory']>;
  const factory: Factory = (url) => {
    const ws = new WebSocket(url);
    const emit = ws.emit.bind(ws) as (e: string | symbol, ...a: unknown[]) => boolean;
    const mutedFrame = (a: unknown[]) => [...muted].some((m) => String(a[0]).includes(`"stream":"${m}"`));
    ws.emit = ((e: string | symbol, ...a: unknown[]) => (e === 'message' && mutedFrame(a) ? false : emit(e, ...a))) as typeof ws.emit;
    return ws as unknown as ReturnType<Factory>;
  };
  const steps: string[] = [];
  const t = Date.now();
  const pool = new StreamPool({ market, baseUrl: fake.urls.ws, sink: () => {}, webSocketFactory: factory, streamStaleAfterMs: 500, sweepIntervalMs: 100 });
  try {
    pool.on('stale', (e) => e.scope === 'stream' && steps.push(e.action));
    pool.on('streamDown', () => steps.push(`streamDown (${((Date.now() - t) / 1000).toFixed(1)} s)`));
    pool.on('streamRestored', () => steps.push(`streamRestored (${((Date.now() - t) / 1000).toFixed(1)} s)`));
    pool.subscribe([probe, S.bookTicker(first), S.aggTrade(first)]);
    await pool.start();
    await until('streamDown', () => pool.health().down === 1, interrupted);
    muted.clear();
    await until('streamRestored', () => pool.health().live === 3, interrupted);
    return `${probe} silenced on a busy connection: ${steps.join(' → ')}`;
  } finally {
    await pool.stop();
  }
}

/** Runs both scenes; a failed or interrupted scene reports why instead of its result. */
export async function neverDeaf(ctx: SceneContext): Promise<string[]> {
  const out: string[] = [];
  for (const [name, scene] of [
    ['give-up and revival', revivedScene],
    ['one silenced stream', silencedScene],
  ] as const) {
    if (ctx.interrupted()) break;
    try {
      out.push(await scene(ctx));
    } catch (err) {
      out.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}
