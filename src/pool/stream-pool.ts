/**
 * StreamPool: packs market-data streams onto as few resilient sockets as the market allows,
 * keeps them there through subscribe/unsubscribe at runtime, rotates sockets before
 * Binance's 24 h cut without a gap or a duplicate, repairs per-stream silence by
 * re-subscribing, and reports progress and stats. All dials go through one DialGate (the
 * process-wide ConnectionBudget by default).
 *
 * Data path (hot): socket → StreamRouter.route → sink. Control path: pool → socket.
 *
 * Lifecycle:
 * - The constructor does no I/O. `subscribe()` before `start()` only records and packs.
 * - `start()` is single-flight and resolves when every socket is open (a pool with no
 *   streams resolves at once; later subscriptions open sockets as needed). It rejects only
 *   when a socket's retry policy gives up before that socket ever opened (with that
 *   socket's error); the other sockets keep running, call `stop()` to clean up. It resolves
 *   if `stop()` is called meanwhile.
 * - `stop()` is idempotent: stops every socket and clears every pool timer; subscriptions
 *   are kept, so `start()` again reopens them.
 */
import EventEmitter from 'eventemitter3';
import { ResilientSocket } from '../connection/resilient-socket';
import type { DialGate, ResilientSocketLike, ResilientSocketOptions, SocketEvents } from '../connection/types';
import { SOCKET_EVENT_NAMES } from '../connection/types';
import { GROUP_NAME_RULE, isGroupName } from './group-name';
import type { BinanceStreamError } from '../core/errors';
import { describeError, toStreamError } from '../core/errors';
import type { Logger } from '../core/logger';
import { normalizeLogger } from '../core/logger';
import type { MarketProfile, Route } from '../core/markets';
import { combinedStreamUrl, routeFor } from '../streams/routes';
import type { RetryPolicy } from '../retry/policy';
import { ExponentialBackoff } from '../retry/exponential-backoff';
import type { StreamInfo } from '../streams/classify';
import { classifyStream } from '../streams/classify';
import { normalizeStreamName } from '../streams/names';
import type { ConnectionBudgetState } from './connection-budget';
import { ConnectionBudget } from './connection-budget';
import type { RotationPlan } from './rotation';
import { rotationDue, validateRotationWindow } from './rotation';
import { StreamRouter } from './router';
import type { Handover } from './stream-state';
import { StreamState } from './stream-state';
import type { PoolEvents, PoolSocketStats, PoolStats, PoolStreamStats, StreamPoolOptions, SubscribeOptions } from './types';

type Budget = DialGate & { state?: () => ConnectionBudgetState };

const SOCKET_EVENTS: readonly (keyof SocketEvents)[] = [...SOCKET_EVENT_NAMES, 'firstMessage'];

interface Rotation {
  readonly next: ResilientSocketLike;
  readonly reason: 'lifetime' | 'serverShutdown' | 'manual';
  readonly startedAt: number;
  readonly handover: Handover;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
  readonly promise: Promise<void>;
  resolve: () => void;
}

interface Slot {
  readonly group: string;
  readonly route: Route;
  readonly bucket: string;
  readonly cap: number;
  socket: ResilientSocketLike;
  /** Streams assigned to this slot (the pool's view). */
  readonly streams: Set<string>;
  /** Rotation jitter draw in [0, 1). */
  jitter: number;
  rotation: Rotation | undefined;
  /** True once the socket was open at least once (start() accounting). */
  everOpen: boolean;
  /** After a failed rotation, no new attempt before this time. */
  rotationHoldUntil: number;
}


