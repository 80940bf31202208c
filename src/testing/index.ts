/**
 * `binance-stream-client/testing`: a local Binance exchange emulator (Node only).
 * The main entry never imports this module.
 *
 * @example
 * ```ts
 * import { BinanceStreamClient } from 'binance-stream-client';
 * import { FakeBinance } from 'binance-stream-client/testing';
 *
 * const ex = await FakeBinance.start({ market: 'spot', seed: 1 });
 * const client = new BinanceStreamClient(ex.clientOptions());
 * client.subscribe(['btcusdt@aggTrade']);
 * await client.start();
 * ex.faults.close({ stream: 'btcusdt@aggTrade' }, { code: 1006 }); // an abrupt drop: the client reconnects
 * ex.faults.stall({ all: true }, { durationMs: 5_000 }); // answers pings, sends no data: the client notices
 * const truth = ex.groundTruth('btcusdt@aggTrade'); // everything the emulator published
 * await client.stop();
 * await ex.close();
 * ```
 *
 * @packageDocumentation
 */
export { FakeBinance } from './fake-binance';
export type { FakeBinanceOptions, RateFunction, RateTable } from './options';
// The activity model is reached through FakeBinance.activityModel(): FakeBinance stays the only value.
export type { ActivityModel, StreamActivity, StreamPattern } from './streams/activity';
export type { ActivityEpisodes, ActivityIntraday, ActivityLull, ActivityMode, ActivityOption, ActivityProfileOptions } from './streams/activity-options';
export type { CloseFaultOptions, FailRestOptions, FaultTarget, Faults, MalformedKind, RejectUpgradesOptions, SlowRestOptions } from './faults';
export type { BookView } from './data/market-data';
export type { RestWeightStats } from './rest/weights';
export type { ConnectionInfo, EmulatorStats, FakeBinanceClientOptions, FakeBinanceUrls, SilentStream } from './inspection';
export type { GroundTruthEvent } from './data/ground-truth';
export type { FloodOptions, FloodResult } from './streams/flood/pump';
export type { ListenKeyInfo, ListenKeyState } from './rest/listen-keys';
export type { ControlMessage } from './streams/connection-host';
export type { WsApiAccountInput } from './ws-api/accounts';
export type { PushTarget, WsApiConnectionInfo, WsApiRequestRecord, WsApiSubscriptionInfo } from './ws-api/ws-api-emulator';
export type { OrderSimulator } from './orders/order-simulator';
export type { Fill, OrderRequest, OrderStatus, SimOrder } from './orders/order-types';
export type { WsApiLimitFault } from './ws-api/limits';
export type { SbeConnectionInfo, SbeServer, SbeStats, SbeTarget } from './sbe/sbe-emulator';
