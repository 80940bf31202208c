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
}

export function frameBytes(frame: Frame, combined: boolean): Buffer {
  if (combined) {
    return (frame.combinedBuf ??= Buffer.from(`{"stream":${JSON.stringify(frame.stream)},"data":${frame.raw}}`));
  }
  return (frame.rawBuf ??= Buffer.from(frame.raw));
}
