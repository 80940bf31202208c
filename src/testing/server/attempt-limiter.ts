/**
 * Connection attempts per IP (spot: 300 per 5 minutes). Over the limit an upgrade is
 * answered 429 with `Retry-After`; an IP that keeps trying while rejected
 * (`banAfterRejectedAttempts` more times) is banned and answered 418 until the ban ends.
 */
export type AttemptVerdict = { ok: true } | { ok: false; status: 429 | 418; retryAfterSec: number };

interface IpState {
  attempts: number[];
  rejectedInRow: number;
  bannedUntil: number;
}

export class AttemptLimiter {
  private readonly ips = new Map<string, IpState>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly banAfter: number,
    private readonly banMs: number,
  ) {}

  check(ip: string, now: number): AttemptVerdict {
    let st = this.ips.get(ip);
    if (!st) {
      st = { attempts: [], rejectedInRow: 0, bannedUntil: 0 };
      this.ips.set(ip, st);
    }
    if (st.bannedUntil > now) return { ok: false, status: 418, retryAfterSec: Math.ceil((st.bannedUntil - now) / 1000) };
    const q = st.attempts;
    while (q.length && (q[0] ?? 0) <= now - this.windowMs) q.shift();
    q.push(now);
    if (q.length <= this.max) {
      st.rejectedInRow = 0;
      return { ok: true };
    }
    st.rejectedInRow++;
    if (st.rejectedInRow > this.banAfter) {
      st.bannedUntil = now + this.banMs;
      st.rejectedInRow = 0;
      return { ok: false, status: 418, retryAfterSec: Math.ceil(this.banMs / 1000) };
    }
    const oldest = q[q.length - this.max - 1] ?? now;
    return { ok: false, status: 429, retryAfterSec: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
  }

  /** Forget every IP (heal). */
  reset(): void {
    this.ips.clear();
  }
}
