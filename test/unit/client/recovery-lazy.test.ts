import { describe, expect, it } from 'vitest';
import { ClientRecovery } from '../../../src/client/recovery';
import { MARKETS } from '../../../src/core/markets';
import type { GapEvent } from '../../../src/recovery/gap';
import { SequenceStage } from '../../../src/recovery/sequence';
import { classifyStream } from '../../../src/streams/classify';
import type { StreamMessage } from '../../../src/streams/types';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function recovery() {
  const gaps: GapEvent[] = [];
  const delivered: StreamMessage[] = [];
  const r = new ClientRecovery({
    market: MARKETS.spot,
    backfill: false,
    rest: () => {
      throw new Error('no REST without backfill');
    },
    logger: silent as never,
    signal: new AbortController().signal,
    deliver: (m) => delivered.push(m),
    emitGap: (g) => gaps.push(g),
  });
  return { r, gaps, delivered };
}

const view = (name: string) => ({ name, info: classifyStream(name), group: '', messages: 1, lastMessageAt: 1, interruptions: 0, interruption: undefined });
const agg = (a: number): StreamMessage => ({ stream: 'btcusdt@aggTrade', data: { e: 'aggTrade', s: 'BTCUSDT', a }, receivedAt: 1 });

describe("ClientRecovery: a stream's sequence stage is built at its first message", () => {
  it('looks like an empty SequenceStage before, replaces itself in the chain at the first message, and tracks from there', () => {
    const { r, gaps } = recovery();
    const chain = r.stagesFor(classifyStream('btcusdt@aggTrade'), { backfill: undefined }) as ReturnType<ClientRecovery['stagesFor']> & object;
    expect(chain).toHaveLength(1);
    const lazy = chain[0]!;
    expect(lazy).not.toBeInstanceOf(SequenceStage);
    expect(lazy.name).toBe('sequence');
    expect(lazy.counters).toEqual({ gaps: 0, missed: 0, duplicates: 0 });
    expect((lazy as unknown as { position: number | undefined }).position).toBeUndefined();

    const v = view('btcusdt@aggTrade');
    expect(lazy.accept(v, agg(100))).toBe(true);
    const real = chain[0]!;
    expect(real).toBeInstanceOf(SequenceStage);
    expect((real as SequenceStage).position).toBe(101);
    expect((lazy as unknown as { position: number }).position).toBe(101);
    // The real stage from here on: a duplicate is dropped, a jump is one gap of the ids between.
    expect(real.accept(v, agg(100))).toBe(false);
    expect(real.accept(v, agg(105))).toBe(true);
    expect(gaps).toMatchObject([{ kind: 'aggTrade', fromId: 101, toId: 104, count: 4, filled: false, reason: 'backfill off' }]);
    expect(lazy.counters).toBe(real.counters);
    expect(real.counters).toEqual({ gaps: 1, missed: 4, duplicates: 1 });
  });

  it('untracked kinds get no stage', () => {
    const { r } = recovery();
    expect(r.stagesFor(classifyStream('btcusdt@bookTicker'), { backfill: undefined })).toBeUndefined();
  });
});
