/**
 * Account balances the read-only account endpoints report (`/api/v3/account`,
 * `/sapi/v1/capital/config/getall`): a fixed, plausible wallet per account, the same in every
 * answer — 10,000 of each stablecoin quote (USDT, USDC, FDUSD, BUSD, TUSD), 1 of every other asset, none locked.
 * Nothing changes them: no orders fill here (a trading model may replace this source).
 */

export interface Balance {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

const STABLE = new Set(['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USD']);

/** The balances of an account over `assets` (sorted as given). */
export function accountBalances(_apiKey: string, assets: readonly string[]): Balance[] {
  return assets.map((asset) => ({ asset, free: (STABLE.has(asset) ? 10_000 : 1).toFixed(8), locked: '0.00000000' }));
}
