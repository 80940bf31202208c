/**
 * Gap handling per stream: report, or (backfill on) fill from REST before live data resumes.
 *
 * With backfill, a gap in an aggTrade or kline stream holds the live message that revealed
 * it, and every later one of that stream, in arrival order, in a bounded buffer; the
 * missing events are fetched (aggTrades `fromId` pages of 1,000 up to the live stream's
 * first id; klines `startTime` pages for every candle that closed in the gap), delivered
 * through the same typed events marked `backfilled: true`, then the held live messages
 * follow. A gap revealed while another is being filled waits its turn behind the held
 * messages before it, so the stream stays in order. The `gap` event goes out when the
 * outcome is known: `filled: true`, or `filled: false` with why (REST refused, nothing kept
 * that far back, buffer limit, stopped). Trades (`@trade`) and diff depth cannot be
 * backfilled here (historicalTrades needs an API key; a local order book resyncs itself):
 * their gaps are reported at once.
 */
import type { AbortSignalLike } from '../core/web-types';
import { describeError } from '../core/errors';
import type { StreamMessage } from '../streams/types';
import type { GapEvent, KlineGap, TradeGap } from './gap';
import type { AggTradeRow, KlineRow, RestMessage } from './rest-payloads';

export type { AggTradeRow, KlineRow };
import { aggTradeFromRest, klineFromRest } from './rest-payloads';
import type { GapHandler } from './sequence';

/** The REST calls a backfill makes (rest/market-rest.ts `MarketRest` provides them). */
export interface BackfillRest {
  aggTrades(q: { symbol: string; fromId: number; limit: number }, o: { owner: string; signal: AbortSignalLike }): Promise<readonly AggTradeRow[]>;
  klines(q: { symbol: string; interval: string; startTime: number; endTime: number; limit: number }, o: { owner: string; signal: AbortSignalLike }): Promise<readonly KlineRow[]>;
}

export interface GapHandlerOptions {
  readonly stream: string;
  /** Upper-case symbol for REST. */
  readonly symbol: string | undefined;
  /** Deliver a message (backfilled or held) to the listeners, as the router would. */
  deliver(message: StreamMessage): void;
  /** The outcome, as a `gap` event. */
  emit(gap: GapEvent): void;
  /** Fill from REST; undefined: report only. */
  readonly rest?: BackfillRest | undefined;
  /** Live messages held while filling, at most. @default 20_000 */
  readonly maxHeld?: number | undefined;
  /** Aborts every fill (client stopped). */
  readonly signal?: AbortSignalLike | undefined;
  readonly now?: (() => number) | undefined;
}

type Item = { gap: GapEvent } | { message: StreamMessage };

const PAGE = 1_000;

export class GapFiller implements GapHandler {
  private held: Item[] | undefined;
  /** The item being worked on. */
  private pos = 0;
  private heldMessages = 0;
  /** Bumped when the buffer overflows: a fill of an older generation drops its results. */
  private gen = 0;
  private readonly maxHeld: number;

  constructor(private readonly o: GapHandlerOptions) {
    this.maxHeld = o.maxHeld ?? 20_000;
  }

  holding(message: StreamMessage): boolean {
    const held = this.held;
    if (held === undefined) return false;
    if (this.heldMessages >= this.maxHeld) this.overflow();
    if (this.held === undefined) return false;
    held.push({ message });
    this.heldMessages++;
    return true;
  }

  gap(gap: GapEvent, message: StreamMessage): boolean {
    const fillable = this.o.rest !== undefined && this.o.symbol !== undefined && (gap.kind === 'aggTrade' || gap.kind === 'kline');
    if (!fillable && this.held === undefined) {
      this.o.emit({ ...gap, reason: this.o.rest === undefined ? 'backfill off' : 'not backfillable' });
      return true;
    }
    const start = this.held === undefined;
    if (start) {
      this.held = [];
      this.pos = 0;
    }
    (this.held as Item[]).push({ gap }, { message });
    this.heldMessages++;
    if (start) void this.drain(this.held as Item[]);
    return false;
  }

