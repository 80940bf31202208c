import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { ResolvedOptions } from '../options';
import type { BinanceProfile, Route } from '../profile';
import type { RequestId } from './control-protocol';

/** One frame a client sent on a stream connection. */
export interface ControlMessage {
  /** Wall-clock ms when it arrived. */
  readonly at: number;
  readonly connectionId: number;
  /** `text` for JSON control messages (valid or not), `ping`/`pong` for control frames, `binary` otherwise. */
  readonly kind: 'text' | 'binary' | 'ping' | 'pong';
  /** The text, or the ping/pong payload as UTF-8. */
  readonly data: string;
  /** `method` of a parsed request. */
  readonly method?: string;
  readonly id?: RequestId;
  readonly params?: unknown;
}

export type ViolationKind = 'messageRate' | 'streamCount' | 'pongTimeout';

/** What a stream connection (`C`) needs from the emulator. */
export interface ConnectionHost<C> {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly profile: BinanceProfile;
  readonly log: Logger;
  isDeliverable(conn: C, stream: string): boolean;
  addSubscriber(conn: C, stream: string): void;
  removeSubscriber(conn: C, stream: string): void;
  connectionClosed(conn: C): void;
  recordControl(msg: ControlMessage): void;
  violation(conn: C, kind: ViolationKind): void;
  /** `count` frames of `stream` went to one connection. */
  frameSent(stream: string, count: number): void;
  /** The connection's socket drained after a write returned false (floods resume). */
  drained(conn: C): void;
}

export interface ConnectionInit {
  id: number;
  path: string;
  route: Route;
  combined: boolean;
  streams: string[];
  /** `events=` allow-list of user-data event types (USD-M `/private`). */
  userEvents: readonly string[] | undefined;
  /** Spot `timeUnit=MICROSECOND`: time fields sent in µs (default ms). */
  timeUnit?: 'MILLISECOND' | 'MICROSECOND' | undefined;
}
