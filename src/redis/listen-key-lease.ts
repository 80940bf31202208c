/**
 * Futures listenKey leases across processes (a ListenKeyLease: pass it as the client's
 * `listenKeyLease`). Binance gives every process of an account the same key, and a DELETE
 * ends the stream of all of them; so each process holding the key is a member of one Redis
 * sorted set per key (scored by when its lease lapses), refreshed by the coordinator's
 * heartbeat. The key is DELETEd by the process that releases it last (RELEASE answers 0
 * holders left), never while another process still holds it. A process that dies stops
 * heartbeating: its lease lapses after `leaseTtlMs` and no longer counts.
 *
 * The Redis key is a hash of the listenKey (never the key itself). Redis down: `hold` fails
 * (logged by the user-data layer, the stream goes on, the heartbeat re-takes it when Redis is
 * back) and `release` answers false: the key is kept and expires by itself, which can never
 * kill another process's stream.
 */
import { createHash } from 'node:crypto';
import type { ListenKeyLease } from '../user-data/futures/listen-key-options';
import type { RedisLink } from './link';
import { COUNT, HOLD, RELEASE } from './scripts';

export interface LeaseHost {
  readonly link: RedisLink;
  readonly processId: string;
  readonly leaseTtlMs: number;
  /** The Redis key of a lease (account-wide, not per IP). */
  leaseKey(hash: string): string;
}

export function leaseHash(listenKey: string): string {
  return createHash('sha256').update(listenKey).digest('hex').slice(0, 32);
}

export class RedisListenKeyLease implements ListenKeyLease {
  /** Hashes of the keys this process holds (the heartbeat refreshes them). */
  readonly held = new Map<string, number>();

  constructor(private readonly host: LeaseHost) {}

  async hold(listenKey: string): Promise<void> {
    const h = leaseHash(listenKey);
    this.held.set(h, (this.held.get(h) ?? 0) + 1);
    await this.host.link.run(HOLD, [this.host.leaseKey(h)], [this.host.processId, this.host.leaseTtlMs]);
  }

  async release(listenKey: string): Promise<boolean> {
    const h = leaseHash(listenKey);
    const n = (this.held.get(h) ?? 0) - 1;
    if (n > 0) {
      // Another stream of this very process still uses the key.
      this.held.set(h, n);
      return false;
    }
    this.held.delete(h);
    try {
      const [left] = await this.host.link.run(RELEASE, [this.host.leaseKey(h)], [this.host.processId]);
      return left === 0;
    } catch {
      // Redis down: we cannot know who else holds it, so keep it (it expires by itself). Our lease lapses with the TTL.
      return false;
    }
  }

  /** Processes holding `listenKey` now (for tests and diagnostics). */
  async holders(listenKey: string): Promise<number> {
    const [n] = await this.host.link.run(COUNT, [this.host.leaseKey(leaseHash(listenKey))], []);
    return n as number;
  }

  /** Refresh every lease held (the coordinator's heartbeat). */
  async refresh(): Promise<void> {
    // One call per key: lease keys live in different hash slots (Redis Cluster).
    for (const h of [...this.held.keys()]) await this.host.link.run(HOLD, [this.host.leaseKey(h)], [this.host.processId, this.host.leaseTtlMs]);
  }

  /** Drop every lease of this process at once (close): no DELETE, the others keep streaming. */
  async dropAll(): Promise<void> {
    const keys = [...this.held.keys()];
    this.held.clear();
    for (const h of keys) await this.host.link.run(RELEASE, [this.host.leaseKey(h)], [this.host.processId]).catch(() => undefined);
  }
}
