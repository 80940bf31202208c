/**
 * Type-level tests of the client's event map (architecture.md, "Examples to follow" item 10).
 *
 * Checked at compile time only: `npm run typecheck` (tsc over test/, part of `npm test`) fails on any broken
 * assertion, and `vitest --typecheck` runs the file too. `vitest run` does not execute it (`.test-d.ts` is outside
 * the include list): nothing here has a runtime meaning, `client` is only declared.
 *
 * - each event name carries its payload type (data events also the StreamMessage / UserDataMessage);
 * - a misspelled event name, or a listener of the wrong payload, does not compile (`@ts-expect-error`);
 * - the connection payloads do not shadow the DOM's CloseEvent / ErrorEvent / OpenEvent (block at the end).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  AggTradeEvent,
  BinanceStreamClient,
  BinanceStreamError,
  BookTickerEvent,
  ConnectingProgressEvent,
  DepthUpdateEvent,
  ExecutionReportEvent,
  FuturesOrderUpdateEvent,
  GaveUpEvent,
  KlineEvent,
  ListenKeyLifecycleEvent,
  MarkPriceEvent,
  ReconnectedEvent,
  ReconnectingEvent,
  RotatedEvent,
  StaleEvent,
  StateChangeEvent,
  StreamMessage,
  TradeEvent,
  UserDataGapEvent,
  UserDataMessage,
  UserDataStateEvent,
} from 'binance-stream-client';

declare const client: BinanceStreamClient;

describe('BinanceStreamClient event payloads', () => {
  it('market-data events pass the typed payload, then the StreamMessage that carried it', () => {
    client.on('kline', (data, msg) => {
      expectTypeOf(data).toEqualTypeOf<KlineEvent>();
      expectTypeOf(msg).toEqualTypeOf<StreamMessage<KlineEvent>>();
      expectTypeOf(msg.stream).toEqualTypeOf<string>();
      expectTypeOf(msg.receivedAt).toEqualTypeOf<number>();
      expectTypeOf(data.k.c).toEqualTypeOf<string>(); // Binance sends prices as strings
    });
    client.on('aggTrade', (data) => expectTypeOf(data).toEqualTypeOf<AggTradeEvent>());
    client.on('trade', (data) => expectTypeOf(data).toEqualTypeOf<TradeEvent>());
    client.on('bookTicker', (data) => expectTypeOf(data).toEqualTypeOf<BookTickerEvent>());
    client.on('depth', (data) => expectTypeOf(data).toEqualTypeOf<DepthUpdateEvent>());
    client.on('markPrice', (data) => expectTypeOf(data).toEqualTypeOf<MarkPriceEvent>());
    client.on('message', (msg) => expectTypeOf(msg).toEqualTypeOf<StreamMessage>());
  });

  it('lifecycle events pass their own payloads', () => {
    client.on('reconnecting', (e) => {
      expectTypeOf(e).toEqualTypeOf<ReconnectingEvent>();
      expectTypeOf(e.delayMs).toEqualTypeOf<number>();
      expectTypeOf(e.attempt).toEqualTypeOf<number>();
      expectTypeOf(e.error).toEqualTypeOf<BinanceStreamError>();
    });
    client.on('reconnected', (e) => expectTypeOf(e).toEqualTypeOf<ReconnectedEvent>());
    client.on('gaveUp', (e) => expectTypeOf(e).toEqualTypeOf<GaveUpEvent>());
    client.on('stale', (e) => expectTypeOf(e).toEqualTypeOf<StaleEvent>());
    client.on('stateChange', (e) => expectTypeOf(e).toEqualTypeOf<StateChangeEvent>());
    client.on('rotated', (e) => expectTypeOf(e).toEqualTypeOf<RotatedEvent>());
    client.on('connecting', (e) => expectTypeOf(e).toEqualTypeOf<ConnectingProgressEvent>());
  });

  it('user-data events pass the typed payload, then the UserDataMessage', () => {
    client.on('executionReport', (data, msg) => {
      expectTypeOf(data).toEqualTypeOf<ExecutionReportEvent>();
      expectTypeOf(msg).toEqualTypeOf<UserDataMessage>();
    });
    client.on('orderUpdate', (data) => expectTypeOf(data).toEqualTypeOf<FuturesOrderUpdateEvent>());
    client.on('userData', (msg) => expectTypeOf(msg).toEqualTypeOf<UserDataMessage>());
    client.on('listenKey', (e) => expectTypeOf(e).toEqualTypeOf<ListenKeyLifecycleEvent>());
    client.on('userDataGap', (e) => {
      expectTypeOf(e).toEqualTypeOf<UserDataGapEvent>();
      expectTypeOf(e.from).toEqualTypeOf<number>();
    });
    client.on('userDataState', (e) => expectTypeOf(e).toEqualTypeOf<UserDataStateEvent>());
  });

  it('a misspelled event name, or a listener for the wrong payload, does not compile', () => {
    // @ts-expect-error 'klines' is not an event (it is 'kline')
    client.on('klines', () => {});
    // @ts-expect-error 'reconnect' is not an event (it is 'reconnecting' / 'reconnected')
    client.once('reconnect', () => {});
    // @ts-expect-error 'executionreport' is case-sensitive
    client.off('executionreport', () => {});
    // @ts-expect-error a kline listener does not take a reconnecting payload
    client.on('reconnecting', (e: KlineEvent) => e);
    // @ts-expect-error delayMs is a number
    client.on('reconnecting', (e) => expectTypeOf(e.delayMs).toEqualTypeOf<string>());
  });
});

// ─── AFTER THE RENAME ────────────────────────────────────────────────────────────────────────────────────────────
// CloseEvent → SocketCloseEvent, OpenEvent → SocketOpenEvent, ErrorEvent → StreamErrorEvent (architecture.md,
// connection/events.ts). This block compiles only once the rename is in the public entry; the integrator
// confirms it then. The project's tsconfig has lib "DOM", so the bare names below are the DOM's globals.
type SocketCloseEvent = import('binance-stream-client').SocketCloseEvent;
type SocketOpenEvent = import('binance-stream-client').SocketOpenEvent;
type StreamErrorEvent = import('binance-stream-client').StreamErrorEvent;

describe('connection payloads do not collide with the DOM', () => {
  it("'open', 'close' and 'error' pass the library's types", () => {
    client.on('open', (e) => expectTypeOf(e).toEqualTypeOf<SocketOpenEvent>());
    client.on('close', (e) => {
      expectTypeOf(e).toEqualTypeOf<SocketCloseEvent>();
      expectTypeOf(e.willReconnect).toEqualTypeOf<boolean>();
    });
    client.on('error', (e) => expectTypeOf(e.error).toEqualTypeOf<BinanceStreamError>());
    client.on('error', (e) => expectTypeOf(e).toEqualTypeOf<StreamErrorEvent>());
  });

  it("the library's types are not the DOM's, and the DOM's names are left to the DOM", () => {
    expectTypeOf<SocketCloseEvent>().not.toEqualTypeOf<CloseEvent>();
    expectTypeOf<SocketOpenEvent>().not.toEqualTypeOf<Event>();
    expectTypeOf<StreamErrorEvent>().not.toEqualTypeOf<ErrorEvent>();
    expectTypeOf<CloseEvent>().not.toHaveProperty('willReconnect'); // the global is still the DOM's
    // @ts-expect-error the public entry exports no CloseEvent
    type _NoCloseEvent = import('binance-stream-client').CloseEvent;
    // @ts-expect-error the public entry exports no OpenEvent
    type _NoOpenEvent = import('binance-stream-client').OpenEvent;
    // @ts-expect-error the public entry exports no ErrorEvent
    type _NoErrorEvent = import('binance-stream-client').ErrorEvent;
    // @ts-expect-error the public entry exports no MessageEvent
    type _NoMessageEvent = import('binance-stream-client').MessageEvent;
  });
});
