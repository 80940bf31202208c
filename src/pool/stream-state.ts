/**
 * Per-stream state, created once at subscribe time and found by the router with one Map
 * lookup per message. Plain fields with a fixed shape (a class, so V8 keeps one hidden
 * class); the hot path only touches counters and, during a handover, the dedup fields.
 * Recovery stages see it as a `StreamView` (recovery/stage.ts), never as this class.
 */
import type { ResilientSocketLike } from '../connection/types';
import type { EventKey } from '../recovery/dedup';
import { newEventKey } from '../recovery/dedup';
import type { GapCause } from '../recovery/gap';
import type { InterruptionView } from '../recovery/sequence';
import type { RecoveryStage } from '../recovery/stage';
import type { CadenceState, StaleOverride } from '../streams/cadence';
import { LEARNED } from '../streams/cadence';
import type { StreamInfo } from '../streams/classify';
import type { SiblingMember } from './siblings';
import type { StreamMessage } from '../streams/types';

/** The step a silent stream's repair is at (./stream-silence.ts). */
export type RepairStep = 'none' | 'resubscribe' | 'move' | 'down';

/** Health of one stream: see `StreamHealth` in ./health.ts. */
export type StreamHealthState = 'live' | 'degraded' | 'down' | 'pending';

/** One make-before-break handover of a set of streams from one socket to another. */
export interface Handover {
  readonly from: ResilientSocketLike;
  readonly to: ResilientSocketLike;
  /** Streams of the handover that still read from `from`. */
  pending: number;
  /** Called once when `pending` reaches 0. */
  onAllSwitched: () => void;
}

export class StreamState implements InterruptionView, CadenceState {
  readonly name: string;
  readonly info: StreamInfo;
  /** Group the stream was subscribed in (`''` = default). */
  readonly group: string;
  /** Epoch ms of subscribe(). */
  readonly subscribedAt: number;
  /** The socket whose messages are delivered. */
  primary: ResilientSocketLike | undefined = undefined;
  /** Epoch ms of the last acknowledgement (SUBSCRIBE answer or URL open), undefined while not acknowledged. */
  ackedAt: number | undefined = undefined;
  /** Counted in the pool's progress (`streamsReady`). */
  ready = false;
  messages = 0;
  errors = 0;
  /** `receivedAt` of the last delivered message, 0 if none yet. */
  lastMessageAt = 0;
  /** receivedAt − Binance `E` of the last delivered message that had an `E`. */
  lagMs: number | undefined = undefined;
  /** Messages dropped as duplicates (handover overlap). */
  duplicates = 0;
  /** Re-subscriptions done for silence. */
  resubscribes = 0;
  // --- learned cadence (streams/cadence.ts; the router updates these per message, the sweep decays the peak) ---
  gapMean = 0;
  gapVar = 0;
  gapPeak = 0;
  gapSamples = 0;
  /** The next gap spans an interruption: do not learn it. */
  learnSkip = true;
  /** The user's fixed threshold or floor for this stream (shared object). */
  readonly stale: StaleOverride;
  /** Streams of the same symbol and activity (./siblings.ts), itself included; undefined when alone. */
  siblings: readonly SiblingMember[] | undefined = undefined;
  /** The threshold the last liveness pass used (Infinity: never by silence), for stats. */
  suspectAfterMs = Infinity;
  // --- delivery lag (judged by the liveness pass, never per message) ---
  /** The lowest lag seen lately: network delay plus clock offset, the part that is not ours. */
  lagFloor = Infinity;
  /** Reported `lagging` and not caught up yet. */
  lagging = false;
  laggingSince = 0;
  /** In the router's `lagQueue` (a new lag since the last pass, or lagging): judged on the next pass. */
  lagQueued = false;
  /** The lag and time of the last judgement (the floor rises lazily between two judgements). */
  lagJudged = 0;
  lagJudgedAt = 0;
  // --- silence repair and health (updated by the sweep, never per message; ./stream-silence.ts, ./health.ts) ---
  /** The repair step of the current silence episode (`none`: not silent). */
  repair: RepairStep = 'none';
  /** lastMessageAt when the episode began (a later message ends it). */
  repairFrom = 0;
  /** Repair actions in this episode. */
  repairs = 0;
  /** No repair action before this time. */
  repairNextAt = 0;
  /** Health as last observed, since when, and why. */
  health: StreamHealthState = 'pending';
  healthSince: number;
  healthReason: string | undefined = undefined;
  /** When the stream last stopped being live (start of the outage `streamRestored` reports). */
  outageSince: number;
  /** It was `down` since it was last live (the next `live` emits `streamRestored`). */
  wasDown = false;
  // --- interruptions (read by the sequence stage for a gap's cause) ---
  /** Interruptions recorded (one per episode: a reconnect, a silence, a forced handover). */
  interruptions = 0;
  interruption: GapCause | undefined = undefined;
  /** When the current one was recorded (a later message ends the episode). */
  interruptionAt = 0;
  /** Optional stages after dedup (gap tracking, backfill…). */
  stages: readonly RecoveryStage[] | undefined;

  // --- handover / dedup (only used while two sockets carry the stream) ---
  /** The socket taking over, while a handover is in progress. */
  next: ResilientSocketLike | undefined = undefined;
  handover: Handover | undefined = undefined;
  /** Messages from `next` that are newer than anything delivered yet, held until the switch. */
  held: StreamMessage[] | undefined = undefined;
  /** Compare keys and drop anything not newer than `last` (on from a handover's start until the new socket delivers). */
  filtering = false;
  hasLast = false;
  private lastKey: EventKey | undefined = undefined;
  /** The key of the last delivered message, while filtering (allocated on first use: most streams never see a handover). */
  get last(): EventKey {
    return (this.lastKey ??= newEventKey());
  }

  constructor(name: string, info: StreamInfo, group: string, subscribedAt: number, stages: readonly RecoveryStage[] | undefined, stale: StaleOverride = LEARNED) {
    this.name = name;
    this.stale = stale;
    this.info = info;
    this.group = group;
    this.subscribedAt = subscribedAt;
    this.healthSince = subscribedAt;
    this.outageSince = subscribedAt;
    this.stages = stages && stages.length ? stages : undefined;
  }

  /** The stream's socket went away (pool stopped): no source, no handover, not ready. */
  unplace(): void {
    this.primary = undefined;
    this.next = undefined;
    this.handover = undefined;
    this.held = undefined;
    this.filtering = false;
    this.ready = false;
    this.learnSkip = true;
    this.interrupt('reconnect', this.lastMessageAt + 1);
    this.endRepair();
  }

  /** Record an interruption, unless one is already open (the first cause of an episode wins: a stall that led to a reconnect is a stall). */
  interrupt(kind: GapCause, now: number): void {
    if (this.interruptionAt > this.lastMessageAt && this.interruptions > 0) return;
    this.interruptions++;
    this.interruption = kind;
    this.interruptionAt = Math.max(now, this.lastMessageAt + 1);
  }

  /** The silence episode is over (the stream delivered, or it left its socket). */
  endRepair(): void {
    this.repair = 'none';
    this.repairFrom = 0;
    this.repairs = 0;
    this.repairNextAt = 0;
  }
}
