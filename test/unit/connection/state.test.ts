import { describe, expect, it } from 'vitest';
import { SOCKET_TRANSITIONS, assertTransition, canTransition } from '../../../src/connection/state';

describe('state table', () => {
  it('closed is terminal and every state can reach closed', () => {
    expect(SOCKET_TRANSITIONS.closed).toEqual([]);
    for (const s of ['idle', 'connecting', 'open', 'reconnecting', 'closing'] as const) expect(canTransition(s, 'closed')).toBe(true);
    expect(canTransition('idle', 'open')).toBe(false);
  });

  it('assertTransition throws on an illegal move, naming it', () => {
    expect(() => assertTransition('idle', 'open')).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED', message: 'illegal socket state transition idle → open' }));
    expect(() => assertTransition('closed', 'connecting')).toThrow(/closed → connecting/);
    expect(() => assertTransition('closing', 'open')).toThrow(/closing → open/);
    expect(() => assertTransition('open', 'reconnecting')).not.toThrow();
  });
});
