/**
 * The socket's retry bookkeeping in one place (replaces seven loose counters): the
 * policy's attempt counter and when the streak of failures began, failed attempts since
 * the last open, when the last good connection was lost and how many dials since, and
 * the completed reconnects. It builds the `RetryContext` the policy sees.
 *
 * The attempt counter resets only after a connection stayed up `resetAfterMs` (the
 * partysocket `minUptime` idea), or for a routine restart (reconnect(), stale,
 * serverShutdown), which is not a failure.
 */
import type { BinanceStreamError } from '../core/errors';
import type { RetryContext } from '../retry/policy';

export interface OpenedInfo {
  /** Failed attempts before this open. */
  retries: number;
  /** Set when this open replaced a lost connection. */
  reconnected: { attempts: number; downtimeMs: number } | undefined;
}

export class RetryStreak {
  /** Consecutive failures: the next retry is attempt `failures + 1`. */
  private failures = 0;
  private streakStartedAt: number | undefined;
  private failedSinceOpen = 0;
  private lostAt: number | undefined;
  private dialsSinceLost = 0;
  private everOpened = false;
  /** Completed reconnects over the socket's life. */
  reconnects = 0;

  constructor(private readonly resetAfterMs: number) {}

  /** The attempt counter as stats show it (0 once the current connection counts as healthy). */
  retries(now: number, connectedAt: number | undefined): number {
    return connectedAt !== undefined && now - connectedAt >= this.resetAfterMs ? 0 : this.failures;
  }

  dialing(): void {
    this.dialsSinceLost++;
  }

  opened(now: number): OpenedInfo {
    const retries = this.failedSinceOpen;
    this.failedSinceOpen = 0;
    let reconnected: OpenedInfo['reconnected'];
    if (this.everOpened && this.lostAt !== undefined) {
      this.reconnects++;
      reconnected = { attempts: Math.max(1, this.dialsSinceLost), downtimeMs: now - this.lostAt };
    }
    this.everOpened = true;
    this.lostAt = undefined;
    this.dialsSinceLost = 0;
    return { retries, reconnected };
  }

  /**
   * A connection (or a dial) ended. `openedAt`: when its WebSocket opened (undefined: it
   * never did); `wasReady`: it had reached `open`. Returns its uptime in ms.
   */
  ended(now: number, openedAt: number | undefined, wasReady: boolean): number {
    const uptimeMs = openedAt !== undefined ? now - openedAt : 0;
    if (openedAt !== undefined && uptimeMs >= this.resetAfterMs) this.restart();
    if (wasReady) {
      this.lostAt = now;
      this.dialsSinceLost = 0;
    }
    return uptimeMs;
  }

  /** The context of the retry about to be decided. */
  context(now: number, error: BinanceStreamError, uptimeMs: number, socketId: string, streams: readonly string[]): RetryContext {
    this.streakStartedAt ??= now;
    return { attempt: this.failures + 1, error, uptimeMs, elapsedMs: now - this.streakStartedAt, socketId, streams };
  }

  /** The policy retries: count the failure. Returns the attempt number. */
  failed(): number {
    this.failures++;
    this.failedSinceOpen++;
    return this.failures;
  }

  /** Failures so far (the `attempts` of a give-up). */
  get attempts(): number {
    return this.failures;
  }

  /** The socket gave up and is revived: a fresh retry budget (the next open counts its retries from here). */
  revive(): void {
    this.restart();
    this.failedSinceOpen = 0;
  }

  /** A routine restart or a healthy connection: the next failure starts a new streak. */
  restart(): void {
    this.failures = 0;
    this.streakStartedAt = undefined;
  }
}
