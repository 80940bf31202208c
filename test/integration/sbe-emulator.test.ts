/**
 * The emulator's SBE streams, read with a bare `ws` socket and the library's decoder: the
 * upgrade's API-key rules, binary data frames carrying exactly the JSON ground truth of the
 * same streams, JSON text control frames (SUBSCRIBE answers, serverShutdown).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SbeDecoder } from '../../src/streams/sbe';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const pem = (k: { publicKey: { export(o: object): string | Buffer } }) => String(k.publicKey.export({ type: 'spki', format: 'pem' }));

async function emulator() {
  const ex = await startEmulator({ symbols: ['btcusdt', 'ethusdt'], rates: { trade: 200, bookTicker: 200, depth: 50, depth20: 50 } });
  ex.wsApi.addAccount({ apiKey: 'ed-key', publicKeyPem: pem(ed) });
  ex.wsApi.addAccount({ apiKey: 'rsa-key', publicKeyPem: pem(rsa) });
  return ex;
}

function open(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; status?: number | undefined; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    onCleanup(() => ws.terminate());
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ ws, status: res.statusCode, body }));
    });
    ws.once('error', reject);
  });
}

describe('emulator SBE streams', () => {
  it('rejects an upgrade without X-MBX-APIKEY (400), with an unknown or non-Ed25519 key (401), or for a stream SBE does not serve (400)', async () => {
    const ex = await emulator();
    const url = `${ex.sbe.url}/ws/btcusdt@trade`;
    expect(await open(url, {})).toMatchObject({ status: 400, body: expect.stringContaining('No X-MBX-APIKEY header') });
    expect(await open(url, { 'X-MBX-APIKEY': 'nobody' })).toMatchObject({ status: 401, body: expect.stringContaining('-2015') });
    expect(await open(url, { 'X-MBX-APIKEY': 'rsa-key' })).toMatchObject({ status: 401, body: expect.stringContaining('Ed25519') });
    expect(await open(`${ex.sbe.url}/ws/btcusdt@aggTrade`, { 'X-MBX-APIKEY': 'ed-key' })).toMatchObject({ status: 400, body: expect.stringContaining('not an SBE stream') });
    expect(ex.sbe.stats().rejected).toEqual({ missingApiKey: 1, invalidApiKey: 2, badStream: 1 });
  });

  it('serves binary SBE frames with the JSON ground truth of the same streams; control frames are JSON text', async () => {
    const ex = await emulator();
    const { ws } = await open(`${ex.sbe.url}/stream?streams=btcusdt@trade/btcusdt@bestBidAsk`, { 'X-MBX-APIKEY': 'ed-key' });
    const decoder = new SbeDecoder();
    const got = new Map<string, any[]>();
    const texts: any[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return void texts.push(JSON.parse(data.toString()));
      for (const m of decoder.decodeAll(data)) got.set(m.stream, [...(got.get(m.stream) ?? []), m.data]);
    });
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@depth', 'ethusdt@depth20'], id: 7 }));
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@kline_1m'], id: 8 }));
    await until(() => ['btcusdt@trade', 'btcusdt@bestBidAsk', 'ethusdt@depth', 'ethusdt@depth20'].every((s) => (got.get(s)?.length ?? 0) >= 3), {
      message: () => `3 events per stream (got ${[...got].map(([s, l]) => `${s}: ${l.length}`).join(', ')})`,
    });
    expect(texts).toEqual(expect.arrayContaining([{ result: null, id: 7 }, expect.objectContaining({ code: 2, id: 8 })]));
    // Every decoded event is the ground-truth JSON event, field for field (plus the µs times SBE carries).
    const truth = (s: string) => ex.groundTruth(s).map((e) => e.payload as any);
    const trades = got.get('btcusdt@trade')!;
    const tTruth = truth('btcusdt@trade');
    for (const t of trades) {
      const j = tTruth.find((x) => x.t === t.t);
      expect(t).toEqual({ ...j, M: true, Eus: j.E * 1000, Tus: j.T * 1000 });
    }
    const bTruth = truth('btcusdt@bookTicker');
    for (const b of got.get('btcusdt@bestBidAsk')!) expect(b).toEqual({ ...bTruth.find((x) => x.u === b.u), E: expect.any(Number), Eus: expect.any(Number) });
    const dTruth = truth('ethusdt@depth');
    for (const d of got.get('ethusdt@depth')!) expect(d).toEqual({ ...dTruth.find((x) => x.u === d.u), Eus: d.E * 1000 });
    const pTruth = truth('ethusdt@depth20');
    for (const p of got.get('ethusdt@depth20')!) expect(p).toEqual({ ...pTruth.find((x) => x.lastUpdateId === p.lastUpdateId), s: 'ETHUSDT', E: expect.any(Number), Eus: expect.any(Number) });
    expect(ex.sbe.serverShutdown()).toBe(1);
    await until(() => texts.some((t) => t.e === 'serverShutdown'));
  });
});
