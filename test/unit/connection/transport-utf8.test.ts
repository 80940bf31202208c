import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { defaultWebSocketFactory, headerWebSocketFactory, NODE_WS_OPTIONS } from '../../../src/connection/transport';
import { until } from '../../helpers/wait';

/** A text frame whose bytes are not valid UTF-8 (0xff inside a JSON string). */
const BAD = Buffer.concat([Buffer.from('{"stream":"a@trade","data":{"s":"'), Buffer.from([0xff]), Buffer.from('"}}')]);

let server: WebSocketServer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  if (server) await new Promise<void>((r) => server?.close(() => r()));
  server = undefined;
});

async function serve(): Promise<string> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (ws) => ws.send(BAD, { binary: false }));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What a socket made by `make` hears: the text frames, and the close code. */
async function hear(make: (url: string) => unknown): Promise<{ texts: string[]; closeCode: number | undefined }> {
  const url = await serve();
  const ws = make(url) as WebSocket;
  sockets.push(ws);
  const texts: string[] = [];
  let closeCode: number | undefined;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) texts.push(data.toString());
  });
  ws.on('close', (code: number) => (closeCode = code));
  ws.on('error', () => undefined);
  await until(() => texts.length > 0 || closeCode !== undefined);
  return { texts, closeCode };
}

describe('the default factories skip ws’s UTF-8 validation (the client only JSON.parses frames)', () => {
  it('options: autoPong off, skipUTF8Validation on', () => {
    expect(NODE_WS_OPTIONS).toEqual({ autoPong: false, skipUTF8Validation: true });
  });

  it('default factory: a frame with an invalid byte arrives (as U+FFFD), the socket stays open', async () => {
    const { texts, closeCode } = await hear(defaultWebSocketFactory);
    expect(closeCode).toBeUndefined();
    expect(JSON.parse(texts[0] as string)).toEqual({ stream: 'a@trade', data: { s: '\uFFFD' } });
  });

  it('header factory (SBE) too', async () => {
    const { texts } = await hear(headerWebSocketFactory({ 'X-MBX-APIKEY': 'k' }, 'encoding'));
    expect(texts).toHaveLength(1);
  });

  it('control: plain ws with its default validation fails the connection (what a factory of one’s own keeps)', async () => {
    const { texts, closeCode } = await hear((url) => new WebSocket(url));
    expect(texts).toEqual([]);
    expect([1006, 1007]).toContain(closeCode); // ws fails the connection (1007 to the peer)
  });
});
