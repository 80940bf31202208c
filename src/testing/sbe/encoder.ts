/**
 * The emulator's SBE encoder (schema `stream_1_0.xml`, id 1 version 0, little-endian),
 * written from the schema on its own (the emulator never imports the client): a published
 * JSON payload of the ground truth → the binary frame Binance's SBE streams would send for it.
 * Decimal strings become one mantissa per value and one exponent per kind (price, qty) per
 * message: the exponent is minus the most fraction digits among the message's values.
 * Times are the JSON ms × 1000 (µs); payloads without an event time take `nowUs`.
 */

export const SCHEMA_ID = 1;
export const SCHEMA_VERSION = 0;

/** A parsed decimal string: its digits as a BigInt and its number of fraction digits. */
interface Dec {
  readonly digits: bigint;
  readonly scale: number;
}

function parseDec(text: unknown, what: string): Dec {
  const s = String(text);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new TypeError(`SBE encoder: ${what} ${JSON.stringify(text)} is not a decimal string`);
  const frac = m[3] ?? '';
  const digits = BigInt(`${m[2]}${frac}`);
  return { digits: m[1] ? -digits : digits, scale: frac.length };
}

/** The exponent shared by `decs` (minus the largest scale) and each one's mantissa at it. */
function common(decs: readonly Dec[]): { exponent: number; mantissa: (d: Dec) => bigint } {
  const scale = decs.reduce((s, d) => Math.max(s, d.scale), 0);
  return { exponent: -scale, mantissa: (d) => d.digits * 10n ** BigInt(scale - d.scale) };
}

/** A growing little-endian byte writer over Node's Buffer. */
class Out {
  private buf = Buffer.alloc(256);
  private n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }
  u8(v: number): this {
    this.room(1);
    this.buf.writeUInt8(v, this.n++);
    return this;
  }
  i8(v: number): this {
    this.room(1);
    this.buf.writeInt8(v, this.n++);
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.n = this.buf.writeUInt16LE(v, this.n);
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.n = this.buf.writeUInt32LE(v, this.n);
    return this;
  }
  i64(v: bigint | number): this {
    this.room(8);
    this.n = this.buf.writeBigInt64LE(BigInt(v), this.n);
    return this;
  }
  header(blockLength: number, templateId: number): this {
    return this.u16(blockLength).u16(templateId).u16(SCHEMA_ID).u16(SCHEMA_VERSION);
  }
  varString8(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 255) throw new RangeError(`SBE encoder: symbol ${JSON.stringify(s)} longer than 255 bytes`);
    this.u8(b.length);
    this.room(b.length);
    b.copy(this.buf, this.n);
    this.n += b.length;
    return this;
  }
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n));
  }
}

type Json = Record<string, any>;
const us = (ms: unknown): bigint => BigInt(Math.round(Number(ms) * 1000));

/** `<s>@trade` JSON `{E, s, t, p, q, T, m}` → TradesStreamEvent (10000) with one trade. */
export function encodeTrade(j: Json): Buffer {
  const p = parseDec(j.p, 'trade price');
  const q = parseDec(j.q, 'trade qty');
  const pc = common([p]);
  const qc = common([q]);
  const o = new Out()
    .header(18, 10000)
    .i64(us(j.E))
    .i64(us(j.T ?? j.E))
    .i8(pc.exponent)
    .i8(qc.exponent);
  o.u16(25)
    .u32(1)
    .i64(j.t)
    .i64(pc.mantissa(p))
    .i64(qc.mantissa(q))
    .u8(j.m ? 1 : 0);
  return o.varString8(String(j.s)).done();
}

/** `<s>@bookTicker` JSON `{u, s, b, B, a, A}` → BestBidAskStreamEvent (10001). */
export function encodeBestBidAsk(j: Json, nowUs: bigint): Buffer {
  const [b, a] = [parseDec(j.b, 'bid price'), parseDec(j.a, 'ask price')];
  const [B, A] = [parseDec(j.B, 'bid qty'), parseDec(j.A, 'ask qty')];
  const pc = common([b, a]);
  const qc = common([B, A]);
  const o = new Out()
    .header(50, 10001)
    .i64(j.E !== undefined ? us(j.E) : nowUs)
    .i64(j.u)
    .i8(pc.exponent)
    .i8(qc.exponent);
  o.i64(pc.mantissa(b)).i64(qc.mantissa(B)).i64(pc.mantissa(a)).i64(qc.mantissa(A));
  return o.varString8(String(j.s)).done();
}

function levels(o: Out, side: readonly (readonly [unknown, unknown])[], pc: ReturnType<typeof common>, qc: ReturnType<typeof common>): void {
  o.u16(16).u16(side.length);
  for (const [p, q] of side) o.i64(pc.mantissa(parseDec(p, 'level price'))).i64(qc.mantissa(parseDec(q, 'level qty')));
}

function depthExponents(bids: readonly (readonly [unknown, unknown])[], asks: readonly (readonly [unknown, unknown])[]) {
  const all = [...bids, ...asks];
  return { pc: common(all.map(([p]) => parseDec(p, 'level price'))), qc: common(all.map(([, q]) => parseDec(q, 'level qty'))) };
}

/** `<s>@depth` JSON `{E, s, U, u, b, a}` → DepthDiffStreamEvent (10003). */
export function encodeDepthDiff(j: Json): Buffer {
  const { pc, qc } = depthExponents(j.b, j.a);
  const o = new Out().header(26, 10003).i64(us(j.E)).i64(j.U).i64(j.u).i8(pc.exponent).i8(qc.exponent);
  levels(o, j.b, pc, qc);
  levels(o, j.a, pc, qc);
  return o.varString8(String(j.s)).done();
}

/** `<s>@depth20` JSON `{lastUpdateId, bids, asks}` (spot: no symbol, no time) → DepthSnapshotStreamEvent (10002). */
export function encodeDepthSnapshot(j: Json, symbol: string, nowUs: bigint): Buffer {
  const { pc, qc } = depthExponents(j.bids, j.asks);
  const o = new Out()
    .header(18, 10002)
    .i64(j.E !== undefined ? us(j.E) : nowUs)
    .i64(j.lastUpdateId)
    .i8(pc.exponent)
    .i8(qc.exponent);
  levels(o, j.bids, pc, qc);
  levels(o, j.asks, pc, qc);
  return o.varString8(symbol).done();
}

/** SBE stream names the emulator serves → the JSON stream whose ground truth they carry. */
export function jsonStreamOf(sbeStream: string): string | undefined {
  const m = /^([a-z0-9]+)@(trade|bestBidAsk|depth|depth20)$/.exec(sbeStream);
  if (!m) return undefined;
  return m[2] === 'bestBidAsk' ? `${m[1]}@bookTicker` : sbeStream;
}

/** The SBE frame of one published JSON payload of `jsonStream` (undefined: not an SBE kind). */
export function encodeFor(jsonStream: string, raw: string, nowUs: bigint): Buffer | undefined {
  const at = jsonStream.indexOf('@');
  const kind = jsonStream.slice(at + 1);
  const j = JSON.parse(raw) as Json;
  switch (kind) {
    case 'trade':
      return encodeTrade(j);
    case 'bookTicker':
      return encodeBestBidAsk(j, nowUs);
    case 'depth':
      return encodeDepthDiff(j);
    case 'depth20':
      return encodeDepthSnapshot(j, jsonStream.slice(0, at).toUpperCase(), nowUs);
    default:
      return undefined;
  }
}
