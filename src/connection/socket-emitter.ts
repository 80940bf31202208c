/**
 * The socket's state and events. State changes in ONE place, `setState()`: assert the
 * move against the table (./state.ts, throws on an illegal one), assign, log `from → to`
 * at DEBUG, queue `stateChange`. Lifecycle events are emitted AFTER the change that caused
 * them is complete (queued, flushed in a microtask: the ioredis setStatus idea), so a
 * listener always sees the new state and may call anything on the socket. A listener
 * that throws never breaks the socket: its error becomes an `error` event (ERR_LISTENER),
 * and an `error` nobody listens to is logged instead.
 */
import { EventEmitter } from 'eventemitter3';
import { BinanceStreamError, describeError } from '../core/errors';
import { errorFields } from '../core/logger';
import type { Logger } from '../core/logger';
import type { SocketEvents, SocketState } from './events';
import { assertTransition } from './state';

type Payload<K extends keyof SocketEvents> = Parameters<SocketEvents[K]>[0];

export class SocketEmitter extends EventEmitter<SocketEvents> {
  private readonly queue: (() => void)[] = [];
  private scheduled = false;
  private current: SocketState = 'idle';
  protected lastErrorText: string | undefined;

  constructor(
    readonly id: string,
    protected readonly logger: Logger,
  ) {
    super();
  }

  get state(): SocketState {
    return this.current;
  }

  /**
   * The one place the socket's state changes: checks the move against the transition table (throws on an illegal one), logs `from → to` at DEBUG and queues `stateChange`.
   */
  protected setState(to: SocketState, reason: string): void {
    const from = this.current;
    if (from === to) return;
    assertTransition(from, to);
    this.current = to;
    this.logger.debug({ socketId: this.id, from, to, reason }, `${from} → ${to}`);
    this.emitLater('stateChange', { socketId: this.id, from, to, reason });
  }

  /** Log a close at INFO and queue the `close` event. */
  protected emitClose(code: number, reason: string, willReconnect: boolean, error: BinanceStreamError | undefined): void {
    this.logger.info({ socketId: this.id, code, reason: reason || undefined, willReconnect, error: error ? errorFields(error) : undefined }, 'closed');
    this.emitLater('close', { socketId: this.id, code, reason, willReconnect, ...(error ? { error } : {}) });
  }

  /** Queue an event; it is emitted once the current transition is complete. */
  protected emitLater<K extends keyof SocketEvents>(name: K, payload: Payload<K>): void {
    this.later(() => (this.emit as (event: string, arg: unknown) => boolean)(name, payload), name);
  }

  /** Queue any callback behind the events queued so far (e.g. the onServerShutdown hook). */
  protected later(fn: () => void, what: string): void {
    this.queue.push(() => {
      try {
        fn();
      } catch (err) {
        const error = new BinanceStreamError('ERR_LISTENER', `a "${what}" listener threw: ${describeError(err)}`, { cause: err });
        this.report(error, 'error', 'event listener threw; the socket keeps going');
      }
    });
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  /** Log (at `level`) and emit an `error` event; an `error` listener that throws is logged too. */
  protected report(error: BinanceStreamError, level: 'warn' | 'error' | undefined, message: string, stream?: string, extra?: Record<string, unknown>): void {
    this.lastErrorText = describeError(error);
    if (level) this.logger[level]({ socketId: this.id, error: errorFields(error), ...(stream ? { stream } : {}), ...extra }, message);
    this.queue.push(() => {
      if (this.listenerCount('error') === 0) return;
      try {
        this.emit('error', { error, socketId: this.id, ...(stream ? { stream } : {}) });
      } catch (err) {
        this.logger.error({ socketId: this.id, error: errorFields(err) }, 'an "error" listener threw');
      }
    });
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    // Entries queued while flushing run in this same pass, in order.
    for (let i = 0; i < this.queue.length; i++) (this.queue[i] as () => void)();
    this.queue.length = 0;
    this.scheduled = false;
  };
}
