import type { Clock, TimerHandle } from '../clock';
import type { Rng } from '../data/rng';

/**
 * State of a listenKey in the emulator: `active`, `expired` (no keepalive within its validity, or `faults.expireListenKey`) or `deleted` (DELETE, or `faults.deleteListenKey`).
 */
export type ListenKeyState = 'active' | 'expired' | 'deleted';

/** A listenKey as the emulator sees it (`ex.listenKeys()`). */
export interface ListenKeyInfo {
  readonly listenKey: string;
  /** The API key that owns it. Tests only: never log it. */
  readonly apiKey: string;
  readonly state: ListenKeyState;
  readonly createdAt: number;
  /** Wall-clock ms when it expires unless kept alive (scaled by `timeScale`). */
  readonly expiresAt: number;
  readonly keepalives: number;
}

interface Rec {
  listenKey: string;
  apiKey: string;
  state: ListenKeyState;
  createdAt: number;
  expiresAt: number;
  keepalives: number;
  timer: TimerHandle | undefined;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Futures listenKey lifecycle (protocol reference §6.4): one active key per API key,
 * POST returns the same active key and extends it, PUT extends, DELETE invalidates;
 * validity 60 min (scaled). Expiry and deletion call `onEnd` so the emulator can push
 * `listenKeyExpired` to sockets using the key.
 */
export class ListenKeys {
  private readonly byKey = new Map<string, Rec>();
  private readonly activeByApiKey = new Map<string, Rec>();

  constructor(
    private readonly clock: Clock,
    private readonly validityMs: number,
    private readonly rng: Rng,
    private readonly onEnd: (listenKey: string, state: 'expired' | 'deleted') => void,
  ) {}

  private newKey(): string {
    let k = '';
    for (let i = 0; i < 64; i++) k += ALPHABET[this.rng.int(ALPHABET.length)];
    return this.byKey.has(k) ? this.newKey() : k;
  }

  private arm(rec: Rec): void {
    this.clock.clear(rec.timer);
    const ms = this.clock.scale(this.validityMs);
    rec.expiresAt = this.clock.now() + ms;
    rec.timer = this.clock.timeout(() => this.end(rec.listenKey, 'expired'), ms);
  }

  /** POST: the active key of this API key (extended), or a new one. */
  create(apiKey: string): { listenKey: string; created: boolean } {
    const existing = this.activeByApiKey.get(apiKey);
    if (existing) {
      existing.keepalives++;
      this.arm(existing);
      return { listenKey: existing.listenKey, created: false };
    }
    const rec: Rec = { listenKey: this.newKey(), apiKey, state: 'active', createdAt: this.clock.now(), expiresAt: 0, keepalives: 0, timer: undefined };
    this.byKey.set(rec.listenKey, rec);
    this.activeByApiKey.set(apiKey, rec);
    this.arm(rec);
    return { listenKey: rec.listenKey, created: true };
  }

  /** PUT: extend the active key (optionally checking a given key); false = -1125. */
  keepalive(apiKey: string, listenKey?: string): boolean {
    const rec = this.activeByApiKey.get(apiKey);
    if (!rec || (listenKey !== undefined && listenKey !== rec.listenKey)) return false;
    rec.keepalives++;
    this.arm(rec);
    return true;
  }

  /** DELETE: invalidate the active key; false = -1125. */
  remove(apiKey: string, listenKey?: string): boolean {
    const rec = this.activeByApiKey.get(apiKey);
    if (!rec || (listenKey !== undefined && listenKey !== rec.listenKey)) return false;
    this.end(rec.listenKey, 'deleted');
    return true;
  }

  /** End a key now (expiry or deletion). Returns false if it was not active. */
  end(listenKey: string, state: 'expired' | 'deleted'): boolean {
    const rec = this.byKey.get(listenKey);
    if (!rec || rec.state !== 'active') return false;
    rec.state = state;
    this.clock.clear(rec.timer);
    rec.timer = undefined;
    if (this.activeByApiKey.get(rec.apiKey) === rec) this.activeByApiKey.delete(rec.apiKey);
    this.onEnd(listenKey, state);
    return true;
  }

  isKnown(listenKey: string): boolean {
    return this.byKey.has(listenKey);
  }

  isActive(listenKey: string): boolean {
    return this.byKey.get(listenKey)?.state === 'active';
  }

  /** The active key of an API key, if any. */
  activeFor(apiKey: string): string | undefined {
    return this.activeByApiKey.get(apiKey)?.listenKey;
  }

  list(): ListenKeyInfo[] {
    return [...this.byKey.values()].map(({ timer: _t, ...r }) => ({ ...r }));
  }

  dispose(): void {
    for (const r of this.byKey.values()) this.clock.clear(r.timer);
  }
}
