/**
 * `binance-stream-client/redis`: Binance's per-IP and per-account limits shared by every process
 * through Redis, and a market-data gateway that fans one set of Binance connections out to many
 * consumer processes (Redis Streams). Node only; needs `ioredis` (an optional peer dependency).
 * Start with `RedisCoordinator`, `createGateway` and `RedisStreamSource`; see the README,
 * "Running many bots on one IP".
 *
 * @packageDocumentation
 */
export { RedisCoordinator } from './coordinator';
export type { RedisCoordinatorOptions, RedisCoordinatorStats } from './coordinator';
export type { RedisConnectionBudgetState } from './connection-budget';
export type { RedisRestWeightBudgetState } from './weight-budget';
export type { ListenKeyLease } from '../user-data/futures/listen-key-options';
export { createGateway, GATEWAY_EVENTS } from './gateway';
export type { Gateway, GatewayOptions, GatewayStats } from './gateway';
export { RedisStreamSource } from './stream-source';
export type { RedisGapEvent, RedisStreamSourceEvents, RedisStreamSourceOptions, RedisStreamSourceStats } from './stream-source';
