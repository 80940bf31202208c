/**
 * Shared setup for the socket integration tests (real loopback sockets, real timers).
 *
 * makeLiveSocket(baseUrl, overrides?)   a ResilientSocket on the real `ws` transport with a recording logger:
 *   { socket, lines, created, messages, events, of(name), allClosed() }. Waiting is until() from test/helpers/wait.
 */
import { ResilientSocket } from '../../src/connection/resilient-socket';
import type { ResilientSocketOptions, WebSocketLike } from '../../src/connection/types';
import { SOCKET_EVENT_NAMES } from '../../src/connection/types';
import { defaultWebSocketFactory } from '../../src/connection/transport';
import { MARKETS } from '../../src/core/markets';
import { combinedStreamUrl } from '../../src/streams/routes';
import { ExponentialBackoff } from '../../src/retry/exponential-backoff';
import type { StreamMessage } from '../../src/streams/types';
import { unsafeShortTimings } from '../../src/connection/options';

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

export function makeLiveSocket(baseUrl: string, overrides: Partial<ResilientSocketOptions> = {}) {
  const lines: LogLine[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  const created: WebSocketLike[] = [];
  const messages: StreamMessage[] = [];
  const socket = new ResilientSocket({
    ...unsafeShortTimings,
    id: 'it-1',
    market: MARKETS.spot,
    url: ({ streams }) => combinedStreamUrl(baseUrl, '', streams),
    onMessage: (m) => void messages.push(m),
    retryPolicy: new ExponentialBackoff({ random: () => 0.5 }),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    webSocketFactory: (url) => {
      const ws = defaultWebSocketFactory(url);
      created.push(ws);
      return ws;
    },
    ...overrides,
  });
  const events: { name: string; at: number; payload: any }[] = [];
  for (const name of SOCKET_EVENT_NAMES) {
    socket.on(name, (payload: any) => events.push({ name, at: Date.now(), payload }));
  }
  const of = (name: string) => events.filter((e) => e.name === name);
  /** Every client WebSocket ever created is closed. */
  const allClosed = () => created.every((ws) => ws.readyState === 3);
  return { socket, lines, created, messages, events, of, allClosed };
}
