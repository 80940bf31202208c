/**
 * The SBE decoder of Binance's spot market-data streams (schema 1:0, ./schema.ts): message
 * header → template → root block → groups → `symbol`, straight from the bytes into the
 * JSON-shaped events of ./types.ts, one {@link StreamMessage} per event (a TradesStreamEvent
 * carries one event per trade). It allocates the events, their level arrays and the messages
 * it hands out, nothing else (no DataView, no BigInt, no intermediate object per frame).
 *
 * Every bound is checked before the first event goes out (an id beyond 2^53, never seen in
 * practice, is caught as it is read): a frame shorter than its header,
 * blocks and groups say (truncated), or longer (oversized: SBE frames carry one message),
 * an unknown template, another schema id, or a block shorter than version 0's is an
 * `ERR_SBE_DECODE` BinanceStreamError naming the template, the schema id:version, the offset
 * and the frame length. A newer version of schema 1 with longer blocks decodes (the extra
 * bytes of each block and group entry are skipped, as the FIX SBE extension rules want).
 */
import { BinanceStreamError } from '../../core/errors';
import type { StreamMessage } from '../types';
import type { Bytes } from './bytes';
import { decimalNumber, decimalString, i64, i8, u16, u32, u8 } from './bytes';
import * as S from './schema';
import { SymbolTable } from './symbols';
import type { SymbolEntry } from './symbols';
import type { SbeDecoderOptions, SbeEvent, SbePriceLevel } from './types';

export type SbeDeliver = (message: StreamMessage<SbeEvent<Dec>>) => void;

type Dec = string | number;
type Decimal = (b: Bytes, o: number, exp: number) => Dec;

const MIN_BLOCK: Readonly<Record<number, number>> = {
  [S.TEMPLATE_TRADES]: S.TRADES_BLOCK,
  [S.TEMPLATE_BEST_BID_ASK]: S.BEST_BID_ASK_BLOCK,
  [S.TEMPLATE_DEPTH_SNAPSHOT]: S.DEPTH_SNAPSHOT_BLOCK,
  [S.TEMPLATE_DEPTH_DIFF]: S.DEPTH_DIFF_BLOCK,
};

/** What is known of the frame being decoded, for the error message. */
interface Where {
  length: number;
  templateId: number;
  schemaId: number;
  version: number;
}

export function sbeDecodeError(problem: string, w: Where, offset: number): BinanceStreamError {
  const name = S.TEMPLATE_NAMES[w.templateId];
  const template = w.templateId < 0 ? 'unknown template' : `template ${w.templateId}${name ? ` (${name})` : ''}`;
  const schema = w.schemaId < 0 ? 'schema unknown' : `schema ${w.schemaId}:${w.version}`;
  return new BinanceStreamError('ERR_SBE_DECODE', `SBE frame rejected: ${problem} (${template}, ${schema}, offset ${offset}, frame of ${w.length} bytes)`);
}

function microseconds(b: Bytes, o: number, field: string, w: Where): number {
  const v = i64(b, o);
  if (!Number.isSafeInteger(v) || v < 0) throw sbeDecodeError(`${field} ${v} is not a time in µs this decoder can hold exactly`, w, o);
  return v;
}

function id(b: Bytes, o: number, field: string, w: Where): number {
  const v = i64(b, o);
  if (!Number.isSafeInteger(v)) throw sbeDecodeError(`${field} is beyond 2^53 (not exact as a number)`, w, o);
  return v;
}

/**
 * Decodes the binary frames of Binance's spot SBE market-data streams (schema 1:0) into the same event shapes as the
 * JSON streams (`trade`, `bestBidAsk` as a bookTicker, `depthUpdate`, partial depth), plus the microsecond times SBE
 * carries. A malformed frame throws `ERR_SBE_DECODE` before any event of it is delivered. One decoder per connection:
 * it caches symbols between frames.
 *
 * @example
 * ```ts
 * const decoder = new SbeDecoder(); // decimals as exact strings; { decimals: 'number' } for doubles
 * ws.binaryType = 'arraybuffer';
 * ws.onmessage = (e) => {
 *   for (const m of decoder.decodeAll(new Uint8Array(e.data as ArrayBuffer), Date.now())) console.log(m.stream, m.data);
 * };
 * ```
 */
export class SbeDecoder {
  private readonly symbols = new SymbolTable();
  private readonly dec: Decimal;
  /** Reused for error messages only (written before each decode). */
  private readonly where: Where = { length: 0, templateId: -1, schemaId: -1, version: 0 };

  constructor(options: SbeDecoderOptions = {}) {
    const d = options.decimals ?? 'string';
    if (d !== 'string' && d !== 'number') throw new BinanceStreamError('ERR_INVALID_OPTION', `invalid SBE decoder option decimals: expected 'string' or 'number', got ${JSON.stringify(d)}`);
    this.dec = d === 'number' ? decimalNumber : decimalString;
  }

