/**
 * SUBSCRIBE/UNSUBSCRIBE bookkeeping for one connection of a combined-mode socket:
 * what is on the connection, what must still be (un)subscribed, and which request id
 * is waiting for which answer. Frames are built at send time (see OutboundScheduler),
 * batched by `maxStreamsPerRequest`.
 */
import { BinanceStreamError } from '../core/errors';

export type SubscriptionMethod = 'SUBSCRIBE' | 'UNSUBSCRIBE';

export interface SubscriptionHost {
  /** Send a text frame on the current connection now; false if impossible. */
  transmit(text: string): boolean;
  /** Queue an action in the outbound scheduler. */
  enqueue(action: () => boolean): void;
  onAnswered(method: SubscriptionMethod, streams: readonly string[], requestId: number): void;
  onFailed(method: SubscriptionMethod, streams: readonly string[], requestId: number, error: BinanceStreamError): void;
}

interface Pending {
  method: SubscriptionMethod;
  streams: readonly string[];
  timer: ReturnType<typeof setTimeout>;
}

export interface SubscriptionOptions {
  maxStreamsPerRequest: number;
  requestTimeoutMs: number;
}

export class Subscriptions {
  /** Streams on the connection (URL or sent SUBSCRIBE, not yet UNSUBSCRIBEd). */
  private readonly onConn = new Set<string>();
  private readonly toSubscribe = new Set<string>();
  private readonly toUnsubscribe = new Set<string>();
  private readonly pending = new Map<number, Pending>();
  private subQueued = false;
  private unsubQueued = false;
  private nextId = 1;
  private active = false;

  constructor(
    private readonly host: SubscriptionHost,
    private readonly options: SubscriptionOptions,
  ) {}

  get pendingRequests(): number {
    return this.pending.size;
  }

  /** A new connection opened carrying `urlStreams`; bring it to `wanted`. */
  begin(urlStreams: readonly string[], wanted: ReadonlySet<string>): void {
    this.clear();
    this.active = true;
    for (const s of urlStreams) this.onConn.add(s);
    for (const s of wanted) if (!this.onConn.has(s)) this.toSubscribe.add(s);
    for (const s of urlStreams) if (!wanted.has(s)) this.toUnsubscribe.add(s);
    this.queue();
  }

  add(streams: Iterable<string>): void {
    if (!this.active) return;
    for (const s of streams) {
      if (this.toUnsubscribe.delete(s)) continue;
      if (!this.onConn.has(s)) this.toSubscribe.add(s);
    }
    this.queue();
  }

  remove(streams: Iterable<string>): void {
    if (!this.active) return;
    for (const s of streams) {
      if (this.toSubscribe.delete(s) && !this.onConn.has(s)) continue;
      if (this.onConn.has(s)) this.toUnsubscribe.add(s);
    }
    this.queue();
  }

  /** SUBSCRIBE again streams that are on the connection (per-stream repair). */
  resubscribe(streams: Iterable<string>): void {
    if (!this.active) return;
    for (const s of streams) if (!this.toUnsubscribe.has(s)) this.toSubscribe.add(s);
    this.queue();
  }

  /** Route an answer `{result, id}` / `{code, msg, id}`. Returns false if the id is not ours. */
  handleAnswer(msg: { id?: unknown; result?: unknown; code?: unknown; msg?: unknown }): boolean {
    if (typeof msg.id !== 'number') return false;
    const p = this.pending.get(msg.id);
    if (!p) return false;
    this.settle(msg.id, p, msg);
    return true;
  }

  /** An error object without id: blame the oldest pending request. False if none. */
  handleIdlessError(msg: { code?: unknown; msg?: unknown }): boolean {
    const first = this.pending.entries().next();
    if (first.done) return false;
    const [id, p] = first.value;
    this.settle(id, p, msg);
    return true;
  }

  /** Forget the connection: drop queues, pending requests and their timers. */
  clear(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.onConn.clear();
    this.toSubscribe.clear();
    this.toUnsubscribe.clear();
    this.subQueued = false;
    this.unsubQueued = false;
    this.active = false;
  }

  private settle(id: number, p: Pending, msg: { code?: unknown; msg?: unknown }): void {
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (msg.code !== undefined && msg.code !== null) {
      const code = typeof msg.code === 'number' ? msg.code : Number(msg.code);
      const text = typeof msg.msg === 'string' && msg.msg ? msg.msg : '(no message)';
      if (p.method === 'SUBSCRIBE') for (const s of p.streams) this.onConn.delete(s);
      const err = new BinanceStreamError('ERR_SUBSCRIBE_FAILED', `${p.method} request ${id} rejected by the server: ${text}`, {
        ...(Number.isFinite(code) ? { binanceCode: code } : {}),
        streams: p.streams,
      });
      this.host.onFailed(p.method, p.streams, id, err);
      return;
    }
    this.host.onAnswered(p.method, p.streams, id);
  }

  private queue(): void {
    if (this.toUnsubscribe.size && !this.unsubQueued) {
      this.unsubQueued = true;
      this.host.enqueue(this.flushUnsubscribe);
    }
    if (this.toSubscribe.size && !this.subQueued) {
      this.subQueued = true;
      this.host.enqueue(this.flushSubscribe);
    }
  }

  private take(set: Set<string>): string[] {
    const batch: string[] = [];
    for (const s of set) {
      batch.push(s);
      if (batch.length >= this.options.maxStreamsPerRequest) break;
    }
    for (const s of batch) set.delete(s);
    return batch;
  }

  private readonly flushSubscribe = (): boolean => {
    this.subQueued = false;
    return this.flush('SUBSCRIBE', this.toSubscribe);
  };

  private readonly flushUnsubscribe = (): boolean => {
    this.unsubQueued = false;
    return this.flush('UNSUBSCRIBE', this.toUnsubscribe);
  };

  private flush(method: SubscriptionMethod, set: Set<string>): boolean {
    if (!this.active || set.size === 0) return false;
    const streams = this.take(set);
    const id = this.nextId++;
    if (!this.host.transmit(JSON.stringify({ method, params: streams, id }))) {
      for (const s of streams) set.add(s);
      return false;
    }
    for (const s of streams) {
      if (method === 'SUBSCRIBE') this.onConn.add(s);
      else this.onConn.delete(s);
    }
    const timer = setTimeout(() => {
      if (!this.pending.delete(id)) return;
      const err = new BinanceStreamError('ERR_SUBSCRIBE_FAILED', `${method} request ${id} got no answer within ${this.options.requestTimeoutMs} ms`, { streams });
      this.host.onFailed(method, streams, id, err);
    }, this.options.requestTimeoutMs);
    this.pending.set(id, { method, streams, timer });
    this.queue();
    return true;
  }
}
