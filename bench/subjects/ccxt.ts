/**
 * ccxt pro (npm `ccxt`, `ccxt.pro.binance`) `watchTradesForSymbols` — `watchTrades` over many
 * symbols on one connection — pointed at the emulator by its `urls.api` override (REST for
 * `loadMarkets`, the stream URL for the socket), as test/emulator/peer-ccxt.test.ts does, with
 * `name: 'aggTrade'` so it subscribes the figure's streams. Markets: spot only (the emulator is
 * one spot market). The listener gets each trade's `info`: Binance's payload as ccxt received it,
 * after ccxt parsed it into its unified trade (part of what is measured). ccxt re-dials when the
 * next watch call follows a closed socket (its documented loop); it has no retry policy of its own
 * to report. Up to 200 symbols per call (ccxt's limit), so one call per 200 streams.
 */
import { createRequire } from 'node:module';
import { chunks, type Payload, type SubjectFactory } from './types';

interface CcxtTrade {
  info: Payload;
}
interface CcxtBinance {
  loadHttpProxyAgent(): Promise<unknown>;
  loadMarkets(): Promise<Record<string, { id: string; symbol: string }>>;
  watchTradesForSymbols(symbols: string[], since?: number, limit?: number, params?: Record<string, unknown>): Promise<CcxtTrade[]>;
  close(): Promise<void>;
  markets_by_id: Record<string, { symbol: string }[]>;
}
type CcxtCtor = new (config: Record<string, unknown>) => CcxtBinance;

// Loaded with the module, before the runner's memory baseline (as for every subject).
const ccxt = createRequire(import.meta.url)('ccxt') as { pro: { binance: CcxtCtor } };

export const createCcxt: SubjectFactory = async (ctx) => {
  const http = ctx.wsBase.replace(/^ws:/, 'http:');
  const c = new ccxt.pro.binance({
    urls: {
      api: {
        public: `${http}/api/v3`,
        private: `${http}/api/v3`,
        v1: `${http}/api/v1`,
        sapi: `${http}/sapi/v1`,
        // ccxt tells spot from futures trades by `/stream` in the URL (Binance's host stream.binance.com); the userinfo carries it.
        ws: { spot: `${ctx.wsBase.replace('ws://', 'ws://stream@')}/ws` },
      },
    },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, watchTradesForSymbols: { name: 'aggTrade' } },
  });
  const onData = ctx.onData;
  let stopped = false;
  const loops: Promise<void>[] = [];
  const loop = async (symbols: string[], first: () => void): Promise<void> => {
    let failed = false;
    while (!stopped) {
      try {
        const trades = await c.watchTradesForSymbols(symbols);
        if (failed) ctx.onSignal('open');
        failed = false;
        first();
        for (let i = 0; i < trades.length; i++) onData((trades[i] as CcxtTrade).info);
      } catch {
        if (stopped) return;
        if (!failed) ctx.onSignal('close');
        failed = true;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  };
  return {
    async start() {
      await c.loadHttpProxyAgent();
      await c.loadMarkets();
      const symbolOf = (stream: string): string => {
        const id = stream.slice(0, stream.indexOf('@')).toUpperCase();
        const m = c.markets_by_id[id]?.[0];
        if (!m) throw new Error(`bench: ccxt has no market ${id}`);
        return m.symbol;
      };
      const groups = chunks(ctx.streams.map(symbolOf), 200);
      let resolveAll: () => void = () => undefined;
      const all = new Promise<void>((r) => (resolveAll = r));
      let pending = groups.length;
      for (const g of groups) {
        let once = false;
        loops.push(
          loop(g, () => {
            if (once) return;
            once = true;
            if (--pending === 0) resolveAll();
          }),
        );
      }
      await all;
    },
    async stop() {
      stopped = true;
      await c.close().catch(() => undefined);
    },
  };
};