  /**
   * Decode one binary frame; `deliver` gets each event as `{ stream, data, receivedAt }` in
   * order. Returns the number of events (0 for a trades group with no entry). Throws
   * `ERR_SBE_DECODE` before delivering anything when the frame is malformed.
   */
  decode(b: Bytes, receivedAt: number, deliver: SbeDeliver): number {
    const w = this.where;
    w.length = b.length;
    w.templateId = -1;
    w.schemaId = -1;
    w.version = 0;
    if (b.length < S.HEADER_LENGTH) throw sbeDecodeError(`truncated: ${b.length} bytes, shorter than the ${S.HEADER_LENGTH}-byte message header`, w, 0);
    const blockLength = u16(b, 0);
    w.templateId = u16(b, 2);
    w.schemaId = u16(b, 4);
    w.version = u16(b, 6);
    if (w.schemaId !== S.SBE_SCHEMA_ID)
      throw sbeDecodeError(`schema id ${w.schemaId} version ${w.version}, this decoder reads schema id ${S.SBE_SCHEMA_ID} (stream_1_0.xml, versions >= ${S.SBE_SCHEMA_VERSION})`, w, 4);
    const min = MIN_BLOCK[w.templateId];
    if (min === undefined) throw sbeDecodeError(`unknown template id ${w.templateId} (known: ${Object.keys(MIN_BLOCK).join(', ')})`, w, 2);
    if (blockLength < min) throw sbeDecodeError(`root block of ${blockLength} bytes, schema ${S.SBE_SCHEMA_ID}:${S.SBE_SCHEMA_VERSION} needs at least ${min}`, w, 0);
    const root = S.HEADER_LENGTH;
    const after = root + blockLength;
    if (b.length < after) throw sbeDecodeError(`truncated: the root block ends at ${after}`, w, b.length);
    switch (w.templateId) {
      case S.TEMPLATE_TRADES:
        return this.trades(b, root, after, receivedAt, deliver);
      case S.TEMPLATE_BEST_BID_ASK:
        return this.bestBidAsk(b, root, after, receivedAt, deliver);
      default:
        return this.depth(b, root, after, w.templateId === S.TEMPLATE_DEPTH_DIFF, receivedAt, deliver);
    }
  }

  /** Every event of one frame, in order (convenience; the client uses `decode`). */
  decodeAll(b: Bytes, receivedAt = 0): StreamMessage<SbeEvent<Dec>>[] {
    const out: StreamMessage<SbeEvent<Dec>>[] = [];
    this.decode(b, receivedAt, (m) => void out.push(m));
    return out;
  }

  /** The `symbol` varString8 at `o`, which must end the frame. */
  private symbol(b: Bytes, o: number): SymbolEntry {
    const w = this.where;
    if (b.length < o + 1) throw sbeDecodeError('truncated: no length byte of the symbol varString8', w, o);
    const len = u8(b, o);
    const end = o + 1 + len;
    if (b.length < end) throw sbeDecodeError(`truncated: the ${len}-byte symbol ends at ${end}`, w, o);
    if (b.length > end) throw sbeDecodeError(`oversized: ${b.length - end} bytes after the message`, w, end);
    if (len === 0) throw sbeDecodeError('empty symbol', w, o);
    try {
      return this.symbols.lookup(b, o + 1, len);
    } catch (err) {
      throw sbeDecodeError(`symbol is not valid UTF-8 (${(err as Error).message})`, w, o + 1);
    }
  }

  private trades(b: Bytes, root: number, after: number, receivedAt: number, deliver: SbeDeliver): number {
    const w = this.where;
    const Eus = microseconds(b, root + S.TRADES.eventTime, 'eventTime', w);
    const Tus = microseconds(b, root + S.TRADES.transactTime, 'transactTime', w);
    const pe = i8(b, root + S.TRADES.priceExponent);
    const qe = i8(b, root + S.TRADES.qtyExponent);
    if (b.length < after + S.GROUP_HEADER_LENGTH) throw sbeDecodeError('truncated: no trades group header', w, after);
    const entry = u16(b, after);
    const n = u32(b, after + 2);
    if (entry < S.TRADE_ENTRY_BLOCK) throw sbeDecodeError(`trades entries of ${entry} bytes, schema 1:0 needs ${S.TRADE_ENTRY_BLOCK}`, w, after);
    if (n > S.MAX_GROUP_COUNT) throw sbeDecodeError(`trades numInGroup ${n} above its maxValue`, w, after + 2);
    const first = after + S.GROUP_HEADER_LENGTH;
    const end = first + n * entry;
    if (b.length < end) throw sbeDecodeError(`truncated: ${n} trades of ${entry} bytes end at ${end}`, w, b.length);
    const sym = this.symbol(b, end);
    const stream = sym.streams[0] as string;
    const s = sym.symbol;
    const E = Math.floor(Eus / 1000);
    const T = Math.floor(Tus / 1000);
    const dec = this.dec;
    for (let o = first; o < end; o += entry) {
      const data = {
        e: 'trade',
        E,
        s,
        t: id(b, o + S.TRADE_ENTRY.id, 'trade id', w),
        p: dec(b, o + S.TRADE_ENTRY.price, pe),
        q: dec(b, o + S.TRADE_ENTRY.qty, qe),
        T,
        m: u8(b, o + S.TRADE_ENTRY.isBuyerMaker) === 1,
        M: true,
        Eus,
        Tus,
      };
      deliver({ stream, data: data as SbeEvent<Dec>, receivedAt });
    }
    return n;
  }

