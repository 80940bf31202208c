/**
 * What every measured subject (the raw limit, this client, the peers) implements. The
 * runner gives it the emulator's stream base URL and the streams, and a listener that
 * must receive each event's typed payload object (the `data` of the combined envelope).
 */
export type Payload = Record<string, unknown>;

/** What a library reported on its own: a detected dead/stale link, a reconnect attempt. */
export type Signal = 'stale' | 'reconnecting' | 'close' | 'open';

export interface SubjectContext {
  /** Stream base without path, e.g. `ws://127.0.0.1:40123` (libraries add `/stream`). */
  wsBase: string;
  streams: readonly string[];
  /** The typed listener: called once per delivered event with its payload object. */
  onData: (data: Payload) => void;
  /**
   * Lifecycle signals the library exposes (used by the recovery and liveness figures only);
   * for `reconnecting`, the delay its retry policy chose, when it says; for `stale`, its scope.
   */
  onSignal: (signal: Signal, detail?: { delayMs?: number | undefined; scope?: string | undefined }) => void;
  /** Spot's limit (1024); subjects that pool connections themselves pack up to this. */
  maxStreamsPerConnection: number;
  /** Mass drop (ours only): the first dials count as older than the 5-minute window (see Job). */
  setupOutsideWindow?: boolean | undefined;
}

export interface SubjectHandle {
  /** Resolves when the subject considers itself started (its own notion). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type SubjectFactory = (ctx: SubjectContext) => Promise<SubjectHandle>;

/** Splits `list` into chunks of at most `size`. */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
