/**
 * Balances per API key: spot assets (free / locked) and the USD-M wallet with one-way (BOTH)
 * positions. Plain records; the fill rules live in spot-book.ts and futures-book.ts.
 */
import { SCALE, parseAmount } from './decimal';

export interface AssetBalance {
  free: bigint;
  locked: bigint;
}

export interface Position {
  amount: bigint;
  entryPrice: bigint;
  /** Entry notional of the open amount (entryPrice = cost / |amount|, kept exact across fills). */
  cost: bigint;
  /** Cumulative realized PnL of the symbol. */
  realized: bigint;
}

export interface FuturesWallet {
  balance: bigint;
  /** Initial margin held by open orders. */
  orderMargin: bigint;
  readonly positions: Map<string, Position>;
}

/** The USD-M wallet of an account nobody configured: 10 000 USDT. */
export const DEFAULT_WALLET = 10_000n * SCALE;

/** An account's starting spot balances (the REST account endpoints' fixed wallet, rest/balances.ts). */
export type InitialBalances = (apiKey: string) => readonly { asset: string; free: string }[];

export class Ledger {
  private readonly spot = new Map<string, Map<string, AssetBalance>>();
  private readonly futures = new Map<string, FuturesWallet>();

  constructor(private readonly initial: InitialBalances) {}

  private assets(apiKey: string): Map<string, AssetBalance> {
    let m = this.spot.get(apiKey);
    if (!m) {
      m = new Map(this.initial(apiKey).map((b) => [b.asset, { free: parseAmount(b.free) ?? 0n, locked: 0n }]));
      this.spot.set(apiKey, m);
    }
    return m;
  }

  asset(apiKey: string, asset: string): AssetBalance {
    const m = this.assets(apiKey);
    let b = m.get(asset);
    if (!b) {
      b = { free: 0n, locked: 0n };
      m.set(asset, b);
    }
    return b;
  }

  /** Every spot asset of the account, in the order first seen. */
  spotBalances(apiKey: string): { asset: string; free: bigint; locked: bigint }[] {
    return [...this.assets(apiKey)].map(([asset, b]) => ({ asset, free: b.free, locked: b.locked }));
  }

  /** Set spot balances outright (no event). */
  setSpot(apiKey: string, balances: Record<string, bigint>): void {
    for (const [asset, free] of Object.entries(balances)) this.asset(apiKey, asset).free = free;
  }

  wallet(apiKey: string): FuturesWallet {
    let w = this.futures.get(apiKey);
    if (!w) {
      w = { balance: DEFAULT_WALLET, orderMargin: 0n, positions: new Map() };
      this.futures.set(apiKey, w);
    }
    return w;
  }

  position(apiKey: string, symbol: string): Position {
    const w = this.wallet(apiKey);
    let p = w.positions.get(symbol);
    if (!p) {
      p = { amount: 0n, entryPrice: 0n, cost: 0n, realized: 0n };
      w.positions.set(symbol, p);
    }
    return p;
  }
}
