/** The emulated spot WebSocket API (user data) and margin listenToken REST, as a FakeBinance extension. */
export { installWsApi, WsApiEmulator } from './ws-api-emulator';
export type { PushTarget, SubscriptionKind, WsApiConnectionInfo, WsApiHost, WsApiOptions, WsApiRequestRecord, WsApiSubscriptionInfo } from './ws-api-emulator';
export type { AccountKeyType, WsApiAccountInput } from './accounts';
