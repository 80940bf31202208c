/**
 * `binance-stream-client-fake`: run the emulator from the command line.
 *
 *   npx binance-stream-client-fake --market spot --port 9443
 *
 * Prints the URLs (and, with --json, one JSON line) and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { FakeBinance } from './fake-binance';
import type { FakeBinanceOptions } from './options';

const HELP = `Usage: binance-stream-client-fake [options]

  --market <spot|usdm|coinm>   market profile (default spot)
  --host <addr>                bind address (default 127.0.0.1)
  --port <n>                   port, 0 = any free port (default 0)
  --seed <n|text>              data seed
  --symbols <a,b,...>          lowercase symbols (default: --symbol-count generated names)
  --symbol-count <n>           number of generated symbols (default 10)
  --time-scale <x>             divide heartbeat/lifetime/listenKey durations by x
  --stamp-field <name>         add a high-resolution send-time field to generated payloads
  --tick-ms <ms>               pacing granularity of generated streams (default 1)
  --initial-event              send an event on every stream as soon as it is subscribed
  --api-key <key>              accepted API key (repeatable; default: any non-empty key)
  --max-rest-weight <n>        REST request weight per IP per minute (default 6000 spot / 2400 futures)
  --history-retention-ms <ms>  how far back REST trades/aggTrades/klines reach (default 172800000, 48 h)
  --json                       also print one JSON line with the URLs
  -h, --help                   this help
`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RangeError(`--${name}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      market: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      symbols: { type: 'string' },
      'symbol-count': { type: 'string' },
      'time-scale': { type: 'string' },
      'stamp-field': { type: 'string' },
      'tick-ms': { type: 'string' },
      'initial-event': { type: 'boolean' },
      'api-key': { type: 'string', multiple: true },
      'max-rest-weight': { type: 'string' },
      'history-retention-ms': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const opts: FakeBinanceOptions = {
    market: values.market as FakeBinanceOptions['market'],
    host: values.host,
    port: num('port', values.port),
    seed: values.seed === undefined ? undefined : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed,
    symbols: values.symbols
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    symbolCount: num('symbol-count', values['symbol-count']),
    timeScale: num('time-scale', values['time-scale']),
    stampField: values['stamp-field'],
    tickMs: num('tick-ms', values['tick-ms']),
    initialEvent: values['initial-event'],
    apiKeys: values['api-key'],
    maxRestWeightPerMinute: num('max-rest-weight', values['max-rest-weight']),
    historyRetentionMs: num('history-retention-ms', values['history-retention-ms']),
  };
  const ex = await FakeBinance.start(opts);
  const u = ex.urls;
  process.stdout.write(
    `FakeBinance (${ex.options.market}) listening\n` +
      `  ws:    ${u.ws}\n` +
      `  http:  ${u.http}\n` +
      `  wsApi: ${u.wsApi}\n` +
      `  e.g.   ${u.ws}${ex.options.market === 'usdm' ? '/market' : ''}/stream?streams=${ex.options.symbols[0]}@aggTrade\n`,
  );
  if (values.json) process.stdout.write(JSON.stringify({ market: ex.options.market, ...u }) + '\n');
  const stop = (): void => {
    void ex.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`binance-stream-client-fake: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
