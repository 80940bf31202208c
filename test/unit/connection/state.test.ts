import { describe, expect, it } from 'vitest';
import { SOCKET_TRANSITIONS, assertTransition, canTransition } from '../../../src/connection/state';

describe('state table', () => {
  it('closed is terminal; stop() reaches closed from everywhere (directly or through closing)', () => {
    expect(SOCKET_TRANSITIONS.closed).toEqual([]);
    for (const s of ['idle', 'failed', 'closing'] as const) expect(canTransition(s, 'closed')).toBe(true);
    for (const s of ['connecting', 'open', 'reconnecting'] as const) expect(canTransition(s, 'closing')).toBe(true);
    expect(canTransition('idle', 'open')).toBe(false);
  });

  it('a give-up is `failed`, not terminal: revived to connecting (or idle), never straight to open', () => {
    for (const s of ['connecting', 'open', 'reconnecting'] as const) {
      expect(canTransition(s, 'failed')).toBe(true);
      expect(canTransition(s, 'closed')).toBe(false);
    }
    expect(SOCKET_TRANSITIONS.failed).toEqual(['connecting', 'idle', 'closed']);
    expect(canTransition('failed', 'open')).toBe(false);
  });

  it('assertTransition throws on an illegal move, naming it', () => {
    expect(() => assertTransition('idle', 'open')).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED', message: 'illegal socket state transition idle → open' }));
    expect(() => assertTransition('closed', 'connecting')).toThrow(/closed → connecting/);
    expect(() => assertTransition('closing', 'open')).toThrow(/closing → open/);
    expect(() => assertTransition('open', 'reconnecting')).not.toThrow();
  });
});
