import { describe, expect, it } from 'vitest';
import type { ResilientSocketLike } from '../../../src/connection/types';
import { StreamRouter } from '../../../src/pool/router';
import type { Handover } from '../../../src/pool/stream-state';
import { StreamState } from '../../../src/pool/stream-state';
import { classifyStream } from '../../../src/streams/classify';
import type { StreamMessage } from '../../../src/streams/types';

const A = { id: 'old' } as unknown as ResilientSocketLike;
const B = { id: 'new' } as unknown as ResilientSocketLike;
const C = { id: 'other' } as unknown as ResilientSocketLike;

function setup(stream = 'btcusdt@aggTrade') {
  const out: number[] = [];
  const router = new StreamRouter((m) => out.push((m.data as { a: number }).a));
  const st = new StreamState(stream, classifyStream(stream), '', 0, undefined);
  st.primary = A;
  router.add(st);
  let switched = 0;
  const h: Handover = { from: A, to: B, pending: 0, onAllSwitched: () => switched++ };
  const msg = (a: number, E = 1000 + a): StreamMessage => ({ stream, data: { e: 'aggTrade', E, a }, receivedAt: 2000 + a });
  return { router, st, out, h, msg, switched: () => switched };
}

describe('StreamRouter', () => {
  it('delivers in order with counters and lag, drops unknown and foreign messages', () => {
    const { router, st, out, msg } = setup();
    router.route(msg(1), A);
    router.route(msg(2), A);
    router.route({ stream: 'nope@trade', data: {}, receivedAt: 0 }, A);
    router.route(msg(3), C);
    expect(out).toEqual([1, 2]);
    expect(st.messages).toBe(2);
    expect(st.lastMessageAt).toBe(2002);
    expect(st.lagMs).toBe(1000);
    expect(router.counters).toMatchObject({ unknownDropped: 1, foreignDropped: 1 });
  });

  it('handover, replacement behind the old socket: exactly once, in order', () => {
    const { router, st, out, h, msg, switched } = setup();
    router.route(msg(1), A);
    router.beginHandover([st], h);
    router.route(msg(2), A);
    router.route(msg(3), A);
    router.route(msg(2), B); // behind: switch now, duplicate dropped
    router.route(msg(4), A); // old socket's late frame: foreign now
    router.route(msg(3), B);
    router.route(msg(4), B);
    router.route(msg(5), B);
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(st.primary).toBe(B);
    expect(switched()).toBe(1);
    expect(st.filtering).toBe(false);
  });

  it('handover, replacement ahead of a backlogged old socket: the backlog is not lost', () => {
    const { router, st, out, h, msg } = setup();
    router.beginHandover([st], h);
    router.route(msg(10), A);
    // The new socket runs ahead while the old one still has 11..14 queued.
    router.route(msg(13), B);
    router.route(msg(14), B);
    router.route(msg(15), B);
    router.route(msg(11), A);
    router.route(msg(12), A);
    router.route(msg(13), A); // reaches the replacement's first held frame → switch, flush 14, 15
    router.route(msg(14), A); // late old frames: ignored
    router.route(msg(16), B);
    expect(out).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(st.primary).toBe(B);
  });

  it('completeHandover flushes held messages of streams the old socket never caught up on', () => {
    const { router, st, out, h, msg, switched } = setup();
    router.beginHandover([st], h);
    router.route(msg(20), B);
    router.route(msg(21), B);
    router.completeHandover(h);
    router.route(msg(22), B);
    expect(out).toEqual([20, 21, 22]);
    expect(switched()).toBe(1);
  });

  it('cancelHandover keeps the old socket and discards the replacement', () => {
    const { router, st, out, h, msg } = setup();
    router.beginHandover([st], h);
    router.route(msg(1), B);
    router.cancelHandover(h);
    router.route(msg(1), A);
    router.route(msg(2), B);
    expect(out).toEqual([1]);
    expect(st.primary).toBe(A);
  });

  it('never drops legit kline updates during an overlap', () => {
    const stream = 'btcusdt@kline_1m';
    const out: string[] = [];
    const router = new StreamRouter((m) => {
      const d = m.data as { E: number; k: { t: number; x: boolean } };
      out.push(`${d.k.t}/${d.E}/${d.k.x}`);
    });
    const st = new StreamState(stream, classifyStream(stream), '', 0, undefined);
    st.primary = A;
    router.add(st);
    const h: Handover = { from: A, to: B, pending: 0, onAllSwitched: () => {} };
    const k = (t: number, E: number, x: boolean): StreamMessage => ({ stream, data: { e: 'kline', E, k: { t, x } }, receivedAt: E });
    router.beginHandover([st], h);
    router.route(k(0, 1, false), A);
    router.route(k(0, 1, false), B); // same event → switch, dropped
    router.route(k(0, 2, false), A); // foreign
    router.route(k(0, 2, false), B);
    router.route(k(0, 3, true), B);
    router.route(k(60, 3, false), B);
    expect(out).toEqual(['0/1/false', '0/2/false', '0/3/true', '60/3/false']);
  });

  it('a throwing sink is counted and does not break routing', () => {
    let errors = 0;
    const router = new StreamRouter(
      () => {
        throw new Error('boom');
      },
      () => errors++,
    );
    const st = new StreamState('x@trade', classifyStream('x@trade'), '', 0, undefined);
    st.primary = A;
    router.add(st);
    router.route({ stream: 'x@trade', data: { t: 1 }, receivedAt: 1 }, A);
    expect(errors).toBe(1);
    expect(st.errors).toBe(1);
    expect(router.counters.sinkErrors).toBe(1);
  });

  it('runs recovery stages after dedup and lets them swallow messages', () => {
    const out: number[] = [];
    const router = new StreamRouter((m) => out.push((m.data as { t: number }).t));
    const seen: number[] = [];
    const st = new StreamState('x@trade', classifyStream('x@trade'), '', 0, [{ name: 'evenOnly', accept: (_s, m) => (seen.push((m.data as { t: number }).t), (m.data as { t: number }).t % 2 === 0) }]);
    st.primary = A;
    router.add(st);
    for (let t = 1; t <= 4; t++) router.route({ stream: 'x@trade', data: { t }, receivedAt: t }, A);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(out).toEqual([2, 4]);
  });
});
