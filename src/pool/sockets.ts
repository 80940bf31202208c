/**
 * The pool's sockets as objects: built with the pool's resolved settings (one tuning for
 * all), listened to by the pool first and then forwarded to the pool's emitter unchanged,
 * and stopped in the background with every stop awaited by `drain()`.
 */
import type { EventEmitter } from 'eventemitter3';
import { SOCKET_EVENT_NAMES } from '../connection/events';
import type { SocketEvents } from '../connection/events';
import { ResilientSocket } from '../connection/resilient-socket';
import type { ResilientSocketLike, ResilientSocketOptions } from '../connection/types';
import type { Route } from '../core/markets';
import type { StreamMessage } from '../streams/types';
import { combinedStreamUrl } from '../streams/routes';
import { forward } from '../core/forward';
import { errorFields } from '../core/logger';
import type { PoolEvents } from './events';
import type { ResolvedPoolOptions } from './options';
import { RestFallback } from './rest-fallback';
import type { StreamRouter } from './router';
import type { StreamState } from './stream-state';

export class PoolSockets {
  private readonly build: (o: ResilientSocketOptions) => ResilientSocketLike;
  private readonly stopping = new Set<Promise<void>>();
  private seq = 0;
  /** REST fallback for sockets that cannot be restored (./rest-fallback.ts), when the pool has a REST source. */
  readonly fallback: RestFallback | undefined;

  constructor(
    private readonly o: ResolvedPoolOptions,
    private readonly router: StreamRouter,
    private readonly target: Pick<EventEmitter<PoolEvents>, 'emit'>,
    private readonly onServerShutdown: (socket: ResilientSocketLike) => void,
    streamsOf: (socket: ResilientSocketLike) => StreamState[],
  ) {
    this.build = o.socketFactory ?? ((so) => new ResilientSocket(so) as unknown as ResilientSocketLike);
    const rest = o.fallbackRest;
    if (rest !== undefined && o.restFallback !== false) {
      const host = { rest, log: o.logger, now: o.now, streamsOf, inject: (m: StreamMessage) => void router.inject(m) };
      this.fallback = new RestFallback({ ...host, degraded: (e) => target.emit('degraded', e), restored: (e) => target.emit('restored', e) }, o.restFallback);
    }
  }

  /** A new socket for `streams` on `route`; `listen` registers the pool's own handlers before the forwarding ones. */
  create(group: string, route: Route, streams: readonly string[], listen: (socket: ResilientSocketLike) => void): ResilientSocketLike {
    const o = this.o;
    const base = o.baseUrl;
    const socket = this.build({
      id: `${o.idPrefix}${group ? `-${group}` : ''}${route ? `-${route}` : ''}-${++this.seq}`,
      market: o.market,
      url: (ctx) => combinedStreamUrl(base, route, ctx.streams),
      streams,
      onMessage: this.router.route,
      onServerShutdown: this.onServerShutdown,
      retryPolicy: o.retryPolicy,
      logger: o.logger,
      dialGate: o.budget,
      tuning: o.socketTuning,
      webSocketFactory: o.webSocketFactory,
      now: o.now,
    });
    listen(socket);
    const fb = this.fallback;
    if (fb !== undefined) {
      socket.on('reconnecting', () => fb.failing(socket));
      socket.on('open', () => fb.recovered(socket));
    }
    forward(socket, this.target as Pick<EventEmitter<SocketEvents>, 'emit'>, SOCKET_EVENT_NAMES);
    return socket;
  }

  /** Stop `socket` in the background (its last events are still forwarded), then detach from it. */
  stop(socket: ResilientSocketLike): void {
    this.fallback?.forget(socket);
    const p = Promise.resolve()
      .then(() => socket.stop())
      .catch((err: unknown) => this.o.logger.warn({ socketId: socket.id, error: errorFields(err) }, 'socket stop failed'))
      .finally(() => {
        socket.removeAllListeners();
        this.stopping.delete(p);
      });
    this.stopping.add(p);
  }

  /** Resolves when every socket stopped so far is down. */
  async drain(): Promise<void> {
    while (this.stopping.size) await Promise.all([...this.stopping]);
  }
}
