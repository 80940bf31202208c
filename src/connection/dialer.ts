/**
 * One dial: gate.acquire (IP-wide pacing and pauses) → URL (via the framing) → factory →
 * Connection. Every failure is a BinanceStreamError the loop turns into an EndCause; an
 * abort at any step leaves nothing behind.
 */
import type { AbortSignalLike } from '../core/web-types';
import { throwIfAborted } from '../core/abort';
import { BinanceStreamError, describeError } from '../core/errors';
import type { Connection } from './connection';
import { dialUrl } from './framing';
import type { ExtendedWebSocket } from './transport';
import type { DialGate, Framing, WebSocketFactory } from './types';
import { maskUrl } from './url';
import type { UrlProvider } from './url';

export interface DialPlan {
  readonly socketId: string;
  readonly framing: Framing;
  readonly provider: UrlProvider;
  readonly maxUrlLength: number;
  readonly gate: DialGate;
  readonly factory: WebSocketFactory;
}

/** What the dialer hands to the socket to build the Connection (masked URL, streams the URL carries). */
export type Connect = (ws: ExtendedWebSocket, maskedUrl: string, urlStreams: readonly string[]) => Connection;

/** Dial once. `streams()` is read after the gate opens (it may have changed meanwhile). */
export async function dial(plan: DialPlan, attempt: number, streams: () => readonly string[], signal: AbortSignalLike, connect: Connect): Promise<Connection> {
  await plan.gate.acquire(plan.socketId, signal);
  throwIfAborted(signal, `dial of ${plan.socketId}`);
  const { url, urlStreams } = await dialUrl(plan.framing, plan.provider, streams(), plan.maxUrlLength, { attempt, signal });
  throwIfAborted(signal, `dial of ${plan.socketId}`);
  let ws: ExtendedWebSocket;
  try {
    ws = plan.factory(url) as ExtendedWebSocket;
  } catch (err) {
    // ws throws SyntaxError synchronously for a malformed URL: retrying cannot help.
    throw new BinanceStreamError('ERR_SOCKET', `could not create the WebSocket: ${describeError(err)}`, { cause: err, permanent: err instanceof SyntaxError });
  }
  return connect(ws, maskUrl(url), urlStreams);
}
