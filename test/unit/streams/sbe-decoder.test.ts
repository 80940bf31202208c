/**
 * The SBE decoder against frames built here by hand from stream_1_0.xml (a DataView writer
 * with BigInt int64s: a different technique from the decoder's own reads, and independent of
 * the emulator's encoder), field by field for every template, then the decimals, the
 * schema-extension rule and every way a frame can be malformed.
 */
import { describe, expect, it } from 'vitest';
import { SbeDecoder, frameBytes, sbeFrameDecoder } from '../../../src/streams/sbe';

class W {
  private readonly buf = new DataView(new ArrayBuffer(4096));
  n = 0;
  u8(v: number): this {
    this.buf.setUint8(this.n++, v);
    return this;
  }
  i8(v: number): this {
    this.buf.setInt8(this.n++, v);
    return this;
  }
  u16(v: number): this {
    this.buf.setUint16(this.n, v, true);
    this.n += 2;
    return this;
  }
  u32(v: number): this {
    this.buf.setUint32(this.n, v, true);
    this.n += 4;
    return this;
  }
  i64(v: bigint | number): this {
    this.buf.setBigInt64(this.n, BigInt(v), true);
    this.n += 8;
    return this;
  }
  pad(k: number): this {
    for (let i = 0; i < k; i++) this.u8(0);
    return this;
  }
  str(s: string | Uint8Array): this {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    this.u8(b.length);
    for (const x of b) this.u8(x);
    return this;
  }
  header(blockLength: number, templateId: number, schemaId = 1, version = 0): this {
    return this.u16(blockLength).u16(templateId).u16(schemaId).u16(version);
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer.slice(0, this.n));
  }
}

interface TradeIn {
  id: bigint | number;
  price: bigint | number;
  qty: bigint | number;
  maker: boolean;
}

function tradesFrame(o: { eventUs: bigint; transactUs: bigint; pe: number; qe: number; trades: TradeIn[]; symbol?: string; version?: number; extraRoot?: number; extraEntry?: number }): Uint8Array {
  const w = new W().header(18 + (o.extraRoot ?? 0), 10000, 1, o.version ?? 0);
  w.i64(o.eventUs)
    .i64(o.transactUs)
    .i8(o.pe)
    .i8(o.qe)
    .pad(o.extraRoot ?? 0);
  w.u16(25 + (o.extraEntry ?? 0)).u32(o.trades.length);
  for (const t of o.trades)
    w.i64(t.id)
      .i64(t.price)
      .i64(t.qty)
      .u8(t.maker ? 1 : 0)
      .pad(o.extraEntry ?? 0);
  return w.str(o.symbol ?? 'BTCUSDT').bytes();
}

function bbaFrame(symbol = 'ETHUSDT'): Uint8Array {
  return new W().header(50, 10001).i64(1_770_000_000_123_456n).i64(987_654_321n).i8(-2).i8(-5).i64(312_345n).i64(150_000n).i64(312_346n).i64(7n).str(symbol).bytes();
}

type Level = [bigint | number, bigint | number];
function depthFrame(diff: boolean, bids: Level[], asks: Level[], symbol = 'BNBBTC'): Uint8Array {
  const w = new W().header(diff ? 26 : 18, diff ? 10003 : 10002);
  w.i64(1_770_000_000_999_999n);
  if (diff) w.i64(1000n).i64(1004n);
  else w.i64(2024n);
  w.i8(-8).i8(-3);
  for (const side of [bids, asks]) {
    w.u16(16).u16(side.length);
    for (const [p, q] of side) w.i64(p).i64(q);
  }
  return w.str(symbol).bytes();
}

const decode = (b: Uint8Array, decimals?: 'string' | 'number') => new SbeDecoder({ decimals }).decodeAll(b, 42);

