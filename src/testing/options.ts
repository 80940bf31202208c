import type { Logger } from './log';
import type { MarketId } from './profile';
import { PROFILES, isMarketId } from './profile';
import type { ActivityOption, ActivityProfileOptions } from './streams/activity-options';
import { resolveActivityOption } from './streams/activity-options';

/**
 * Default messages per second per stream kind, or exact stream suffix.
 * Keys are looked up in this order: the exact suffix after the symbol
 * (`depth@100ms`, `kline_1m`, `depth20@100ms`, `markPrice@1s`, `!miniTicker@arr`),
 * then the family (`kline`, `depthN` for partial books, `markPrice`, `ticker`).
 * `0` = never generate; `Infinity` = full speed (as fast as subscribers drain: pre-built
 * frames with their ids patched in place, written straight to the sockets; see streams/flood/).
 */
export type RateTable = Readonly<Record<string, number>>;

/** A rate function: return `undefined` to fall back to the table/defaults. */
export type RateFunction = (stream: string) => number | undefined;

/**
 * Options of `FakeBinance.start(options)`: which market to emulate, where to listen, how the data is generated (symbols, rates, seed, activity), Binance's limits and durations (scaled by `timeScale` for fast tests), and which API keys are accepted. Every option is optional.
 */
export interface FakeBinanceOptions {
  /** Market profile to emulate. @default 'spot' */
  market?: MarketId | undefined;
  /** Interface to bind. Tests must keep the loopback default. @default '127.0.0.1' */
  host?: string | undefined;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number | undefined;
  /** Seed for every generator: same seed + same scenario = same data. @default 0x5eed */
  seed?: number | string | undefined;
  /** Lowercase symbols the emulator trades (e.g. `['btcusdt','ethusdt']`). Overrides `symbolCount`. @default `symbolCount` generated symbols */
  symbols?: readonly string[] | undefined;
  /** Generate this many plausible symbols (btcusdt, ethusdt, …, then sym0001usdt…). @default 10 */
  symbolCount?: number | undefined;
  /** Per-kind rates (msgs/s) overriding the realistic defaults, or a function of the stream name. @default the emulator's built-in rate per stream kind */
  rates?: RateTable | RateFunction | undefined;
  /**
   * When generated events happen. `'steady'`: every stream at its fixed rate (1/rate apart).
   * `'realistic'` (or `{ mode: 'realistic', …profile }`, see `ActivityProfileOptions`): the
   * activity model — liquid symbols busy, the long tail minutes apart, bursts, quiet minutes,
   * a 24 h curve and a market-wide lull; diff depth at its update speed only when the book
   * changed; klines and tickers at their cadence, skipped when nothing traded. `rates` then set
   * each stream's base rate (on the most liquid symbol; for periodic streams a slower cadence
   * only). The model runs in emulator time (ms since start × `timeScale`), so `timeScale`
   * compresses the day *and* multiplies every rate; lower `rates` at high scales. A stream that
   * starts generating waits for its first modelled event (`initialEvent` still sends one at
   * once). Rate 0, `Infinity`, `flood()` and `publish()` are unchanged. @default 'steady'
   */
  activity?: ActivityOption | undefined;
  /** Generate data automatically for subscribed streams; false = only `publish()`ed events (and no trade history: REST trades/aggTrades hold only `flood()`ed ones). @default true */
  autoGenerate?: boolean | undefined;
  /**
   * Add this field to every generated object payload with a high-resolution send time
   * (`performance.timeOrigin + performance.now()`, ms with fractions), for latency
   * measurement. Pick a name Binance does not use for that stream. @default undefined (off)
   */
  stampField?: string | undefined;
  /**
   * Pacing granularity of generated (finite-rate) streams: the scheduler wakes when the
   * earliest stream is due, at most once per `tickMs`, and sends what is due. Smaller =
   * smoother (fewer events per burst). No timer runs while nothing is generating. @default 1
   */
  tickMs?: number | undefined;
  /**
   * Send a fresh event on a stream as soon as a connection subscribes to it (published to
   * every subscriber of the stream, like any event), instead of waiting for the stream's
   * cadence (up to 2 s for a kline, longer for a lingering generator at a slow rate).
   * Binance does not do this (klines and tickers arrive on their own cadence), hence off by
   * default; a stream that starts generating always sends its first event at once.
   * Streams at rate 0 or `Infinity`, `autoGenerate: false`, and trade/aggTrade streams (their
   * events are the market's history: a trade cannot be invented) are not affected. @default false
   */
  initialEvent?: boolean | undefined;
  /** Events kept per stream in the ground-truth ring. @default 1000 */
  groundTruthLimit?: number | undefined;
  /**
   * Divides every clock-driven duration below (1440 = a day in a minute). Scaling never
   * takes the ping interval below 500 ms or the pong timeout below 2 s (pongs count toward
   * the incoming-message limit); set `pingIntervalMs`/`pongTimeoutMs` smaller explicitly if needed.
   * @default 1
   */
  timeScale?: number | undefined;
  /** Server ping interval. @default 20_000 (spot) / 180_000 (futures) */
  pingIntervalMs?: number | undefined;
  /** Disconnect when a ping stays unanswered this long. @default 60_000 (spot) / 600_000 (futures) */
  pongTimeoutMs?: number | undefined;
  /** Every connection is closed after this long. @default 86_400_000 (24 h) */
  maxConnectionLifetimeMs?: number | undefined;
  /** listenKey validity after creation/keepalive. @default 3_600_000 (60 min) */
  listenKeyValidityMs?: number | undefined;
  /** Incoming frames (text, ping, pong) per second per connection before a disconnect. @default 5 (spot) / 10 (futures) */
  maxIncomingMessagesPerSecond?: number | undefined;
  /** Streams per connection; more closes the connection (1008). @default 1024 (every market) */
  maxStreamsPerConnection?: number | undefined;
  /** Connection attempts per IP per window before HTTP 429. @default 300 */
  maxConnectionAttempts?: number | undefined;
  /** Window for `maxConnectionAttempts` (real time, not scaled). @default 300_000 (5 min) */
  connectionAttemptWindowMs?: number | undefined;
  /** Attempts answered 429 before the IP is banned with 418. @default 10 */
  banAfterRejectedAttempts?: number | undefined;
  /** How long a 418 ban lasts (real time). @default 120_000 (2 min, Binance's shortest ban) */
  banDurationMs?: number | undefined;
  /** Accepted API keys (REST X-MBX-APIKEY, WS API). @default undefined = any non-empty key */
  apiKeys?: readonly string[] | undefined;
  /**
   * REST REQUEST_WEIGHT per IP per window (`X-MBX-USED-WEIGHT-1M` on every market response; over it
   * 429 with `Retry-After` and `-1003`, then 418 for an IP that keeps sending: `banAfterRejectedAttempts`
   * requests during the pause, banned for `banDurationMs`, doubling per repeat, at most 3 days).
   * @default 6000 (spot) / 2400 (futures)
   */
  maxRestWeightPerMinute?: number | undefined;
  /** Length of a REST weight window (real time, not scaled), counted from the emulator's start. @default 60_000 */
  restWeightWindowMs?: number | undefined;
  /**
   * How far back the market history reaches (emulator time: divided by `timeScale`): REST
   * aggTrades/trades/klines answer for this window, trades and klines exist in it whether or not
   * anyone subscribed (from this long before the start). @default 172_800_000 (48 h; USD-M keeps 2 days of aggTrades)
   */
  historyRetentionMs?: number | undefined;
  /** Keep generating a stream this long after its last subscriber left, so reconnecting clients see real gaps. @default 10_000 */
  generatorLingerMs?: number | undefined;
  /** Control messages kept per connection and in the global log. @default 1000 */
  controlLogLimit?: number | undefined;
  /** Where the emulator logs (debug: connections, faults). @default silent */
  logger?: Partial<Logger> | undefined;
}

