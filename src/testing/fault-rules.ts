/**
 * The request-side faults in effect (internal: the server consults them, `ex.faults`
 * sets them): injected upgrade rejections, REST failure and delay rules, hung and delayed
 * REST requests.
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from './clock';

export interface RestRule {
  method: string | undefined;
  path: string;
  status: number;
  hang: boolean;
  remaining: number;
  retryAfterSec: number | undefined;
  body: unknown;
  /** Wait this long (wall ms) before answering. */
  delayMs: number;
  /** Only delay: then the request is served normally (`faults.slowRest`). */
  slowOnly: boolean;
}

export interface UpgradeRejection {
  status: number;
  retryAfterSec: number | undefined;
}

export class FaultRules {
  private upgradeRule: (UpgradeRejection & { remaining: number }) | undefined;
  private readonly restRules: RestRule[] = [];
  private readonly hung = new Set<ServerResponse>();
  /** Delayed requests: their timers, and how to let them go at once (heal, close). */
  private readonly waiting = new Map<TimerHandle, () => void>();

  constructor(private readonly clock: Clock) {}

  rejectUpgrades(status: number, retryAfterSec: number | undefined, count: number): void {
    this.upgradeRule = { status, retryAfterSec, remaining: count };
  }

  /** Consumed by the server for each upgrade. */
  takeUpgradeRejection(): UpgradeRejection | undefined {
    const r = this.upgradeRule;
    if (!r || r.remaining <= 0) return undefined;
    r.remaining--;
    if (r.remaining <= 0) this.upgradeRule = undefined;
    return { status: r.status, retryAfterSec: r.retryAfterSec };
  }

  addRestRule(rule: RestRule): void {
    this.restRules.push(rule);
  }

  /**
   * Apply a REST rule if one matches: wait its delay, then answer its failure (or hang); a
   * `slowOnly` rule lets the request through after the delay. True when the request was answered
   * (or is now hanging, or its client went away while it waited).
   */
  async applyRestRule(method: string, path: string, res: ServerResponse): Promise<boolean> {
    const rule = this.restRules.find((r) => r.remaining > 0 && r.path === path && (!r.method || r.method === method));
    if (!rule) return false;
    rule.remaining--;
    if (rule.remaining <= 0) this.restRules.splice(this.restRules.indexOf(rule), 1);
    if (rule.delayMs > 0) {
      await this.delay(rule.delayMs);
      if (res.destroyed || res.writableEnded) return true;
    }
    if (rule.slowOnly) return false;
    if (rule.hang) {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return true;
    }
    const body =
      rule.body === undefined
        ? JSON.stringify({ code: rule.status === 429 || rule.status === 418 ? -1003 : -1000, msg: `Injected failure (HTTP ${rule.status})` })
        : typeof rule.body === 'string'
          ? rule.body
          : JSON.stringify(rule.body);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (rule.retryAfterSec !== undefined) headers['Retry-After'] = String(rule.retryAfterSec);
    res.writeHead(rule.status, headers);
    res.end(body);
    return true;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.clock.isDisposed) return resolve();
      const done = (): void => {
        this.clock.clear(handle);
        this.waiting.delete(handle);
        resolve();
      };
      const handle = this.clock.timeout(done, ms);
      this.waiting.set(handle, done);
    });
  }

  /** Destroy hung REST requests and end the wait of delayed ones (heal/close). */
  releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    for (const done of [...this.waiting.values()]) done();
  }

  /** Forget every rule and release hung requests. */
  clear(): void {
    this.upgradeRule = undefined;
    this.restRules.length = 0;
    this.releaseHung();
  }
}
