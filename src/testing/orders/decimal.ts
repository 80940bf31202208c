/**
 * Exact decimals for the order simulator: amounts are bigint counts of 1e-8 (Binance's spot
 * precision), so balances add up exactly whatever the fills.
 */
export const SCALE = 100_000_000n;
const DIGITS = 8;

/** `"0.001"` → 100000n; undefined for anything that is not a plain non-negative decimal. */
export function parseAmount(v: unknown): bigint | undefined {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !/^\d+(\.\d+)?$/.test(s)) return undefined;
  const [int = '0', frac = ''] = s.split('.');
  if (frac.length > DIGITS && /[1-9]/.test(frac.slice(DIGITS))) return undefined;
  return BigInt(int) * SCALE + BigInt((frac + '00000000').slice(0, DIGITS));
}

/** Spot style: always 8 decimals (`"1.00000000"`). */
export function fmt8(a: bigint): string {
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const s = `${abs / SCALE}.${String(abs % SCALE).padStart(DIGITS, '0')}`;
  return neg ? `-${s}` : s;
}

/** Futures style: trailing zeros dropped (`"0.001"`, `"64089.2"`, `"0"`). */
export function fmtTrim(a: bigint): string {
  const s = fmt8(a);
  return s.replace(/\.?0+$/, '') || '0';
}

/** price × quantity, truncated to 1e-8. */
export function mul(a: bigint, b: bigint): bigint {
  return (a * b) / SCALE;
}

/** a ÷ b at 1e-8 (b ≠ 0). */
export function div(a: bigint, b: bigint): bigint {
  return (a * SCALE) / b;
}

export const abs = (a: bigint): bigint => (a < 0n ? -a : a);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
