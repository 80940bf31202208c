/**
 * SUBSCRIBE/UNSUBSCRIBE bookkeeping of ONE connection (combined framing): what is on the
 * connection, what must still be (un)subscribed, and the answers, on the connection's
 * PendingRequests (./requests.ts). Created when the connection is ready, dropped with it:
 * a new connection gets a new Subscriptions (there is no clear()).
 *
 * Frames are built at send time (see OutboundScheduler), batched by `maxStreamsPerRequest`,
 * so a stream added and removed before its turn costs nothing.
 */
import { BinanceStreamError } from '../core/errors';
import type { OutboundAction } from './outbound-scheduler';
import type { PendingRequests } from './requests';

export type SubscriptionMethod = 'SUBSCRIBE' | 'UNSUBSCRIBE';

export interface SubscriptionHost {
  /** Queue an action in the connection's outbound scheduler. */
  enqueue(action: OutboundAction): void;
  /** Send a text frame now; false when the connection cannot. */
  transmit(text: string): boolean;
  answered(method: SubscriptionMethod, streams: readonly string[], requestId: number): void;
  failed(method: SubscriptionMethod, streams: readonly string[], requestId: number, error: BinanceStreamError): void;
}

interface Answer {
  code?: unknown;
  msg?: unknown;
}

export class Subscriptions {
  /** Streams on the connection (URL or sent SUBSCRIBE, not yet UNSUBSCRIBEd). */
  private readonly onConn = new Set<string>();
  private readonly toSubscribe = new Set<string>();
  private readonly toUnsubscribe = new Set<string>();
  private subQueued = false;
  private unsubQueued = false;

  /** The connection opened carrying `urlStreams`; bring it to `wanted`. */
  constructor(
    private readonly host: SubscriptionHost,
    private readonly requests: PendingRequests<string>,
    private readonly maxStreamsPerRequest: number,
    urlStreams: readonly string[],
    wanted: ReadonlySet<string>,
  ) {
    for (const s of urlStreams) this.onConn.add(s);
    for (const s of wanted) if (!this.onConn.has(s)) this.toSubscribe.add(s);
    for (const s of urlStreams) if (!wanted.has(s)) this.toUnsubscribe.add(s);
    this.queue();
  }

  add(streams: Iterable<string>): void {
    for (const s of streams) {
      if (this.toUnsubscribe.delete(s)) continue;
      if (!this.onConn.has(s)) this.toSubscribe.add(s);
    }
    this.queue();
  }

  remove(streams: Iterable<string>): void {
    for (const s of streams) {
      if (this.toSubscribe.delete(s) && !this.onConn.has(s)) continue;
      if (this.onConn.has(s)) this.toUnsubscribe.add(s);
    }
    this.queue();
  }

  /** SUBSCRIBE again streams that are on the connection (per-stream repair). */
  resubscribe(streams: Iterable<string>): void {
    for (const s of streams) if (!this.toUnsubscribe.has(s)) this.toSubscribe.add(s);
    this.queue();
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

  private readonly flushSubscribe = (): boolean => {
    this.subQueued = false;
    return this.flush('SUBSCRIBE', this.toSubscribe);
  };

  private readonly flushUnsubscribe = (): boolean => {
    this.unsubQueued = false;
    return this.flush('UNSUBSCRIBE', this.toUnsubscribe);
  };

  private flush(method: SubscriptionMethod, set: Set<string>): boolean {
    if (set.size === 0) return false;
    const streams: string[] = [];
    for (const s of set) {
      streams.push(s);
      if (streams.length >= this.maxStreamsPerRequest) break;
    }
    let id = 0;
    let sent = false;
    const answer = this.requests.request<Answer>(
      `${method} request`,
      (requestId) => {
        id = requestId;
        sent = this.host.transmit(JSON.stringify({ method, params: streams, id }));
      },
      { onTimeout: (id, ms) => new BinanceStreamError('ERR_SUBSCRIBE_FAILED', `${method} request ${id} got no answer within ${ms} ms`, { streams }) },
    );
    if (!sent) {
      // Not sent (the connection is closing): keep the streams queued, use no budget.
      answer.catch(() => undefined);
      this.requests.reject(id, new BinanceStreamError('ERR_CLOSED', `${method} request ${id} not sent: the connection is closing`));
      return false;
    }
    for (const s of streams) {
      set.delete(s);
      if (method === 'SUBSCRIBE') this.onConn.add(s);
      else this.onConn.delete(s);
    }
    answer.then(
      (frame) => this.settle(method, streams, id, frame),
      (error: BinanceStreamError) => this.host.failed(method, streams, id, error),
    );
    this.queue();
    return true;
  }

  private settle(method: SubscriptionMethod, streams: readonly string[], id: number, frame: Answer): void {
    if (frame?.code === undefined || frame.code === null) return this.host.answered(method, streams, id);
    const code = typeof frame.code === 'number' ? frame.code : Number(frame.code);
    const text = typeof frame.msg === 'string' && frame.msg ? frame.msg : '(no message)';
    if (method === 'SUBSCRIBE') for (const s of streams) this.onConn.delete(s);
    const err = new BinanceStreamError('ERR_SUBSCRIBE_FAILED', `${method} request ${id} rejected by the server: ${text}`, {
      ...(Number.isFinite(code) ? { binanceCode: code } : {}),
      streams,
    });
    this.host.failed(method, streams, id, err);
  }
}
