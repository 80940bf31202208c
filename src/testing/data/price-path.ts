/**
 * A symbol's price as a pure function of time: the same seed gives the same price at the same
 * emulator time, whatever was subscribed and whenever it is asked (the history behind REST
 * aggTrades and klines is regenerated from it, never stored). Value noise in emulator time
 * ((wall ms − origin) × timeScale) over six octaves, 2 s to 2.3 days, with Brownian-like
 * amplitudes (about ±3 price steps at 2 s, a few hundred over a day, a step being ~1e-5 of the
 * price), in integer ticks so prices never drift through float error. O(1) per evaluation.
 */
import { hashString } from './rng';

const OCTAVES: readonly (readonly [spanMs: number, steps: number])[] = [
  [2_000, 3],
  [20_000, 9],
  [200_000, 28],
  [2_000_000, 90],
  [20_000_000, 280],
  [200_000_000, 600],
];

const TWO_32 = 4294967296;

/** 32-bit mix of a key and a (possibly large, possibly negative) lattice index. */
export function mixIndex(key: number, i: number): number {
  const lo = i % TWO_32;
  const hi = Math.floor(i / TWO_32);
  let h = (key ^ Math.imul(lo | 0, 0x9e3779b1) ^ Math.imul(hi | 0, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class PricePath {
  private readonly keys: number[];
  /** Per octave, the last lattice cell used and its two values (sampling is mostly sequential). */
  private readonly cell: Float64Array;
  private readonly va: Float64Array;
  private readonly vb: Float64Array;

  constructor(
    symbol: string,
    seed: number,
    /** Price at the origin, in ticks. */
    private readonly mid0: number,
    /** Ticks per price step (the book's level spacing). */
    private readonly stepTicks: number,
    /** Wall-clock ms of emulator time 0 (the emulator's start). */
    private readonly origin: number,
    private readonly timeScale: number,
  ) {
    this.keys = OCTAVES.map((_, j) => hashString(`${symbol}#path${j}`, seed));
    this.cell = new Float64Array(OCTAVES.length).fill(NaN);
    this.va = new Float64Array(OCTAVES.length);
    this.vb = new Float64Array(OCTAVES.length);
  }

  /** Mid price in ticks at wall-clock ms `t` (a multiple of the step, at least 10 steps). */
  at(t: number): number {
    const e = (t - this.origin) * this.timeScale;
    let x = 0;
    for (let j = 0; j < OCTAVES.length; j++) {
      const [span, steps] = OCTAVES[j] as readonly [number, number];
      const u = e / span;
      const i = Math.floor(u);
      const f = u - i;
      const s = f * f * (3 - 2 * f);
      if (this.cell[j] !== i) {
        this.cell[j] = i;
        this.va[j] = mixIndex(this.keys[j] as number, i) / TWO_32;
        this.vb[j] = mixIndex(this.keys[j] as number, i + 1) / TWO_32;
      }
      const a = this.va[j] as number;
      const b = this.vb[j] as number;
      x += steps * (2 * (a + (b - a) * s) - 1);
    }
    const st = this.stepTicks;
    return Math.max(10 * st, this.mid0 + Math.round(x) * st);
  }
}
