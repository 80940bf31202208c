/**
 * Per-stream silence: a stream that stays silent past its threshold on an open socket that
 * delivers other data is repaired by re-subscribing it (one stale event per silence
 * episode). A socket that is silent as a whole is its own watchdog's job, not this one's.
 *
 * Silence is measured from max(subscribe, connection open, last message); the episode is
 * that `since` value, so a stream reported once is reported again only after it delivered.
 */
import type { StreamInfo } from '../streams/classify';
import type { StreamState } from './stream-state';

export type StreamStaleSetting = number | false | ((info: StreamInfo) => number) | undefined;

export interface SilentStreams {
  readonly streams: string[];
  /** The longest silence among them. */
  readonly silentMs: number;
}

export class StreamSilence {
  constructor(private readonly setting: StreamStaleSetting) {}

  get enabled(): boolean {
    return this.setting !== false;
  }

  thresholdFor(info: StreamInfo): number {
    const s = this.setting;
    if (s === undefined) return info.staleAfterMs;
    if (s === false) return Infinity;
    return typeof s === 'function' ? s(info) : s;
  }

  /**
   * The streams of one open socket to re-subscribe now (marks their episode and counts the
   * re-subscription), or undefined when there is none.
   */
  sweep(names: Iterable<string>, states: ReadonlyMap<string, StreamState>, connectedAt: number, now: number): SilentStreams | undefined {
    if (!this.enabled) return undefined;
    const list: StreamState[] = [];
    let socketLast = 0;
    for (const s of names) {
      const st = states.get(s);
      if (st === undefined) continue;
      list.push(st);
      if (st.lastMessageAt > socketLast) socketLast = st.lastMessageAt;
    }
    if (socketLast === 0) return undefined;
    let silent: string[] | undefined;
    let maxSilent = 0;
    for (const st of list) {
      const since = Math.max(st.subscribedAt, connectedAt, st.lastMessageAt);
      const silentMs = now - since;
      const threshold = this.thresholdFor(st.info);
      if (silentMs < threshold || st.staleEpisode === since) continue;
      if (now - socketLast >= threshold) continue; // the socket is silent too
      st.staleEpisode = since;
      st.resubscribes++;
      (silent ??= []).push(st.name);
      if (silentMs > maxSilent) maxSilent = silentMs;
    }
    return silent === undefined ? undefined : { streams: silent, silentMs: maxSilent };
  }
}
