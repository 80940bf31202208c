import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResilientSocketLike } from '../../../src/connection/types';
import { MARKETS } from '../../../src/core/markets';
import { Placement } from '../../../src/pool/placement';
import { klines, makePool, T0 } from './pool-harness';

const socket = (id: string) => ({ id }) as unknown as ResilientSocketLike;

describe('Placement (pure packing plan)', () => {
  it('plans new slots by cap and creates nothing', () => {
    const p = new Placement(MARKETS.spot, 1024, new Map());
    const plan = p.plan('', klines(2500));
    expect(plan.fill).toEqual([]);
    expect(plan.open.map((s) => [s.bucket, s.cap, s.streams.length])).toEqual([
      ['|', 1024, 1024],
      ['|', 1024, 1024],
      ['|', 1024, 452],
    ]);
    expect(p.slots.size).toBe(0);
  });

  it('fills slots of the same bucket with room before planning a new one, in creation order', () => {
    const p = new Placement(MARKETS.spot, 3, new Map([['fast', 1]]));
    const a = p.add(p.plan('', ['a@trade', 'b@trade']).open[0]!, socket('s1'), 0);
    const f = p.add(p.plan('fast', ['x@trade']).open[0]!, socket('s2'), 0);
    const plan = p.plan('', ['c@trade', 'd@trade']);
    expect(plan.fill).toEqual([{ slot: a, streams: ['c@trade'] }]);
    expect(plan.open.map((s) => s.streams)).toEqual([['d@trade']]);
    // A group's slots are its own: the full 'fast' slot gets no default stream, and 'fast' has its own cap.
    expect(p.plan('fast', ['y@trade']).fill).toEqual([]);
    expect(p.plan('fast', ['y@trade', 'z@trade']).open.map((s) => [s.group, s.cap, s.streams])).toEqual([
      ['fast', 1, ['y@trade']],
      ['fast', 1, ['z@trade']],
    ]);
    expect(p.slotOf('x@trade')).toBe(f);
  });

  it('splits USD-M streams by route into separate buckets', () => {
    const p = new Placement(MARKETS.usdm, 200, new Map());
    const plan = p.plan('', ['a@depth@100ms', 'a@aggTrade', 'b@bookTicker', 'a@markPrice']);
    expect(plan.open.map((s) => [s.route, s.streams])).toEqual([
      ['public', ['a@depth@100ms', 'b@bookTicker']],
      ['market', ['a@aggTrade', 'a@markPrice']],
    ]);
  });

  it('release() reports streams per slot; remove() forgets a slot; planUnplaced() re-plans group by group', () => {
    const p = new Placement(MARKETS.spot, 2, new Map());
    const s1 = p.add(p.plan('', ['a@trade', 'b@trade']).open[0]!, socket('s1'), 0);
    const s2 = p.add(p.plan('g', ['c@trade']).open[0]!, socket('s2'), 0);
    expect([...p.release(['a@trade', 'nope@trade', 'c@trade'])]).toEqual([
      [s1, ['a@trade']],
      [s2, ['c@trade']],
    ]);
    expect([...s1.streams]).toEqual(['b@trade']);
    p.remove(s1);
    expect(p.slotOf('b@trade')).toBeUndefined();
    const plans = p.planUnplaced([
      { name: 'b@trade', group: '' },
      { name: 'c@trade', group: 'g' },
      { name: 'd@trade', group: '' },
    ]);
    // s2 (group g) is still there, empty: c goes back on it.
    expect(plans.map((pl) => [pl.fill.map((f) => f.streams), pl.open.map((o) => o.streams)])).toEqual([
      [[], [['b@trade', 'd@trade']]],
      [[['c@trade']], []],
    ]);
    expect(p.slotWithSocket(s2.socket)).toBe(s2);
  });
});

describe('StreamPool packing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts 280 klines on ONE spot socket and 2,500 streams on three', () => {
    const a = makePool();
    a.pool.subscribe(klines(280));
    expect(a.sockets).toHaveLength(1);
    expect(a.sockets[0]!.streams.size).toBe(280);
    const b = makePool();
    b.pool.subscribe(klines(2500));
    expect(b.sockets.map((s) => s.streams.size)).toEqual([1024, 1024, 452]);
  });

  it('splits USD-M streams by route, each socket dialling its route URL with combined framing and the pool hook', () => {
    const { pool, sockets } = makePool({ market: MARKETS.usdm });
    const depth = Array.from({ length: 1100 }, (_, i) => `s${i}usdt@depth@100ms`);
    const agg = Array.from({ length: 150 }, (_, i) => `s${i}usdt@aggTrade`);
    pool.subscribe([...depth, ...agg]);
    expect(sockets.map((s) => [s.id, s.streams.size])).toEqual([
      ['usdm-public-1', 1024],
      ['usdm-public-2', 76],
      ['usdm-market-3', 150],
    ]);
    const url = sockets[0]!.options.url({ streams: ['a@depth', 'b@depth'], attempt: 0, signal: new AbortController().signal });
    expect(url).toBe('ws://127.0.0.1:1/public/stream?streams=a@depth/b@depth');
    expect(sockets[2]!.options.url({ streams: ['x@aggTrade'], attempt: 0, signal: new AbortController().signal })).toBe('ws://127.0.0.1:1/market/stream?streams=x@aggTrade');
    // Combined framing is the socket default (no `framing`); serverShutdown goes to the pool's handover hook.
    expect(sockets.every((s) => s.options.framing === undefined && typeof s.options.onServerShutdown === 'function')).toBe(true);
  });

  it('gives a group its own sockets and its own cap', () => {
    const { pool, sockets } = makePool({ maxStreamsPerConnection: 100, groups: { fast: { maxStreamsPerConnection: 1 } } });
    pool.subscribe(klines(50));
    pool.subscribe(['btcusdt@bookTicker', 'ethusdt@bookTicker'], { group: 'fast' });
    expect(sockets.map((s) => [s.id, s.streams.size])).toEqual([
      ['spot-1', 50],
      ['spot-fast-2', 1],
      ['spot-fast-3', 1],
    ]);
  });

  it('duplicate subscribe and unknown unsubscribe are no-ops; names are normalised', () => {
    const { pool, sockets } = makePool();
    pool.subscribe(['BTCUSDT@aggTrade', 'btcusdt@aggTrade']);
    pool.subscribe(['btcusdt@aggTrade']);
    pool.subscribe(['btcusdt@aggTrade'], { group: 'other' }); // already in the pool: stays where it is
    pool.unsubscribe(['nothere@trade']);
    expect(pool.size).toBe(1);
    expect(pool.has('btcusdt@aggTrade')).toBe(true);
    expect(pool.streams()).toEqual(['btcusdt@aggTrade']);
    expect(sockets).toHaveLength(1);
    expect([...sockets[0]!.streams]).toEqual(['btcusdt@aggTrade']);
  });

  it('never creates a socket without streams; start() of an empty pool resolves at once', async () => {
    const { pool, sockets } = makePool();
    await pool.start();
    expect(sockets).toHaveLength(0);
    await pool.stop();
    expect(pool.timersArmed).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
