/**
 * The physical limit: a bare `ws` socket per 1024 streams, `JSON.parse` once, hand the
 * payload to the listener. Re-dials at once after a close (no policy), nothing else.
 */
import WebSocket from 'ws';
import { chunks, type Payload, type SubjectFactory } from './types';

export const createRaw: SubjectFactory = async (ctx) => {
  const sockets = new Set<WebSocket>();
  let stopped = false;
  const onData = ctx.onData;

  const open = (streams: readonly string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const inUrl = streams.join('/').length < 4000;
      const url = inUrl ? `${ctx.wsBase}/stream?streams=${streams.join('/')}` : `${ctx.wsBase}/stream`;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      sockets.add(ws);
      ws.on('open', () => {
        ctx.onSignal('open');
        if (!inUrl) ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
        resolve();
      });
      ws.on('message', (buf: Buffer) => {
        const msg = JSON.parse(buf as unknown as string) as { data?: Payload };
        const data = msg.data;
        if (data !== undefined) onData(data);
      });
      ws.on('error', (err) => reject(err));
      ws.on('close', () => {
        sockets.delete(ws);
        ctx.onSignal('close', { delayMs: 0 });
        if (!stopped) open(streams).catch(() => undefined);
      });
    });

  return {
    async start() {
      await Promise.all(chunks(ctx.streams, ctx.maxStreamsPerConnection).map((c) => open(c)));
    },
    async stop() {
      stopped = true;
      for (const ws of sockets) ws.terminate();
      sockets.clear();
    },
  };
};
