/**
 * The request-side faults in effect (internal: the server consults them, `ex.faults`
 * sets them): injected upgrade rejections, REST failure rules and hung REST requests.
 */
import type { ServerResponse } from 'node:http';

interface RestRule {
  method: string | undefined;
  path: string;
  status: number;
  hang: boolean;
  remaining: number;
  retryAfterSec: number | undefined;
  body: unknown;
}

export interface UpgradeRejection {
  status: number;
  retryAfterSec: number | undefined;
}

export class FaultRules {
  private upgradeRule: (UpgradeRejection & { remaining: number }) | undefined;
  private readonly restRules: RestRule[] = [];
  private readonly hung = new Set<ServerResponse>();

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

  /** Apply a REST failure rule if one matches; true when the request was answered (or is now hanging). */
  applyRestFailure(method: string, path: string, res: ServerResponse): boolean {
    const rule = this.restRules.find((r) => r.remaining > 0 && r.path === path && (!r.method || r.method === method));
    if (!rule) return false;
    rule.remaining--;
    if (rule.remaining <= 0) this.restRules.splice(this.restRules.indexOf(rule), 1);
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

  /** Destroy hung REST requests (heal/close). */
  releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  /** Forget every rule and release hung requests. */
  clear(): void {
    this.upgradeRule = undefined;
    this.restRules.length = 0;
    this.releaseHung();
  }
}
