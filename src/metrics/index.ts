/**
 * `binance-stream-client/metrics`: prom-client and OpenTelemetry adapters (optional peer
 * dependencies). Being built; see the README.
 */
export {};
