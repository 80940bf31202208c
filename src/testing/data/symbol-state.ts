import { Rng, hashString } from './rng';

/** Plausible reference prices for well-known bases; others are drawn from the seed. */
const BASE_PRICES: Readonly<Record<string, number>> = {
  btc: 65_000,
  eth: 3_200,
  bnb: 600,
  sol: 150,
  xrp: 0.6,
  doge: 0.15,
  ada: 0.45,
  trx: 0.12,
  link: 15,
  avax: 30,
  dot: 6.5,
  ltc: 80,
  bch: 400,
  near: 5,
  uni: 8,
  atom: 7,
  etc: 25,
  fil: 5,
  apt: 9,
  arb: 0.9,
};

/**
 * Per-symbol market state shared by every stream of that symbol: the mid price (in integer
 * ticks, so prices never suffer float drift) and 24 h statistics. With an `anchor` (the
 * symbol's price path at the present, price-path.ts) each step is the path's price give or
 * take a step, so the book, tickers and trades move together; without one, a seeded walk.
 */
export class SymbolState {
  readonly upper: string;
  readonly pair: string;
  readonly tickSize: number;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  readonly rng: Rng;
  /** Mid price in ticks. */
  mid: number;
  readonly open24: number;
  high24: number;
  low24: number;
  volume24: number;
  quoteVolume24: number;
  count24: number;
  readonly firstTradeId24: number;
  lastQty = 0;
  /** Price increment of the walk and spacing of book levels (about 1e-5 of the price, at least one tick). */
  readonly stepTicks: number;
  /** The price path at the present (ticks), when the emulator runs one. */
  anchor: (() => number) | undefined;

  constructor(
    readonly symbol: string,
    seed: number,
    readonly futures: boolean,
  ) {
    this.upper = symbol.toUpperCase();
    this.pair = this.upper.split('_')[0] ?? this.upper;
    this.rng = new Rng(hashString(symbol, seed));
    const base = Object.keys(BASE_PRICES).find((b) => symbol.startsWith(b) && /^(usdt|usd_|usdc|busd)/.test(symbol.slice(b.length)));
    const ref = base ? (BASE_PRICES[base] ?? 1) : Math.exp(this.rng.range(Math.log(0.01), Math.log(500)));
    const mag = Math.floor(Math.log10(ref));
    // Spot BTC ticks 0.01, futures BTC 0.1: about 6 (spot) / 5 (futures) significant digits.
    const dec = Math.min(8, Math.max(1, (futures ? 5 : 6) - mag));
    this.priceDecimals = futures ? dec : 8;
    this.tickSize = 10 ** -dec;
    this.qtyDecimals = futures ? 3 : 8;
    this.mid = Math.max(100, Math.round(ref / this.tickSize));
    this.stepTicks = Math.max(1, Math.round(this.mid / 100_000));
    this.mid -= this.mid % this.stepTicks;
    this.open24 = this.mid;
    this.high24 = this.mid;
    this.low24 = this.mid;
    this.volume24 = Math.round(this.rng.range(1e3, 1e5));
    this.quoteVolume24 = this.volume24 * ref;
    this.count24 = 100_000 + this.rng.int(900_000);
    this.firstTradeId24 = 1_000_000 + this.rng.int(1_000_000_000);
  }

  /** Advance the random walk by a few ticks; returns the new mid. */
  step(): number {
    const r = this.rng.next();
    const scale = this.stepTicks;
    if (this.anchor) this.mid = this.anchor() + (r < 0.2 ? -scale : r > 0.8 ? scale : 0);
    else if (r < 0.3) this.mid -= scale * (1 + this.rng.int(2));
    else if (r > 0.7) this.mid += scale * (1 + this.rng.int(2));
    // Mean reversion keeps a long run within ±10 % of the open.
    if (this.mid > this.open24 * 1.1) this.mid -= scale;
    if (this.mid < this.open24 * 0.9) this.mid += scale;
    if (this.mid < 10 * scale) this.mid = 10 * scale;
    if (this.mid > this.high24) this.high24 = this.mid;
    if (this.mid < this.low24) this.low24 = this.mid;
    return this.mid;
  }

  px(ticks: number): string {
    return (ticks * this.tickSize).toFixed(this.priceDecimals);
  }

  /** A random plausible quantity (log-uniform). */
  randomQty(rng: Rng): number {
    const notional = Math.exp(rng.range(Math.log(5), Math.log(50_000)));
    const q = notional / (this.mid * this.tickSize);
    const f = 10 ** (this.futures ? 3 : 5);
    return Math.max(1, Math.round(q * f)) / f;
  }

  qty(q: number): string {
    return q.toFixed(this.qtyDecimals);
  }

  recordTrade(q: number, priceTicks: number): void {
    this.count24++;
    this.volume24 += q;
    this.quoteVolume24 += q * priceTicks * this.tickSize;
    this.lastQty = q;
  }
}
