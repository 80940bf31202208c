import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../../src/rest/fair-queue';

function drainOrder(q: FairQueue<string>): string[] {
  const out: string[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
  return out;
}

describe('FairQueue', () => {
  it('serves round-robin across owners, FIFO within an owner', () => {
    const q = new FairQueue<string>();
    for (const [o, x] of [
      ['A', 'a1'],
      ['A', 'a2'],
      ['A', 'a3'],
      ['B', 'b1'],
      ['B', 'b2'],
      ['C', 'c1'],
    ] as const)
      q.push(o, x);
    expect(q.size).toBe(6);
    expect(q.owners).toBe(3);
    expect(q.peek()).toBe('a1');
    expect(drainOrder(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    expect(q.size).toBe(0);
  });

  it('puts an owner that starts waiting at the end of the current round', () => {
    const q = new FairQueue<string>();
    q.push('A', 'a1');
    q.push('A', 'a2');
    q.push('B', 'b1');
    q.push('B', 'b2');
    expect(q.shift()).toBe('a1'); // B's turn next
    q.push('C', 'c1'); // after B and A, who waited longer
    expect(drainOrder(q)).toEqual(['b1', 'a2', 'c1', 'b2']);
  });

  it('removes an item anywhere (an aborted waiter) without breaking the rotation', () => {
    const q = new FairQueue<string>();
    for (const [o, x] of [
      ['A', 'a1'],
      ['B', 'b1'],
      ['C', 'c1'],
      ['A', 'a2'],
    ] as const)
      q.push(o, x);
    expect(q.shift()).toBe('a1');
    expect(q.remove('B', 'b1')).toBe(true);
    expect(q.remove('B', 'b1')).toBe(false);
    expect(q.owners).toBe(2);
    expect(drainOrder(q)).toEqual(['c1', 'a2']);
    q.push('X', 'x1');
    expect(q.drain()).toEqual(['x1']);
    expect([q.size, q.owners, q.peek()]).toEqual([0, 0, undefined]);
  });
});
