/**
 * One coordinator's use of the user's ioredis client: run a script (EVALSHA, EVAL after
 * NOSCRIPT), bounded by `commandTimeoutMs`, and know whether Redis is usable right now.
 *
 * Outage rule: a command fails fast (without queueing in ioredis' offline queue) while the
 * client is not `ready`, and any failure or timeout marks Redis down: the caller falls back
 * to its per-process budget. The first failure of an outage is logged WARN once ("Redis
 * unreachable: …"); the first success after it INFO once ("Redis reachable again").
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../index';
import { errorFields } from '../index';
import type { Script } from './scripts';

/** Thrown (internally) when Redis cannot be used now; callers fall back, never surface it. */
export class RedisUnavailable extends Error {
  readonly code = 'ERR_REDIS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`Redis unavailable: ${message}`, options);
    this.name = 'RedisUnavailable';
  }
}

const FIRST_CONNECT = new Set(['wait', 'connecting', 'connect']);

export class RedisLink {
  private upNow = true;
  private offset = 0;
  private everReady: boolean;
  private readonly onReady = (): void => {
    this.everReady = true;
    this.markUp();
  };
  downSince = 0;
  outages = 0;

  constructor(
    readonly redis: Redis,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
    private readonly what: string,
  ) {
    this.everReady = redis.status === 'ready';
    redis.on('ready', this.onReady);
  }

  /** Wait for the first connection of a fresh client, at most `timeoutMs`. */
  private firstReady(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), this.timeoutMs);
      this.redis.once('ready', onReady);
      if (this.redis.status === 'wait') this.redis.connect().catch(() => undefined);
    });
  }

  /** Whether the last command succeeded (and the client is connected). */
  get up(): boolean {
    return this.upNow && this.redis.status === 'ready';
  }

  /** Redis time (ms) now, as estimated from the last script's answer. */
  redisNow(): number {
    return Date.now() + this.offset;
  }

  /** Redis ms → this process's epoch ms. */
  toLocal(redisMs: number): number {
    return redisMs - this.offset;
  }

  detach(): void {
    this.redis.off('ready', this.onReady);
  }

  /** Run `s` with `keys` and `args`; resolves its reply (numbers), rejects RedisUnavailable. */
  async run(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<number[]> {
    if (this.redis.status !== 'ready') {
      // A fresh client still connecting is waited for (bounded); a lost connection fails fast.
      if (this.everReady || !FIRST_CONNECT.has(this.redis.status) || !(await this.firstReady())) throw this.markDown(new RedisUnavailable(`the client is ${this.redis.status}`));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailable(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const reply = (await Promise.race([this.evalScript(s, keys, args), timeout])) as unknown[];
      const nums = reply.map(Number);
      const now = nums[nums.length - 1] as number;
      if (Number.isFinite(now)) this.offset = now - Date.now();
      this.markUp();
      return nums;
    } catch (err) {
      throw this.markDown(err instanceof RedisUnavailable ? err : new RedisUnavailable(`script ${s.name} failed`, { cause: err }));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Mark down without a command (e.g. a subscriber error). */
  markDown(err: RedisUnavailable): RedisUnavailable {
    if (this.upNow) {
      this.upNow = false;
      this.downSince = Date.now();
      this.outages++;
      this.logger.warn(
        { what: this.what, error: errorFields(err) },
        'Redis unreachable: shared budgets degrade to per-process budgets (a share of each limit) until it is back; listenKeys are never deleted meanwhile',
      );
    }
    return err;
  }

  private markUp(): void {
    if (this.upNow || this.redis.status !== 'ready') return;
    this.upNow = true;
    this.logger.info({ what: this.what, downMs: Date.now() - this.downSince }, 'Redis reachable again: shared budgets restored');
  }

  private async evalScript(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!/NOSCRIPT/.test(String((err as Error)?.message))) throw err;
      return this.redis.eval(s.source, keys.length, ...keys, ...args);
    }
  }
}
