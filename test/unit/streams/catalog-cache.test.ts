import { describe, expect, it } from 'vitest';
import { checkStreamKind } from '../../../src/streams/catalog';

// checkStreamKind remembers the kinds it found valid (10,000 subscriptions of one kind check it once):
// what it remembers must never let through a name it would refuse.
describe('checkStreamKind: kinds found valid are remembered per market, never more', () => {
  it('a remembered kind stays bound to its market, its suffix and its parameter; retired names stay refused', () => {
    checkStreamKind('btcusdt@depth@100ms', 'spot');
    checkStreamKind('ethusdt@depth@100ms', 'spot');
    expect(() => checkStreamKind('ethusdt@depth@250ms', 'spot')).toThrow(/250ms/);
    checkStreamKind('ethusdt@kline_1m', 'spot');
    expect(() => checkStreamKind('ethusdt@kline_7m', 'spot')).toThrow(/7m/);
    checkStreamKind('!ticker@arr', 'usdm');
    checkStreamKind('!ticker@arr', 'usdm');
    expect(() => checkStreamKind('!ticker@arr', 'spot')).toThrow(/retired/);
    checkStreamKind('btcusdt@markPrice', 'usdm');
    expect(() => checkStreamKind('btcusdt@markPrice', 'spot')).toThrow(/markPrice/);
    for (let i = 0; i < 5000; i++) checkStreamKind(`s${i}usdt@aggTrade`, 'spot');
  });
});
