import { EventEmitter } from 'eventemitter3';
import type { ResilientSocketLike } from '../connection/types';
import type { Logger } from '../core/logger';
import { errorFields } from '../core/logger';
import type { MarketProfile } from '../core/markets';
import { TimerSlots } from '../core/timers';
import { classifyStream } from '../streams/classify';
import type { HandoverHost, HandoverReason } from './handover';
import { HandoverController } from './handover';
import type { ResolvedPoolOptions, StreamPoolOptions } from './options';
import { poolOptions } from './options';
import { streamNames, subscribeArgs } from './subscribe-args';
import type { StreamHold } from './holds';
import { PoolLiveness } from './pool-liveness';
import type { PlacementPlan, Slot, SlotSpec } from './placement';
import { Placement } from './placement';
import { Progress } from './progress';
import type { HealthEmitter, PoolHealth } from './health';
import { snapshot } from './health';
import { StreamRouter } from './router';
import { listenToSocket } from './slot-events';
import type { SlotEventsHost } from './slot-events';
import { StartGate } from './start-gate';
import { StreamState } from './stream-state';
import { PoolSockets } from './sockets';
import { poolStats } from './stats';
import { socketOf } from './sweep';
import type { PoolEvents, PoolStats, SubscribeOptions } from './types';

/**
 * StreamPool: packs market-data streams onto as few resilient sockets as the market allows (placement.ts), keeps them there through runtime
 * subscribe/unsubscribe, rotates sockets before Binance's 24 h cut without a gap or a duplicate (rotation-plan.ts, handover.ts), repairs
 * per-stream silence (stream-silence.ts, sweep.ts), reports health (health.ts), progress (progress.ts) and stats. Every dial goes through
 * one DialGate (the budget). Data path (hot): socket → StreamRouter.route → sink. Control path: pool → socket.
 * - The constructor does no I/O; options are resolved once (options.ts).
 * - `start()` is single-flight and resolves when every socket is open (at once with no streams). It rejects only when a socket gives up
 *   before it ever opened; the next `start()` revives it.
 * - `stop()` is idempotent: every socket and pool timer goes; subscriptions are kept.
 * - The pool's socket handlers (slot-events.ts) run before every socket event is forwarded unchanged; the pool's own events go out after
 *   its bookkeeping.
 * - `BinanceStreamClient` is built on one; use it directly for pooled sockets without the client's typed events, user data or order books.
 */
export class StreamPool extends EventEmitter<PoolEvents> {
  readonly market: MarketProfile;
  readonly baseUrl: string;
  readonly maxStreamsPerConnection: number;
  private readonly o: ResolvedPoolOptions;
  private readonly log: Logger;
  private readonly router: StreamRouter;
  private readonly placement: Placement;
  private readonly progress: Progress;
  private readonly handovers: HandoverHost;
  private readonly slotEvents: SlotEventsHost;
  private readonly sockets: PoolSockets;
  private readonly healthOut: HealthEmitter = { streamDown: (e) => this.emit('streamDown', e), streamRestored: (e) => this.emit('streamRestored', e) };
  private readonly timers = new TimerSlots<'sweep' | 'progress' | 'liveness'>();
  private readonly liveness: PoolLiveness;
  private running = false;
  private everStopped = false;
  private readonly startGate = new StartGate();
  private rotations = 0;

