/**
 * binance-stream-client — public surface. Named exports only; everything here runs in
 * Node, Bun, Deno and browsers. The emulator lives in `binance-stream-client/testing`.
 */

// The client
export { BinanceStreamClient } from './client';
export type { ClientStats, SubscribeOptions, SubscribeUserDataOptions } from './client';
export { validateClientOptions } from './options';
export type { BinanceStreamClientOptions } from './options';

// Events
export type {
  ClientEventName,
  ClientEvents,
  SocketCloseEvent,
  ConnectingProgressEvent,
  StreamErrorEvent,
  GaveUpEvent,
  ListenKeyLifecycleEvent,
  SocketOpenEvent,
  ReconnectedEvent,
  ReconnectingEvent,
  RotatedEvent,
  ServerShutdownNotice,
  SocketState,
  StaleEvent,
  StateChangeEvent,
  SubscribedEvent,
  SubscribeFailedEvent,
  UnsubscribedEvent,
  UserDataGapEvent,
  UserDataStateEvent,
} from './events';

// Errors
export { BinanceStreamError, CLOSE_CODE_NAMES, describeError } from './core/errors';
export type { BinanceStreamErrorDetails, ErrorCode } from './core/errors';

// Logging
export { consoleLogger, maskSecret, silentLogger } from './core/logger';
export type { ConsoleLoggerOptions, LogFields, Logger, LogLevel, LogMethod } from './core/logger';

// Retry policies
export { RetryPolicy, failureKind } from './retry/policy';
export type { FailureKind, RetryContext, RetryPolicyOptions } from './retry/policy';
export { ExponentialBackoff } from './retry/exponential-backoff';
export type { ExponentialBackoffOptions } from './retry/exponential-backoff';
export { ConstantBackoff } from './retry/constant-backoff';
export type { ConstantBackoffOptions } from './retry/constant-backoff';
export { retryOperation } from './retry/retry-operation';
export type { FailedAttemptInfo, RetryOperationOptions } from './retry/retry-operation';

// Markets and streams
export { MARKETS, getMarket } from './core/markets';
export { routeFor } from './streams/routes';
export type { Environment, MarketHeartbeat, MarketId, MarketLimits, MarketProfile, MarketUrls, Route } from './core/markets';
export { KLINE_INTERVALS, normalizeStreamName, streams } from './streams/names';
export type { DepthLevels, DepthSpeed } from './streams/names';
export { classifyStream, DEFAULT_STALE_AFTER_MS } from './streams/classify';
export type { StreamInfo, StreamKind } from './streams/classify';
export type {
  AggTradeEvent,
  BookTickerEvent,
  DepthUpdateEvent,
  Kline,
  KlineEvent,
  KlineInterval,
  MarkPriceEvent,
  MarketDataEventName,
  MarketDataEvents,
  MiniTickerEvent,
  PartialDepthEvent,
  PriceLevel,
  SpotPartialDepthEvent,
  StreamMessage,
  TickerEvent,
  TradeEvent,
} from './streams/types';

// Building blocks, for users who assemble their own
export { ResilientSocket } from './connection/resilient-socket';
export { DEFAULT_HEARTBEAT } from './connection/socket-options';
export { SOCKET_TRANSITIONS } from './connection/state';
export type {
  DialGate,
  UrlContext,
  HeartbeatOptions,
  ResilientSocketLike,
  ResilientSocketOptions,
  SocketEvents,
  SocketStats,
  WebSocketFactory,
  WebSocketLike,
} from './connection/types';
export { ConnectionBudget } from './pool/connection-budget';
export type { ConnectionBudgetOptions, ConnectionBudgetState } from './pool/connection-budget';
export { StreamPool } from './pool/stream-pool';
export type { PoolEvents, PoolSocketStats, PoolStats, PoolStreamStats, StreamPoolOptions } from './pool/types';
export type { RotationWindow } from './pool/rotation';
export type { RecoveryStage } from './recovery/stage';

// User data
export { ListenKeyManager } from './user-data/listen-key-manager';
export { createUserDataStream } from './user-data/user-data-stream';
export type { CreateUserDataStreamOptions, UserDataController } from './user-data/user-data-stream';
export { createSigner } from './user-data/signing';
export type { Signer, SignerOptions } from './user-data/signing';
export type { CloseListenKeyPolicy, ListenKeyManagerOptions, ListenKeyProduct } from './user-data/listen-key-manager';
export type { UserDataProduct, UserDataStats } from './user-data/user-data-stream';
export type { KeyType } from './user-data/signing';
export { USER_DATA_EVENT_NAMES } from './user-data/types';
export type {
  BalanceUpdateEvent,
  EventStreamTerminatedEvent,
  ExecutionReportEvent,
  FuturesAccountConfigUpdateEvent,
  FuturesAccountUpdateEvent,
  FuturesMarginCallEvent,
  FuturesOrderUpdateEvent,
  FuturesTradeLiteEvent,
  ListenKeyExpiredEvent,
  ListStatusEvent,
  OutboundAccountPositionEvent,
  UserDataEventName,
  UserDataEvents,
  UserDataMessage,
} from './user-data/types';
