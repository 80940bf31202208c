/**
 * The client's recovery stages: sequence tracking for every trackable stream (aggTrade,
 * trade, diff depth, klines; always on), each with a gap handler that reports a gap as a
 * `gap` event or, with backfill on (client-wide `backfill`, or per `subscribe()`), fills
 * it from REST first (recovery/backfill.ts) through one REST client for the market,
 * created on first use (it shares the process-wide REST weight budget).
 */
import type { Logger } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import type { AbortSignalLike } from '../core/web-types';
import type { BackfillRest } from '../recovery/backfill';
import { GapFiller } from '../recovery/backfill';
import type { GapEvent } from '../recovery/gap';
import type { GapHandler, SequenceCounters } from '../recovery/sequence';
import { SequenceStage } from '../recovery/sequence';
import type { RecoveryStage, StageOptions, StreamView } from '../recovery/stage';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';
import type { EmitFn } from './emitter';
import type { ResolvedClientConfig } from './resolve';

export interface ClientRecoveryOptions {
  readonly market: MarketProfile;
  /** The client-wide `backfill` option. */
  readonly backfill: boolean;
  /** Builds the REST client on first use. */
  readonly rest: () => BackfillRest;
  readonly logger: Logger;
  /** Aborted when the client stops (every fill ends). */
  readonly signal: AbortSignalLike;
  deliver(message: StreamMessage, info: StreamInfo): void;
  emitGap(gap: GapEvent): void;
}

const TRACKED = new Set(['aggTrade', 'trade', 'depth', 'kline', 'continuousKline']);

/** The client's recovery, from its resolved config (the REST client is built on first use). */
export function clientRecovery(config: ResolvedClientConfig, deliver: ClientRecoveryOptions['deliver'], emit: EmitFn, signal: AbortSignalLike): ClientRecovery {
  return new ClientRecovery({
    market: config.market,
    backfill: config.backfill,
    rest: () => config.rest as unknown as BackfillRest,
    logger: config.logger,
    signal,
    deliver,
    emitGap: (gap) => emit('gap', gap),
  });
}

export class ClientRecovery {
  private rest: BackfillRest | undefined;

  constructor(private readonly o: ClientRecoveryOptions) {}

  /** The stages of one stream (called once, at subscribe time). */
  stagesFor(info: StreamInfo, options: StageOptions): readonly RecoveryStage[] | undefined {
    if (!TRACKED.has(info.kind)) return undefined;
    const o = this.o;
    const backfill = options.backfill ?? o.backfill;
    // A one-element literal (exact capacity; push() would reserve 17 slots), then the stage that replaces itself in it.
    const chain: RecoveryStage[] = [NO_STAGE];
    chain[0] = new LazySequenceStage(this, info, backfill, chain);
    return chain;
  }

  /** The stream's SequenceStage, built at its first message (./recovery.ts LazySequenceStage). */
  sequence(info: StreamInfo, backfill: boolean): SequenceStage {
    const kind = info.kind === 'continuousKline' ? 'kline' : (info.kind as 'aggTrade' | 'trade' | 'depth' | 'kline');
    return new SequenceStage(kind, this.o.market.futures, info.stream, new LazyGapFiller(this, info, backfill));
  }

  /** The stream's GapFiller, built at its first gap (a filler holds nothing before one). */
  filler(info: StreamInfo, backfill: boolean): GapFiller {
    const o = this.o;
    return new GapFiller({
      stream: info.stream,
      symbol: info.symbol?.toUpperCase(),
      deliver: (m) => o.deliver(m, info),
      emit: (gap) => this.report(gap),
      rest: backfill ? (this.rest ??= o.rest()) : undefined,
      signal: o.signal,
    });
  }

  private report(gap: GapEvent): void {
    const { stream, kind, cause, filled, reason } = gap;
    const fields = { stream, kind, cause, filled, reason, ...range(gap) };
    if (filled) this.o.logger.info(fields, 'gap filled from REST');
    else this.o.logger.warn(fields, `data lost: ${describeGap(gap)}`);
    this.o.emitGap(gap);
  }
}

const NO_COUNTS: SequenceCounters = Object.freeze({ gaps: 0, missed: 0, duplicates: 0 });
const NO_STAGE: RecoveryStage = Object.freeze({ name: 'none', accept: () => true });

/**
 * A stream's sequence stage until its first message: then it builds the real SequenceStage
 * and puts it in its own place in the stream's chain (no indirection from then on). Before
 * a first message a SequenceStage has nothing to compare (no position, zero counters), so
 * one built then behaves the same; an idle stream keeps five fields instead of the stage,
 * its counters and its gap handler.
 */
class LazySequenceStage implements RecoveryStage {
  private real: SequenceStage | undefined = undefined;

  constructor(
    private readonly recovery: ClientRecovery,
    private readonly info: StreamInfo,
    private readonly backfill: boolean,
    private readonly chain: RecoveryStage[],
  ) {}

  get name(): string {
    return 'sequence';
  }

  get counters(): Readonly<SequenceCounters> {
    return this.real?.counters ?? NO_COUNTS;
  }

  /** As SequenceStage's (undefined before the first message). */
  get position(): number | undefined {
    return this.real?.position;
  }

  accept(stream: StreamView, message: StreamMessage): boolean {
    let real = this.real;
    if (real === undefined) {
      real = this.real = this.recovery.sequence(this.info, this.backfill);
      const i = this.chain.indexOf(this);
      if (i >= 0) this.chain[i] = real;
    }
    return real.accept(stream, message);
  }
}

/**
 * A stream's gap handler until its first gap: three fields instead of a GapFiller with its
 * options, two closures and an upper-case symbol per stream (most streams never see a gap).
 * A GapFiller holds live data only after a gap, so one built then behaves the same.
 */
class LazyGapFiller implements GapHandler {
  private real: GapFiller | undefined = undefined;

  constructor(
    private readonly recovery: ClientRecovery,
    private readonly info: StreamInfo,
    private readonly backfill: boolean,
  ) {}

  gap(gap: GapEvent, message: StreamMessage): boolean {
    return (this.real ??= this.recovery.filler(this.info, this.backfill)).gap(gap, message);
  }

  holding(message: StreamMessage): boolean {
    return this.real !== undefined && this.real.holding(message);
  }
}

function range(g: GapEvent): Record<string, number | undefined> {
  if (g.kind === 'depth') return { lastUpdateId: g.lastUpdateId, nextFirstUpdateId: g.nextFirstUpdateId };
  if (g.kind === 'kline') return { fromOpenTime: g.fromOpenTime, toOpenTime: g.toOpenTime, count: g.count };
  return { fromId: g.fromId, toId: g.toId, count: g.count };
}

/** `1,200 aggTrades (ids 5001–6200) after a reconnect (backfill off)`. */
export function describeGap(g: GapEvent): string {
  const why = `after a ${g.cause}${g.reason ? ` (${g.reason})` : ''}`;
  if (g.kind === 'depth') return `diff-depth updates after ${g.lastUpdateId} up to ${g.nextFirstUpdateId} ${why}`;
  if (g.kind === 'kline') return `${g.count} closed ${g.interval} candle(s) from ${new Date(g.fromOpenTime).toISOString()} ${why}`;
  return `${g.count} ${g.kind}${g.count === 1 ? '' : 's'} (ids ${g.fromId}–${g.toId}) ${why}`;
}
