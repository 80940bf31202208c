/**
 * The binary-frame hook a connection calls for every binary WebSocket frame (the SBE data
 * frames; JSON control frames stay on the text path): bytes in any of the forms the runtimes
 * deliver (Node `ws` Buffer, a fragments array, a browser/Deno ArrayBuffer or view) → the
 * decoder → one `StreamMessage` per event, with the stream name Binance's own JSON path would
 * carry (`btcusdt@trade`, `@bestBidAsk`, `@depth`, `@depth20`).
 */
import { BinanceStreamError } from '../../core/errors';
import type { StreamMessage } from '../types';
import { SbeDecoder } from './decoder';
import type { SbeDecoderOptions } from './types';

/**
 * Decodes one binary frame and hands each message to `deliver`, synchronously and in order.
 * Throws a BinanceStreamError (the connection reports it as an `error` event and goes on).
 */
export type BinaryFrameDecoder = (data: unknown, receivedAt: number, deliver: (message: StreamMessage) => void) => void;

/** The bytes of a binary frame as a Uint8Array (a view, copied only for a fragments array). */
export function frameBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  const what = data === null ? 'null' : typeof data === 'object' ? ((data as object).constructor?.name ?? 'object') : typeof data;
  throw new BinanceStreamError('ERR_SBE_DECODE', `SBE frame rejected: a binary frame arrived as ${what}, expected bytes (a browser WebSocket needs binaryType 'arraybuffer')`);
}

/** A BinaryFrameDecoder over its own SbeDecoder (one per client: its symbol table is shared by its connections). */
export function sbeFrameDecoder(options: SbeDecoderOptions = {}): BinaryFrameDecoder {
  const decoder = new SbeDecoder(options);
  return (data, receivedAt, deliver) => void decoder.decode(frameBytes(data), receivedAt, deliver as (m: StreamMessage) => void);
}
