import { describe, expect, it } from 'vitest';
import { isData, parseFrame } from '../../../src/connection/frame';
import type { ControlFrame, Frame } from '../../../src/connection/frame';
import { combinedFraming, rawFraming } from '../../../src/connection/framing';

const C = combinedFraming();

function control(f: Frame): ControlFrame {
  if (isData(f)) throw new Error(`expected a control frame, got data ${JSON.stringify(f)}`);
  return f;
}
const R = rawFraming('user');

describe('parseFrame', () => {
  it('combined data: the parsed object itself, stamped with receivedAt', () => {
    const f = parseFrame('{"stream":"a@trade","data":{"t":1}}', C, 5);
    expect(f).toEqual({ stream: 'a@trade', data: { t: 1 }, receivedAt: 5 });
    expect(isData(f)).toBe(true);
  });

  it('raw data: wrapped as one message of the framing stream', () => {
    expect(parseFrame('{"e":"ORDER_TRADE_UPDATE"}', R, 7)).toEqual({ stream: 'user', data: { e: 'ORDER_TRADE_UPDATE' }, receivedAt: 7 });
  });

  it('answers: any frame with an id, in both framings', () => {
    expect(parseFrame('{"result":null,"id":3}', C)).toMatchObject({ kind: 'answer', id: 3 });
    expect(parseFrame('{"code":2,"msg":"bad","id":4}', C)).toMatchObject({ kind: 'answer', id: 4, frame: { code: 2 } });
    expect(parseFrame('{"id":9,"status":200,"result":{}}', R)).toMatchObject({ kind: 'answer', id: 9 });
  });

  it('serverShutdown in its three forms, in both framings: the one place that detects it', () => {
    for (const framing of [C, R]) {
      const f = parseFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":42}}', framing);
      expect(isData(f) ? 'data' : f.kind).toBe(framing === C ? 'shutdown' : 'data');
      expect(parseFrame('{"e":"serverShutdown","E":42}', framing)).toEqual({ kind: 'shutdown', at: 42 });
      expect(parseFrame('{"event":{"e":"serverShutdown","E":42}}', framing)).toEqual({ kind: 'shutdown', at: 42 });
    }
    expect(parseFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":42}}', C)).toEqual({ kind: 'shutdown', at: 42 });
    expect(parseFrame('{"e":"serverShutdown"}', C)).toEqual({ kind: 'shutdown', at: undefined });
  });

  it('id-less errors, unknown control frames, and invalid frames', () => {
    expect(parseFrame('{"code":3,"msg":"Invalid JSON"}', C)).toMatchObject({ kind: 'serverError', frame: { code: 3 } });
    expect(parseFrame('{"hello":1}', C)).toEqual({ kind: 'other', keys: ['hello'] });
    const bad = control(parseFrame('{"stream":', C));
    expect(bad.kind).toBe('invalid');
    expect(bad.kind === 'invalid' && bad.error.code).toBe('ERR_PARSE');
    expect(bad.kind === 'invalid' && bad.error.message).toMatch(/could not parse a frame \(10 chars\): SyntaxError: .*; starts with "\{\\"stream\\":"/);
    const scalar = control(parseFrame('42', R));
    expect(scalar.kind === 'invalid' && scalar.error.message).toMatch(/expected a JSON object, got number/);
    expect(control(parseFrame('null', C)).kind).toBe('invalid');
  });
});
