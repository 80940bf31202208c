/**
 * binance-stream-client, typed path: one listener per typed event (`aggTrade`, `kline`,
 * `depthUpdate`…), defaults as shipped (dedup and gap tracking on), pointed at the
 * emulator by `baseUrl`.
 */
import { BinanceStreamClient } from 'binance-stream-client';
import type { Payload, SubjectFactory } from './types';

export const createOurs: SubjectFactory = async (ctx) => {
  const client = new BinanceStreamClient({ baseUrl: ctx.wsBase });
  const onData = ctx.onData as (d: unknown) => void;
  const kinds = new Set(ctx.streams.map((s) => s.slice(s.indexOf('@') + 1)));
  if (kinds.has('aggTrade')) client.on('aggTrade', onData);
  if (kinds.has('trade')) client.on('trade', onData);
  if ([...kinds].some((k) => k.startsWith('kline_'))) client.on('kline', onData);
  if ([...kinds].some((k) => k.startsWith('depth@') || k === 'depth')) client.on('depth', onData);
  if (kinds.has('bookTicker')) client.on('bookTicker', onData);
  client.on('stale', (e) => ctx.onSignal('stale', { scope: e.scope }));
  client.on('reconnecting', (e) => ctx.onSignal('reconnecting', { delayMs: e.delayMs }));
  client.on('close', () => ctx.onSignal('close'));
  client.on('open', () => ctx.onSignal('open'));
  client.on('error', () => undefined);
  client.subscribe(ctx.streams);
  return {
    async start() {
      await client.start();
    },
    async stop() {
      await client.stop();
    },
  };
};

export type { Payload };
