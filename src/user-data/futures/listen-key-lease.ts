/**
 * How the listenKey core uses a cross-process {@link ListenKeyLease} (`listenKeyLease` option):
 * hold the key after every create/replacement (releasing the previous one), and on shutdown
 * release it and report whether this was the last holder. A failing lease never breaks the
 * stream: holding is retried by the lease's own heartbeat, and a failed release keeps the key
 * (it expires by itself within 60 minutes), which can never kill another process's stream.
 */
import { errorFields, maskSecret } from '../../core/logger';
import type { ResolvedListenKeyOptions } from './listen-key-options';

/** Tell the lease this process now uses `key` (and no longer `previous`). */
export async function holdLease(config: ResolvedListenKeyOptions, key: string, previous: string | undefined): Promise<void> {
  const lease = config.listenKeyLease;
  if (!lease) return;
  try {
    if (previous !== undefined && previous !== key) await lease.release(previous);
    await lease.hold(key);
  } catch (err) {
    config.logger.warn({ product: config.product, listenKey: maskSecret(key), error: errorFields(err) }, 'listenKey lease could not be taken; the key is still used');
  }
}

/** Release `key`: true when this was the last process holding it (then it may be DELETEd). */
export async function releaseLease(config: ResolvedListenKeyOptions, key: string): Promise<boolean> {
  const lease = config.listenKeyLease;
  if (!lease) return false;
  try {
    return (await lease.release(key)) === true;
  } catch (err) {
    config.logger.warn({ product: config.product, listenKey: maskSecret(key), error: errorFields(err) }, 'listenKey lease could not be released; the key is left to expire');
    return false;
  }
}
