/**
 * Binance's combined-stream envelope, read without materialising it. Every market-data
 * frame of a `/stream` connection is exactly `{"stream":"<name>","data":<payload>}` (no
 * whitespace, `stream` first); the envelope object itself is thrown away at once, so the
 * hot path reads the name by scanning the text and `JSON.parse`s only the payload slice.
 *
 * Exact by construction: the scan accepts a frame only when it is `PREFIX name DATA_KEY
 * slice }` with a name free of `"`, `\` and control characters (so the raw characters are
 * the string's value); when the slice then parses as JSON, the whole frame is valid JSON
 * with exactly those two keys, and the result equals a full parse. Anything else (other key
 * order, whitespace, escapes, trailing bytes, control replies, errors) is not accepted and
 * the caller parses the frame in full, as before.
 *
 * Names are interned in a per-reader table (`EnvelopeReader`): a frame whose name was seen
 * before gets the same string back (compared in place, no allocation), so the router's `Map`
 * lookup hashes nothing and no message keeps a slice of its frame's text alive. The name's end
 * is found natively (`indexOf`); its characters are checked once, when the name is first seen
 * (a name in the table is free of `"`, `\` and control characters, so an in-place match is one
 * too). The table is open-addressed and grows with the streams (a full universe is 6,000+ names),
 * so a name once seen is never evicted by another; past {@link MAX_NAMES} it starts again.
 */

const PREFIX = '{"stream":"';
/** Characters before the name. */
export const NAME_START = PREFIX.length;
const DATA_KEY = '","data":';
const BACKSLASH = 92;
const CLOSE_BRACE = 125;
/** Slots of a new table (a power of two); it doubles whenever it is half full. */
const INITIAL_SLOTS = 1024;
/** Distinct names kept at most (a bound for a server that sends names nobody subscribed to); past it the table starts again. */
export const MAX_NAMES = 1 << 16;
/** A frame with a longer name is parsed in full (no Binance stream name comes close). */
const MAX_NAME = 200;

/**
 * `text.startsWith(s, at)`, as a loop V8 inlines: the builtin costs more than the compare itself
 * for strings this short (a prefix, a key, a stream name), and the hot path calls it three times.
 */
function sameAt(text: string, s: string, at: number): boolean {
  for (let i = 0; i < s.length; i++) if (text.charCodeAt(at + i) !== s.charCodeAt(i)) return false;
  return true;
}

/** The table's hash of the characters [from, to) of `s` (their count included). */
function hash(s: string, from: number, to: number): number {
  let h = to - from;
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export class EnvelopeReader {
  private slots: (string | undefined)[] = new Array<string | undefined>(INITIAL_SLOTS).fill(undefined);
  private count = 0;
  /** Set by a successful `read`: the payload's bounds in the text. */
  dataStart = 0;
  dataEnd = 0;

  /**
   * The stream name of a frame in Binance's exact envelope form (and the payload bounds in
   * `dataStart`/`dataEnd`), or undefined: parse the frame in full.
   */
  read(text: string): string | undefined {
    if (!sameAt(text, PREFIX, 0)) return undefined;
    const end = text.indexOf('"', NAME_START);
    const n = text.length;
    if (end < 0 || end - NAME_START > MAX_NAME || !sameAt(text, DATA_KEY, end) || text.charCodeAt(n - 1) !== CLOSE_BRACE) return undefined;
    const start = end + DATA_KEY.length;
    if (start >= n - 1) return undefined;
    this.dataStart = start;
    this.dataEnd = n - 1;
    const len = end - NAME_START;
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let k = hash(text, NAME_START, end) & mask; ; k = (k + 1) & mask) {
      const name = slots[k];
      if (name === undefined) return this.intern(text, end);
      if (name.length === len && sameAt(text, name, NAME_START)) return name;
    }
  }

  /** A name not seen before, at [NAME_START, end): checked, made a string of its own and kept. */
  private intern(text: string, end: number): string | undefined {
    for (let i = NAME_START; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH || c < 32) return undefined; // an escape (or invalid JSON): the full parse decides
    }
    // JSON.parse of the quoted name: a string of its own (a plain slice would keep the whole frame text alive).
    const name = JSON.parse(text.slice(NAME_START - 1, end + 1)) as string;
    const full = this.count >= MAX_NAMES;
    if (full || (this.count + 1) * 2 > this.slots.length) {
      // Twice the slots for the names so far, or (past MAX_NAMES) a new table.
      const old = full ? [] : this.slots;
      this.slots = new Array<string | undefined>(full ? INITIAL_SLOTS : old.length * 2).fill(undefined);
      this.count = 0;
      for (const n of old) if (n !== undefined) this.put(n);
    }
    this.put(name);
    return name;
  }

  private put(name: string): void {
    const mask = this.slots.length - 1;
    let k = hash(name, 0, name.length) & mask;
    while (this.slots[k] !== undefined) k = (k + 1) & mask;
    this.slots[k] = name;
    this.count++;
  }
}
