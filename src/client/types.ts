/** The client's argument and result types (its options live in ./options.ts). */
import type { AbortSignalLike } from '../core/web-types';
import type { MarketId } from '../core/markets';
import type { PoolStats } from '../pool/types';
import type { RestWeightBudgetState } from '../rest/weight-budget';
import type { UserDataProduct, UserDataStats } from '../user-data/user-data-stream';

/**
 * Per-call options of `client.subscribe(streams, options)`: which connection group the streams go on, their own silence threshold, and whether their gaps are backfilled from REST.
 */
export interface SubscribeOptions {
  /**
   * Put these streams on their own connection(s), apart from the rest (isolate a
   * latency-critical stream, or shrink the blast radius of one drop).
   */
  group?: string | undefined;
  /**
   * A fixed silence threshold for these streams in ms instead of the learned one, or
   * `false`: never stale by silence (heartbeats only). @default the client's `staleAfterMs`, else learned
   */
  staleAfterMs?: number | false | undefined;
  /** Fill these streams' gaps from REST before live data resumes (aggTrade, klines). @default the client's `backfill` */
  backfill?: boolean | undefined;
}

/** Options of `client.start(options)`. */
export interface StartOptions {
  /** Stops the client when it aborts, during `start()` or any time after (see `start()`). */
  signal?: AbortSignalLike | undefined;
}

/**
 * Options of `client.subscribeUserData(options)`: which account stream (spot, USD-M, COIN-M, margin, portfolio margin) and, for futures listenKeys, how they are kept alive and closed.
 *
 * @example
 * ```ts
 * const client = new BinanceStreamClient({ market: 'usdm', apiKey, apiSecret });
 * client.on('orderUpdate', (o) => console.log(o.o.s, o.o.X));
 * client.on('userDataGap', (g) => reconcile(g.from, g.to)); // events of that span may be missing
 * await client.subscribeUserData({ product: 'usdm' });
 * ```
 */
export interface SubscribeUserDataOptions {
  /**
   * Which account stream. @default 'spot' on the spot market, 'usdm' on USD-M, 'coinm' on COIN-M;
   * 'margin' (listenToken) and 'portfolio' (PM listenKey) on request
   */
  product?: UserDataProduct | undefined;
  /** USD-M only: the `events` allow-list of the `/private` route. @default all events */
  events?: readonly string[] | undefined;
  /** Futures: when to DELETE the listenKey on stop. @default 'never' (an unused key expires after 60 min; a DELETE would end every process's stream of the account) */
  closeListenKeyOnStop?: 'owned' | 'always' | 'never' | undefined;
  /** Futures: listenKey keepalive period. @default 30 minutes */
  refreshIntervalMs?: number | undefined;
  /** Margin: isolated-margin symbol (listenToken). */
  symbol?: string | undefined;
}

/**
 * What `client.stats()` returns: a snapshot of the pool (streams, sockets, connection budget), each user-data stream and the REST weight budget, for dashboards and logs.
 */
export interface ClientStats {
  /** The market the client talks to. */
  market: MarketId;
  /** Market-data streams and sockets, and the connection budget's state. */
  pool: PoolStats;
  /** One entry per user-data stream. */
  userData: UserDataStats[];
  /** The REST weight budget of the client's REST host (process-wide unless the `restWeightBudget` option names another). */
  rest: RestWeightBudgetState;
}
