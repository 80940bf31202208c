/**
 * A minimal loopback Binance stream server for the benchmark, used when the project's
 * emulator (src/testing, FakeBinance) is not available or with `--feeder=builtin`.
 *
 * It speaks just enough of the protocol for the bench: `/stream?streams=` and `/ws/<s>`,
 * SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS, the 5 msgs/s and 1024 streams/connection
 * limits (violations are counted, then the connection is closed with 1008, as Binance does).
 *
 * Sending: streams at rate `Infinity` are flooded from pre-built WebSocket frames written
 * straight to the TCP socket (ids patched in place so dedup/gap trackers see a clean,
 * increasing sequence), with backpressure; finite rates are paced by a 1 ms ticker and can
 * carry a high-resolution send stamp for latency measurement.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FeederOptions {
  /** msgs/s for one stream; 0 = silent, Infinity = flood. */
  rateFor: (stream: string) => number;
  /** Add this field with `performance.timeOrigin + performance.now()` to paced payloads. */
  stampField?: string | undefined;
  /** Send one event on every stream as soon as it is subscribed. */
  initialEvent?: boolean | undefined;
  /** @default 1024 */
  maxStreamsPerConnection?: number | undefined;
  /** @default 5 */
  maxIncomingPerSecond?: number | undefined;
}

export interface FeederCounters {
  connectionsOpened: number;
  controlMessages: number;
  /** Highest number of client frames one connection sent within one second. */
  maxControlPerSecond: number;
  rateLimitCloses: number;
  streamLimitCloses: number;
  framesSent: number;
  /** Paced frames skipped because a client was not draining (more than 8 MiB queued). */
  backlogSkips: number;
}

const ID_DIGITS = 13;
const ID_BASE = 1_000_000_000_000;
const E_TIME = 1_767_225_600_000;

function wsFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const n = body.length;
  let head: Buffer;
  if (n < 126) {
    head = Buffer.from([0x81, n]);
  } else if (n < 65536) {
    head = Buffer.from([0x81, 126, n >> 8, n & 0xff]);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x81;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, body]);
}

