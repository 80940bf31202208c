/**
 * The client's typed emitter: the one place that calls eventemitter3's `emit`.
 * - Lifecycle events go through `emit`, guarded: a listener that throws is reported as
 *   an `error` event (ERR_LISTENER) or logged, never breaks the client.
 * - Data goes through `deliver` (the hot path): the base emit with fixed arguments, no
 *   rest array, each event guarded on its own; then the `client.stream()` iterators that
 *   want the stream (`taps`, looked at only while one exists: one branch otherwise).
 * - `error` with no listener is never lost and never thrown: the layer that raised it
 *   logged it (once, at its level).
 * - A listener that returns a promise (an `async` listener) has its rejection handled
 *   exactly like a throw, for every event: never an unhandled rejection.
 */
import { EventEmitter } from 'eventemitter3';
import { BinanceStreamError, describeError } from '../core/errors';
import { errorFields, silentLogger } from '../core/logger';
import type { Logger } from '../core/logger';
import type { ClientEventName, ClientEvents, StreamErrorEvent } from '../events';
import type { StreamInfo } from '../streams/classify';
import type { StreamMessage } from '../streams/types';

/** eventemitter3's own emit, called with fixed arguments on the hot path. */
const baseEmit = EventEmitter.prototype.emit as unknown as (this: unknown, event: string, a?: unknown, b?: unknown) => boolean;

type AnyListener = (this: unknown, a?: unknown, b?: unknown) => unknown;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** A receiver of one stream's delivered messages (a `client.stream()` buffer's stream). */
export interface MessageTap {
  push(message: StreamMessage): void;
}

/** Emit any client event by name (what the layers below are handed). */
export type EmitFn = <K extends ClientEventName>(event: K, ...args: Parameters<ClientEvents[K]>) => void;

export class ClientEmitter extends EventEmitter<ClientEvents> {
  /** Set by the subclass once its options are resolved. */
  protected log: Logger = silentLogger;
  /** listener → its guard per event (so `off(fn)` finds it), and back. */
  private readonly guards = new WeakMap<AnyListener, Map<string | symbol, AnyListener>>();
  private readonly originals = new WeakMap<AnyListener, AnyListener>();
  /** stream → the taps that want it; arrays replaced on change, never mutated (safe to iterate while one closes). */
  private readonly taps = new Map<string, readonly MessageTap[]>();

  override on<T extends EventEmitter.EventNames<ClientEvents>>(event: T, fn: EventEmitter.EventListener<ClientEvents, T>, context?: unknown): this {
    return super.on(event, this.guard(event, fn as AnyListener) as never, context);
  }

  /**
   * Same as `on`: the listener is guarded (a throw or a rejected promise becomes an `error` event with code `ERR_LISTENER`, the client keeps running).
   */
  override addListener<T extends EventEmitter.EventNames<ClientEvents>>(event: T, fn: EventEmitter.EventListener<ClientEvents, T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<T extends EventEmitter.EventNames<ClientEvents>>(event: T, fn: EventEmitter.EventListener<ClientEvents, T>, context?: unknown): this {
    return super.once(event, this.guard(event, fn as AnyListener) as never, context);
  }

  override removeListener<T extends EventEmitter.EventNames<ClientEvents>>(event: T, fn?: EventEmitter.EventListener<ClientEvents, T>, context?: unknown, once?: boolean): this {
    const guard = fn === undefined ? undefined : this.guards.get(fn as AnyListener)?.get(event);
    return super.removeListener(event, (guard ?? fn) as never, context, once);
  }

  /**
   * Same as `removeListener`: removes a listener added with `on`, `addListener` or `once`.
   */
  override off<T extends EventEmitter.EventNames<ClientEvents>>(event: T, fn?: EventEmitter.EventListener<ClientEvents, T>, context?: unknown, once?: boolean): this {
    return this.removeListener(event, fn, context, once);
  }

  override listeners<T extends EventEmitter.EventNames<ClientEvents>>(event: T): Array<EventEmitter.EventListener<ClientEvents, T>> {
    return super.listeners(event).map((g) => (this.originals.get(g as AnyListener) ?? g) as EventEmitter.EventListener<ClientEvents, T>);
  }

  /** Wrap `fn` so a returned rejected promise is reported like a throw. Two fixed arguments: no rest array on the hot path. */
  private guard(event: string | symbol, fn: AnyListener): AnyListener {
    if (typeof fn !== 'function') return fn;
    let byEvent = this.guards.get(fn);
    const existing = byEvent?.get(event);
    if (existing) return existing;
    const name = String(event);
    const onRejected = (err: unknown): void => this.listenerThrew(name, err, true);
    const guard: AnyListener = function (this: unknown, a, b) {
      const r = fn.call(this, a, b);
      if (isThenable(r)) r.then(undefined, onRejected);
      return r;
    };
    if (!byEvent) this.guards.set(fn, (byEvent = new Map()));
    byEvent.set(event, guard);
    this.originals.set(guard, fn);
    return guard;
  }

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
    if (this.taps.size !== 0) this.tapMessage(message);
  };

  private tapMessage(message: StreamMessage): void {
    const taps = this.taps.get(message.stream);
    if (taps === undefined) return;
    for (let i = 0; i < taps.length; i++) {
      try {
        (taps[i] as MessageTap).push(message);
      } catch (err) {
        this.log.error({ stream: message.stream, error: errorFields(err) }, 'a stream() buffer threw');
      }
    }
  }

  /** Hand `stream`'s messages to `tap` too (after the listeners). */
  protected addTap(stream: string, tap: MessageTap): void {
    this.taps.set(stream, [...(this.taps.get(stream) ?? []), tap]);
  }

  /** Stop handing `stream`'s messages to `tap` (the other taps of that stream keep theirs). */
  protected removeTap(stream: string, tap: MessageTap): void {
    const rest = (this.taps.get(stream) ?? []).filter((t) => t !== tap);
    if (rest.length) this.taps.set(stream, rest);
    else this.taps.delete(stream);
  }

  /** Emit by name, for the layers below (user data). */
  protected readonly emitAny: EmitFn = (event, ...args) => {
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  };

  /**
   * `error` with no listener: the layer that raised it logged it already, at its level
   * (WARN for what the client recovers from by itself), so it is not logged again here:
   * one line per event. A fault in a user listener is logged by `listenerThrew` at ERROR.
   */
  private emitError(e: StreamErrorEvent): void {
    if (this.listenerCount('error') === 0) {
      this.log.debug({ socketId: e.socketId, stream: e.stream, error: errorFields(e.error) }, 'error event with no "error" listener (logged where it happened)');
      return;
    }
    try {
      super.emit('error', e);
    } catch (err) {
      this.log.error({ event: 'error', error: errorFields(err) }, 'an "error" listener threw');
    }
  }

  private listenerThrew(event: string, err: unknown, rejected = false): void {
    const how = rejected ? 'rejected' : 'threw';
    const error = new BinanceStreamError('ERR_LISTENER', `a "${event}" listener ${how}: ${describeError(err)}`, { cause: err });
    // A failing `error` listener is only logged: reporting it as an `error` event could loop.
    if (event === 'error' || this.listenerCount('error') === 0) this.log.error({ event, error: errorFields(error) }, `listener ${how}`);
    else this.emitError({ error });
  }
}
