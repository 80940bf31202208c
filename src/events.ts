/**
 * Every event the client emits: the composition of each layer's own event map
 * (connection ← pool, user data, market data). This file only composes; each payload
 * type is declared by the layer that emits it. Data events also pass the delivered
 * {@link StreamMessage} second.
 */
import type { BookEvents } from './book/events';
import type { PoolEvents } from './pool/events';
import type { RecoveryEvents } from './recovery/gap';
import type { MarketDataEvents, StreamMessage } from './streams/types';
import type { UserDataClientEvents } from './user-data/events';

export type {
  GaveUpEvent,
  ReconnectedEvent,
  ReconnectingEvent,
  ServerShutdownNotice,
  SocketCloseEvent,
  SocketOpenEvent,
  SocketRef,
  SocketState,
  StaleEvent,
  StateChangeEvent,
  StreamErrorEvent,
  SubscribedEvent,
  SubscribeFailedEvent,
  UnsubscribedEvent,
} from './connection/events';
export type { CaughtUpEvent, ConnectingProgressEvent, DegradedEvent, LaggingEvent, LoopBlockedEvent, RestoredEvent, RotatedEvent, StreamDownEvent, StreamRestoredEvent } from './pool/events';
export type { ListenKeyLifecycleEvent, UserDataGapEvent, UserDataStateEvent } from './user-data/events';
export type { BookEvent, BookEvents, BookResyncEvent } from './book/events';
export type { DepthGap, GapCause, GapEvent, KlineGap, TradeGap } from './recovery/gap';

type DataListener<T> = (data: T, message: StreamMessage<T>) => void;

/** Market-data events: one per typed stream kind, plus `message` for every message. */
export type MarketDataClientEvents = {
  [K in keyof MarketDataEvents]: DataListener<MarketDataEvents[K]>;
} & {
  /** Every market-data message, typed or not. */
  message: (message: StreamMessage) => void;
};

/** Event name → listener signature (eventemitter3 typed map). */
export type ClientEvents = MarketDataClientEvents & UserDataClientEvents & PoolEvents & RecoveryEvents & BookEvents;

/**
 * Any event name of {@link BinanceStreamClient}: market data (`kline`, `depth`…), user data, connection lifecycle (`reconnecting`, `stale`, `gaveUp`…), `gap`, `book`/`bookResync` and `error`.
 */
export type ClientEventName = keyof ClientEvents;
