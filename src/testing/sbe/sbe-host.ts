/** What an SBE connection needs from the SBE emulator (./sbe-emulator.ts). */
import type { Clock } from '../clock';
import type { ResolvedOptions } from '../options';
import type { ControlMessage } from '../streams/connection-host';
import type { Frame } from '../streams/frame';

export interface SbeHost {
  readonly clock: Clock;
  readonly opts: ResolvedOptions;
  /** The SBE frame of a published JSON frame (cached per frame), undefined for a kind SBE does not carry. */
  encode(frame: Frame): Buffer | undefined;
  /** `conn` is the SbeConnection (typed loosely here: no import circle). */
  subscribe(conn: object, sbeStream: string): void;
  unsubscribe(conn: object, sbeStream: string): void;
  record(msg: ControlMessage): void;
  closed(conn: { readonly id: number; readonly framesSent: number }): void;
}
