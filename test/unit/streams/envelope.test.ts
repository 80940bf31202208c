import { describe, expect, it, vi } from 'vitest';
import { isData, parseFrame } from '../../../src/connection/frame';
import { combinedFraming } from '../../../src/connection/framing';
import { EnvelopeReader, MAX_NAMES } from '../../../src/streams/envelope';

const C = combinedFraming();

/** What a frame must become, decided by a full JSON.parse (independent of the scanner). */
function reference(text: string, receivedAt: number): unknown {
  let msg: any;
  try {
    msg = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  if (msg === null || typeof msg !== 'object') return 'invalid';
  if (typeof msg.stream === 'string' && msg.data !== undefined) {
    if (msg.stream === '!serverShutdown') return { kind: 'shutdown', at: typeof msg.data?.E === 'number' ? msg.data.E : undefined };
    return { stream: msg.stream, data: msg.data, receivedAt };
  }
  return 'control';
}

function actual(text: string, receivedAt: number): unknown {
  const f = parseFrame(text, C, receivedAt);
  if (isData(f)) return f;
  if (f.kind === 'shutdown') return f;
  return f.kind === 'invalid' ? 'invalid' : 'control';
}

describe('EnvelopeReader: the stream name without materialising the envelope', () => {
  it('reads Binance’s exact form and the payload bounds', () => {
    const r = new EnvelopeReader();
    const text = '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","a":1}}';
    expect(r.read(text)).toBe('btcusdt@aggTrade');
    expect(text.slice(r.dataStart, r.dataEnd)).toBe('{"e":"aggTrade","a":1}');
    // The second time from the interning table: same value, same bounds logic.
    expect(r.read('{"stream":"btcusdt@aggTrade","data":[1,2]}')).toBe('btcusdt@aggTrade');
    expect(r.read('{"stream":"ethusdt@kline_1m","data":null}')).toBe('ethusdt@kline_1m');
    expect(r.read('{"stream":"","data":1}')).toBe('');
  });

  it.each([
    ['whitespace after the brace', '{ "stream":"a@trade","data":{}}'],
    ['whitespace around the colon', '{"stream" : "a@trade","data":{}}'],
    ['whitespace before data', '{"stream":"a@trade", "data":{}}'],
    ['a trailing newline', '{"stream":"a@trade","data":{}}\n'],
    ['data first', '{"data":{},"stream":"a@trade"}'],
    ['an escaped quote in the name', '{"stream":"a\\"b","data":{}}'],
    ['an escape in the name', '{"stream":"a\\u0040trade","data":{}}'],
    ['a control character in the name', '{"stream":"a\ttrade","data":{}}'],
    ['no data key', '{"stream":"a@trade","result":null}'],
    ['no payload', '{"stream":"a@trade","data":}'],
    ['an unterminated name', '{"stream":"a@trade'],
    ['a control reply', '{"result":null,"id":1}'],
    ['an error frame', '{"code":2,"msg":"Invalid request"}'],
    ['a raw event', '{"e":"serverShutdown","E":1}'],
    ['a name too long to be a stream', `{"stream":"${'x'.repeat(300)}","data":{}}`],
  ])('leaves %s to the full parse', (_what, text) => {
    expect(new EnvelopeReader().read(text)).toBeUndefined();
  });

  it('a full universe of names stays interned: none is evicted by another (no re-parse of a name seen before)', () => {
    const r = new EnvelopeReader();
    const names = Array.from({ length: 12_000 }, (_, i) => `s${i}usdt@${i % 2 ? 'aggTrade' : 'kline_1m'}`);
    const frame = (n: string): string => `{"stream":"${n}","data":{"E":1}}`;
    for (const n of names) expect(r.read(frame(n))).toBe(n);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (const n of [...names].reverse()) expect(r.read(frame(n))).toBe(n);
      expect(parse).not.toHaveBeenCalled(); // every name came from the table
    } finally {
      parse.mockRestore();
    }
  });

  it(`past ${MAX_NAMES} distinct names the table starts again and still reads every name right`, () => {
    const r = new EnvelopeReader();
    for (let i = 0; i < MAX_NAMES + 100; i++) {
      const n = `x${i}@trade`;
      expect(r.read(`{"stream":"${n}","data":1}`)).toBe(n);
    }
    expect(r.read('{"stream":"x5@trade","data":1}')).toBe('x5@trade');
    expect(r.read('{"stream":"x5@trade\\","data":1}')).toBeUndefined(); // an escape is still refused after a reset
  });

  it('a slice that is not JSON is reported by the full parse, with the whole frame', () => {
    const f = parseFrame('{"stream":"a@trade","data":{"x":1},"extra":2}', C, 1);
    // Valid JSON with an extra key: data, exactly as the full parse reads it.
    expect(f).toEqual({ stream: 'a@trade', data: { x: 1 }, receivedAt: 1 });
    const bad = parseFrame('{"stream":"a@trade","data":{"x":1}}}', C, 1);
    expect(!isData(bad) && bad.kind === 'invalid' && bad.error.message).toMatch(/could not parse a frame \(36 chars\)/);
  });

  it('serverShutdown through the fast path', () => {
    expect(parseFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":42}}', C, 1)).toEqual({ kind: 'shutdown', at: 42 });
  });

  it('every data message has the same shape, fast path or not', () => {
    const fast = parseFrame('{"stream":"a@trade","data":{"t":1}}', C, 3);
    const slow = parseFrame('{ "stream": "a@trade", "data": {"t":1} }', C, 3);
    expect(fast).toEqual(slow);
    expect(Object.keys(fast)).toEqual(['stream', 'data', 'receivedAt']);
    expect(Object.keys(slow)).toEqual(['stream', 'data', 'receivedAt']);
  });

  it('fuzz: agrees with a full JSON.parse on mutated envelopes', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const names = ['btcusdt@aggTrade', 'ethusdt@kline_1m', '!miniTicker@arr', 'a"b', 'a\\b', 'é@trade', 'x\u0001y', '', '!serverShutdown', 'btcusdt@depth@100ms'];
    const payloads = ['{"e":"aggTrade","a":1,"s":"BTC\\"USDT"}', '[1,2,3]', 'null', '"s"', '{"k":{"t":1,"x":false}}', '{"E":7}', '{}', '{"a":"}"}'];
    const mutate = (t: string): string => {
      const at = rnd(t.length + 1);
      switch (rnd(7)) {
        case 0:
          return t.slice(0, at) + ' ' + t.slice(at);
        case 1:
          return t.slice(0, at) + t.slice(at + 1);
        case 2:
          return t.slice(0, at) + '"' + t.slice(at);
        case 3:
          return t.slice(0, at) + '}' + t.slice(at);
        case 4:
          return t.slice(0, at) + '\\' + t.slice(at);
        case 5:
          return t + (rnd(2) ? '\n' : ',');
        default:
          return t;
      }
    };
    let fast = 0;
    const reader = new EnvelopeReader();
    for (let i = 0; i < 20_000; i++) {
      const name = names[rnd(names.length)] as string;
      const payload = payloads[rnd(payloads.length)] as string;
      let text = `{"stream":${JSON.stringify(name)},"data":${payload}}`;
      const rounds = rnd(3);
      for (let m = 0; m < rounds; m++) text = mutate(text);
      if (reader.read(text) !== undefined) fast++;
      expect(actual(text, i), text).toEqual(reference(text, i));
    }
    expect(fast).toBeGreaterThan(5000); // the fast path was exercised, not only the fallback
  });
});
