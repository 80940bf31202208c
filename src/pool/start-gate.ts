/**
 * The promise of `StreamPool.start()`: resolves once every slot's socket was open at least
 * once (or at `stop()`), rejects when a socket gives up before it ever opened. Single-flight:
 * the same promise until `release()` or a rejection (after one, `start()` begins anew).
 */
import type { BinanceStreamError } from '../core/errors';
import type { Slot } from './placement';

export class StartGate {
  private promise: Promise<void> | undefined;
  private waiter: { resolve: () => void; reject: (e: BinanceStreamError) => void } | undefined;

  /** The promise of the start in progress (or done), if any. */
  get current(): Promise<void> | undefined {
    return this.promise;
  }

  open(): Promise<void> {
    this.promise ??= new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject }));
    return this.promise;
  }

  /** Resolve when every slot was open once. */
  check(slots: Iterable<Slot>): void {
    if (this.waiter === undefined) return;
    for (const slot of slots) if (!slot.everOpen) return;
    this.settle()?.resolve();
  }

  /** A socket gave up before it ever opened. */
  fail(error: BinanceStreamError): void {
    const w = this.settle();
    if (w === undefined) return;
    this.promise = undefined; // the next start() is a new attempt (it revives the sockets), not this rejection again
    w.reject(error);
  }

  /** stop(): resolve a start still waiting, and let the next start() begin anew. */
  release(): void {
    this.promise = undefined;
    this.settle()?.resolve();
  }

  private settle(): { resolve: () => void; reject: (e: BinanceStreamError) => void } | undefined {
    const w = this.waiter;
    this.waiter = undefined;
    return w;
  }
}
