/**
 * binance-stream-client — the public surface a bot author uses: the client, retry
 * policies, errors, logging, stream builders, and the event and payload types. Named
 * exports only; everything here runs in Node, Bun, Deno and browsers.
 *
 * Building blocks (sockets, the pool, the connection budget, listenKeys, signers) are in
 * `binance-stream-client/advanced`; the emulator is in `binance-stream-client/testing`.
 *
 * @packageDocumentation
 */

// The client
export { BinanceStreamClient } from './client/client';
export type { ClientStats, SubscribeOptions, SubscribeUserDataOptions } from './client/client';
export type { ClientHealth } from './client/health';
export type { StreamHealth } from './pool/health';
export type { BinanceStreamClientOptions } from './client/options';
export type { MessageStream, MessageStreamOptions, MessageStreamStats } from './client/stream-iterator';
export type { BufferedStreamStats, OverflowPolicy } from './client/stream-buffer';
export type { ReadyOptions, StartOptions } from './client/client';
export type { LocalOrderBook, OrderBookOptions } from './client/order-books';
export type { BookBest, BookChanges, BookSize, OrderBookView } from './book/order-book';
export type { BookEvent, BookEvents, BookResyncEvent, BookResyncIds, BookResyncReason, BookStats, BookSyncState } from './book/events';
export type { AbortSignalLike, AbortSignalShape, ConsoleLike, WebCryptoKey } from './core/web-types';

// Events
export type {
  ClientEventName,
  ClientEvents,
  CaughtUpEvent,
  ConnectingProgressEvent,
  GaveUpEvent,
  ListenKeyLifecycleEvent,
  LaggingEvent,
  GapEvent,
  GapCause,
  TradeGap,
  KlineGap,
  DepthGap,
  DegradedEvent,
  RestoredEvent,
  LoopBlockedEvent,
  MarketDataClientEvents,
  ReconnectedEvent,
  ReconnectingEvent,
  RotatedEvent,
  ServerShutdownNotice,
  SocketCloseEvent,
  SocketOpenEvent,
  SocketRef,
  SocketState,
  StaleEvent,
  StateChangeEvent,
  StreamDownEvent,
  StreamErrorEvent,
  StreamRestoredEvent,
  SubscribedEvent,
  SubscribeFailedEvent,
  UnsubscribedEvent,
  UserDataGapEvent,
  UserDataStateEvent,
} from './events';
export type { UserDataClientEvents } from './user-data/events';

// Errors
export { BinanceStreamError, CLOSE_CODE_NAMES, describeError } from './core/errors';
export type { BinanceStreamErrorDetails, ErrorCode } from './core/errors';

// Logging
export { consoleLogger, errorFields, maskSecret, silentLogger } from './core/logger';
export type { ConsoleLoggerOptions, ErrorFields, LogFields, Logger, LogLevel, LogMethod } from './core/logger';

// Retry policies
export { RetryPolicy, failureKind } from './retry/policy';
export type { FailureKind, RetryContext, RetryPolicyOptions } from './retry/policy';
export { ExponentialBackoff } from './retry/exponential-backoff';
export type { ExponentialBackoffOptions } from './retry/exponential-backoff';
export { ConstantBackoff } from './retry/constant-backoff';
export type { ConstantBackoffOptions } from './retry/constant-backoff';

// Markets and stream builders
export { MARKETS } from './core/markets';
export type { Environment, MarketHeartbeat, MarketId, MarketLimits, MarketProfile, MarketUrls, Route } from './core/markets';
export { KLINE_INTERVALS, normalizeStreamName, streams } from './streams/names';
export type { DepthLevels, DepthSpeed, TickerWindow } from './streams/names';
export type { StreamInfo, StreamKind } from './streams/classify';
export type { RotationWindow } from './pool/rotation-plan';
export type { PoolSocketStats, PoolStats, PoolStreamStats } from './pool/types';

// Payloads
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
// SBE market data (`encoding: 'sbe'`): the events carry the JSON shapes plus µs times; the decoder reads recorded frames too.
export { SbeDecoder } from './streams/sbe/decoder';
export type { SbeBestBidAskEvent, SbeDecoderOptions, SbeDepthUpdateEvent, SbeEvent, SbePartialDepthEvent, SbePriceLevel, SbeTradeEvent } from './streams/sbe/types';
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
  UserDataProduct,
} from './user-data/types';
export type { UserDataStats } from './user-data/user-data-stream';