  /** Work through the held items in order: fill each gap, deliver each message. */
  private async drain(held: Item[]): Promise<void> {
    for (; this.pos < held.length; this.pos++) {
      const item = held[this.pos] as Item;
      if ('message' in item) {
        this.heldMessages--;
        this.o.deliver(item.message);
        continue;
      }
      const gen = this.gen;
      await this.fill(item.gap, gen);
      if (this.gen !== gen) return; // overflowed while filling: everything was delivered already
    }
    this.held = undefined;
    this.heldMessages = 0;
  }

  private async fill(g: GapEvent, gen: number): Promise<void> {
    const signal = this.o.signal ?? new AbortController().signal;
    const delivered = { n: 0, gen };
    let outcome: { filled: boolean; reason?: string };
    try {
      if (signal.aborted) throw new Error('stopped');
      outcome =
        g.kind === 'aggTrade'
          ? await this.fillTrades(g as TradeGap, signal, delivered)
          : g.kind === 'kline'
            ? await this.fillKlines(g, signal, delivered)
            : { filled: false, reason: 'not backfillable' };
    } catch (err) {
      outcome = { filled: false, reason: `REST backfill failed after ${delivered.n} of the missing events: ${describeError(err)}` };
    }
    if (this.gen !== gen) return;
    this.o.emit({ ...g, filled: outcome.filled, ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}) });
  }

  private async fillTrades(g: TradeGap, signal: AbortSignalLike, delivered: { n: number; gen: number }): Promise<{ filled: boolean; reason?: string }> {
    const rest = this.o.rest as BackfillRest;
    const symbol = this.o.symbol as string;
    let fromId = g.fromId;
    while (fromId <= g.toId) {
      const rows = await rest.aggTrades({ symbol, fromId, limit: PAGE }, { owner: g.stream, signal });
      if (this.gen !== delivered.gen) return { filled: false };
      let last = fromId - 1;
      for (const r of rows) {
        if (r.a < fromId) continue;
        if (r.a > g.toId) break;
        this.o.deliver(tradeMessage(g.stream, symbol, r));
        delivered.n++;
        last = r.a;
      }
      if (last < fromId) return { filled: false, reason: `REST has no aggTrades from id ${fromId} (older than Binance keeps, or not yet visible)` };
      fromId = last + 1;
    }
    return delivered.n === g.count ? { filled: true } : { filled: false, reason: `REST returned ${delivered.n} of ${g.count} missing aggTrades` };
  }

  private async fillKlines(g: KlineGap, signal: AbortSignalLike, delivered: { n: number; gen: number }): Promise<{ filled: boolean; reason?: string }> {
    const rest = this.o.rest as BackfillRest;
    const symbol = this.o.symbol as string;
    let start = g.fromOpenTime;
    while (start <= g.toOpenTime) {
      const rows = await rest.klines({ symbol, interval: g.interval, startTime: start, endTime: g.toOpenTime, limit: PAGE }, { owner: g.stream, signal });
      if (this.gen !== delivered.gen) return { filled: false };
      let last = start - 1;
      for (const r of rows) {
        if (r[0] < start || r[0] > g.toOpenTime) continue;
        this.o.deliver(klineMessage(g.stream, symbol, g.interval, r));
        delivered.n++;
        last = r[0];
      }
      if (last < start) break;
      start = last + 1;
    }
    return delivered.n === g.count ? { filled: true } : { filled: false, reason: `REST returned ${delivered.n} of ${g.count} closed candles` };
  }

  /** The buffer is full: deliver what is still held, in order, and report the gaps not filled yet (the one being filled included). */
  private overflow(): void {
    const held = this.held;
    if (held === undefined) return;
    this.gen++;
    this.held = undefined;
    this.heldMessages = 0;
    for (let i = this.pos; i < held.length; i++) {
      const item = held[i] as Item;
      if ('message' in item) this.o.deliver(item.message);
      else this.o.emit({ ...item.gap, reason: `buffer limit: ${this.maxHeld} live messages could not wait for the backfill` });
    }
  }
}

function tradeMessage(stream: string, symbol: string, r: AggTradeRow): RestMessage {
  return { ...aggTradeFromRest(stream, symbol, r, Date.now()), backfilled: true };
}

function klineMessage(stream: string, symbol: string, interval: string, r: KlineRow): RestMessage {
  return { ...klineFromRest(stream, symbol, interval, r, Date.now(), true), backfilled: true };
}
