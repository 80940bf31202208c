/**
 * Flood frame templates: `k` unmasked server WebSocket text frames (0x81, length,
 * payload) laid out once per envelope (raw `/ws`, combined `/stream`), with the byte
 * offsets of every id/time field, patched in place into pooled copies. A copy goes back
 * to the pool only when every socket write that took it has completed.
 */

export interface Patch {
  /** Offset just past the last digit. */
  end: number;
  width: number;
  /** Index into the source's ids, or -1 for a time field. */
  field: number;
}

function wsHeader(len: number): Buffer {
  if (len < 126) return Buffer.from([0x81, len]);
  if (len < 65536) return Buffer.from([0x81, 126, len >> 8, len & 0xff]);
  const h = Buffer.alloc(10);
  h[0] = 0x81;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(len), 2);
  return h;
}

/** The 13 ASCII digits of a ms timestamp, as time fields are patched. */
export function writeTimeDigits(out: Uint8Array, now: number): void {
  let t = now;
  for (let i = 12; i >= 0; i--) {
    out[i] = 48 + (t % 10);
    t = Math.floor(t / 10);
  }
}

export function putDigits(buf: Uint8Array, end: number, width: number, value: number): void {
  let v = value;
  for (let i = end - 1, stop = end - width; i >= stop; i--) {
    const q = Math.floor(v / 10);
    buf[i] = 48 + v - q * 10;
    v = q;
  }
}

export interface Slot {
  readonly buf: Buffer;
  refs: number;
  /** Write callback: the socket is done with the buffer. */
  readonly release: () => void;
}

/** One envelope's chunk template: `k` frames, their ends and their patches. */
export class FrameTemplate {
  readonly template: Buffer;
  /** frameEnd[j] = byte offset after frame j-1 (frameEnd[0] = 0). */
  readonly frameEnd: Int32Array;
  /** Patches of frame j are pStart[j] .. pStart[j+1]-1. */
  readonly pStart: Int32Array;
  readonly pEnd: Int32Array;
  readonly pWidth: Int32Array;
  readonly pField: Int32Array;
  private readonly free: Slot[] = [];
  dead = false;

  constructor(prefix: string, suffix: string, variants: readonly string[], patches: readonly Patch[][], k: number) {
    const frames: Buffer[] = [];
    const frameEnd = new Int32Array(k + 1);
    const pStart = new Int32Array(k + 1);
    const flat: Patch[] = [];
    let offset = 0;
    for (let j = 0; j < k; j++) {
      const v = j % variants.length;
      const body = Buffer.from(prefix + (variants[v] ?? '') + suffix, 'utf8');
      const head = wsHeader(body.length);
      frames.push(head, body);
      // Payload offsets are string offsets; the payload is ASCII up to its last patch
      // (checked when the plan is built), so they are byte offsets too.
      const base = offset + head.length + Buffer.byteLength(prefix);
      pStart[j] = flat.length;
      for (const p of patches[v] ?? []) flat.push({ end: base + p.end, width: p.width, field: p.field });
      offset += head.length + body.length;
      frameEnd[j + 1] = offset;
    }
    pStart[k] = flat.length;
    this.template = Buffer.concat(frames, offset);
    this.frameEnd = frameEnd;
    this.pStart = pStart;
    this.pEnd = Int32Array.from(flat, (p) => p.end);
    this.pWidth = Int32Array.from(flat, (p) => p.width);
    this.pField = Int32Array.from(flat, (p) => p.field);
  }

  /** A template copy not in use by any pending write. */
  take(): Slot {
    const s = this.free.pop();
    if (s) return s;
    const slot: Slot = {
      buf: Buffer.from(this.template),
      refs: 0,
      release: () => {
        if (--slot.refs === 0 && !this.dead) this.free.push(slot);
      },
    };
    return slot;
  }

  /** Return a slot no write took. */
  giveBack(slot: Slot): void {
    if (slot.refs === 0 && !this.dead) this.free.push(slot);
  }

  /** Write ids and time into the first `n` frames of `buf`. */
  patch(buf: Buffer, n: number, ids: readonly number[], steps: readonly number[], time: Uint8Array): void {
    const { pStart, pEnd, pWidth, pField } = this;
    for (let j = 0; j < n; j++) {
      for (let p = pStart[j] ?? 0, stop = pStart[j + 1] ?? 0; p < stop; p++) {
        const f = pField[p] ?? -1;
        const end = pEnd[p] ?? 0;
        if (f < 0) {
          for (let i = 0, at = end - 13; i < 13; i++) buf[at + i] = time[i] ?? 48;
        } else {
          putDigits(buf, end, pWidth[p] ?? 0, (ids[f] ?? 0) + j * (steps[f] ?? 0));
        }
      }
    }
  }
}