function intOption(name: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name}: expected an integer in ${min}..${max === Infinity ? '∞' : max}, got ${String(v)}`);
  }
  return v;
}

function msOption(name: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || !Number.isFinite(v)) {
    throw new RangeError(`${name}: expected a finite number of ms >= ${min}, got ${String(v)}`);
  }
  return v;
}

export class StreamPool extends EventEmitter<PoolEvents> {
  readonly market: MarketProfile;
  readonly baseUrl: string;
  readonly maxStreamsPerConnection: number;
  private readonly logger: Logger;
  private readonly retryPolicy: RetryPolicy;
  private readonly budget: Budget;
  private readonly socketFactory: (o: ResilientSocketOptions) => ResilientSocketLike;
  private readonly groupCaps = new Map<string, number>();
  private readonly router: StreamRouter;
  private readonly plan: RotationPlan;
  private readonly handoverTimeoutMs: number;
  private readonly handoverSettleMs: number;
  private readonly sweepIntervalMs: number;
  private readonly progressIntervalMs: number;
  private readonly streamStale: StreamPoolOptions['streamStaleAfterMs'];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly idPrefix: string;
  private readonly options: StreamPoolOptions;

  private readonly slots = new Set<Slot>();
  private readonly placement = new Map<string, Slot>();
  private socketSeq = 0;
  private running = false;
  private startPromise: Promise<void> | undefined;
  private startWaiter: { resolve: () => void; reject: (e: BinanceStreamError) => void } | undefined;
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private lastProgressAt = -Infinity;
  private lastProgressKey = '';
  private readyCount = 0;
  private rotations = 0;
  private readonly retiring = new Set<Promise<void>>();

  constructor(options: StreamPoolOptions) {
    super();
    if (!options || typeof options !== 'object') throw new TypeError('StreamPool: options must be an object');
    if (!options.market || typeof options.market !== 'object' || !options.market.limits) throw new TypeError('StreamPool option market: expected a MarketProfile');
    if (typeof options.sink !== 'function') throw new TypeError('StreamPool option sink: expected a function (message, info) => void');
    this.options = options;
    this.market = options.market;
    const limit = this.market.limits.maxStreamsPerConnection;
    this.maxStreamsPerConnection = intOption('maxStreamsPerConnection', options.maxStreamsPerConnection ?? limit, 1, limit);
    if (options.groups !== undefined) {
      if (options.groups === null || typeof options.groups !== 'object') throw new TypeError('StreamPool option groups: expected an object of group settings');
      for (const [name, g] of Object.entries(options.groups)) {
        if (!isGroupName(name)) throw new RangeError(`groups: invalid group name ${JSON.stringify(name)} (${GROUP_NAME_RULE})`);
        if (g?.maxStreamsPerConnection !== undefined) {
          this.groupCaps.set(name, intOption(`groups.${name}.maxStreamsPerConnection`, g.maxStreamsPerConnection, 1, limit));
        }
      }
    }
    this.baseUrl = options.baseUrl ?? this.market.urls.live.streamBase;
    if (typeof this.baseUrl !== 'string' || !/^wss?:\/\//.test(this.baseUrl)) {
      throw new TypeError(`StreamPool option baseUrl: expected a ws:// or wss:// URL, got ${JSON.stringify(this.baseUrl)}`);
    }
    this.logger = normalizeLogger(options.logger);
    this.retryPolicy = options.retryPolicy ?? new ExponentialBackoff();
    this.budget = options.budget ?? ConnectionBudget.shared();
    this.socketFactory = options.socketFactory ?? ((o) => new ResilientSocket(o));
    const rotateAfterMs = options.rotateAfterMs === undefined ? 23 * 3_600_000 : options.rotateAfterMs;
    if (rotateAfterMs !== false) msOption('rotateAfterMs', rotateAfterMs, 1);
    this.plan = {
      rotateAfterMs,
      rotationJitterMs: msOption('rotationJitterMs', options.rotationJitterMs ?? 30 * 60_000),
      window: validateRotationWindow(options.rotationWindow),
      maxLifetimeMs: this.market.limits.maxConnectionLifetimeMs,
      rotationSafetyMs: msOption('rotationSafetyMs', options.rotationSafetyMs ?? 10 * 60_000),
    };
    this.handoverTimeoutMs = msOption('handoverTimeoutMs', options.handoverTimeoutMs ?? 30_000, 1);
    this.handoverSettleMs = msOption('handoverSettleMs', options.handoverSettleMs ?? 3_000);
    this.sweepIntervalMs = msOption('sweepIntervalMs', options.sweepIntervalMs ?? 5_000, 1);
    this.progressIntervalMs = msOption('progressIntervalMs', options.progressIntervalMs ?? 100);
    const ss = options.streamStaleAfterMs;
    if (ss !== undefined && ss !== false && typeof ss !== 'function') msOption('streamStaleAfterMs', ss, 1);
    this.streamStale = ss;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.idPrefix = options.idPrefix ?? this.market.id;
    this.router = new StreamRouter(options.sink, (err, st) => {
      this.logger.error({ stream: st.name, error: describeError(err) }, 'stream listener threw; the pool keeps delivering');
    });
  }

  /** Number of streams in the pool. */
  get size(): number {
    return this.router.states.size;
  }

  /** Whether the pool carries `stream`. */
  has(stream: string): boolean {
    return this.router.states.has(stream);
  }

  /** The streams in the pool. */
  streams(): string[] {
    return [...this.router.states.keys()];
  }

  get isRunning(): boolean {
    return this.running;
  }

  // ------------------------------------------------------------------ subscriptions

  /**
   * Add streams. Names are validated and normalised (symbol lower-cased); a stream already in
   * the pool is left where it is (even if `group` differs). Works before and after start().
   */
  subscribe(streams: readonly string[], options: SubscribeOptions = {}): void {
    if (!Array.isArray(streams)) throw new TypeError('subscribe: streams must be an array of stream names');
    const group = options.group ?? '';
    if (group !== '' && !isGroupName(group)) {
      throw new RangeError(`subscribe: invalid group ${JSON.stringify(group)} (1-32 of A-Z a-z 0-9 _ . -)`);
    }
    const names = streams.map((s) => normalizeStreamName(s));
    const now = this.now();
    const byRoute = new Map<Route, StreamState[]>();
    for (const name of names) {
      if (this.router.states.has(name)) continue;
      const info = classifyStream(name, this.market.futures);
      const st = new StreamState(name, info, group, now, this.options.stages?.(info));
      this.router.add(st);
      const route = routeFor(this.market, name);
      let list = byRoute.get(route);
      if (list === undefined) byRoute.set(route, (list = []));
      list.push(st);
    }
    // After stop() streams are only recorded; start() places them again.
    if (this.running || !this.everStopped) {
      for (const [route, list] of byRoute) this.place(group, route, list);
    }
    if (byRoute.size) this.scheduleProgress();
  }

  /** Remove streams; unknown ones are ignored. Emptied sockets close. */
  unsubscribe(streams: readonly string[]): void {
    if (!Array.isArray(streams)) throw new TypeError('unsubscribe: streams must be an array of stream names');
    const bySlot = new Map<Slot, string[]>();
    for (const raw of streams) {
      const name = normalizeStreamName(raw);
      const st = this.router.remove(name);
      if (st === undefined) continue;
      if (st.ready) this.readyCount--;
      const slot = this.placement.get(name);
      this.placement.delete(name);
      if (slot === undefined) continue;
      slot.streams.delete(name);
      let list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, (list = []));
      list.push(name);
    }
    for (const [slot, names] of bySlot) {
      if (slot.streams.size === 0) {
        this.retire(slot, 'no streams left');
      } else {
        slot.socket.removeStreams(names);
        slot.rotation?.next.removeStreams(names);
      }
    }
    this.checkStartDone();
  }

  private everStopped = false;

  private capFor(group: string): number {
    return this.groupCaps.get(group) ?? this.maxStreamsPerConnection;
  }

  /** Put streams on the bucket's sockets with room, then on new sockets. */
  private place(group: string, route: Route, states: StreamState[]): void {
    const bucket = `${group}|${route}`;
    const cap = this.capFor(group);
    let i = 0;
    for (const slot of this.slots) {
      if (i >= states.length) break;
      if (slot.bucket !== bucket) continue;
      const room = slot.cap - slot.streams.size;
      if (room <= 0) continue;
      const chunk = states.slice(i, i + room);
      i += chunk.length;
      this.addToSlot(slot, chunk);
    }
    while (i < states.length) {
      const chunk = states.slice(i, i + cap);
      i += chunk.length;
      this.createSlot(group, route, bucket, cap, chunk);
    }
  }

  private addToSlot(slot: Slot, states: StreamState[]): void {
    const names: string[] = [];
    for (const st of states) {
      slot.streams.add(st.name);
      this.placement.set(st.name, slot);
      st.primary = slot.socket;
      names.push(st.name);
    }
    slot.socket.addStreams(names);
    const rot = slot.rotation;
    if (rot !== undefined) {
      rot.next.addStreams(names);
      this.router.beginHandover(states, rot.handover);
    }
  }

  private nextSocketId(group: string, route: Route): string {
    this.socketSeq++;
    return `${this.idPrefix}${group ? `-${group}` : ''}${route ? `-${route}` : ''}-${this.socketSeq}`;
  }

  private createSlot(group: string, route: Route, bucket: string, cap: number, states: StreamState[]): void {
    const names = states.map((s) => s.name);
    const slot: Slot = {
      group,
      route,
      bucket,
      cap,
      socket: undefined as unknown as ResilientSocketLike,
      streams: new Set(names),
      jitter: this.random(),
      rotation: undefined,
      everOpen: false,
      rotationHoldUntil: 0,
    };
    slot.socket = this.createSocket(slot, names);
    this.slots.add(slot);
    for (const st of states) {
      this.placement.set(st.name, slot);
      st.primary = slot.socket;
    }
    this.logger.debug({ socketId: slot.socket.id, streams: names.length, group: group || undefined, route: route || undefined }, 'socket created');
    if (this.running) slot.socket.start();
  }

  private createSocket(slot: Slot, streams: readonly string[]): ResilientSocketLike {
    const o = this.options;
    const base = this.baseUrl;
    const route = slot.route;
    const socket = this.socketFactory({
      id: this.nextSocketId(slot.group, slot.route),
      market: this.market,
      url: (ctx) => combinedStreamUrl(base, route, ctx.streams),
      mode: 'combined',
      streams,
      onMessage: this.router.route,
      retryPolicy: this.retryPolicy,
      logger: this.logger,
      dialGate: this.budget,
      onServerShutdown: 'emit',
      heartbeat: o.heartbeat,
      staleAfterMs: o.staleAfterMs,
      staleDebounceMs: o.staleDebounceMs,
      connectTimeoutMs: o.connectTimeoutMs,
      maxUrlLength: o.maxUrlLength,
      maxStreamsPerRequest: o.maxStreamsPerRequest,
      maxOutgoingPerSecond: o.maxOutgoingPerSecond,
      requestTimeoutMs: o.requestTimeoutMs,
      webSocketFactory: o.webSocketFactory,
      now: o.now,
    });
    this.attach(slot, socket);
    return socket;
  }

  /** Forward every socket event and keep the pool's bookkeeping. One closure per socket and event, none per message. */
  private attach(slot: Slot, socket: ResilientSocketLike): void {
    const on = socket.on.bind(socket) as (event: string, fn: (e: unknown) => void) => unknown;
    const emit = this.emit.bind(this) as (event: string, e: unknown) => boolean;
    for (const name of SOCKET_EVENTS) {
      on(name, (e) => {
        try {
          this.onSocketEvent(slot, socket, name, e);
        } catch (err) {
          this.logger.error({ socketId: socket.id, event: name, error: describeError(err) }, 'pool bookkeeping failed');
        }
        emit(name, e);
      });
    }
  }

  private onSocketEvent(slot: Slot, socket: ResilientSocketLike, name: keyof SocketEvents, e: unknown): void {
    switch (name) {
      case 'open':
        if (socket === slot.socket) {
          slot.everOpen = true;
          this.checkStartDone();
        }
        this.scheduleProgress();
        break;
      case 'subscribed': {
        const now = this.now();
        for (const s of (e as { streams: readonly string[] }).streams) {
          const st = this.router.states.get(s);
          if (st === undefined || this.placement.get(s) !== slot) continue;
          st.ackedAt = now;
          if (!st.ready) {
            st.ready = true;
            this.readyCount++;
          }
        }
        this.scheduleProgress();
        break;
      }
      case 'subscribeFailed':
        for (const s of (e as { streams: readonly string[] }).streams) {
          const st = this.router.states.get(s);
          if (st !== undefined) st.errors++;
        }
        break;
      case 'close':
        if (socket === slot.socket) {
          for (const s of slot.streams) {
            const st = this.router.states.get(s);
            if (st !== undefined && st.ready) {
              st.ready = false;
              this.readyCount--;
            }
          }
          const rot = slot.rotation;
          // The old socket died during a handover: the replacement takes over now.
          if (rot !== undefined && this.running) this.finishRotation(slot, rot);
          else this.scheduleProgress();
        }
        break;
      case 'gaveUp':
        if (socket === slot.socket && !slot.everOpen) this.failStart(toStreamError((e as { error: unknown }).error, 'ERR_GAVE_UP'));
        break;
      case 'serverShutdown':
        if (socket === slot.socket && this.running) void this.rotateSlot(slot, 'serverShutdown');
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /** Open every socket. Single-flight; see the class doc for when it settles. */
  start(): Promise<void> {
    if (this.startPromise !== undefined) return this.startPromise;
    this.running = true;
    // Streams kept from before a stop() go back on sockets.
    if (this.everStopped) {
      const byBucket = new Map<string, { group: string; route: Route; list: StreamState[] }>();
      for (const st of this.router.states.values()) {
        if (this.placement.has(st.name)) continue;
        const route = routeFor(this.market, st.name);
        const key = `${st.group}|${route}`;
        let b = byBucket.get(key);
        if (b === undefined) byBucket.set(key, (b = { group: st.group, route, list: [] }));
        b.list.push(st);
      }
      for (const b of byBucket.values()) this.place(b.group, b.route, b.list);
    }
    this.startPromise = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    for (const slot of this.slots) slot.socket.start();
    this.armSweep();
    this.scheduleProgress();
    this.checkStartDone();
    return this.startPromise;
  }

  private checkStartDone(): void {
    const w = this.startWaiter;
    if (w === undefined) return;
    for (const slot of this.slots) if (!slot.everOpen) return;
    this.startWaiter = undefined;
    w.resolve();
  }

  /** A socket gave up before it ever opened: start() rejects; the other sockets keep running (stop() to clean up). */
  private failStart(err: BinanceStreamError): void {
    const w = this.startWaiter;
    if (w === undefined) return;
    this.startWaiter = undefined;
    w.reject(err);
  }

  /** Stop every socket and clear every pool timer. Idempotent; subscriptions are kept. */
  async stop(): Promise<void> {
    this.running = false;
    this.everStopped = true;
    this.startPromise = undefined;
    const w = this.startWaiter;
    this.startWaiter = undefined;
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.progressTimer !== undefined) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    for (const slot of [...this.slots]) this.retire(slot, 'pool stopped');
    for (const st of this.router.states.values()) {
      st.primary = undefined;
      st.next = undefined;
      st.handover = undefined;
      st.held = undefined;
      st.filtering = false;
      st.ready = false;
    }
    this.readyCount = 0;
    w?.resolve();
    while (this.retiring.size) await Promise.all([...this.retiring]);
  }

  /** Reconnect every socket (each socket debounces itself). */
  reconnect(reason: string): void {
    for (const slot of this.slots) slot.socket.reconnect(reason);
  }

  /**
   * Rotate one socket (by id) or every socket now, make-before-break. Resolves when the
   * handover(s) finished or fell back.
   */
  async rotate(socketId?: string): Promise<void> {
    const tasks: Promise<void>[] = [];
    for (const slot of this.slots) {
      if (socketId === undefined || slot.socket.id === socketId) tasks.push(this.rotateSlot(slot, 'manual'));
    }
    await Promise.all(tasks);
  }

  /** Stop a slot's socket(s) and forget the slot. */
  private retire(slot: Slot, reason: string): void {
    this.slots.delete(slot);
    for (const s of slot.streams) {
      if (this.placement.get(s) === slot) this.placement.delete(s);
    }
    const rot = slot.rotation;
    if (rot !== undefined) {
      rot.done = true;
      if (rot.timer !== undefined) clearTimeout(rot.timer);
      rot.timer = undefined;
      this.router.cancelHandover(rot.handover);
      slot.rotation = undefined;
      this.stopSocket(rot.next);
      rot.resolve();
    }
    this.logger.debug({ socketId: slot.socket.id, reason }, 'socket retired');
    this.stopSocket(slot.socket);
    this.checkStartDone();
  }

  private stopSocket(socket: ResilientSocketLike): void {
    const p = Promise.resolve()
      .then(() => socket.stop())
      .catch((err: unknown) => this.logger.warn({ socketId: socket.id, error: describeError(err) }, 'socket stop failed'))
      .finally(() => {
        socket.removeAllListeners();
        this.retiring.delete(p);
      });
    this.retiring.add(p);
  }

  // ------------------------------------------------------------------ rotation

  private rotateSlot(slot: Slot, reason: Rotation['reason']): Promise<void> {
    if (slot.rotation !== undefined) return slot.rotation.promise;
    if (!this.running || !this.slots.has(slot)) return Promise.resolve();
    const old = slot.socket;
    if (old.state !== 'open') return Promise.resolve(); // nothing to hand over; it reconnects by itself
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const names = [...slot.streams];
    const handover: Handover = { from: old, to: undefined as unknown as ResilientSocketLike, pending: 0, onAllSwitched: () => {} };
    const next = this.createSocket(slot, names);
    (handover as { to: ResilientSocketLike }).to = next;
    const rot: Rotation = { next, reason, startedAt: this.now(), handover, timer: undefined, done: false, promise, resolve };
    handover.onAllSwitched = () => this.finishRotation(slot, rot);
    slot.rotation = rot;
    const states: StreamState[] = [];
    for (const n of names) {
      const st = this.router.states.get(n);
      if (st !== undefined) states.push(st);
    }
    this.router.beginHandover(states, handover);
    this.logger.info({ socketId: old.id, newSocketId: next.id, reason, streams: names.length }, 'rotating socket (make-before-break)');
    next.once('firstMessage', () => {
      if (rot.done) return;
      if (rot.timer !== undefined) clearTimeout(rot.timer);
      rot.timer = setTimeout(() => this.finishRotation(slot, rot), this.handoverSettleMs);
    });
    rot.timer = setTimeout(() => this.abortRotation(slot, rot), this.handoverTimeoutMs);
    next.start();
    return promise;
  }

  private finishRotation(slot: Slot, rot: Rotation): void {
    if (rot.done) return;
    rot.done = true;
    if (rot.timer !== undefined) clearTimeout(rot.timer);
    rot.timer = undefined;
    this.router.completeHandover(rot.handover);
    const old = slot.socket;
    slot.socket = rot.next;
    slot.rotation = undefined;
    slot.jitter = this.random();
    slot.everOpen = slot.everOpen || rot.next.state === 'open';
    this.stopSocket(old);
    this.rotations++;
    const handoverMs = this.now() - rot.startedAt;
    this.logger.info({ socketId: old.id, newSocketId: rot.next.id, reason: rot.reason, handoverMs, streams: slot.streams.size }, 'socket rotated');
    this.emit('rotated', { oldSocketId: old.id, newSocketId: rot.next.id, reason: rot.reason, handoverMs, streams: slot.streams.size });
    // Streams acknowledged on the replacement count as ready; recount this slot.
    this.scheduleProgress();
    rot.resolve();
  }

  /** The replacement did not deliver in time: discard it and reconnect the old socket the plain way. */
  private abortRotation(slot: Slot, rot: Rotation): void {
    if (rot.done) return;
    rot.done = true;
    rot.timer = undefined;
    this.router.cancelHandover(rot.handover);
    slot.rotation = undefined;
    slot.rotationHoldUntil = this.now() + Math.max(60_000, 2 * this.handoverTimeoutMs);
    this.stopSocket(rot.next);
    this.logger.warn(
      { socketId: slot.socket.id, newSocketId: rot.next.id, reason: rot.reason, timeoutMs: this.handoverTimeoutMs },
      'replacement socket did not deliver in time; reconnecting the old socket instead',
    );
    slot.socket.reconnect(rot.reason === 'serverShutdown' ? 'serverShutdown' : 'rotation fallback');
    rot.resolve();
  }

  // ------------------------------------------------------------------ sweep: rotation + per-stream silence

  private armSweep(): void {
    if (!this.running || this.sweepTimer !== undefined) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      try {
        this.sweep();
      } catch (err) {
        this.logger.error({ error: describeError(err) }, 'pool sweep failed');
      }
      this.armSweep();
    }, this.sweepIntervalMs);
  }

  private thresholdFor(info: StreamInfo): number {
    const s = this.streamStale;
    if (s === undefined) return info.staleAfterMs;
    if (s === false) return Infinity;
    if (typeof s === 'function') return s(info);
    return s;
  }

  /** One pass over open sockets: due rotations, then silent streams on otherwise live sockets. */
  private sweep(): void {
    const now = this.now();
    for (const slot of this.slots) {
      const sock = slot.socket;
      if (sock.state !== 'open' || slot.rotation !== undefined) continue;
      const connectedAt = sock.connectedAt ?? now;
      if (now >= slot.rotationHoldUntil && rotationDue(now, connectedAt, this.plan, slot.jitter)) {
        void this.rotateSlot(slot, 'lifetime');
        continue;
      }
      if (this.streamStale === false) continue;
      let socketLast = 0;
      for (const s of slot.streams) {
        const st = this.router.states.get(s);
        if (st !== undefined && st.lastMessageAt > socketLast) socketLast = st.lastMessageAt;
      }
      let silent: string[] | undefined;
      let maxSilent = 0;
      for (const s of slot.streams) {
        const st = this.router.states.get(s);
        if (st === undefined) continue;
        const since = Math.max(st.subscribedAt, connectedAt, st.lastMessageAt);
        const silentMs = now - since;
        const threshold = this.thresholdFor(st.info);
        if (silentMs < threshold || st.staleEpisode === since) continue;
        // Only a stream that is silent while its socket delivers other data; a silent socket is the socket's own watchdog's job.
        if (socketLast === 0 || now - socketLast >= threshold) continue;
        st.staleEpisode = since;
        st.resubscribes++;
        (silent ??= []).push(s);
        if (silentMs > maxSilent) maxSilent = silentMs;
      }
      if (silent !== undefined) {
        this.logger.warn({ socketId: sock.id, streams: silent, silentMs: maxSilent }, 'streams silent on a live connection; re-subscribing them');
        this.emit('stale', { socketId: sock.id, scope: 'stream', streams: silent, silentMs: maxSilent, action: 'resubscribe' });
        sock.resubscribe(silent);
      }
    }
  }

  // ------------------------------------------------------------------ progress

  private scheduleProgress(): void {
    if (!this.running || this.progressTimer !== undefined) return;
    const delay = Math.max(0, this.lastProgressAt + this.progressIntervalMs - this.now());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.emitProgress();
    }, delay);
  }

  private emitProgress(): void {
    if (!this.running) return;
    let socketsOpen = 0;
    for (const slot of this.slots) if (slot.socket.state === 'open') socketsOpen++;
    const e = {
      streamsReady: this.readyCount,
      streamsTotal: this.router.states.size,
      socketsOpen,
      socketsTotal: this.slots.size,
      dialsQueued: this.budget.state?.().queued ?? 0,
    };
    const key = `${e.streamsReady}/${e.streamsTotal}/${e.socketsOpen}/${e.socketsTotal}/${e.dialsQueued}`;
    if (key === this.lastProgressKey) return;
    this.lastProgressKey = key;
    this.lastProgressAt = this.now();
    this.emit('connecting', e);
  }

  // ------------------------------------------------------------------ stats

  stats(): PoolStats {
    const sockets: PoolSocketStats[] = [];
    const bySocket = new Map<Slot, { retries: number; reconnects: number; connectedAt: number | undefined; id: string }>();
    for (const slot of this.slots) {
      const s = slot.socket.stats();
      sockets.push({ ...s, group: slot.group, route: slot.route, rotating: slot.rotation !== undefined });
      bySocket.set(slot, { retries: s.retries, reconnects: s.reconnects, connectedAt: s.connectedAt, id: slot.socket.id });
      if (slot.rotation !== undefined) {
        sockets.push({ ...slot.rotation.next.stats(), group: slot.group, route: slot.route, rotating: true });
      }
    }
    const streams: PoolStreamStats[] = [];
    for (const st of this.router.states.values()) {
      const slot = this.placement.get(st.name);
      const sk = slot !== undefined ? bySocket.get(slot) : undefined;
      streams.push({
        stream: st.name,
        group: st.group,
        socketId: sk?.id,
        subscribedAt: st.subscribedAt,
        connectedAt: sk?.connectedAt,
        ackedAt: st.ackedAt,
        messages: st.messages,
        errors: st.errors,
        lastMessageAt: st.lastMessageAt || undefined,
        lagMs: st.lagMs,
        retries: sk?.retries ?? 0,
        reconnects: sk?.reconnects ?? 0,
        duplicatesDropped: st.duplicates,
        resubscribes: st.resubscribes,
      });
    }
    const c = this.router.counters;
    return {
      streams,
      sockets,
      budget: this.budget.state?.(),
      rotations: this.rotations,
      unknownDropped: c.unknownDropped,
      foreignDropped: c.foreignDropped,
      duplicatesDropped: c.duplicatesDropped,
      sinkErrors: c.sinkErrors,
      forcedSwitches: c.forcedSwitches,
    };
  }
}
