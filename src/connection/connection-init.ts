/** What a Connection is built from (ConnectionInit) and whom it reports to (ConnectionHost, the socket). */
import type { AbortSignalLike } from '../core/web-types';
import type { BinanceStreamError } from '../core/errors';
import type { StreamMessage } from '../streams/types';
import type { EndCause } from './end-cause';
import type { SubscriptionMethod } from './subscriptions';
import type { ExtendedWebSocket } from './transport';
import type { Framing, ResolvedSocketTuning } from './types';

/** What the socket hears from its current connection (replaced by a no-op host when it ends). */
export interface ConnectionHost {
  /** Hot path: one data message. */
  data(message: StreamMessage): void;
  firstData(): void;
  /** serverShutdown announced on `connection` (once per connection). */
  shutdown(connection: { end(cause: EndCause): void }, at: number | undefined): void;
  stale(silentMs: number, action: 'reconnect' | 'none', expected: boolean): void;
  rejected(status: number, retryAfterMs: number | undefined): void;
  answered(method: SubscriptionMethod, streams: readonly string[], requestId: number): void;
  failed(method: SubscriptionMethod, streams: readonly string[], requestId: number, error: BinanceStreamError): void;
  error(error: BinanceStreamError, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

export interface ConnectionInit {
  ws: ExtendedWebSocket;
  /** Masked URL (logs and events). */
  url: string;
  urlStreams: readonly string[];
  framing: Framing;
  tuning: ResolvedSocketTuning;
  /** The socket's streams (read, never written). */
  wanted: ReadonlySet<string>;
  staleAfterMs: number;
  /** Stale reconnects are debounced until then (see Liveness). */
  staleNotBefore: number;
  now: () => number;
  host: ConnectionHost;
  /** The socket's onOpen hook, bound to the socket. */
  hook: ((signal: AbortSignalLike) => void | Promise<void>) | undefined;
}

const noop = (): void => {};
/** The host of an ended Connection: hears nothing. */
export const DEAD_HOST: ConnectionHost = { data: noop, firstData: noop, shutdown: noop, stale: noop, rejected: noop, answered: noop, failed: noop, error: noop, debug: noop };
