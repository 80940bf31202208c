/**
 * `client.orderBook(symbol, options)`: local order books kept in sync from the client's own
 * diff-depth delivery and REST snapshots (the synchroniser: ../book/book-sync.ts).
 *
 * - Each book subscribes `<symbol>@depth[@<speed>ms]` (with `encoding: 'sbe'`, SBE's `<symbol>@depth`:
 *   the same U/u update ids, so the same synchroniser) and reads it through an emitter tap, like a
 *   `client.stream()` iterator (after the listeners, in arrival order).
 * - Snapshots come from `MarketRest.depth()` (../rest/market-rest.ts: the process-wide REST
 *   weight budget), `limit` = the book's depth (futures: the next limit Binance accepts). The
 *   book's own retry policy paces retries (`bookRetryPolicy()`), so MarketRest does not retry too;
 *   a 418 ban is waited out (retried once the budget lets requests through), not fatal.
 * - A `reconnecting` of the connection carrying the stream resyncs the book (`reconnect`); the
 *   stream's `subscribed` tells the book it may fetch a snapshot on a quiet market.
 * - `book`, `bookResync` and (when the snapshot can never be had) `error` are emitted on the client.
 *
 * Subscriptions are shared with the iterators (`createConsumers()` builds both): a stream that
 * books or iterators subscribed is unsubscribed when the last of them ends, never one the user
 * subscribed with `subscribe()`. To that end the iterators see the pool through `guard()`: a
 * stream that only books hold reads as not subscribed, so an iterator opened on it co-owns it,
 * and an iterator's unsubscribe of a stream a book still reads is held back (the books own it then).
 */
import { BookSync } from '../book/book-sync';
import type { BookStats, BookSyncState } from '../book/events';
import type { BookBest, BookSize, OrderBookView } from '../book/order-book';
import { BinanceStreamError, describeError, invalidOption } from '../core/errors';
import { knownKeys, num, numOrFalse, optObject } from '../core/validate';
import type { StreamPool } from '../pool/stream-pool';
import { MarketRest } from '../rest/market-rest';
import { ConstantBackoff } from '../retry/constant-backoff';
import { checkSbeStream, checkStreamKind } from '../streams/catalog';
import { normalizeStreamName, streams } from '../streams/names';
import type { DepthSpeed } from '../streams/names';
import type { DepthUpdateEvent, PriceLevel, StreamMessage } from '../streams/types';
import type { EmitFn, MessageTap } from './emitter';
import type { ResolvedClientConfig } from './resolve';
import { restUnknown } from './resolve';
import { MessageStreams } from './stream-iterator';
import type { MessageStreamHost } from './stream-iterator';

/**
 * Options of `client.orderBook(symbol, options)`: how deep the local book is, which diff-depth speed feeds it, and whether it is checked against REST snapshots now and then.
 */
export interface OrderBookOptions {
  /** Levels kept per side, and the REST snapshot's size: 1–5000 (spot), 1–1000 (futures). @default 1_000 */
  depth?: number | undefined;
  /** Diff-depth update speed in ms: 100 or 1000 (spot), 100, 250 or 500 (futures). @default Binance's default: 1000 spot, 250 futures */
  speed?: DepthSpeed | undefined;
  /** Compare the book with a REST snapshot this often (each costs a depth call's weight), resync on a mismatch; `false` never. At least 1_000. @default false */
  selfCheckMs?: number | false | undefined;
}

/** What `client.orderBook()` returns: the read API of the book, plus its lifecycle. */
export interface LocalOrderBook extends OrderBookView {
  /** Binance's symbol, upper case. */
  readonly symbol: string;
  /** The diff-depth stream feeding it. */
  readonly stream: string;
  /** `live` when in sync; in any other state the contents are stale (see `BookSyncState`). */
  readonly state: BookSyncState;
  /** Resolves when the book is live (at once if it is); rejects with ERR_ABORTED if it closes first, or with the error that failed it. */
  ready(): Promise<void>;
  /** Counters of this book: updates applied, resyncs and their reasons, snapshot calls, self-check results. */
  stats(): BookStats;
  /** Stop it and unsubscribe its stream unless something else holds it. Idempotent. */
  close(): void;
}

type Pool = Pick<StreamPool, 'has' | 'subscribe' | 'unsubscribe' | 'hold' | 'health' | 'on'>;