function writeDigits(buf: Buffer, offset: number, value: number): void {
  let v = value;
  for (let i = offset + ID_DIGITS - 1; i >= offset; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}

function kindOf(stream: string): string {
  const at = stream.indexOf('@');
  return at < 0 ? stream : stream.slice(at + 1);
}

/** Payload of one event; `id` is the stream's sequence number, `extra` goes before the closing brace. */
function payload(stream: string, id: number, extra: string): string {
  const at = stream.indexOf('@');
  const S = (at < 0 ? stream : stream.slice(0, at)).toUpperCase();
  const kind = kindOf(stream);
  if (kind.startsWith('kline_')) {
    const i = kind.slice(6);
    return `{"e":"kline","E":${E_TIME + id},"s":"${S}","k":{"t":${E_TIME},"T":${E_TIME + 3_599_999},"s":"${S}","i":"${i}","f":${id},"L":${id + 9},"o":"64000.01000000","c":"64010.55000000","h":"64020.00000000","l":"63990.10000000","v":"12.34500000","n":10,"x":false,"q":"790123.45600000","V":"6.10000000","Q":"390456.12300000","B":"0"}${extra}}`;
  }
  if (kind.startsWith('depth') && !/^depth\d/.test(kind)) {
    return `{"e":"depthUpdate","E":${E_TIME + id},"s":"${S}","U":${id * 3},"u":${id * 3 + 2},"b":[["64000.01000000","0.50000000"]],"a":[["64000.02000000","0.25000000"]]${extra}}`;
  }
  if (kind === 'trade') {
    return `{"e":"trade","E":${E_TIME + id},"s":"${S}","t":${id},"p":"64000.01000000","q":"0.01200000","T":${E_TIME + id},"m":true,"M":true${extra}}`;
  }
  return `{"e":"aggTrade","E":${E_TIME + 1},"s":"${S}","a":${id},"p":"64000.01000000","q":"0.01200000","f":${id},"l":${id},"T":${E_TIME + 1},"m":true,"M":true${extra}}`;
}

function envelope(stream: string, data: string, combined: boolean): string {
  return combined ? `{"stream":"${stream}","data":${data}}` : data;
}

/** Offsets of the 13-digit id fields inside one frame ("a","f","l" of an aggTrade). */
function idOffsets(frame: Buffer, id: number): number[] {
  const digits = String(id);
  const out: number[] = [];
  let from = 0;
  for (;;) {
    const at = frame.indexOf(digits, from, 'latin1');
    if (at < 0) break;
    out.push(at);
    from = at + digits.length;
  }
  return out;
}

interface FloodPlan {
  template: Buffer;
  /** For every frame in the chunk: stream index, then the byte offsets of its id fields. */
  patches: { stream: number; offsets: number[] }[];
  perStream: number;
}

interface Paced {
  /** Weighted round-robin order of stream indices (one entry per message). */
  order: Int32Array;
  pos: number;
  rate: number;
  since: number;
  sent: number;
}

class Conn {
  streams: string[] = [];
  private readonly seq = new Map<string, number>();
  private flood: FloodPlan | undefined;
  private floodFree: Buffer[] = [];
  private floodBuffers = 0;
  private waitingForBuffer = false;
  private pumping = false;
  paced: Paced | undefined;
  stalled = false;
  closed = false;
  private ctrlWindowStart = 0;
  private ctrlCount = 0;

  constructor(
    readonly ws: WebSocket,
    readonly socket: Socket,
    readonly combined: boolean,
    private readonly feeder: Feeder,
  ) {}

  nextId(stream: string): number {
    const n = (this.seq.get(stream) ?? ID_BASE) + 1;
    this.seq.set(stream, n);
    return n;
  }

  countControl(): boolean {
    const now = performance.now();
    if (now - this.ctrlWindowStart >= 1000) {
      this.ctrlWindowStart = now;
      this.ctrlCount = 0;
    }
    this.ctrlCount++;
    const c = this.feeder.counters;
    c.controlMessages++;
    if (this.ctrlCount > c.maxControlPerSecond) c.maxControlPerSecond = this.ctrlCount;
    if (this.ctrlCount > this.feeder.maxIncoming) {
      c.rateLimitCloses++;
      this.ws.close(1008, 'Too many requests');
      return false;
    }
    return true;
  }

  add(streams: readonly string[]): void {
    const fresh = streams.filter((s) => !this.streams.includes(s));
    this.streams.push(...fresh);
    if (this.streams.length > this.feeder.maxStreams) {
      this.feeder.counters.streamLimitCloses++;
      this.ws.close(1008, 'Too many streams');
      return;
    }
    this.replan();
    if (this.feeder.options.initialEvent && fresh.length) {
      const frames = fresh.map((s) => wsFrame(envelope(s, payload(s, this.nextId(s), ''), this.combined)));
      this.write(Buffer.concat(frames), frames.length);
    }
  }

  remove(streams: readonly string[]): void {
    this.streams = this.streams.filter((s) => !streams.includes(s));
    this.replan();
  }

  write(buf: Buffer, frames: number): boolean {
    if (this.closed || this.stalled) return false;
    this.feeder.counters.framesSent += frames;
    return this.socket.write(buf);
  }

  private replan(): void {
    const rateFor = this.feeder.options.rateFor;
    const flood: number[] = [];
    const paced: { i: number; r: number }[] = [];
    this.streams.forEach((s, i) => {
      const r = rateFor(s);
      if (r === Number.POSITIVE_INFINITY) flood.push(i);
      else if (r > 0) paced.push({ i, r });
    });
    this.flood = flood.length ? this.buildFlood(flood) : undefined;
    this.floodFree = [];
    this.floodBuffers = 0;
    if (paced.length) {
      const total = paced.reduce((a, p) => a + p.r, 0);
      // Spread each stream's share of ~10 s of messages evenly over the order (O(L log L)).
      const len = Math.max(paced.length, Math.min(200_000, Math.ceil(total * 10)));
      const slots: { at: number; i: number }[] = [];
      for (const p of paced) {
        const k = Math.max(1, Math.round((p.r / total) * len));
        const phase = Math.random();
        for (let j = 0; j < k; j++) slots.push({ at: (j + phase) / k, i: p.i });
      }
      slots.sort((a, b) => a.at - b.at);
      const order = Int32Array.from(slots, (x) => x.i);
      this.paced = { order, pos: 0, rate: total, since: performance.now(), sent: 0 };
    } else {
      this.paced = undefined;
    }
    if (this.flood) this.pump();
  }

  private buildFlood(indices: number[]): FloodPlan {
    const perStream = Math.max(1, Math.ceil(256 / indices.length));
    const frames: Buffer[] = [];
    const patches: FloodPlan['patches'] = [];
    let offset = 0;
    for (let k = 0; k < perStream; k++) {
      for (const i of indices) {
        const s = this.streams[i] ?? '';
        const marker = ID_BASE + 7_777_777_777 + patches.length;
        const f = wsFrame(envelope(s, payload(s, marker, ''), this.combined));
        patches.push({ stream: i, offsets: idOffsets(f, marker).map((o) => o + offset) });
        frames.push(f);
        offset += f.length;
      }
    }
    return { template: Buffer.concat(frames), patches, perStream };
  }

  private takeBuffer(): Buffer | undefined {
    const b = this.floodFree.pop();
    if (b) return b;
    if (this.floodBuffers >= 32 || !this.flood) return undefined;
    this.floodBuffers++;
    return Buffer.from(this.flood.template);
  }

  readonly pump = (): void => {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let n = 0; n < 8; n++) {
        const plan = this.flood;
        if (!plan || this.closed || this.stalled) return;
        const buf = this.takeBuffer();
        if (!buf) {
          this.waitingForBuffer = true;
          return;
        }
        for (const p of plan.patches) {
          const s = this.streams[p.stream] ?? '';
          const id = this.nextId(s);
          for (const o of p.offsets) writeDigits(buf, o, id);
        }
        this.feeder.counters.framesSent += plan.patches.length;
        this.socket.write(buf, () => {
          if (plan === this.flood) this.floodFree.push(buf);
          if (this.waitingForBuffer) {
            this.waitingForBuffer = false;
            setImmediate(this.pump);
          }
        });
        // Keep up to 1 MiB queued in user space (each chunk alone exceeds the 16 KiB
        // high-water mark, so `write()`'s return value would make this stop-and-wait).
        if (this.socket.writableLength > 1024 * 1024) {
          this.socket.once('drain', this.pump);
          return;
        }
      }
      setImmediate(this.pump);
    } finally {
      this.pumping = false;
    }
  };

  tick(now: number, stampField: string | undefined): void {
    const p = this.paced;
    if (!p || this.closed || this.stalled) return;
    let due = Math.floor(((now - p.since) * p.rate) / 1000) - p.sent;
    if (due <= 0) return;
    if (this.socket.writableLength > 8 * 1024 * 1024) {
      this.feeder.counters.backlogSkips += due;
      p.sent += due;
      return;
    }
    if (due > 5000) due = 5000;
    const extra = stampField ? `,"${stampField}":${performance.timeOrigin + performance.now()}` : '';
    const frames: Buffer[] = [];
    for (let k = 0; k < due; k++) {
      const s = this.streams[p.order[p.pos] ?? 0] ?? '';
      p.pos = (p.pos + 1) % p.order.length;
      frames.push(wsFrame(envelope(s, payload(s, this.nextId(s), extra), this.combined)));
    }
    p.sent += due;
    this.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames), frames.length);
  }
}