  /** Takes options resolved by `resolvePoolOptions()` as they are; resolves anything else first. */
  constructor(options: StreamPoolOptions | ResolvedPoolOptions) {
    super();
    const o = (this.o = poolOptions(options));
    this.market = o.market;
    this.baseUrl = o.baseUrl;
    this.maxStreamsPerConnection = o.maxStreamsPerConnection;
    this.log = o.logger;
    this.router = new StreamRouter(o.sink, (err, st) => this.log.warn({ stream: st.name, error: errorFields(err) }, 'stream listener threw; the pool keeps delivering'));
    this.placement = new Placement(o.market, o.maxStreamsPerConnection, o.groupCaps);
    this.progress = new Progress(o.progressIntervalMs, o.now);
    const streamsOf = (socket: ResilientSocketLike) => this.router.statesOf(this.placement.slotWithSocket(socket)?.streams ?? []);
    this.sockets = new PoolSockets(o, this.router, this, (socket) => this.onServerShutdown(socket), streamsOf);
    this.slotEvents = {
      ...{ router: this.router, placement: this.placement, progress: this.progress, startGate: this.startGate, now: o.now },
      running: () => this.running,
      scheduleProgress: () => this.scheduleProgress(),
      health: this.healthOut,
    };
    this.liveness = new PoolLiveness({
      ...{ o, placement: this.placement, router: this.router, log: this.log, health: this.healthOut, timers: this.timers },
      running: () => this.running,
      move: (slot, names) => this.move(slot, names),
      rotate: (slot) => void this.rotateSlot(slot, 'lifetime'),
      emit: (event, e) => this.emit(event, e as never),
    });
    this.handovers = {
      ...{ router: this.router, logger: this.log, now: o.now, random: o.random, timeoutMs: o.handoverTimeoutMs, settleMs: o.handoverSettleMs },
      stopSocket: (socket) => this.sockets.stop(socket),
      rotated: (e) => {
        this.rotations++;
        this.emit('rotated', e);
        this.scheduleProgress();
      },
    };
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

  /**
   * Add streams. Names are validated (ERR_INVALID_STREAM) and normalised (symbol lower-cased);
   * a stream already in the pool stays where it is (even if `group` differs). Works before
   * and after start().
   */
  subscribe(streams: string | readonly string[], options: SubscribeOptions = {}): void {
    const { group, staleAfterMs, backfill } = subscribeArgs(options);
    const now = this.o.now();
    const added: StreamState[] = [];
    const seen = new Set<string>();
    for (const name of streamNames('subscribe', streams, this.o)) {
      if (this.router.states.has(name) || seen.has(name)) continue;
      seen.add(name);
      const info = classifyStream(name, this.market.futures);
      added.push(new StreamState(name, info, group, now, this.o.stages?.(info, { backfill }), this.liveness.silence.overrideFor(info, staleAfterMs)));
    }
    for (const st of added) this.router.add(st); // all checked (a throwing streamStaleAfterMs function included) before any is added
    // After stop() streams are only recorded; start() places them again.
    if (this.running || !this.everStopped) this.apply(this.placement.plan(group, [...seen]));
    if (added.length) this.scheduleProgress();
  }

  /** Remove streams; unknown ones are ignored. Emptied sockets close. */
  unsubscribe(streams: string | readonly string[]): void {
    const removed: string[] = [];
    for (const name of streamNames('unsubscribe', streams)) {
      const st = this.router.remove(name);
      if (st === undefined) continue;
      this.progress.markUnready(st);
      removed.push(name);
    }
    for (const [slot, names] of this.placement.release(removed)) {
      if (slot.streams.size === 0) this.retire(slot, 'no streams left');
      else for (const sock of [slot.socket, slot.handover?.to]) sock?.removeStreams(names);
    }
    this.checkStartDone();
  }

  /** Open every socket. Single-flight; see the file doc for when it settles. */
  start(): Promise<void> {
    if (this.startGate.current !== undefined) return this.startGate.current;
    this.running = true;
    // Streams kept from before a stop() go back on sockets.
    if (this.everStopped) for (const plan of this.placement.planUnplaced(this.router.states.values())) this.apply(plan);
    const started = this.startGate.open();
    for (const slot of this.placement.slots) slot.socket.start();
    this.liveness.arm();
    this.scheduleProgress();
    this.checkStartDone();
    return started;
  }

  /** Stop every socket and clear every pool timer. Idempotent; subscriptions are kept. */
  async stop(): Promise<void> {
    this.running = false;
    this.everStopped = true;
    this.timers.clearAll();
    this.liveness.holds.clear();
    for (const slot of [...this.placement.slots]) this.retire(slot, 'pool stopped');
    for (const st of this.router.states.values()) st.unplace();
    this.progress.reset();
    this.startGate.release();
    await this.sockets.drain();
  }

  /** Reconnect every socket (each socket debounces itself; a socket that gave up is revived). */
  reconnect(reason: string): void {
    for (const slot of this.placement.slots) slot.socket.reconnect(reason);
  }

  /** Rotate one socket (by id) or every socket now, make-before-break. Resolves when the handover(s) finished or fell back. */
  async rotate(socketId?: string): Promise<void> {
    const tasks: Promise<void>[] = [];
    for (const slot of this.placement.slots) if (socketId === undefined || slot.socket.id === socketId) tasks.push(this.rotateSlot(slot, 'manual'));
    await Promise.all(tasks);
  }

  /** Every stream's health (./health.ts), observed now. */
  health(): PoolHealth {
    return snapshot(this.router.states.values(), (st) => socketOf(this.placement, st), this.o.now(), this.healthOut);
  }

  /** A snapshot of every stream and socket, the connection budget and the router's counters (stream health is brought up to date first). */
  stats(): PoolStats {
    this.health(); // brings each stream's state up to date
    return poolStats(this.placement, this.router, this.o.budget.state?.(), this.rotations);
  }

  /** Timers the pool holds right now (sweep, progress, handovers). For tests: 0 after stop(). */
  get timersArmed(): number {
    let n = this.timers.size;
    for (const slot of this.placement.slots) n += slot.handover?.timersArmed ?? 0;
    n += this.sockets.fallback?.timersArmed ?? 0;
    return n;
  }

  private apply(plan: PlacementPlan): void {
    for (const { slot, streams } of plan.fill) {
      this.placement.assign(slot, streams);
      const states = this.router.statesOf(streams);
      for (const st of states) st.primary = slot.socket;
      slot.socket.addStreams(streams);
      if (slot.handover !== undefined) {
        slot.handover.to.addStreams(streams);
        slot.handover.add(states);
      }
    }
    for (const spec of plan.open) this.openSlot(spec);
  }

  private openSlot(spec: SlotSpec): void {
    const ref: { slot?: Slot } = {};
    const socket = this.createSocket(spec, spec.streams, () => ref.slot as Slot);
    ref.slot = this.placement.add(spec, socket, this.o.random());
    for (const st of this.router.statesOf(spec.streams)) st.primary = socket;
    this.log.debug({ socketId: socket.id, streams: spec.streams.length, group: spec.group || undefined, route: spec.route || undefined }, 'socket created');
    if (this.running) socket.start();
  }

  /** A socket for the slot: the pool's bookkeeping handlers (slot-events.ts) first, then every socket event forwarded. */
  private createSocket(slot: Pick<Slot, 'group' | 'route'>, streams: readonly string[], owner: () => Slot): ResilientSocketLike {
    return this.sockets.create(slot.group, slot.route, streams, (socket) => listenToSocket(socket, owner, this.slotEvents));
  }

  private checkStartDone(): void {
    this.startGate.check(this.placement.slots);
  }

  /** Stop a slot's socket(s) and forget the slot. */
  private retire(slot: Slot, reason: string): void {
    this.placement.remove(slot);
    slot.handover?.cancel();
    this.log.debug({ socketId: slot.socket.id, reason }, 'socket retired');
    this.sockets.stop(slot.socket);
    this.checkStartDone();
  }

  /** Binance announced serverShutdown: hand the slot over make-before-break, or (nothing to hand over) reconnect as a plain socket would. */
  private onServerShutdown(socket: ResilientSocketLike): void {
    const slot = this.placement.slotWithSocket(socket);
    if (!this.running || slot === undefined || (slot.handover === undefined && socket.state !== 'open')) return socket.reconnect('serverShutdown');
    socket.expectSilence();
    void this.rotateSlot(slot, 'serverShutdown');
  }

  private rotateSlot(slot: Slot, reason: HandoverReason): Promise<void> {
    if (slot.handover !== undefined) return slot.handover.done;
    if (!this.running || !this.placement.slots.has(slot) || slot.socket.state !== 'open') return Promise.resolve();
    const names = [...slot.streams];
    const h = new HandoverController(
      slot,
      this.createSocket(slot, names, () => slot),
      reason,
      this.handovers,
    );
    slot.handover = h;
    h.start(this.router.statesOf(names));
    return h.done;
  }

  /** Silence repair, step 2: the streams leave `from` for a fresh slot of their own bucket. */
  private move(from: Slot, names: string[]): void {
    if (!this.running || names.length >= from.streams.size) return from.socket.resubscribe(names); // nothing else there: re-subscribe instead
    this.placement.release(names);
    from.socket.removeStreams(names);
    from.handover?.to.removeStreams(names);
    this.openSlot({ group: from.group, route: from.route, bucket: from.bucket, cap: from.cap, streams: names });
  }

  /**
   * Pause reading from the connections that carry `streams` until `release()` (a buffered
   * consumer's back-pressure, `client.stream()` with overflow 'block'); see ./holds.ts.
   */
  hold(streams: readonly string[]): StreamHold {
    return this.liveness.holds.hold(streams);
  }

  private scheduleProgress(): void {
    if (!this.running || this.timers.has('progress')) return;
    this.timers.set('progress', this.progress.delayMs(), () => {
      const e = this.running ? this.progress.next(this.placement.slots, this.router.states.size, this.o.budget.state?.().queued ?? 0) : undefined;
      if (e !== undefined) this.emit('connecting', e);
    });
  }
}