export interface ResolvedOptions {
  market: MarketId;
  host: string;
  port: number;
  seed: number | string | undefined;
  symbols: readonly string[];
  rates: RateTable | RateFunction | undefined;
  /** The realistic activity profile; undefined = steady. */
  activity: ActivityProfileOptions | undefined;
  autoGenerate: boolean;
  stampField: string | undefined;
  tickMs: number;
  initialEvent: boolean;
  groundTruthLimit: number;
  timeScale: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  maxConnectionLifetimeMs: number;
  listenKeyValidityMs: number;
  maxIncomingMessagesPerSecond: number;
  maxStreamsPerConnection: number;
  maxConnectionAttempts: number;
  connectionAttemptWindowMs: number;
  banAfterRejectedAttempts: number;
  banDurationMs: number;
  apiKeys: readonly string[] | undefined;
  maxRestWeightPerMinute: number;
  restWeightWindowMs: number;
  historyRetentionMs: number;
  generatorLingerMs: number;
  controlLogLimit: number;
}

const WELL_KNOWN = ['btc', 'eth', 'bnb', 'sol', 'xrp', 'doge', 'ada', 'trx', 'link', 'avax', 'dot', 'ltc', 'bch', 'near', 'uni', 'atom', 'etc', 'fil', 'apt', 'arb'];

