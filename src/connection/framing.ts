/**
 * How the frames of a connection are read and what its URL carries (the `Framing` type
 * is in ./types.ts):
 * - combined: `{stream, data}` envelopes; as many streams as fit go in the URL, the rest
 *   are SUBSCRIBEd after open; a socket with no stream does not open.
 * - raw: every data frame is one message of `streamName` (user data, WebSocket API); the
 *   url provider alone decides the URL; the socket opens with or without streams.
 */
import type { Framing, UrlContext } from './types';
import { callProvider, fitStreamsInUrl } from './url';
import type { UrlProvider } from './url';

const COMBINED: Framing = Object.freeze({ kind: 'combined' });

/** Framing of a market-data connection: frames are Binance's combined-stream `{stream, data}` envelopes. */
export function combinedFraming(): Framing {
  return COMBINED;
}

/**
 * Framing of a connection whose frames carry no stream name (user data, WebSocket API): each data frame is delivered as the message of `streamName`.
 */
export function rawFraming(streamName: string): Framing {
  return Object.freeze({ kind: 'raw', streamName });
}

/** Combined framing needs a stream to open; raw framing never does. */
export function needsStreams(framing: Framing): boolean {
  return framing.kind === 'combined';
}

export interface DialUrl {
  url: string;
  /** Streams the URL itself subscribes (combined); the rest are SUBSCRIBEd after open. */
  urlStreams: readonly string[];
}

/** The URL of one dial. Combined: fit the streams in `maxUrlLength`; raw: the provider's URL as it is. */
export async function dialUrl(framing: Framing, provider: UrlProvider, streams: readonly string[], maxUrlLength: number, ctx: Omit<UrlContext, 'streams'>): Promise<DialUrl> {
  if (framing.kind === 'raw') return { url: await callProvider(provider, { streams, ...ctx }), urlStreams: [] };
  return fitStreamsInUrl(provider, streams, maxUrlLength, ctx.attempt, ctx.signal);
}