describe('SBE decoder: every field of every template', () => {
  it('TradesStreamEvent → one trade event per group entry', () => {
    const b = tradesFrame({
      eventUs: 1_770_000_000_123_456n,
      transactUs: 1_770_000_000_120_999n,
      pe: -2,
      qe: -8,
      trades: [
        { id: 5_000_000_001, price: 9_712_345, qty: 1_500_000, maker: true },
        { id: 5_000_000_002, price: 9_712_300, qty: 100_000_000, maker: false },
      ],
    });
    const out = decode(b);
    expect(out).toEqual([
      {
        stream: 'btcusdt@trade',
        receivedAt: 42,
        data: {
          e: 'trade',
          E: 1_770_000_000_123,
          s: 'BTCUSDT',
          t: 5_000_000_001,
          p: '97123.45',
          q: '0.01500000',
          T: 1_770_000_000_120,
          m: true,
          M: true,
          Eus: 1_770_000_000_123_456,
          Tus: 1_770_000_000_120_999,
        },
      },
      {
        stream: 'btcusdt@trade',
        receivedAt: 42,
        data: {
          e: 'trade',
          E: 1_770_000_000_123,
          s: 'BTCUSDT',
          t: 5_000_000_002,
          p: '97123.00',
          q: '1.00000000',
          T: 1_770_000_000_120,
          m: false,
          M: true,
          Eus: 1_770_000_000_123_456,
          Tus: 1_770_000_000_120_999,
        },
      },
    ]);
  });

  it('TradesStreamEvent with an empty trades group delivers nothing', () => {
    const b = tradesFrame({ eventUs: 1n, transactUs: 1n, pe: -2, qe: -2, trades: [] });
    const seen: unknown[] = [];
    expect(new SbeDecoder().decode(b, 0, (m) => void seen.push(m))).toBe(0);
    expect(seen).toEqual([]);
  });

  it('BestBidAskStreamEvent → a bookTicker-shaped event with E and Eus', () => {
    expect(decode(bbaFrame())).toEqual([
      {
        stream: 'ethusdt@bestBidAsk',
        receivedAt: 42,
        data: { u: 987_654_321, s: 'ETHUSDT', b: '3123.45', B: '1.50000', a: '3123.46', A: '0.00007', E: 1_770_000_000_123, Eus: 1_770_000_000_123_456 },
      },
    ]);
  });

  it('DepthSnapshotStreamEvent → a partial-depth event on <symbol>@depth20', () => {
    const out = decode(
      depthFrame(
        false,
        [
          [123_400_000n, 5n],
          [123_300_000n, 1_000n],
        ],
        [[123_500_000n, 12_345n]],
      ),
    );
    expect(out).toEqual([
      {
        stream: 'bnbbtc@depth20',
        receivedAt: 42,
        data: {
          lastUpdateId: 2024,
          bids: [
            ['1.23400000', '0.005'],
            ['1.23300000', '1.000'],
          ],
          asks: [['1.23500000', '12.345']],
          s: 'BNBBTC',
          E: 1_770_000_000_999,
          Eus: 1_770_000_000_999_999,
        },
      },
    ]);
  });

  it('DepthDiffStreamEvent → a depthUpdate on <symbol>@depth; empty groups are empty arrays', () => {
    const out = decode(depthFrame(true, [], [[1n, 0n]]));
    expect(out).toEqual([
      { stream: 'bnbbtc@depth', receivedAt: 42, data: { e: 'depthUpdate', E: 1_770_000_000_999, s: 'BNBBTC', U: 1000, u: 1004, b: [], a: [['0.00000001', '0.000']], Eus: 1_770_000_000_999_999 } },
    ]);
    expect(decode(depthFrame(true, [], []))[0]!.data).toMatchObject({ b: [], a: [] });
  });

  it('decimals as numbers on request', () => {
    const [m] = decode(bbaFrame(), 'number');
    expect(m!.data).toMatchObject({ b: 3123.45, B: 1.5, a: 3123.46, A: 0.00007 });
  });
});

