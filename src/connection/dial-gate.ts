import type { AbortSignalLike } from '../core/web-types';
import { aborted } from '../core/errors';
import type { DialGate } from './types';

/** The gate of a standalone socket: always open, never paused (the pool's ConnectionBudget paces dials IP-wide). */
export const openDialGate: DialGate = Object.freeze({
  acquire(socketId: string, signal: AbortSignalLike): Promise<void> {
    return signal.aborted ? Promise.reject(aborted(`dial of ${socketId}`, signal.reason)) : Promise.resolve();
  },
  reportRejection(): number {
    return 0;
  },
  pausedForMs(): number {
    return 0;
  },
});
