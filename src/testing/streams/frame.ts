/** One published event, serialized once and shared (same bytes) by every subscriber. */
export interface Frame {
  readonly stream: string;
  /** The payload JSON (raw mode). */
  readonly raw: string;
  /** Ground-truth sequence number within the stream. */
  readonly seq: number;
  /** `e` of a user-data payload, for `events=` allow-lists. */
  readonly eventType: string | undefined;
  rawBuf?: Buffer;
  combinedBuf?: Buffer;
  /** The same, time fields in microseconds (spot `timeUnit=MICROSECOND` connections). */
  microRawBuf?: Buffer;
  microCombinedBuf?: Buffer;
}

/**
 * Spot payload time fields (`E`, `T`, `t`, `O`, `C`: event, trade, kline, ticker window and
 * reference-price times, 13-digit epoch ms) in microseconds. Ids share some of these letters
 * (trade `t`) but are never 13-digit epoch-range numbers here.
 */
export function toMicroseconds(raw: string): string {
  return raw.replace(/"([ETtOC])":(1\d{12})(?=[,}])/g, '"$1":$2000');
}

export function frameBytes(frame: Frame, combined: boolean, micro = false): Buffer {
  if (micro) {
    if (combined) return (frame.microCombinedBuf ??= Buffer.from(`{"stream":${JSON.stringify(frame.stream)},"data":${toMicroseconds(frame.raw)}}`));
    return (frame.microRawBuf ??= Buffer.from(toMicroseconds(frame.raw)));
  }
  if (combined) {
    return (frame.combinedBuf ??= Buffer.from(`{"stream":${JSON.stringify(frame.stream)},"data":${frame.raw}}`));
  }
  return (frame.rawBuf ??= Buffer.from(frame.raw));
}