describe('SBE decimals: mantissa × 10^exponent, exact', () => {
  const table: [mantissa: bigint, exponent: number, text: string][] = [
    [123456n, -2, '1234.56'],
    [5n, -8, '0.00000005'],
    [0n, -8, '0.00000000'],
    [100000000n, -8, '1.00000000'],
    [-15n, -1, '-1.5'],
    [-5n, -3, '-0.005'],
    [12n, 3, '12000'],
    [0n, 0, '0'],
    [0n, 4, '0'],
    [7n, 0, '7'],
    [9_007_199_254_740_991n, -8, '90071992.54740991'], // 2^53 - 1, the largest exact double
    [8_999_999_999_999_999n, -8, '89999999.99999999'], // m / 10^8 rounds up to 9e7: the fraction must not go negative
    [6_400_001_000_000n, -8, '64000.01000000'],
    [123n, -15, '0.000000000000123'],
    [9_007_199_254_740_993n, -4, '900719925474.0993'], // 2^53 + 1: beyond a double, still exact
    [-9_223_372_036_854_775_808n, -2, '-92233720368547758.08'], // int64 minimum
    [9_223_372_036_854_775_807n, -18, '9.223372036854775807'],
    [1n, -30, '0.000000000000000000000000000001'],
    [3n, -128, `0.${'0'.repeat(127)}3`],
  ];
  it.each(table)('mantissa %s, exponent %i → %s (string) and the nearest double (number)', (m, e, text) => {
    const b = new W().header(50, 10001).i64(1n).i64(1n).i8(e).i8(0).i64(m).i64(0n).i64(0n).i64(0n).str('X').bytes();
    expect((decode(b)[0]!.data as any).b).toBe(text);
    expect((decode(b, 'number')[0]!.data as any).b).toBe(Number(text));
  });
});

describe('SBE decimals: 20,000 random mantissas against a BigInt reference (the string cache never answers wrong)', () => {
  it('every one exact, strings and numbers', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    const ref = (m: bigint, e: number): string => {
      const neg = m < 0n;
      const d = (neg ? -m : m).toString();
      if (e >= 0) return (neg ? '-' : '') + (d === '0' ? '0' : d + '0'.repeat(e));
      const k = -e;
      const p = d.padStart(k + 1, '0');
      return `${neg ? '-' : ''}${p.slice(0, p.length - k)}.${p.slice(p.length - k)}`;
    };
    const d = new SbeDecoder();
    const n = new SbeDecoder({ decimals: 'number' });
    for (let i = 0; i < 20_000; i++) {
      // Mostly small mantissas that collide in the cache, some up to int64, a few negative; exponents -18..2.
      const big = rnd() % 10 === 0;
      let m = big ? (BigInt(rnd()) << 31n) ^ BigInt(rnd()) : BigInt(rnd() % 5000);
      if (rnd() % 25 === 0) m = -m;
      const e = (rnd() % 21) - 18;
      const frame = new W()
        .header(50, 10001)
        .i64(1n)
        .i64(1n)
        .i8(e)
        .i8(e)
        .i64(m)
        .i64(m + 1n)
        .i64(0n)
        .i64(0n)
        .str('X')
        .bytes();
      const data = d.decodeAll(frame)[0]!.data as any;
      expect([data.b, data.B]).toEqual([ref(m, e), ref(m + 1n, e)]);
      expect((n.decodeAll(frame)[0]!.data as any).b).toBe(Number(ref(m, e)));
    }
  });
});

describe('SBE schema evolution and symbols', () => {
  it('a newer version of schema 1 with longer blocks and entries decodes (extra bytes skipped)', () => {
    const base = { eventUs: 10_000n, transactUs: 9_000n, pe: -1, qe: -1, trades: [{ id: 7, price: 15, qty: 20, maker: true }] };
    const v0 = decode(tradesFrame(base));
    const v1 = decode(tradesFrame({ ...base, version: 1, extraRoot: 4, extraEntry: 3 }));
    expect(v1).toEqual(v0);
    expect(v0[0]!.data).toMatchObject({ t: 7, p: '1.5', q: '2.0', E: 10, T: 9, Eus: 10_000, Tus: 9_000 });
  });

  it('UTF-8 symbols decode; the symbol table never mixes two symbols up', () => {
    const d = new SbeDecoder();
    expect(d.decodeAll(bbaFrame('币安USDT'))[0]).toMatchObject({ stream: '币安usdt@bestBidAsk', data: { s: '币安USDT' } });
    const names = ['AAAUSDT', 'AABUSDT', 'BAAUSDT', 'AAAUSDT', 'X', 'XX'].map((s) => d.decodeAll(bbaFrame(s))[0]!.stream);
    expect(names).toEqual(['aaausdt@bestBidAsk', 'aabusdt@bestBidAsk', 'baausdt@bestBidAsk', 'aaausdt@bestBidAsk', 'x@bestBidAsk', 'xx@bestBidAsk']);
  });

  it('bytes arrive as Buffer, ArrayBuffer, a view with an offset, or ws fragments', () => {
    const b = bbaFrame();
    const shifted = new Uint8Array(b.length + 3);
    shifted.set(b, 3);
    const forms: unknown[] = [Buffer.from(b), b.buffer, new DataView(shifted.buffer, 3, b.length), [Buffer.from(b.subarray(0, 5)), Buffer.from(b.subarray(5))]];
    for (const f of forms) expect(Array.from(frameBytes(f))).toEqual(Array.from(b));
    expect(() => frameBytes('text')).toThrow(expect.objectContaining({ code: 'ERR_SBE_DECODE' }));
    const seen: string[] = [];
    sbeFrameDecoder()(b.buffer, 1, (m) => void seen.push(m.stream));
    expect(seen).toEqual(['ethusdt@bestBidAsk']);
  });
});

