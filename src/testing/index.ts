/**
 * `binance-stream-client/testing`: a local Binance exchange emulator (Node only).
 * The main entry never imports this module.
 */
export { FakeBinance } from './fake-binance';
export type { ConnectionInfo, EmulatorStats, FakeBinanceClientOptions, FakeBinanceExtension, FakeBinanceUrls } from './fake-binance';
export type { FakeBinanceOptions, RateFunction, RateTable } from './options';
export { generateSymbols } from './options';
export type { CloseFaultOptions, FailRestOptions, FaultTarget, Faults, MalformedKind, RejectUpgradesOptions } from './faults';
export type { GroundTruthEvent } from './ground-truth';
export type { FloodOptions, FloodResult } from './hub';
export type { ListenKeyInfo, ListenKeyState } from './listen-keys';
export type { ControlMessage } from './stream-connection';
export { defaultRates, parseStream } from './market-data';
export { parseControlMessage } from './control-protocol';
export type { BinanceErrorObject, ControlRequest, ParseResult, RequestId } from './control-protocol';
export { Clock } from './clock';
export { installWsApi, WsApiEmulator } from './ws-api';
export type { PushTarget, WsApiAccountInput, WsApiConnectionInfo, WsApiOptions, WsApiRequestRecord } from './ws-api';
