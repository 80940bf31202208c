/**
 * npm `binance` (tiagosiebler) `WebsocketClient`, pointed at the emulator by its `wsUrl`
 * option. Default options (beautify off: the `message` event carries Binance's payload).
 * It keeps one connection per wsKey, so more than 1024 streams use several clients, as
 * its own warning advises.
 */
import { createRequire } from 'node:module';
import { chunks, type Payload, type SubjectFactory } from './types';

interface BinanceWsClient {
  on(event: string, listener: (e: unknown) => void): void;
  subscribe(topics: string[], wsKey: string): Promise<unknown>;
  closeAll(force?: boolean): void;
}
type BinanceWsCtor = new (options: Record<string, unknown>, logger?: Record<string, (...a: unknown[]) => void>) => BinanceWsClient;

// Loaded with the module, before the runner's memory baseline (as for every subject).
const { WebsocketClient } = createRequire(import.meta.url)('binance') as { WebsocketClient: BinanceWsCtor };

export const createBinancePkg: SubjectFactory = async (ctx) => {
  const quiet = { trace: () => undefined, info: () => undefined, error: () => undefined };
  const onData = ctx.onData;
  const clients = chunks(ctx.streams, ctx.maxStreamsPerConnection).map((topics) => {
    const c = new WebsocketClient({ wsUrl: ctx.wsBase }, quiet);
    c.on('message', (e) => onData(e as Payload));
    // Its fixed respawn delay (option reconnectTimeout, default 500 ms).
    const delayMs = (c as unknown as { options?: { reconnectTimeout?: number } }).options?.reconnectTimeout;
    c.on('reconnecting', () => ctx.onSignal('reconnecting', { delayMs }));
    c.on('close', () => ctx.onSignal('close'));
    c.on('open', () => ctx.onSignal('open'));
    c.on('exception', () => undefined);
    return { c, topics };
  });
  return {
    async start() {
      await Promise.all(clients.map(({ c, topics }) => c.subscribe(topics, 'main')));
    },
    async stop() {
      for (const { c } of clients) c.closeAll(true);
    },
  };
};