export interface ConsumersHost {
  readonly config: Pick<ResolvedClientConfig, 'market' | 'allowUnknownStreams' | 'logger' | 'urls' | 'fetch' | 'restWeightBudget' | 'restKnown'> & {
    readonly pool: { readonly liveness: { readonly lagThresholdMs: number }; readonly tuning?: { readonly binaryFrames?: unknown } | undefined };
  };
  readonly pool: Pool;
  readonly taps: { add(stream: string, tap: MessageTap): void; remove(stream: string, tap: MessageTap): void };
  readonly emit: EmitFn;
  /** Whether the client has listeners for `event`. */
  listening(event: 'book'): boolean;
}

/** The client's consumers of delivered data: `stream()` iterators and order books, sharing the subscriptions. */
export function createConsumers(h: ConsumersHost): { iterators: MessageStreams; books: OrderBooks } {
  const c = h.config;
  const books = new OrderBooks(h);
  const sbe = c.pool.tuning?.binaryFrames !== undefined;
  const host = { market: c.market, allowUnknownStreams: c.allowUnknownStreams, sbe, log: c.logger, emit: h.emit, taps: h.taps, lagThresholdMs: c.pool.liveness.lagThresholdMs || (false as const) };
  return { iterators: new MessageStreams({ ...host, pool: books.guard(h.pool) }), books };
}

const FUTURES_LIMITS = [5, 10, 20, 50, 100, 500, 1000];

export class OrderBooks {
  /** Open books per stream. */
  private readonly byStream = new Map<string, Set<BookHandle>>();
  /** Streams the books subscribed (or took over from an iterator): unsubscribed with the last book. */
  private readonly owned = new Set<string>();
  /** Streams an iterator subscribed and still holds. */
  private readonly iteratorOwned = new Set<string>();
  private stopping = false;
  private rest: MarketRest | undefined;

  constructor(private readonly h: ConsumersHost) {
    h.pool.on('reconnecting', (e) => {
      const why = `socket ${e.socketId} reconnecting (attempt ${e.attempt}): ${describeError(e.error)}`;
      for (const s of e.streams) for (const b of this.byStream.get(s) ?? []) b.sync.resync('reconnect', why);
    });
    h.pool.on('subscribed', (e) => {
      for (const s of e.streams) for (const b of this.byStream.get(s) ?? []) b.sync.acknowledged();
    });
  }

  open(symbol: string, options: OrderBookOptions = {}): LocalOrderBook {
    const market = this.h.config.market;
    if (!this.h.config.restKnown) throw restUnknown('orderBook() (its snapshots come from REST)', this.h.config.urls.stream);
    const o = optObject('orderBook() options', options, 'an object { depth?, speed?, selfCheckMs? }') ?? {};
    knownKeys('orderBook()', o, ['depth', 'speed', 'selfCheckMs']);
    const depth = num('orderBook().depth', o.depth, 1_000, { integer: true, min: 1, max: market.futures ? 1_000 : 5_000 });
    const sbe = this.h.config.pool.tuning?.binaryFrames !== undefined;
    const speeds = market.futures ? [100, 250, 500] : [100, 1000];
    // Binance's SBE diff depth (`<symbol>@depth`, encoding: 'sbe') has one speed (20 ms) and no speed suffix.
    if (sbe && o.speed !== undefined) throw invalidOption('orderBook().speed', "no speed with encoding 'sbe' (its <symbol>@depth stream has one update speed, set by Binance)", o.speed);
    if (o.speed !== undefined && !speeds.includes(o.speed as number)) throw invalidOption('orderBook().speed', `one of ${speeds.join(', ')} (${market.id})`, o.speed);
    const selfCheckMs = numOrFalse('orderBook().selfCheckMs', o.selfCheckMs, false, { min: 1_000, unit: 'ms' });
    const speed = o.speed === (market.futures ? 250 : 1000) ? undefined : (o.speed as DepthSpeed | undefined);
    const stream = normalizeStreamName(streams.depth(symbol, speed));
    if (sbe) checkSbeStream(stream, this.h.config.allowUnknownStreams);
    else checkStreamKind(stream, market.id, this.h.config.allowUnknownStreams);
    const limit = market.futures ? (FUTURES_LIMITS.find((l) => l >= depth) ?? 1_000) : depth;
    const sym = stream.slice(0, stream.indexOf('@')).toUpperCase();
    const sync: BookSync = new BookSync({
      symbol: sym,
      market: market.id,
      stream,
      depth,
      selfCheckMs,
      logger: this.h.config.logger,
      fetchSnapshot: (signal) => this.restClient().depth({ symbol: sym, limit }, { signal, owner: stream }).catch(outlastBan),
      wantsBook: () => this.h.listening('book'),
      onBook: (e) => this.h.emit('book', e),
      onResync: (e) => this.h.emit('bookResync', e),
      onError: (error) => this.h.emit('error', { error, stream }),
    });
    const tap: MessageTap = { push: (m: StreamMessage) => isDepthUpdate(m.data) && sync.push(m.data) };
    const pool = this.h.pool;
    if (!pool.has(stream)) {
      pool.subscribe(stream);
      this.owned.add(stream);
    } else if (pool.health().streams[stream]?.state === 'live') sync.acknowledged();
    this.h.taps.add(stream, tap);
    const handle: BookHandle = new BookHandle(sync, () => this.release(stream, handle, tap));
    this.byStream.set(stream, (this.byStream.get(stream) ?? new Set()).add(handle));
    return handle;
  }

