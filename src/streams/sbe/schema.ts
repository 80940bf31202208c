/**
 * Binance's spot SBE market-data schema (`stream_1_0.xml`: package `spot_stream`, id 1,
 * version 0, little-endian), written out by hand as offsets and lengths: the one place that
 * knows the byte layout. Every message is a message header, the root block (fixed fields),
 * repeating groups (each with its dimension header), then the variable-length `symbol`.
 *
 * | template | message                  | stream           | root block                                                         |
 * |----------|--------------------------|------------------|--------------------------------------------------------------------|
 * | 10000    | TradesStreamEvent        | `<s>@trade`      | eventTime, transactTime (i64 µs), priceExponent, qtyExponent (i8)  |
 * | 10001    | BestBidAskStreamEvent    | `<s>@bestBidAsk` | eventTime, bookUpdateId (i64), 2 exponents, bid/ask price/qty (i64) |
 * | 10002    | DepthSnapshotStreamEvent | `<s>@depth20`    | eventTime, bookUpdateId (i64), 2 exponents                         |
 * | 10003    | DepthDiffStreamEvent     | `<s>@depth`      | eventTime, first/lastBookUpdateId (i64), 2 exponents               |
 *
 * Groups: `trades` (groupSizeEncoding: u16 blockLength, u32 numInGroup; entries id, price,
 * qty (i64), isBuyerMaker (u8); `isBestMatch` is a constant True, not on the wire), `bids` /
 * `asks` (groupSize16Encoding: u16 blockLength, u16 numInGroup; entries price, qty (i64)).
 * `symbol` is a varString8 (u8 length, UTF-8 bytes).
 *
 * Schema extension (FIX SBE): a newer version of schema 1 may append fields to a block; the
 * decoder reads the block lengths from the wire and skips what it does not know. A block
 * shorter than this version's is an error.
 */

export const SBE_SCHEMA_ID = 1;
export const SBE_SCHEMA_VERSION = 0;

/** messageHeader: blockLength, templateId, schemaId, version (u16 each). */
export const HEADER_LENGTH = 8;
/** groupSizeEncoding: blockLength u16, numInGroup u32. */
export const GROUP_HEADER_LENGTH = 6;
/** groupSize16Encoding: blockLength u16, numInGroup u16. */
export const GROUP16_HEADER_LENGTH = 4;
/** `numInGroup` of groupSizeEncoding is at most this (schema maxValue). */
export const MAX_GROUP_COUNT = 2147483647;

export const TEMPLATE_TRADES = 10000;
export const TEMPLATE_BEST_BID_ASK = 10001;
export const TEMPLATE_DEPTH_SNAPSHOT = 10002;
export const TEMPLATE_DEPTH_DIFF = 10003;

export const TEMPLATE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [TEMPLATE_TRADES]: 'TradesStreamEvent',
  [TEMPLATE_BEST_BID_ASK]: 'BestBidAskStreamEvent',
  [TEMPLATE_DEPTH_SNAPSHOT]: 'DepthSnapshotStreamEvent',
  [TEMPLATE_DEPTH_DIFF]: 'DepthDiffStreamEvent',
});

/** Root block lengths of version 0 (the least a block may be). */
export const TRADES_BLOCK = 18;
export const BEST_BID_ASK_BLOCK = 50;
export const DEPTH_SNAPSHOT_BLOCK = 18;
export const DEPTH_DIFF_BLOCK = 26;
/** Group entry lengths of version 0. */
export const TRADE_ENTRY_BLOCK = 25;
export const LEVEL_ENTRY_BLOCK = 16;

/** Field offsets inside the root blocks. */
export const TRADES = Object.freeze({ eventTime: 0, transactTime: 8, priceExponent: 16, qtyExponent: 17 });
export const BEST_BID_ASK = Object.freeze({ eventTime: 0, bookUpdateId: 8, priceExponent: 16, qtyExponent: 17, bidPrice: 18, bidQty: 26, askPrice: 34, askQty: 42 });
export const DEPTH_SNAPSHOT = Object.freeze({ eventTime: 0, bookUpdateId: 8, priceExponent: 16, qtyExponent: 17 });
export const DEPTH_DIFF = Object.freeze({ eventTime: 0, firstBookUpdateId: 8, lastBookUpdateId: 16, priceExponent: 24, qtyExponent: 25 });
/** Field offsets inside group entries. */
export const TRADE_ENTRY = Object.freeze({ id: 0, price: 8, qty: 16, isBuyerMaker: 24 });
export const LEVEL_ENTRY = Object.freeze({ price: 0, qty: 8 });

/** The stream-name suffix each template arrives on. */
export const STREAM_SUFFIX: Readonly<Record<number, string>> = Object.freeze({
  [TEMPLATE_TRADES]: '@trade',
  [TEMPLATE_BEST_BID_ASK]: '@bestBidAsk',
  [TEMPLATE_DEPTH_SNAPSHOT]: '@depth20',
  [TEMPLATE_DEPTH_DIFF]: '@depth',
});

/** The stream kinds SBE serves (after `<symbol>@`). */
export const SBE_STREAM_KINDS: readonly string[] = Object.freeze(['trade', 'bestBidAsk', 'depth', 'depth20']);
