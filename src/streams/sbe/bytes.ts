/**
 * Little-endian reads straight from the frame's bytes (no DataView, no BigInt on the hot
 * path: nothing is allocated that the caller does not return), and the decimal formatting of
 * a mantissa × 10^exponent pair to the exact string (no float arithmetic ever touches it).
 *
 * An int64 is read as two 32-bit halves and combined in a double, exact while |value| < 2^53
 * (timestamps in µs, trade ids and update ids are far below it). A mantissa beyond it takes
 * a slow BigInt path, still exact; an id or time beyond it is a decode error (see decoder.ts).
 */

export type Bytes = Uint8Array;

export function u8(b: Bytes, o: number): number {
  return b[o] as number;
}

export function i8(b: Bytes, o: number): number {
  return ((b[o] as number) << 24) >> 24;
}

export function u16(b: Bytes, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}

export function u32(b: Bytes, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x1000000;
}

/** The high 32 bits of an int64, signed. */
function hi32(b: Bytes, o: number): number {
  return (b[o + 4] as number) | ((b[o + 5] as number) << 8) | ((b[o + 6] as number) << 16) | ((b[o + 7] as number) << 24);
}

/** An int64 as a number: exact when the result is a safe integer (check with Number.isSafeInteger). */
export function i64(b: Bytes, o: number): number {
  return hi32(b, o) * 4294967296 + u32(b, o);
}

/** An int64 as a BigInt (the slow path for mantissas beyond 2^53). */
export function i64big(b: Bytes, o: number): bigint {
  return (BigInt(hi32(b, o)) << 32n) | BigInt(u32(b, o));
}

const ZEROS: readonly string[] = Array.from({ length: 140 }, (_, i) => '0'.repeat(i));
/** 10^k exactly representable as a double for k <= 22. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** `digits` (no sign) × 10^exp as a plain decimal string with exactly max(0, -exp) fraction digits. */
function place(digits: string, exp: number, negative: boolean): string {
  let s: string;
  if (exp >= 0) s = digits === '0' ? '0' : digits + (ZEROS[exp] as string);
  else {
    const k = -exp;
    const cut = digits.length - k;
    s = cut > 0 ? `${digits.slice(0, cut)}.${digits.slice(cut)}` : `0.${ZEROS[-cut] as string}${digits}`;
  }
  return negative ? `-${s}` : s;
}

const CACHE_BITS = 12;
const CACHE_SHIFT = 32 - CACHE_BITS;
const cacheM = new Float64Array(1 << CACHE_BITS).fill(-1);
const cacheE = new Int8Array(1 << CACHE_BITS);
const cacheS: (string | undefined)[] = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);

/**
 * The common case (a non-negative mantissa, 1 to 15 fraction digits) without building the
 * mantissa's own digit string: integer part and fraction as two small integers (V8 turns small
 * integers into strings fast, and caches recent ones), all arithmetic exact below 2^53.
 */
function fraction(m: number, k: number): string {
  const p = POW10[k] as number;
  let ip = Math.floor(m / p);
  let fp = m - ip * p;
  if (fp < 0) {
    ip--; // m / p rounded up to the next integer
    fp += p;
  }
  const f = String(fp);
  return f.length === k ? `${ip}.${f}` : `${ip}.${ZEROS[k - f.length] as string}${f}`;
}

/**
 * The exact decimal string of the int64 mantissa at `o` times 10^exp, with as many fraction
 * digits as the exponent says (mantissa 1234500, exponent -4 → `"123.4500"`, as Binance's JSON
 * prints a price at the symbol's precision). Exponent 0 or more: an integer string.
 */
export function decimalString(b: Bytes, o: number, exp: number): string {
  const m = i64(b, o);
  if (exp < 0 && exp >= -15 && m >= 0 && m <= Number.MAX_SAFE_INTEGER) {
    // Prices and quantities repeat (book levels, ticks): a direct-mapped cache of recent strings, fixed size.
    const h = (Math.imul((m | 0) ^ ((m / 4294967296) | 0), 0x9e3779b1) ^ exp) >>> CACHE_SHIFT;
    if (cacheM[h] === m && cacheE[h] === exp) return cacheS[h] as string;
    const text = fraction(m, -exp);
    cacheM[h] = m;
    cacheE[h] = exp;
    cacheS[h] = text;
    return text;
  }
  if (Number.isSafeInteger(m)) return m < 0 ? place(String(-m), exp, true) : place(String(m), exp, false);
  const big = i64big(b, o);
  return big < 0n ? place((-big).toString(), exp, true) : place(big.toString(), exp, false);
}

/**
 * The int64 mantissa at `o` times 10^exp as the double nearest to the exact decimal (the
 * same number `Number(decimalString(…))` gives): one exact division by a power of ten.
 */
export function decimalNumber(b: Bytes, o: number, exp: number): number {
  const m = i64(b, o);
  if (Number.isSafeInteger(m)) {
    if (exp === 0) return m;
    if (exp < 0 && exp >= -22) return m / (POW10[-exp] as number);
    if (exp > 0 && exp <= 22 && Math.abs(m) * (POW10[exp] as number) <= Number.MAX_SAFE_INTEGER) return m * (POW10[exp] as number);
  }
  return Number(decimalString(b, o, exp));
}
