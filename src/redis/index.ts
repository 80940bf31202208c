/**
 * `binance-stream-client/redis`: limits shared across processes through Redis (ioredis, an
 * optional peer dependency) and a market-data gateway. Being built; see the README.
 */
export {};
