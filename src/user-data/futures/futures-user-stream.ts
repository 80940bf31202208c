/**
 * Futures user data (USD-M, COIN-M, portfolio margin): one raw-framed socket whose async
 * URL provider first makes sure a valid listenKey exists (so the socket can never open
 * without one), then dials:
 *
 * - USD-M:     `<base>/private/ws?listenKey=<key>[&events=A/B/listenKeyExpired]`
 * - COIN-M:    `<base>/ws/<key>`
 * - Portfolio: `<base>/pm/ws/<key>`
 *
 * Every (re)dial re-checks the key (keepalive; -1125 → new key). `listenKeyExpired` → the
 * manager creates a new key → the socket reconnects with it. Liveness is the heartbeat
 * only (`staleAfterMs: false`): an account stream is silent for hours by nature. The one
 * timer (the keepalive) belongs to the listenKey core.
 */
import type { ResilientSocketLike } from '../../connection/types';
import { maskSecret } from '../../core/logger';
import { getMarket } from '../../core/markets';
import type { StreamMessage } from '../../streams/types';
import { trimBase } from '../../streams/routes';
import type { UserStreamContext, UserStreamDriver } from '../driver';
import { createDriverSocket } from '../driver';
import { errorFields } from '../../core/logger';
import type { ResolvedUserDataOptions } from '../options';
import type { ListenKeyProduct } from '../types';
import type { ResolvedListenKeyOptions } from './listen-key-manager';
import { ListenKeyManager } from './listen-key-manager';

/** The user-data URL of a futures product for a key (see the file comment). */
export function futuresUserDataUrl(product: ListenKeyProduct, streamBaseUrl: string, listenKey: string, events?: readonly string[]): string {
  const base = trimBase(streamBaseUrl);
  if (product === 'usdm') {
    let url = `${base}/private/ws?listenKey=${encodeURIComponent(listenKey)}`;
    if (events && events.length) {
      // `events` is an allow-list: always keep listenKeyExpired, or an expiry would go unnoticed.
      const list = [...new Set([...events, 'listenKeyExpired'])];
      url += `&events=${list.map(encodeURIComponent).join('/')}`;
    }
    return url;
  }
  if (product === 'coinm') return `${base}/ws/${encodeURIComponent(listenKey)}`;
  return `${base}/pm/ws/${encodeURIComponent(listenKey)}`;
}

export class FuturesUserStream implements UserStreamDriver {
  readonly socket: ResilientSocketLike;
  readonly manager: ListenKeyManager;
  /** The key the current / latest dial used. */
  private dialKey: string | undefined;

  /** `keys`: the listenKey config resolved with `o` (`o.listenKey`); its product is the stream's. */
  constructor(
    o: ResolvedUserDataOptions,
    keys: ResolvedListenKeyOptions,
    private readonly ctx: UserStreamContext,
  ) {
    const product = keys.product;
    const manager = new ListenKeyManager(keys);
    this.manager = manager;
    manager.on('listenKey', (e) => ctx.listenKey(e));
    this.socket = createDriverSocket(o, {
      id: `user-${product}`,
      market: getMarket(product === 'coinm' ? 'coinm' : 'usdm'),
      url: async ({ signal }) => {
        const key = await manager.ensureValid(signal);
        this.dialKey = key;
        return futuresUserDataUrl(product, o.streamBaseUrl, key, o.events);
      },
      onMessage: (m) => this.onMessage(m),
    });
    manager.on('keyChange', (e) => {
      if (e.listenKey === this.dialKey) return;
      // The key manager logged the replacement (INFO): one line per event, so DEBUG here.
      ctx.logger.debug({ socketId: this.socket.id, reason: e.reason }, 'listenKey replaced: reconnecting the user-data socket');
      this.socket.reconnect(`listenKey replaced (${e.reason})`);
    });
    // A key replaced while the handshake was in flight: the socket may have ignored reconnect() then.
    this.socket.on('open', () => {
      const current = manager.listenKey;
      if (current !== undefined && this.dialKey !== current) this.socket.reconnect('listenKey changed while connecting');
    });
  }

  get timerCount(): number {
    return this.manager.timerCount;
  }

  details(): Record<string, unknown> {
    const key = this.manager.listenKey;
    return { listenKey: key ? maskSecret(key) : undefined, ownsListenKey: this.manager.ownsKey, nextListenKeyRefreshInMs: this.manager.nextRefreshInMs };
  }

  async stop(): Promise<void> {
    const results = await Promise.allSettled([this.socket.stop(), this.manager.stop()]);
    for (const r of results) if (r.status === 'rejected') this.ctx.logger.warn({ socketId: this.socket.id, error: errorFields(r.reason) }, 'error while stopping the futures user stream');
  }

  private onMessage(m: StreamMessage): void {
    const { ctx, manager } = this;
    const data = m.data as { e?: unknown; E?: unknown; listenKey?: unknown; [k: string]: unknown };
    if (!data || typeof data !== 'object' || typeof data.e !== 'string') {
      ctx.logger.debug({ socketId: this.socket.id, keys: data && typeof data === 'object' ? Object.keys(data).slice(0, 5) : typeof data }, 'ignored user-data frame without an event type');
      return;
    }
    if (data.e === 'listenKeyExpired') {
      const at = Number(data.E);
      const key = typeof data.listenKey === 'string' ? data.listenKey : undefined;
      if (key === undefined || key === this.dialKey) ctx.markInterrupted(Number.isFinite(at) && at > 0 ? Math.min(at, ctx.now()) : ctx.now(), 'listenKeyExpired');
      // The key manager logs the expiry (WARN) when it replaces the key: DEBUG here.
      ctx.logger.debug({ socketId: this.socket.id, listenKey: maskSecret(key) }, 'listenKeyExpired received: getting a new key');
      manager.handleExpired(key);
      ctx.deliver({ ...data, e: 'listenKeyExpired', E: data.E as number | string, ...(key !== undefined ? { listenKey: maskSecret(key) } : {}) }, m.receivedAt);
      return;
    }
    ctx.deliver(data as { e: string; E: number | string }, m.receivedAt);
  }
}
