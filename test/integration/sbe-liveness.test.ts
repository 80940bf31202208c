/**
 * Liveness with binary frames, against a small SBE server written here: SBE data frames keep
 * a stream alive (a fixed 1 s threshold is never crossed while frames come every 100 ms), and
 * a stream that goes silent on a live connection (pings still answered) is called stale and
 * repaired. A binary frame on a JSON connection is an ERR_PARSE `error`, not the end.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { BinanceStreamClient, ConstantBackoff } from 'binance-stream-client';
import type { StaleEvent } from 'binance-stream-client';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { onCleanup } from '../helpers/emulator';
import { sleep, until } from '../helpers/wait';

/** A TradesStreamEvent (schema 1:0) with one trade, built byte by byte. */
function trade(id: number): Buffer {
  const b = Buffer.alloc(8 + 18 + 6 + 25 + 1 + 6);
  let o = 0;
  for (const v of [18, 10000, 1, 0]) o = b.writeUInt16LE(v, o);
  o = b.writeBigInt64LE(1_770_000_000_000_000n + BigInt(id), o);
  o = b.writeBigInt64LE(1_770_000_000_000_000n + BigInt(id), o);
  o = b.writeInt8(-2, o);
  o = b.writeInt8(-2, o);
  o = b.writeUInt16LE(25, o);
  o = b.writeUInt32LE(1, o);
  o = b.writeBigInt64LE(BigInt(id), o);
  o = b.writeBigInt64LE(100n, o);
  o = b.writeBigInt64LE(1n, o);
  o = b.writeUInt8(0, o);
  o = b.writeUInt8(6, o);
  b.write('BTCUSD', o);
  return b;
}

async function server(): Promise<{ url: string; sockets: WebSocket[] }> {
  const sockets: WebSocket[] = [];
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => void sockets.push(ws)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => (wss.close(), http.closeAllConnections(), http.close(() => r()))));
  return { url: `ws://127.0.0.1:${(http.address() as { port: number }).port}`, sockets };
}

function client(url: string, extra: Record<string, unknown> = {}) {
  const c = new BinanceStreamClient({
    baseUrl: url,
    restFallback: false,
    connectionBudget: new ConnectionBudget({ minIntervalMs: 0, jitterMs: 0 }),
    retryPolicy: new ConstantBackoff({ delayMs: 50 }),
    ...extra,
  });
  onCleanup(() => c.stop());
  return c;
}

describe('liveness with SBE binary frames', () => {
  it('binary data keeps a stream alive; silence on a live connection is stale and repaired', async () => {
    const { url, sockets } = await server();
    const c = client(url, { encoding: 'sbe', apiKey: 'k', staleAfterMs: 1_000 });
    const stale: StaleEvent[] = [];
    const ids: number[] = [];
    c.on('stale', (e) => void stale.push(e));
    c.on('trade', (t) => void ids.push(t.t));
    c.subscribe('btcusd@trade');
    await c.start();
    await until(() => sockets.length === 1);
    let id = 1;
    const timer = setInterval(() => sockets[0]!.readyState === 1 && sockets[0]!.send(trade(id++), { binary: true }), 100);
    onCleanup(() => clearInterval(timer));
    await until(() => ids.length >= 25, { timeoutMs: 10_000 }); // 2.5 s of frames, 2.5 × the threshold
    expect(stale).toEqual([]);
    clearInterval(timer); // the stream goes silent; the connection stays up and answers pings
    await until(() => stale.length >= 1, { timeoutMs: 10_000, message: 'a stale event' });
    expect(stale[0]).toMatchObject({ streams: ['btcusd@trade'] });
    expect(stale[0]!.action).not.toBe('none');
  });

  it('a binary frame on a JSON connection is an ERR_PARSE error and the data goes on', async () => {
    const { url, sockets } = await server();
    const c = client(url);
    const errors: unknown[] = [];
    const got: unknown[] = [];
    c.on('error', (e) => void errors.push((e as { error: unknown }).error));
    c.on('trade', (t) => void got.push(t));
    c.subscribe('btcusd@trade');
    await c.start();
    await until(() => sockets.length === 1);
    sockets[0]!.send(trade(1), { binary: true });
    sockets[0]!.send(JSON.stringify({ stream: 'btcusd@trade', data: { e: 'trade', E: 1, s: 'BTCUSD', t: 2, p: '1', q: '1', T: 1, m: false, M: true } }));
    await until(() => errors.length === 1 && got.length === 1);
    expect(errors[0]).toMatchObject({ code: 'ERR_PARSE', message: expect.stringContaining('binary frame arrived on a JSON connection') });
    await sleep(50); // nothing else follows (no reconnect, no second error)
    expect(sockets).toHaveLength(1);
  });
});