/** Plausible symbol names: btcusdt, ethusdt, …, then sym0001usdt… (COIN-M: btcusd_perp…). */
export function generateSymbols(market: MarketId, count: number): string[] {
  const suffix = market === 'coinm' ? 'usd_perp' : 'usdt';
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = i < WELL_KNOWN.length ? WELL_KNOWN[i] : `sym${String(i - WELL_KNOWN.length + 1).padStart(4, '0')}`;
    out.push(`${base}${suffix}`);
  }
  return out;
}

function posInt(name: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`FakeBinance option ${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function posNum(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`FakeBinance option ${name}: expected a finite number > 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function resolveOptions(opts: FakeBinanceOptions = {}): ResolvedOptions {
  if (opts === null || typeof opts !== 'object') throw new TypeError('FakeBinance options: expected an object');
  const market = opts.market ?? 'spot';
  if (!isMarketId(market)) throw new RangeError(`FakeBinance option market: expected "spot", "usdm" or "coinm", got ${JSON.stringify(market)}`);
  const profile = PROFILES[market];
  const host = opts.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !host) throw new TypeError('FakeBinance option host: expected a non-empty string');
  const port = posInt('port', opts.port ?? 0);
  if (port > 65535) throw new RangeError(`FakeBinance option port: expected 0..65535, got ${port}`);
  if (opts.seed !== undefined && typeof opts.seed !== 'number' && typeof opts.seed !== 'string') {
    throw new TypeError('FakeBinance option seed: expected a number or string');
  }
  let symbols: string[];
  if (opts.symbols !== undefined) {
    if (!Array.isArray(opts.symbols) || opts.symbols.length === 0) throw new TypeError('FakeBinance option symbols: expected a non-empty string[]');
    symbols = opts.symbols.map((s, i) => {
      if (typeof s !== 'string' || !/^[a-z0-9_]+$/.test(s)) {
        throw new RangeError(`FakeBinance option symbols[${i}]: expected a lowercase symbol like "btcusdt", got ${JSON.stringify(s)}`);
      }
      return s;
    });
  } else {
    symbols = generateSymbols(market, posInt('symbolCount', opts.symbolCount ?? 10, 1));
  }
  if (opts.rates !== undefined && typeof opts.rates !== 'function' && (typeof opts.rates !== 'object' || opts.rates === null)) {
    throw new TypeError('FakeBinance option rates: expected an object of msgs/s or a function (stream) => number');
  }
  if (opts.rates && typeof opts.rates === 'object') {
    for (const [k, v] of Object.entries(opts.rates)) {
      if (typeof v !== 'number' || v < 0 || Number.isNaN(v)) throw new RangeError(`FakeBinance option rates.${k}: expected a number >= 0 (Infinity allowed)`);
    }
  }
  if (opts.stampField !== undefined && (typeof opts.stampField !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.stampField))) {
    throw new TypeError(`FakeBinance option stampField: expected a plain field name, got ${JSON.stringify(opts.stampField)}`);
  }
  const timeScale = posNum('timeScale', opts.timeScale ?? 1);
  const tickMs = posNum('tickMs', opts.tickMs ?? 1);
  if (opts.initialEvent !== undefined && typeof opts.initialEvent !== 'boolean') {
    throw new TypeError(`FakeBinance option initialEvent: expected a boolean, got ${JSON.stringify(opts.initialEvent)}`);
  }
  if (opts.apiKeys !== undefined && (!Array.isArray(opts.apiKeys) || opts.apiKeys.some((k) => typeof k !== 'string' || !k))) {
    throw new TypeError('FakeBinance option apiKeys: expected an array of non-empty strings');
  }
  return {
    market,
    host,
    port,
    seed: opts.seed,
    symbols,
    rates: opts.rates,
    activity: resolveActivityOption(opts.activity, opts.seed),
    autoGenerate: opts.autoGenerate ?? true,
    stampField: opts.stampField,
    tickMs,
    initialEvent: opts.initialEvent ?? false,
    groundTruthLimit: posInt('groundTruthLimit', opts.groundTruthLimit ?? 1000, 1),
    timeScale,
    pingIntervalMs: posNum('pingIntervalMs', opts.pingIntervalMs ?? profile.pingIntervalMs),
    pongTimeoutMs: posNum('pongTimeoutMs', opts.pongTimeoutMs ?? profile.pongTimeoutMs),
    maxConnectionLifetimeMs: posNum('maxConnectionLifetimeMs', opts.maxConnectionLifetimeMs ?? profile.connectionLifetimeMs),
    listenKeyValidityMs: posNum('listenKeyValidityMs', opts.listenKeyValidityMs ?? profile.listenKeyValidityMs),
    maxIncomingMessagesPerSecond: posInt('maxIncomingMessagesPerSecond', opts.maxIncomingMessagesPerSecond ?? profile.incomingMessagesPerSecond, 1),
    maxStreamsPerConnection: posInt('maxStreamsPerConnection', opts.maxStreamsPerConnection ?? profile.streamsPerConnection, 1),
    maxConnectionAttempts: posInt('maxConnectionAttempts', opts.maxConnectionAttempts ?? profile.connectionAttempts, 1),
    connectionAttemptWindowMs: posNum('connectionAttemptWindowMs', opts.connectionAttemptWindowMs ?? profile.connectionAttemptWindowMs),
    banAfterRejectedAttempts: posInt('banAfterRejectedAttempts', opts.banAfterRejectedAttempts ?? 10, 1),
    banDurationMs: posNum('banDurationMs', opts.banDurationMs ?? 120_000),
    apiKeys: opts.apiKeys,
    maxRestWeightPerMinute: posInt('maxRestWeightPerMinute', opts.maxRestWeightPerMinute ?? profile.restWeightPerMinute, 1),
    restWeightWindowMs: posNum('restWeightWindowMs', opts.restWeightWindowMs ?? 60_000),
    historyRetentionMs: posNum('historyRetentionMs', opts.historyRetentionMs ?? 172_800_000),
    generatorLingerMs: posInt('generatorLingerMs', opts.generatorLingerMs ?? 10_000, 0),
    controlLogLimit: posInt('controlLogLimit', opts.controlLogLimit ?? 1000, 1),
  };
}
