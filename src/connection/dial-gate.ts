import { BinanceStreamError } from '../core/errors';
import type { DialGate } from './types';

/** The gate of a standalone socket: always open (the pool's ConnectionBudget paces dials IP-wide). */
export const openDialGate: DialGate = Object.freeze({
  acquire(socketId: string, signal: AbortSignal): Promise<void> {
    return signal.aborted ? Promise.reject(new BinanceStreamError('ERR_ABORTED', `dial of ${socketId} aborted`)) : Promise.resolve();
  },
  reportRejection(): void {},
});