export class Feeder {
  readonly counters: FeederCounters = {
    connectionsOpened: 0,
    controlMessages: 0,
    maxControlPerSecond: 0,
    rateLimitCloses: 0,
    streamLimitCloses: 0,
    framesSent: 0,
    backlogSkips: 0,
  };
  readonly maxStreams: number;
  readonly maxIncoming: number;
  private readonly conns = new Set<Conn>();
  private ticker: NodeJS.Timeout | undefined;

  private constructor(
    readonly options: FeederOptions,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly wsBase: string,
  ) {
    this.maxStreams = options.maxStreamsPerConnection ?? 1024;
    this.maxIncoming = options.maxIncomingPerSecond ?? 5;
    wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.ticker = setInterval(() => {
      const now = performance.now();
      for (const c of this.conns) c.tick(now, options.stampField);
    }, 1);
  }

  static async start(options: FeederOptions): Promise<Feeder> {
    const server = createServer({ maxHeaderSize: 1024 * 1024 });
    const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    return new Feeder(options, server, wss, `ws://127.0.0.1:${port}`);
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.counters.connectionsOpened++;
    const url = new URL(req.url ?? '/', 'http://x');
    const socket = (ws as unknown as { _socket: Socket })._socket;
    socket.setNoDelay(true);
    let initial: string[] = [];
    let combined = true;
    if (url.pathname.startsWith('/ws')) {
      combined = false;
      initial = url.pathname.slice(3).split('/').filter(Boolean);
    } else {
      initial = (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
    }
    const conn = new Conn(ws, socket, combined, this);
    this.conns.add(conn);
    ws.on('ping', () => {
      conn.countControl();
    });
    ws.on('message', (data) => {
      if (!conn.countControl()) return;
      let msg: { method?: unknown; params?: unknown; id?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ code: 3, msg: 'Invalid JSON' }));
        return;
      }
      const id = msg.id ?? null;
      const params = Array.isArray(msg.params) ? msg.params.map(String) : [];
      if (msg.method === 'SUBSCRIBE') {
        ws.send(JSON.stringify({ result: null, id }));
        conn.add(params);
      } else if (msg.method === 'UNSUBSCRIBE') {
        conn.remove(params);
        ws.send(JSON.stringify({ result: null, id }));
      } else if (msg.method === 'LIST_SUBSCRIPTIONS') {
        ws.send(JSON.stringify({ result: conn.streams, id }));
      } else {
        ws.send(JSON.stringify({ result: null, id }));
      }
    });
    ws.on('close', () => {
      conn.closed = true;
      this.conns.delete(conn);
    });
    ws.on('error', () => undefined);
    if (initial.length) conn.add(initial);
  }

  /** Streams subscribed over all open connections. */
  subscribedCount(): number {
    let n = 0;
    for (const c of this.conns) if (!c.stalled) n += c.streams.length;
    return n;
  }

  connectionCount(): number {
    return this.conns.size;
  }

  /** Abrupt drop of every connection (TCP destroyed, the client sees 1006). */
  dropAll(): void {
    for (const c of this.conns) {
      c.closed = true;
      c.socket.destroy();
    }
  }

  /** Silent stall: stop sending and stop reading (pings go unanswered); TCP stays open. */
  stallAll(): void {
    for (const c of this.conns) {
      c.stalled = true;
      c.socket.pause();
    }
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const c of this.conns) {
      c.closed = true;
      c.socket.destroy();
    }
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