describe('SBE frames rejected with ERR_SBE_DECODE', () => {
  const valid: [string, Uint8Array][] = [
    ['trades', tradesFrame({ eventUs: 1n, transactUs: 1n, pe: -2, qe: -2, trades: [{ id: 1, price: 1, qty: 1, maker: false }] })],
    ['bestBidAsk', bbaFrame()],
    ['depth20', depthFrame(false, [[1n, 1n]], [[2n, 2n]])],
    ['depth', depthFrame(true, [[1n, 1n]], [])],
  ];

  it.each(valid)('%s: every truncation and one extra byte are rejected before any event goes out', (_name, b) => {
    const d = new SbeDecoder();
    const seen: unknown[] = [];
    for (let len = 0; len < b.length; len++) {
      expect(() => d.decode(b.subarray(0, len), 0, (m) => void seen.push(m)), `length ${len}`).toThrow(
        expect.objectContaining({ code: 'ERR_SBE_DECODE', message: expect.stringMatching(/truncated/) }),
      );
    }
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    expect(() => d.decode(longer, 0, (m) => void seen.push(m))).toThrow(expect.objectContaining({ code: 'ERR_SBE_DECODE', message: expect.stringMatching(/oversized: 1 bytes after the message/) }));
    expect(seen).toEqual([]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['another schema id', new W().header(50, 10001, 2, 0).pad(50).str('X').bytes(), /schema id 2 version 0.*reads schema id 1.*template 10001 \(BestBidAskStreamEvent\), schema 2:0, offset 4/],
    ['an unknown template', new W().header(18, 10099).pad(18).str('X').bytes(), /unknown template id 10099.*template 10099, schema 1:0, offset 2/],
    ['a root block shorter than version 0', new W().header(40, 10001, 1, 3).pad(40).str('X').bytes(), /root block of 40 bytes.*needs at least 50.*schema 1:3/],
    ['trade entries shorter than version 0', new W().header(18, 10000).pad(18).u16(24).u32(0).str('X').bytes(), /trades entries of 24 bytes.*TradesStreamEvent.*offset 26/],
    ['depth levels shorter than version 0', new W().header(18, 10002).pad(18).u16(8).u16(0).u16(16).u16(0).str('X').bytes(), /bids entries of 8 bytes/],
    ['an empty symbol', new W().header(50, 10001).i64(1n).pad(42).u8(0).bytes(), /empty symbol/],
    [
      'a symbol that is not UTF-8',
      new W()
        .header(50, 10001)
        .i64(1n)
        .pad(42)
        .str(new Uint8Array([0xff, 0xfe]))
        .bytes(),
      /not valid UTF-8/,
    ],
    ['a negative event time', new W().header(50, 10001).i64(-1n).pad(42).str('X').bytes(), /eventTime -1/],
    [
      'an update id beyond 2^53',
      new W()
        .header(50, 10001)
        .i64(1n)
        .i64(2n ** 60n)
        .pad(34)
        .str('X')
        .bytes(),
      /bookUpdateId is beyond 2\^53/,
    ],
  ];
  it.each(bad)('%s', (_name, b, message) => {
    expect(() => new SbeDecoder().decode(b, 0, () => {})).toThrow(expect.objectContaining({ name: 'BinanceStreamError', code: 'ERR_SBE_DECODE', message: expect.stringMatching(message) }));
  });

  it('a bad decimals option is ERR_INVALID_OPTION', () => {
    expect(() => new SbeDecoder({ decimals: 'float' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
