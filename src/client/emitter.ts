/**
 * The client's typed emitter: the one place that calls eventemitter3's `emit`.
 * - Lifecycle events go through `emit`, guarded: a listener that throws is reported as
 *   an `error` event (ERR_LISTENER) or logged, never breaks the client.
 * - Data goes through `deliver` (the hot path): the base emit with fixed arguments, no
 *   rest array, each event guarded on its own.
 * - `error` with no listener is logged, never lost and never thrown.
 */
import EventEmitter from 'eventemitter3';
import { BinanceStreamError, describeError } from '../core/errors';
import { errorFields, silentLogger } from '../core/logger';
import type { Logger } from '../core/logger';
import type { ClientEventName, ClientEvents, StreamErrorEvent } from '../events';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';

/** eventemitter3's own emit, called with fixed arguments on the hot path. */
const baseEmit = EventEmitter.prototype.emit as unknown as (this: unknown, event: string, a?: unknown, b?: unknown) => boolean;

/** Emit any client event by name (what the layers below are handed). */
export type EmitFn = <K extends ClientEventName>(event: K, ...args: Parameters<ClientEvents[K]>) => void;

export class ClientEmitter extends EventEmitter<ClientEvents> {
  /** Set by the subclass once its options are resolved. */
  protected log: Logger = silentLogger;

  override emit<K extends EventEmitter.EventNames<ClientEvents>>(event: K, ...args: EventEmitter.EventArgs<ClientEvents, K>): boolean {
    if (event === 'error') {
      this.emitError(args[0] as StreamErrorEvent);
      return true;
    }
    try {
      return super.emit(event, ...args);
    } catch (err) {
      this.listenerThrew(event, err);
      return true;
    }
  }

  /** Hot path: one delivered market-data message → its typed event, then `message`. */
  protected readonly deliver = (message: StreamMessage, info: StreamInfo): void => {
    const event = info.event;
    if (event !== undefined) {
      try {
        baseEmit.call(this, event, message.data, message);
      } catch (err) {
        this.listenerThrew(event, err);
      }
    }
    try {
      baseEmit.call(this, 'message', message);
    } catch (err) {
      this.listenerThrew('message', err);
    }
  };

  /** Emit by name, for the layers below (user data). */
  protected readonly emitAny: EmitFn = (event, ...args) => {
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  };

  /** Re-emit `names` of `source` on this emitter, unchanged (written once for every layer). */
  protected forward<N extends string>(source: { on(event: N, fn: (e: never) => void): unknown }, names: readonly N[]): void {
    for (const name of names) source.on(name, ((e: never) => this.emitAny(name as ClientEventName, e as never)) as never);
  }

  private emitError(e: StreamErrorEvent): void {
    if (this.listenerCount('error') === 0) {
      this.log.error({ socketId: e.socketId, stream: e.stream, error: errorFields(e.error) }, 'unhandled client error (add an "error" listener)');
      return;
    }
    try {
      super.emit('error', e);
    } catch (err) {
      this.log.error({ event: 'error', error: errorFields(err) }, 'an "error" listener threw');
    }
  }

  private listenerThrew(event: string, err: unknown): void {
    const error = new BinanceStreamError('ERR_LISTENER', `a "${event}" listener threw: ${describeError(err)}`, { cause: err });
    if (this.listenerCount('error') === 0) this.log.error({ event, error: errorFields(error) }, 'listener threw');
    else this.emitError({ error });
  }
}
