/**
 * The one stream-name parser: `<symbol>@<kind>[@<suffix>]` or `!<kind>[@<suffix>]`.
 * Pure and structural (no knowledge of which kinds exist: that is ./catalog.ts).
 *
 * | name                      | symbol    | kind          | suffix   |
 * |---------------------------|-----------|---------------|----------|
 * | `btcusdt@kline_1m`        | `btcusdt` | `kline_1m`    |          |
 * | `btcusdt@depth20@100ms`   | `btcusdt` | `depth20`     | `100ms`  |
 * | `btcusdt@kline_1h@+08:00` | `btcusdt` | `kline_1h`    | `+08:00` |
 * | `!miniTicker@arr`         |           | `!miniTicker` | `arr`    |
 * | `!bookTicker`             |           | `!bookTicker` |          |
 */

export interface ParsedStreamName {
  /** Symbol part as written, or undefined for `!…` all-market streams. */
  readonly symbol: string | undefined;
  /** The stream kind with its inline parameter (`kline_1m`, `depth20`, `!ticker_1h`). */
  readonly kind: string;
  /** Everything after the kind's `@`, or undefined. */
  readonly suffix: string | undefined;
}

/** All-market streams Binance names without `!` or `@` (USD-M's trading-session stream). */
const BARE_ALL_MARKET: ReadonlySet<string> = new Set(['tradingSession']);

/** Split a stream name; undefined when it has no kind (`btcusdt`, `@trade`, `btcusdt@`). */
export function parseStreamName(name: string): ParsedStreamName | undefined {
  if (BARE_ALL_MARKET.has(name)) return { symbol: undefined, kind: name, suffix: undefined };
  if (name.startsWith('!')) {
    const at = name.indexOf('@');
    const kind = at < 0 ? name : name.slice(0, at);
    if (kind.length < 2) return undefined;
    return { symbol: undefined, kind, suffix: at < 0 ? undefined : name.slice(at + 1) };
  }
  const at = name.indexOf('@');
  if (at <= 0) return undefined;
  const rest = name.slice(at + 1);
  const next = rest.indexOf('@');
  const kind = next < 0 ? rest : rest.slice(0, next);
  if (!kind) return undefined;
  return { symbol: name.slice(0, at), kind, suffix: next < 0 ? undefined : rest.slice(next + 1) };
}
