/**
 * Messages between the liveness runner (parent) and its child processes, over IPC: the
 * stall-detection children (one subject, one stream, one connection each) and the
 * slow-consumer children (this client's `client.stream()` under one overflow policy).
 *
 * Times are `monoMs()`: CLOCK_MONOTONIC, shared by every process on the machine, so a stall
 * stamped by the runner and a signal stamped by a child compare without any correction.
 */
import type { OverflowPolicy } from '../../src/client/stream-buffer';
import type { Signal } from '../subjects/types';

/** Monotonic milliseconds, comparable across the processes of one machine. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The libraries with a detector of their own, or none (raw has none: reported, not run). */
export type DetectSubject = 'ours' | 'binance' | 'binance-spot';

export interface DetectJob {
  subject: DetectSubject;
  wsBase: string;
  stream: string;
  /** Hard bound for the child. */
  timeoutMs: number;
}

export type DetectParentMessage =
  | { type: 'job'; job: DetectJob }
  /** Stall number `n` was injected at `at` (monoMs). */
  | { type: 'stall'; n: number; at: number }
  | { type: 'stop' };

export type DetectChildMessage =
  | { type: 'ready' }
  /** The first data message. */
  | { type: 'flowing'; t: number }
  /** A signal the library emitted on its own (`open` is not sent). */
  | { type: 'signal'; s: Signal; t: number; scope?: string | undefined }
  /** The first data message received after stall `n` (data resumed). */
  | { type: 'resumed'; n: number; t: number }
  | { type: 'failed'; reason: string };

/** `listener`: a plain typed listener (no buffer, no policy); the others: `client.stream()` with that overflow policy. */
export type ConsumerMode = OverflowPolicy | 'listener';

export interface ConsumerJob {
  mode: ConsumerMode;
  wsBase: string;
  stream: string;
  highWaterMark: number;
  /** Time the consumer spends per message, ms (iterators: awaited; the listener: synchronous). */
  workMs: number;
  /** How long the consumer runs after the feed flows. */
  durationMs: number;
  /** msgs/s the emulator sends (sizes the sample buffers). */
  expectedRate: number;
  /** The emulator process's `hrEpochMs() - monotonicMs()` (its send stamps → this process's clock). */
  emulatorOffsetMs: number;
  timeoutMs: number;
}

/** The emulator's send stamp in every payload of the slow-consumer figure (spot bookTicker has no `E`). */
export const SENT_FIELD = 'bsSent';

export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
}

export interface ConsumerResult {
  mode: ConsumerMode;
  /** Messages the consumer handled. */
  consumed: number;
  /** now − receivedAt when the consumer takes a message (the time it waited in our buffer). */
  receivedLag: LagFigures;
  /** now − E (Binance's event time): how far behind the feed the consumer is. */
  eventLag: LagFigures;
  dropped: number;
  coalesced: number;
  /** Messages still buffered at the end. */
  buffered: number;
  /** `lagging` / `caughtUp` events by consumer (`iterator`: time in the buffer; `listener`: E → listener). */
  lagging: Record<'iterator' | 'listener', number>;
  caughtUp: Record<'iterator' | 'listener', number>;
  /** `loopBlocked` events (the process did not run for at least 1 s) and the longest. */
  loopBlocked: number;
  loopBlockedMaxMs: number;
  /** heapUsed after GC at the end minus heapUsed after GC once the feed flowed, bytes. */
  heapDelta: number;
  /** The largest heapUsed sampled (no GC) over the run minus the baseline, bytes. */
  heapPeakDelta: number;
}

export type ConsumerChildMessage = { type: 'ready' } | { type: 'result'; result: ConsumerResult } | { type: 'failed'; reason: string };

export type ConsumerParentMessage = { type: 'job'; job: ConsumerJob };