  private bestBidAsk(b: Bytes, root: number, after: number, receivedAt: number, deliver: SbeDeliver): number {
    const w = this.where;
    const F = S.BEST_BID_ASK;
    const Eus = microseconds(b, root + F.eventTime, 'eventTime', w);
    const u = id(b, root + F.bookUpdateId, 'bookUpdateId', w);
    const pe = i8(b, root + F.priceExponent);
    const qe = i8(b, root + F.qtyExponent);
    const sym = this.symbol(b, after);
    const dec = this.dec;
    const data = {
      u,
      s: sym.symbol,
      b: dec(b, root + F.bidPrice, pe),
      B: dec(b, root + F.bidQty, qe),
      a: dec(b, root + F.askPrice, pe),
      A: dec(b, root + F.askQty, qe),
      E: Math.floor(Eus / 1000),
      Eus,
    };
    deliver({ stream: sym.streams[1] as string, data: data as SbeEvent<Dec>, receivedAt });
    return 1;
  }

  /** A groupSize16Encoding group of price levels at `o`; returns its end. */
  private levelsEnd(b: Bytes, o: number, name: string): number {
    const w = this.where;
    if (b.length < o + S.GROUP16_HEADER_LENGTH) throw sbeDecodeError(`truncated: no ${name} group header`, w, o);
    const entry = u16(b, o);
    const n = u16(b, o + 2);
    if (entry < S.LEVEL_ENTRY_BLOCK) throw sbeDecodeError(`${name} entries of ${entry} bytes, schema 1:0 needs ${S.LEVEL_ENTRY_BLOCK}`, w, o);
    const end = o + S.GROUP16_HEADER_LENGTH + n * entry;
    if (b.length < end) throw sbeDecodeError(`truncated: ${n} ${name} of ${entry} bytes end at ${end}`, w, b.length);
    return end;
  }

  private levels(b: Bytes, o: number, pe: number, qe: number): SbePriceLevel<Dec>[] {
    const entry = u16(b, o);
    const n = u16(b, o + 2);
    const out: SbePriceLevel<Dec>[] = new Array(n);
    const dec = this.dec;
    let p = o + S.GROUP16_HEADER_LENGTH;
    for (let i = 0; i < n; i++, p += entry) out[i] = [dec(b, p + S.LEVEL_ENTRY.price, pe), dec(b, p + S.LEVEL_ENTRY.qty, qe)];
    return out;
  }

  private depth(b: Bytes, root: number, after: number, diff: boolean, receivedAt: number, deliver: SbeDeliver): number {
    const w = this.where;
    const Eus = microseconds(b, root, 'eventTime', w);
    const pe = i8(b, root + (diff ? S.DEPTH_DIFF.priceExponent : S.DEPTH_SNAPSHOT.priceExponent));
    const qe = i8(b, root + (diff ? S.DEPTH_DIFF.qtyExponent : S.DEPTH_SNAPSHOT.qtyExponent));
    const asksAt = this.levelsEnd(b, after, 'bids');
    const symAt = this.levelsEnd(b, asksAt, 'asks');
    const sym = this.symbol(b, symAt);
    const E = Math.floor(Eus / 1000);
    let data: SbeEvent<Dec>;
    if (diff) {
      const U = id(b, root + S.DEPTH_DIFF.firstBookUpdateId, 'firstBookUpdateId', w);
      const u = id(b, root + S.DEPTH_DIFF.lastBookUpdateId, 'lastBookUpdateId', w);
      data = { e: 'depthUpdate', E, s: sym.symbol, U, u, b: this.levels(b, after, pe, qe), a: this.levels(b, asksAt, pe, qe), Eus };
    } else {
      const lastUpdateId = id(b, root + S.DEPTH_SNAPSHOT.bookUpdateId, 'bookUpdateId', w);
      data = { lastUpdateId, bids: this.levels(b, after, pe, qe), asks: this.levels(b, asksAt, pe, qe), s: sym.symbol, E, Eus };
    }
    deliver({ stream: sym.streams[diff ? 3 : 2] as string, data, receivedAt });
    return 1;
  }
}
