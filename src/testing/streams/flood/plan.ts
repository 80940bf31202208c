/**
 * A stream's flood plan: a few payload variants rendered once by its {@link FloodSource},
 * the offsets of their sequence and time fields, and the chunk size `k`. A plan is valid
 * while every id keeps its decimal width; the pump builds a new one when an id would
 * outgrow it. Each batch is recorded in the ground truth as a lazy {@link Batch}.
 */
import type { LazyEvents } from '../../data/ground-truth';
import { FrameTemplate } from './frame-template';
import type { Patch } from './frame-template';

/** Target size of one batch of frames of one stream. */
const CHUNK_BYTES = 32 * 1024;
/** Distinct payloads (prices, quantities) a flood cycles through. */
const VARIANTS = 8;

/**
 * What flood mode needs from a generator: sample payloads plus the top-level numeric
 * fields that carry the stream's sequence (`a`/`f`/`l`, `t`, `U`/`u`/`pu`, `u`,
 * `lastUpdateId`), each advancing by a fixed step per event, so a flood continues the
 * generator's own sequence (and later generated events continue the flood's).
 */
export interface FloodSource {
  /** Sequence fields: JSON key and the increment per event. */
  readonly ids: readonly { readonly key: string; readonly step: number }[];
  /** Keys set to the publish time (ms) of each batch (`E`, `T`; every occurrence). */
  readonly timeKeys: readonly string[];
  /** Values of `ids` for the next event. */
  peek(): number[];
  /** `count` payloads (prices/quantities vary) written with the ids `ids` and time `now`. */
  render(count: number, ids: readonly number[], now: number): string[];
  /** `n` events were published with consecutive ids (`events`, at `at`): advance the counters. */
  commit(n: number, events?: LazyEvents, at?: number): void;
}

/** Every `"key":<value>` in `text` (top level or nested), as patches ending after the value. */
function findPatches(text: string, key: string, value: number, field: number, out: Patch[]): number {
  const needle = `"${key}":${value}`;
  let found = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    const end = at + needle.length;
    const c = text.charCodeAt(end);
    if (c >= 48 && c <= 57) continue; // a longer number that starts with the same digits
    out.push({ end, width: String(value).length, field });
    found++;
  }
  return found;
}

/** A stream's flood templates, valid while every id keeps its width. */
export class Plan {
  readonly k: number;
  /** Highest value each id field can take in this plan. */
  readonly limits: number[];
  readonly steps: number[];
  private readonly formats: (FrameTemplate | undefined)[] = [undefined, undefined];

  constructor(
    readonly stream: string,
    readonly variants: readonly string[],
    /** Per variant, sorted by offset. */
    readonly patches: readonly Patch[][],
    source: FloodSource,
    ids: readonly number[],
  ) {
    this.steps = source.ids.map((f) => f.step);
    this.limits = ids.map((v) => 10 ** String(v).length - 1);
    const avg = variants.reduce((a, v) => a + v.length, 0) / variants.length + stream.length + 24;
    this.k = Math.max(1, Math.min(1024, Math.floor(CHUNK_BYTES / avg)));
  }

  /** Events (≤ k) that fit before an id outgrows its width. */
  room(ids: readonly number[]): number {
    let n = this.k;
    for (let f = 0; f < ids.length; f++) {
      const step = this.steps[f] ?? 1;
      const fit = Math.floor(((this.limits[f] ?? 0) - (ids[f] ?? 0)) / step) + 1;
      if (fit < n) n = fit;
    }
    return Math.max(0, n);
  }

  frames(combined: boolean): FrameTemplate {
    const i = combined ? 1 : 0;
    let t = this.formats[i];
    if (!t) {
      t = combined ? new FrameTemplate(`{"stream":${JSON.stringify(this.stream)},"data":`, '}', this.variants, this.patches, this.k) : new FrameTemplate('', '', this.variants, this.patches, this.k);
      this.formats[i] = t;
    }
    return t;
  }

  retire(): void {
    for (const t of this.formats) if (t) t.dead = true;
  }

  /** The exact payload text of event `i` of a batch. */
  payload(i: number, ids: readonly number[], now: number): string {
    const v = i % this.variants.length;
    const text = this.variants[v] ?? '';
    let out = '';
    let from = 0;
    for (const p of this.patches[v] ?? []) {
      const value = p.field < 0 ? now : (ids[p.field] ?? 0) + i * (this.steps[p.field] ?? 0);
      out += text.slice(from, p.end - p.width) + String(value).padStart(p.width, '0');
      from = p.end;
    }
    return out + text.slice(from);
  }
}

/** Ground-truth view of one batch. */
export class Batch implements LazyEvents {
  constructor(
    private readonly plan: Plan,
    private readonly ids: readonly number[],
    private readonly now: number,
  ) {}

  payload(i: number): string {
    return this.plan.payload(i, this.ids, this.now);
  }
}

export function buildPlan(stream: string, source: FloodSource, now: number): Plan | undefined {
  const ids = source.peek();
  const variants = source.render(VARIANTS, ids, now);
  if (!variants.length) return undefined;
  const patches = variants.map((text) => {
    const out: Patch[] = [];
    source.ids.forEach((f, i) => {
      if (!findPatches(text, f.key, ids[i] ?? 0, i, out)) throw new Error(`flood: field "${f.key}" not found in ${stream} payload`);
    });
    for (const k of source.timeKeys) findPatches(text, k, now, -1, out);
    out.sort((a, b) => a.end - b.end);
    const last = out.at(-1)?.end ?? 0;
    if (Buffer.byteLength(text.slice(0, last)) !== last) throw new Error(`flood: ${stream} payload is not ASCII before its last patched field`);
    return out;
  });
  return new Plan(stream, variants, patches, source, ids);
}

/** A source for generators without their own: a few generated payloads, `E` patched. */
export function genericSource(next: (now: number) => string | string[] | undefined): FloodSource {
  return {
    ids: [],
    timeKeys: ['E'],
    peek: () => [],
    render: (count, _ids, now) => {
      const out: string[] = [];
      for (let i = 0; i < count * 4 && out.length < count; i++) {
        const r = next(now);
        if (r === undefined) continue;
        if (typeof r === 'string') out.push(r);
        else out.push(...r);
      }
      return out.slice(0, count);
    },
    commit: () => undefined,
  };
}
