/**
 * `binance-stream-client/advanced`: the documented building blocks the client is made
 * of, for users who assemble their own (semver-covered like the main entry). Runs
 * wherever the main entry runs.
 *
 * @packageDocumentation
 */

// One resilient socket
export { ResilientSocket } from './connection/resilient-socket';
export { DEFAULT_HEARTBEAT, SOCKET_DEFAULTS, resolveSocketTuning } from './connection/options';
export { SOCKET_TRANSITIONS } from './connection/state';
export { combinedFraming, rawFraming } from './connection/framing';
export { SOCKET_EVENT_NAMES } from './connection/events';
export type { SocketEvents } from './connection/events';
export type {
  DialGate,
  Framing,
  HeartbeatOptions,
  ResilientSocketLike,
  ResilientSocketOptions,
  ResolvedSocketTuning,
  SocketRequestOptions,
  SocketStats,
  SocketTuning,
  UrlContext,
  WebSocketFactory,
  WebSocketLike,
} from './connection/types';

// The pool and the IP-wide connection budget
export { StreamPool } from './pool/stream-pool';
export { POOL_DEFAULTS, resolvePoolOptions } from './pool/options';
export type { PoolDialGate, ResolvedPoolOptions, StreamGroupOptions, StreamPoolOptions, StreamSink } from './pool/options';
export type { PoolEvents } from './pool/events';
export type { SubscribeOptions as PoolSubscribeOptions } from './pool/types';
export { ConnectionBudget } from './pool/connection-budget';
export type { ConnectionBudgetOptions, ConnectionBudgetState } from './pool/connection-budget';
export type { RecoveryStage, StreamView } from './recovery/stage';

// REST: market data and the process-wide request-weight budget (one per Binance host)
export { MarketRest } from './rest/market-rest';
export type { MarketRestOptions } from './rest/market-rest';
export { RestWeightBudget } from './rest/weight-budget';
export type { RestAcquireOptions, RestWeightBudgetOptions, RestWeightBudgetState, SharedRestWeightBudget } from './rest/weight-budget';
export { LISTEN_KEY_WEIGHT, REQUEST_WEIGHT_LIMITS, REST_WEIGHTS, USED_WEIGHT_HEADER, WEIGHT_HEADER_IGNORED, restWeight, usedWeightHeaderName } from './rest/weights';
export type { HeadersLike, RestMarket, RestParams, WeightRule, WeightTable } from './rest/weights';
export type { AggTradeRow, AggTradesQuery, BookTickerRow, DepthQuery, DepthSnapshot, KlineRow, KlinesQuery, PriceLevel, RestCallOptions, SymbolQuery, Ticker24hRow } from './rest/market-types';
export type { FetchLike } from './rest/http';

// Retry decisions, for your own loops
export { decide } from './retry/decide';
export type { Decision, DecideOptions } from './retry/decide';
export { retryOperation } from './retry/retry-operation';
export type { FailedAttemptInfo, RetryOperationOptions } from './retry/retry-operation';

// Streams and routes
export { classifyStream, DEFAULT_STALE_AFTER_MS } from './streams/classify';
export { checkStreamKind, STREAM_CATALOG } from './streams/catalog';
export { parseStreamName } from './streams/parse';
export type { ParsedStreamName } from './streams/parse';
export { combinedStreamUrl, routeFor } from './streams/routes';
export { getMarket } from './core/markets';

// User data
export { createUserDataStream, resolveUserDataOptions } from './user-data/user-data-stream';
export type { CreateUserDataStreamOptions, ResolvedUserDataOptions, UserDataController, UserDataState } from './user-data/user-data-stream';
export { ListenKeyManager } from './user-data/futures/listen-key-manager';
export type { CloseListenKeyPolicy, ListenKeyManagerOptions, ListenKeyProduct } from './user-data/futures/listen-key-manager';
export { createSigner } from './user-data/signing';
export type { KeyType, Signer, SignerOptions } from './user-data/signing';

// Local order books (the client's `orderBook()` builds on these)
export { OrderBook } from './book/order-book';
export { BookSync } from './book/book-sync';
export type { BookSyncOptions } from './book/book-options';
