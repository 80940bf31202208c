/**
 * binance-stream-client, typed path: one listener per typed event (`aggTrade`, `kline`,
 * `depthUpdate`…), defaults as shipped (dedup and gap tracking on), pointed at the
 * emulator by `baseUrl`.
 */
import { BinanceStreamClient } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import type { Payload, SubjectFactory } from './types';

/**
 * The mass drop's budget: its shipped defaults, on a clock on which every dial of the start-up
 * happens one 5-minute window after the previous one (the connections count as up for longer than
 * the window); after start() the clock runs at real speed again, a window past the last of them.
 */
function setupOutsideWindow(): { budget: ConnectionBudget; started: () => void } {
  const windowMs = 300_000;
  let setup = true;
  let offset = 0;
  const budget = new ConnectionBudget({
    now: () => {
      if (setup) offset += windowMs + 1;
      return Date.now() + offset;
    },
  });
  return {
    budget,
    started: () => {
      offset += windowMs + 1;
      setup = false;
    },
  };
}

export const createOurs: SubjectFactory = async (ctx) => {
  const mass = ctx.setupOutsideWindow ? setupOutsideWindow() : undefined;
  const client = new BinanceStreamClient({
    baseUrl: ctx.wsBase,
    ...(ctx.maxStreamsPerConnection < 1024 ? { maxStreamsPerConnection: ctx.maxStreamsPerConnection } : {}),
    ...(mass ? { connectionBudget: mass.budget } : {}),
  });
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
      mass?.started();
    },
    async stop() {
      await client.stop();
    },
  };
};

export type { Payload };
