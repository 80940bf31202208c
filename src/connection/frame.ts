/**
 * What one text frame is, decided in ONE place (pure; the connection acts on the result):
 * - data: the message for `onMessage` itself, no wrapper; `isData()` tells it apart. The hot
 *   path: a combined-stream frame in Binance's exact form has its stream name read from the
 *   text (interned) and only its payload parsed (../streams/envelope.ts); every data message
 *   is a `{stream, data, receivedAt}` literal (one shape for the whole path);
 * - `answer`: a frame with an `id` (SUBSCRIBE acknowledgement, WebSocket-API response);
 * - `shutdown`: Binance's `serverShutdown` notice, in any of its three forms
 *   (combined `{stream: '!serverShutdown', data}`, raw `{e: 'serverShutdown'}`, WS-API `{event: {e}}`);
 * - `serverError`: an error object without id (`{code, msg}`), blamed on the oldest request;
 * - `invalid`: not JSON, or not an object (ERR_PARSE);
 * - `other`: a control frame nobody asked for (logged at debug).
 */
import { BinanceStreamError, describeError } from '../core/errors';
import { EnvelopeReader } from '../streams/envelope';
import type { StreamMessage } from '../streams/types';
import type { Framing } from './types';

/** A frame that is not data (its `kind` says which). */
export type ControlFrame =
  | { readonly kind: 'answer'; readonly id: unknown; readonly frame: Record<string, unknown> }
  | { readonly kind: 'shutdown'; readonly at: number | undefined }
  | { readonly kind: 'serverError'; readonly frame: Record<string, unknown> }
  | { readonly kind: 'invalid'; readonly error: BinanceStreamError }
  | { readonly kind: 'other'; readonly keys: readonly string[] };

/** A data message, or a control frame. */
export type Frame = StreamMessage | ControlFrame;

/** A data message (a Binance envelope `{stream, data}` or our raw wrapper) has no `kind`. */
export function isData(frame: Frame): frame is StreamMessage {
  return (frame as { kind?: unknown }).kind === undefined;
}

function invalid(cause: unknown, text: string): ControlFrame {
  const sample = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  const error = new BinanceStreamError('ERR_PARSE', `could not parse a frame (${text.length} chars): ${describeError(cause)}; starts with ${JSON.stringify(sample)}`, { cause });
  return { kind: 'invalid', error };
}

function shutdownAt(notice: unknown): ControlFrame {
  const at = (notice as { E?: unknown } | null)?.E;
  return { kind: 'shutdown', at: typeof at === 'number' ? at : undefined };
}

function isShutdown(msg: any): boolean {
  return msg.e === 'serverShutdown' || msg.event?.e === 'serverShutdown';
}

/** The text of a text frame (a Buffer from Node `ws`: one utf8Slice). */
export function frameText(data: unknown): string {
  return typeof data === 'string' ? data : String(data);
}

/** Stream names seen in combined frames, shared by every connection (see EnvelopeReader). */
const envelope = new EnvelopeReader();

/** Classify one frame. `receivedAt` is stamped on a data message. */
export function parseFrame(text: string, framing: Framing, receivedAt = 0): Frame {
  if (framing.kind === 'combined') {
    const stream = envelope.read(text);
    if (stream !== undefined) {
      let data: unknown;
      try {
        data = JSON.parse(text.slice(envelope.dataStart, envelope.dataEnd));
      } catch {
        return parseFull(text, framing, receivedAt); // not valid JSON after all: the full parse reports it
      }
      if (stream === '!serverShutdown') return shutdownAt(data);
      return { stream, data, receivedAt };
    }
  }
  return parseFull(text, framing, receivedAt);
}

function parseFull(text: string, framing: Framing, receivedAt: number): Frame {
  let msg: any;
  try {
    msg = JSON.parse(text);
  } catch (err) {
    return invalid(err, text);
  }
  if (msg === null || typeof msg !== 'object') return invalid(new TypeError(`expected a JSON object, got ${msg === null ? 'null' : typeof msg}`), text);
  if (framing.kind === 'raw') {
    if (isShutdown(msg)) return shutdownAt(msg.event ?? msg);
    if (msg.id !== undefined && msg.id !== null) return { kind: 'answer', id: msg.id, frame: msg };
    return { stream: framing.streamName, data: msg, receivedAt };
  }
  const stream = msg.stream;
  if (typeof stream === 'string' && msg.data !== undefined) {
    if (stream === '!serverShutdown') return shutdownAt(msg.data);
    return { stream, data: msg.data, receivedAt };
  }
  if (msg.id !== undefined && msg.id !== null) return { kind: 'answer', id: msg.id, frame: msg };
  if (isShutdown(msg)) return shutdownAt(msg.event ?? msg);
  if (msg.code !== undefined && (typeof msg.msg === 'string' || msg.msg === undefined)) return { kind: 'serverError', frame: msg };
  return { kind: 'other', keys: Object.keys(msg).slice(0, 5) };
}

/** A raw-framing answer nobody waits for is an ordinary data message (e.g. a late WS-API response). */
export function answerAsData(frame: Record<string, unknown>, framing: Framing, receivedAt: number): StreamMessage | undefined {
  return framing.kind === 'raw' ? { stream: framing.streamName, data: frame, receivedAt } : undefined;
}

/**
 * The receive time of the frames of one TCP chunk: `ws` delivers a chunk's frames
 * synchronously, so the clock is read once per chunk and invalidated by a microtask
 * instead of once per frame (a measurable share of the per-message cost at 500k msg/s).
 */
export function frameClock(now: () => number): () => number {
  let at = 0;
  let valid = false;
  const invalidate = (): void => {
    valid = false;
  };
  return () => {
    if (!valid) {
      at = now();
      valid = true;
      queueMicrotask(invalidate);
    }
    return at;
  };
}