  /** `subscribe()` took these streams: they are the user's now and outlive the books. */
  adopt(names: string | readonly string[]): void {
    if (this.owned.size === 0 && this.iteratorOwned.size === 0) return;
    for (const raw of typeof names === 'string' ? [names] : names) {
      try {
        const n = normalizeStreamName(raw);
        this.owned.delete(n);
        this.iteratorOwned.delete(n);
      } catch {
        // not a stream name: subscribe() rejected it already
      }
    }
  }

  /** The pool as the iterators see it (see the file doc). */
  guard(pool: Pool): MessageStreamHost['pool'] {
    return {
      has: (n) => pool.has(n) && !(this.owned.has(n) && !this.iteratorOwned.has(n)),
      subscribe: (names, options) => {
        for (const n of typeof names === 'string' ? [names] : names) this.iteratorOwned.add(normalizeStreamName(n));
        pool.subscribe(names, options);
      },
      unsubscribe: (names) => {
        const pass: string[] = [];
        for (const n of typeof names === 'string' ? [names] : names) {
          this.iteratorOwned.delete(n);
          if (this.byStream.has(n)) this.owned.add(n);
          else pass.push(n);
        }
        if (pass.length) pool.unsubscribe(pass);
      },
      hold: (names) => pool.hold(names),
    };
  }

  /** The client stops: close every book, leaving the subscriptions to stop(). */
  closeAll(): void {
    this.stopping = true;
    for (const set of [...this.byStream.values()]) for (const b of [...set]) b.close();
  }

  private restClient(): MarketRest {
    const c = this.h.config;
    return (this.rest ??= new MarketRest({
      market: c.market.id,
      baseUrl: c.urls.rest,
      logger: c.logger,
      retryPolicy: new ConstantBackoff({ maxRetries: 0 }),
      fetch: c.fetch,
      budget: c.restWeightBudget,
    }));
  }

  private release(stream: string, handle: BookHandle, tap: MessageTap): void {
    this.h.taps.remove(stream, tap);
    const set = this.byStream.get(stream);
    set?.delete(handle);
    if (set === undefined || set.size > 0) return;
    this.byStream.delete(stream);
    const mine = this.owned.delete(stream);
    if (mine && !this.iteratorOwned.has(stream) && !this.stopping) this.h.pool.unsubscribe(stream);
  }
}

/**
 * MarketRest fails a 418 (IP banned) at once, as permanent, and holds the host until the ban ends.
 * A book must not die of it: the next attempt simply waits in the budget (and `retryAfterMs` paces it).
 */
function outlastBan(err: unknown): never {
  if (err instanceof BinanceStreamError && err.httpStatus === 418 && err.permanent) {
    const { httpStatus, binanceCode, retryAfterMs } = err;
    throw new BinanceStreamError('ERR_HTTP', err.message, { httpStatus, ...(binanceCode !== undefined ? { binanceCode } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), cause: err });
  }
  throw err;
}

function isDepthUpdate(d: unknown): d is DepthUpdateEvent {
  const e = d as DepthUpdateEvent | null;
  return e !== null && typeof e === 'object' && typeof e.U === 'number' && typeof e.u === 'number' && Array.isArray(e.b) && Array.isArray(e.a);
}

class BookHandle implements LocalOrderBook {
  private closed = false;

  constructor(
    readonly sync: BookSync,
    private readonly onClose: () => void,
  ) {}

  get symbol(): string {
    return this.sync.symbol;
  }
  get stream(): string {
    return this.sync.stream;
  }
  get state(): BookSyncState {
    return this.sync.state;
  }
  get lastUpdateId(): number {
    return this.sync.book.lastUpdateId;
  }
  get size(): BookSize {
    return this.sync.book.size;
  }
  bids(n?: number): PriceLevel[] {
    return this.sync.book.bids(n);
  }
  asks(n?: number): PriceLevel[] {
    return this.sync.book.asks(n);
  }
  best(): BookBest {
    return this.sync.book.best();
  }
  ready(): Promise<void> {
    return this.sync.ready();
  }
  stats(): BookStats {
    return this.sync.stats();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sync.close();
    this.onClose();
  }
}
