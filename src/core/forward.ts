/** Re-emit a source's events, unchanged, on a target emitter: the one forwarding helper. */
import type { EventEmitter } from 'eventemitter3';

/**
 * Forward `names` from `source` to `target` (one listener per name, none per message).
 * Register it after the owner's own listeners, so the owner's bookkeeping is done when
 * the target's listeners run. Returns a function that detaches the listeners.
 */
export function forward<Events extends EventEmitter.ValidEventTypes, K extends EventEmitter.EventNames<Events>>(
  source: EventEmitter<Events>,
  target: { emit(event: K, ...args: EventEmitter.EventArgs<Events, K>): boolean },
  names: readonly K[],
): () => void {
  const listeners = names.map((name) => {
    const fn = ((...args: EventEmitter.EventArgs<Events, K>) => target.emit(name, ...args)) as unknown as EventEmitter.EventListener<Events, K>;
    source.on(name, fn);
    return () => void source.off(name, fn);
  });
  return () => {
    for (const off of listeners) off();
  };
}
