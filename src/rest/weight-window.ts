/**
 * The rolling-window accounting of a weight budget (weight-budget.ts): what is held, until
 * when. A request's weight is held from its grant until one window after it settled (in
 * flight: held with no end yet), so the server, which counts a request when it receives it
 * (between our grant and its answer), can never count more than we do. The server's own figure
 * (`X-MBX-USED-WEIGHT-1M`) is held as one more entry when it says more than we hold.
 */

/** Weight held in the window: until `expiresAt` (Infinity while its request is in flight). */
export interface Held {
  readonly weight: number;
  expiresAt: number;
}

export class WeightWindow {
  private readonly held: Held[] = [];
  private total = 0;
  private nextExpiry = Infinity;

  constructor(
    /** What may be held at once. */
    readonly capacity: number,
    readonly windowMs: number,
  ) {}

  /** The weight held at `now` (entries that expired are dropped). */
  used(now: number): number {
    if (now < this.nextExpiry) return this.total;
    let next = Infinity;
    for (let i = this.held.length - 1; i >= 0; i--) {
      const h = this.held[i] as Held;
      if (h.expiresAt <= now) {
        this.total -= h.weight;
        this.held.splice(i, 1);
      } else if (h.expiresAt < next) next = h.expiresAt;
    }
    this.nextExpiry = next;
    if (this.held.length === 0) this.total = 0;
    return this.total;
  }

  /** Hold `weight` until `expiresAt` (Infinity: until {@link settle}). */
  hold(weight: number, expiresAt: number): Held {
    const h: Held = { weight, expiresAt };
    this.held.push(h);
    this.total += weight;
    if (expiresAt < this.nextExpiry) this.nextExpiry = expiresAt;
    return h;
  }

  /** The request of `h` settled at `now`: its weight leaves the window one window later. */
  settle(h: Held, now: number): void {
    h.expiresAt = now + this.windowMs;
    if (h.expiresAt < this.nextExpiry) this.nextExpiry = h.expiresAt;
  }

  /** The server says `serverUsed` at `now`: hold the difference, if it is more than we hold, until `expiresAt` (one window). */
  raiseTo(serverUsed: number, now: number, expiresAt = now + this.windowMs): void {
    const local = this.used(now);
    if (serverUsed > local) this.hold(serverUsed - local, expiresAt);
  }

  /** Whether `weight` fits now: within capacity, or nothing is held (one request heavier than the whole budget still goes). */
  fits(weight: number, now: number): boolean {
    const used = this.used(now);
    return used + weight <= this.capacity || used === 0;
  }

  /** The first time `weight` fits if only time passes; Infinity when requests in flight must settle first. */
  fitsAt(weight: number, now: number): number {
    let used = this.used(now);
    if (used + weight <= this.capacity || used === 0) return now;
    const expiring = this.held.filter((h) => h.expiresAt !== Infinity).sort((a, b) => a.expiresAt - b.expiresAt);
    for (const h of expiring) {
      used -= h.weight;
      if (used + weight <= this.capacity || used <= 0) return h.expiresAt;
    }
    return Infinity;
  }
}
