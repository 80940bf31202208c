import { vi } from 'vitest';
import { ResilientSocket } from '../../../src/connection/resilient-socket';
import type { ResilientSocketOptions } from '../../../src/connection/types';
import { SOCKET_EVENT_NAMES } from '../../../src/connection/types';
import { MARKETS } from '../../../src/core/markets';
import { combinedStreamUrl } from '../../../src/streams/routes';
import { ExponentialBackoff } from '../../../src/retry/exponential-backoff';
import type { StreamMessage } from '../../../src/streams/types';
import { FakeNodeWebSocket, fakeFactory, recordingLogger } from './fake-websocket';
import { unsafeShortTimings } from '../../../src/connection/options';

export const BASE = 'wss://fake.test:9443';

/** Let pending promise chains run (dial: gate → url provider → factory; deferred events). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
}

export function combined(stream: string, data: object = { e: 'x', E: 1 }) {
  return { stream, data };
}

export function makeSocket(overrides: Partial<ResilientSocketOptions> = {}, Ctor: new (url: string) => FakeNodeWebSocket = FakeNodeWebSocket) {
  const fake = fakeFactory(Ctor);
  const rec = recordingLogger();
  const messages: StreamMessage[] = [];
  const socket = new ResilientSocket({
    ...unsafeShortTimings,
    id: 's1',
    market: MARKETS.spot,
    url: ({ streams }) => combinedStreamUrl(BASE, '', streams),
    onMessage: (m) => messages.push(m),
    retryPolicy: new ExponentialBackoff({ random: () => 0.5 }),
    logger: rec.logger,
    webSocketFactory: fake.factory,
    ...overrides,
  });
  const events: { name: string; payload: any; state: string }[] = [];
  for (const name of SOCKET_EVENT_NAMES) socket.on(name, (payload: any) => events.push({ name, payload, state: socket.state }));
  const of = (name: string) => events.filter((e) => e.name === name).map((e) => e.payload);
  /** Start and open the first connection. */
  const open = async () => {
    socket.start();
    await settle();
    fake.last().open();
    await settle();
    return fake.last();
  };
  return { socket, fake, rec, messages, events, of, open };
}
