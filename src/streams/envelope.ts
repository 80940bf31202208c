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
 * Names are interned in a small per-reader table (`EnvelopeReader`): a frame whose name was
 * seen before gets the same string back (compared in place, no allocation), so the router's
 * `Map` lookup hashes nothing and no message keeps a slice of its frame's text alive.
 */

const PREFIX = '{"stream":"';
/** Characters before the name. */
export const NAME_START = PREFIX.length;
const DATA_KEY = '","data":';
const QUOTE = 34;
const BACKSLASH = 92;
const CLOSE_BRACE = 125;
/** Interned names per reader (a power of two); each name has two candidate slots; a miss costs one parse of the name. */
const TABLE_SIZE = 8192;
/** A frame with a longer name is parsed in full (no Binance stream name comes close). */
const MAX_NAME = 200;

export class EnvelopeReader {
  private names: string[] | undefined;
  /** Set by a successful `read`: the payload's bounds in the text. */
  dataStart = 0;
  dataEnd = 0;

  /**
   * The stream name of a frame in Binance's exact envelope form (and the payload bounds in
   * `dataStart`/`dataEnd`), or undefined: parse the frame in full.
   */
  read(text: string): string | undefined {
    if (!text.startsWith(PREFIX)) return undefined;
    const n = text.length;
    const limit = Math.min(n, NAME_START + MAX_NAME);
    let h = 0;
    let i = NAME_START;
    for (; i < limit; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 32) return undefined;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (i === limit || !text.startsWith(DATA_KEY, i) || text.charCodeAt(n - 1) !== CLOSE_BRACE) return undefined;
    const start = i + DATA_KEY.length;
    if (start >= n - 1) return undefined;
    this.dataStart = start;
    this.dataEnd = n - 1;
    const names = (this.names ??= new Array<string>(TABLE_SIZE).fill(''));
    const slot = h & (TABLE_SIZE - 2);
    const len = i - NAME_START;
    const a = names[slot] as string;
    if (a.length === len && text.startsWith(a, NAME_START)) return a;
    const b = names[slot + 1] as string;
    if (b.length === len && text.startsWith(b, NAME_START)) return b;
    // A string of its own (JSON.parse of the quoted name; a plain slice would keep the whole frame text alive).
    const name = JSON.parse(text.slice(NAME_START - 1, i + 1)) as string;
    names[a === '' ? slot : slot + 1] = name;
    return name;
  }
}
