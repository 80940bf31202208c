/**
 * `@binance/spot` (Binance's official connector) `WebsocketStreams`, pointed at the
 * emulator by `configurationWebsocketStreams.wsURL`. Its typed per-stream handlers
 * (`conn.aggTrade({ symbol })`, `conn.kline(...)`, `conn.bookTicker(...)`) deliver the payload. Streams are
 * SUBSCRIBEd once per connection in one frame (one frame per handler would trip the
 * 5 msgs/s limit); above 1024 streams it runs in its `pool` mode.
 */
import { createRequire } from 'node:module';
import type { Payload, SubjectFactory } from './types';

interface StreamHandle {
  on(event: 'message', cb: (data: unknown) => void): void;
}
interface SpotConnection {
  on(event: string, listener: (...a: unknown[]) => void): void;
  subscribe(streams: string[]): void;
  disconnect(): Promise<void>;
  aggTrade(p: { symbol: string }): StreamHandle;
  trade(p: { symbol: string }): StreamHandle;
  kline(p: { symbol: string; interval: string }): StreamHandle;
  diffBookDepth(p: { symbol: string; updateSpeed?: string }): StreamHandle;
  bookTicker(p: { symbol: string }): StreamHandle;
}
interface SpotModule {
  SpotWebsocketStreams: {
    WebsocketStreams: new (configuration: Record<string, unknown>) => {
      connect(o: { stream?: string[]; mode?: 'single' | 'pool'; poolSize?: number }): Promise<SpotConnection>;
    };
  };
}
interface CommonModule {
  Logger: { getInstance(): { log: (...a: unknown[]) => void } };
}

// Loaded with the module, before the runner's memory baseline (as for every subject).
const require = createRequire(import.meta.url);
const spot = require('@binance/spot') as SpotModule;
const common = require('@binance/common') as CommonModule;

export const createBinanceSpot: SubjectFactory = async (ctx) => {
  common.Logger.getInstance().log = () => undefined;
  const onData = ctx.onData;
  const poolSize = Math.max(1, Math.ceil(ctx.streams.length / ctx.maxStreamsPerConnection));
  const mode = poolSize > 1 ? 'pool' : 'single';
  const api = new spot.SpotWebsocketStreams.WebsocketStreams({ wsURL: ctx.wsBase, mode, poolSize });
  let conn: SpotConnection | undefined;
  return {
    async start() {
      conn = await api.connect({ mode, poolSize });
      // It re-dials after its fixed reconnectDelay (default 5000 ms) and emits nothing else.
      conn.on('close', () => ctx.onSignal('close', { delayMs: 5000 }));
      conn.on('open', () => ctx.onSignal('open'));
      conn.on('error', () => undefined);
      conn.subscribe([...ctx.streams]);
      const cb = (d: unknown): void => onData(d as Payload);
      for (const s of ctx.streams) {
        const at = s.indexOf('@');
        const symbol = s.slice(0, at);
        const kind = s.slice(at + 1);
        let h: StreamHandle;
        if (kind === 'aggTrade') h = conn.aggTrade({ symbol });
        else if (kind === 'trade') h = conn.trade({ symbol });
        else if (kind.startsWith('kline_')) h = conn.kline({ symbol, interval: kind.slice(6) });
        else if (kind.startsWith('depth@')) h = conn.diffBookDepth({ symbol, updateSpeed: kind.slice(6) });
        else if (kind === 'bookTicker') h = conn.bookTicker({ symbol });
        else throw new Error(`bench: no @binance/spot handler for ${s}`);
        h.on('message', cb);
      }
    },
    async stop() {
      await conn?.disconnect();
    },
  };
};
