/**
 * Log lines as an operator reads them: the right level, one line per event, structured
 * fields (numbers as numbers, errors as { name, code, message }).
 */
import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from 'binance-stream-client/advanced';
import { BinanceStreamClient, ConstantBackoff, type LogFields, type Logger } from 'binance-stream-client';
import { onCleanup, startEmulator } from '../helpers/emulator';
import { until } from '../helpers/wait';

interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: LogFields;
  msg: string;
}

function recorder(): { lines: Line[]; logger: Logger } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (fields: LogFields, msg: string) => void lines.push({ level, fields, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('client logging', () => {
  it('a malformed frame with no error listener is one WARN line, never an ERROR', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 50 } });
    const { lines, logger } = recorder();
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget(), logger });
    onCleanup(() => c.stop());
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    expect(ex.faults.malformedFrame({ all: true })).toBeGreaterThan(0);
    await until(() => lines.some((l) => JSON.stringify(l.fields).includes('ERR_PARSE')), { message: 'the parse error logged' });
    const parse = lines.filter((l) => JSON.stringify(l.fields).includes('ERR_PARSE') && l.level !== 'debug');
    expect(parse.map((l) => l.level)).toEqual(['warn']);
    expect(parse[0]?.fields.error).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_PARSE', message: expect.stringContaining('ERR_PARSE') });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a retry is a WARN line with attempt and maxRetries as numbers, the delay in ms and the error as an object', async () => {
    const ex = await startEmulator({ symbols: ['btcusdt'], rates: { aggTrade: 50 } });
    const { lines, logger } = recorder();
    const c = new BinanceStreamClient({ ...ex.clientOptions(), connectionBudget: new ConnectionBudget(), retryPolicy: new ConstantBackoff({ delayMs: 20, maxRetries: 5 }), logger });
    onCleanup(() => c.stop());
    c.subscribe('btcusdt@aggTrade');
    await c.start();
    ex.faults.rejectUpgrades({ status: 503, count: 1 });
    ex.faults.close({ all: true }, { code: 1006 });
    await until(() => lines.some((l) => l.level === 'warn' && typeof l.fields.attempt === 'number' && l.fields.attempt >= 2), { message: 'a second retry logged' });
    const retry = lines.find((l) => l.level === 'warn' && l.fields.attempt === 2)!;
    expect(retry.fields).toMatchObject({ attempt: 2, maxRetries: 5, delayMs: 20 });
    expect(retry.fields.error).toMatchObject({ name: 'BinanceStreamError', code: 'ERR_HANDSHAKE_REJECTED', httpStatus: 503 });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
