/** Binance's spot SBE market-data streams: the decoder, its events and the connection hook. */
export { SbeDecoder, sbeDecodeError } from './decoder';
export type { SbeDeliver } from './decoder';
export { frameBytes, sbeFrameDecoder } from './frames';
export type { BinaryFrameDecoder } from './frames';
export { SBE_SCHEMA_ID, SBE_SCHEMA_VERSION, SBE_STREAM_KINDS } from './schema';
export type { SbeBestBidAskEvent, SbeDecoderOptions, SbeDepthUpdateEvent, SbeEvent, SbePartialDepthEvent, SbePriceLevel, SbeTradeEvent } from './types';
