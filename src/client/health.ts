/**
 * `client.health()`: one view of whether the client is hearing what it subscribed to.
 * Market-data streams come from the pool (src/pool/health.ts: a stream is `live`,
 * `degraded`, `down` or `pending`, since when and why); user-data streams are listed by
 * product with their own state. `ok` is the one-glance answer for a health endpoint.
 */
import type { PoolHealth, StreamHealth } from '../pool/health';
import type { UserDataProduct, UserDataStats } from '../user-data/user-data-stream';

export type { StreamHealth };

export interface UserDataHealth {
  product: UserDataProduct;
  /** The user-data stream's own state (`live`, `subscribing`, `reconnecting`, `failed`, …). */
  state: UserDataStats['state'];
  /** When it last became live (undefined while not live). */
  liveSince: number | undefined;
}

/**
 * What `client.health()` returns: per market-data stream whether it is being heard (`live`, `degraded`, `down`, `pending`) with counts per state, the user-data streams' states, and `ok` when nothing needs attention. Cheap to call: a readiness probe can poll it.
 */
export interface ClientHealth extends PoolHealth {
  /** True when no market-data stream is `down` or `degraded` and every user-data stream is live. */
  ok: boolean;
  /** One entry per user-data stream. */
  userData: UserDataHealth[];
}

export function clientHealth(pool: PoolHealth, userData: readonly UserDataStats[]): ClientHealth {
  const ud = userData.map((u) => ({ product: u.product, state: u.state, liveSince: u.liveSince }));
  const ok = pool.down === 0 && pool.degraded === 0 && ud.every((u) => u.state === 'live');
  return { ...pool, ok, userData: ud };
}
